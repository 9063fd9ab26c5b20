"""Native formula of the safe leverage (kept beside the engine's definition it mirrors).

``rotation_addin.core.leverage.safe_leverage`` with the position's entry bracket:

    limit = 1 / (k·σ·√h + gap + MMR)
    cap    = MIN(bracket max leverage, contract max leverage)
    safe L = MAX(1, MIN(FLOOR(limit), MAX(1, FLOOR(cap))))

(the engine floors ``x·(1 + 1e-12)`` so 1/0.05 = 19.999999999999996 counts as 20; so does
the sheet). The cap is what ``rotation leverage --symbol`` and ``=SAFE_LEVERAGE()`` pass as
``max_leverage``: the contract's maximum never lifts the bracket's, nor the reverse (an empty
B22 is ignored by MIN). Inputs: B18 σ, B19 k, B20 h, B21 gap, B22 contract max leverage;
B37 entry MMR, B38 bracket max leverage.
"""

from __future__ import annotations

VOLATILITY_LIMIT = "1/($B$19*$B$18*SQRT($B$20)+$B$21+$B$37)"

SAFE_LEVERAGE_FORMULA = (
    f"=MAX(1,MIN(ROUNDDOWN({VOLATILITY_LIMIT}*(1+1E-12),0),"
    "MAX(1,ROUNDDOWN(MIN($B$38,$B$22)*(1+1E-12),0))))"
)
