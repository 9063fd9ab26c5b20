"""Native formula of the safe leverage (kept beside the engine's definition it mirrors).

``rotation_addin.core.leverage.safe_leverage`` with the position's entry bracket:

    limit = 1 / ((k·σ·√h + gap)·(1 − side·MMR) + MMR − cum/notional)   side: +1 long, −1 short

(the exact isolated liquidation distance is (1/L − MMR)/(1 − side·MMR); a sheet whose side is
neither long nor short uses the short's, the nearer one)
    cap    = MIN(bracket max leverage, contract max leverage)
    safe L = MAX(1, MIN(FLOOR(limit), MAX(1, FLOOR(cap))))

(the engine floors ``x·(1 + 1e-12)`` so 1/0.05 = 19.999999999999996 counts as 20; so does
the sheet). The cap is what ``rotation leverage --symbol`` and ``=SAFE_LEVERAGE()`` pass as
``max_leverage``: the contract's maximum never lifts the bracket's, nor the reverse (an empty
B22 is ignored by MIN). Inputs: B18 σ, B19 k, B20 h, B21 gap, B22 contract max leverage;
B24 side sign, B29 notional, B36 entry bracket, I6:I17 cum, B37 entry MMR, B38 bracket max
leverage.
"""

from __future__ import annotations

ENTRY_CUM_SHARE = "IF($B$29>0,INDEX($I$6:$I$17,$B$36)/$B$29,0)"
"""cum / notional of the entry bracket (m = MMR − cum/notional in the engine)."""
VOLATILITY_LIMIT = (
    "1/(($B$19*$B$18*SQRT($B$20)+$B$21)*(1-IF($B$24=1,1,-1)*$B$37)+$B$37-"
    f"{ENTRY_CUM_SHARE})"
)

SAFE_LEVERAGE_FORMULA = (
    f"=MAX(1,MIN(ROUNDDOWN({VOLATILITY_LIMIT}*(1+1E-12),0),"
    "MAX(1,ROUNDDOWN(MIN($B$38,$B$22)*(1+1E-12),0))))"
)
