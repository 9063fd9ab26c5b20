"""Seeded random processes of the demo market: streams, Student-t, GARCH(1,1), AR(1), ramps.

Every stream is keyed by (seed, tags), so the simulated values never depend on call order.
"""

from __future__ import annotations

import math
import zlib

import numpy as np


def seeded_rng(seed: int, *tags: str) -> np.random.Generator:
    """Independent stream per (seed, tags): stable across runs and call order."""
    key = [seed, *(zlib.crc32(t.encode("utf-8")) for t in tags)]
    return np.random.default_rng(np.random.SeedSequence(key))


def unit_t(rng: np.random.Generator, dof: float, size: int | tuple[int, ...]) -> np.ndarray:
    """Student-t draws scaled to unit variance (dof > 2)."""
    return rng.standard_t(dof, size) / math.sqrt(dof / (dof - 2.0))


def garch_volatility(
    z: np.ndarray, variance: np.ndarray, alpha: np.ndarray, beta: np.ndarray
) -> np.ndarray:
    """Conditional volatilities of GARCH(1,1) paths driven by unit innovations ``z``.

    ``sigma2_t = omega + alpha * sigma2_{t-1} * z_{t-1}^2 + beta * sigma2_{t-1}`` with
    ``omega = variance * (1 - alpha - beta)`` so the unconditional variance is ``variance``.
    ``z`` has shape (days, paths); the other arrays shape (paths,).
    """
    days = z.shape[0]
    sigma2 = np.empty_like(z)
    omega = variance * (1.0 - alpha - beta)
    sigma2[0] = variance
    z2 = z * z
    for t in range(1, days):
        sigma2[t] = omega + sigma2[t - 1] * (alpha * z2[t - 1] + beta)
    out: np.ndarray = np.sqrt(sigma2)
    return out


def ar1(rng: np.random.Generator, days: int, phi: float, sd: float, width: int = 1) -> np.ndarray:
    """Stationary AR(1) noise of shape (days, width) with marginal s.d. ``sd``."""
    shocks = rng.standard_normal((days, width)) * sd * math.sqrt(1.0 - phi * phi)
    first = rng.standard_normal(width) * sd
    return ar1_recursion(shocks, first, phi)


def ar1_backward(rng: np.random.Generator, length: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) of ``length`` steps, marginal s.d. ``sd``, generated from its end.

    ``out[-1] = sd * z_0`` (the stream's first draw) and ``out[t-1] = phi * out[t] + e_t``
    with ``e ~ N(0, sd^2 (1 - phi^2))``. A stationary Gaussian AR(1) is time-reversible, so
    this has the law of the forward recursion; the last value needs one draw only.
    """
    out = np.empty(length)
    out[-1] = rng.standard_normal() * sd
    if length > 1:
        shocks = (rng.standard_normal(length - 1) * (sd * math.sqrt(1.0 - phi * phi))).tolist()
        value = float(out[-1])
        values = [value]
        for shock in reversed(shocks):
            value = phi * value + shock
            values.append(value)
        out[:] = values[::-1]
    return out


def ar1_recursion(shocks: np.ndarray, first: np.ndarray, phi: float) -> np.ndarray:
    """``out[0] = first``, ``out[t] = phi * out[t-1] + shocks[t]`` (row-wise, all columns)."""
    out = np.empty_like(shocks)
    out[0] = first
    for t in range(1, shocks.shape[0]):
        out[t] = phi * out[t - 1] + shocks[t]
    return out


def ramp(target: np.ndarray, start: int, peak: int, height: float, *, decay: int) -> None:
    """Add a linear rise from ``start`` to ``height`` at ``peak``, then exponential decay."""
    n = target.size
    for t in range(max(start, 0), min(peak + 4 * decay, n)):
        if t <= peak:
            target[t] += height * (t - start + 1) / (peak - start + 1)
        else:
            target[t] += height * math.exp(-(t - peak) / decay)
