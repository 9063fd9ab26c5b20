"""What the venue tests share: a quick client's options and the hand-walked order book."""

from __future__ import annotations

QUICK = {"max_retries": 0, "timeout_s": 2.0}
"""Client options for emulator tests: no retries, a short timeout."""


def hand_walk(levels: tuple[tuple[float, float], ...], notional: float) -> float:
    """Average fill price of ``notional`` USD walked level by level through ``levels``
    ``(price, size)``, written out by hand as the reference for the slippage code."""
    left, amount = notional, 0.0
    for price, size in levels:
        take = min(left, price * size)
        amount += take / price
        left -= take
    assert left <= 1e-9
    return notional / amount
