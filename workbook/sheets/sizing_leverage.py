"""Native formula of the safe leverage (kept beside the engine's definition it mirrors).

``rotation_addin.core.leverage.safe_leverage``: the largest L whose liquidation distance
(≈ 1/L − MMR) still exceeds k·σ·√h plus the gap buffer, capped by the bracket's maximum:

    L = MIN(max leverage, 1 / (k·σ·√h + gap + MMR))
"""

from __future__ import annotations

SAFE_LEVERAGE_FORMULA = "=MIN($B$38,1/($B$19*$B$18*SQRT($B$20)+$B$21+$B$37))"
