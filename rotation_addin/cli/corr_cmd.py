"""``rotation corr``: sector correlation matrix, betas to BTC, stress vs normal, inverse pairs."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rotation_addin.cli import term
from rotation_addin.cli.analytics_common import (
    _emit_csv,
    _header,
    _load,
    _pct,
    _print_data_warnings,
    _rounded,
    data_warnings,
)
from rotation_addin.core import claims, formats
from rotation_addin.core.constants import HEDGE_THRESHOLD

if TYPE_CHECKING:
    from rotation_addin.core.dataset import MarketDataset
    from rotation_addin.core.report import CorrelationPicture

__all__ = ["run_corr"]

INVERSE_PAIRS_CAVEAT = f"{claims.INVERSE_PAIRS_CAVEAT} (docs/real-data-check.md)"
NOISY_WINDOW_DAYS = 30
"""Below this window a sample correlation is too noisy to read as a relationship."""
def _matrix_rows(matrix: Any) -> list[list[Any]]:
    labels = [str(c) for c in matrix.columns]
    values = matrix.to_numpy()
    return [[a, b, float(values[i, j])] for i, a in enumerate(labels)
            for j, b in enumerate(labels) if i < j]


def run_corr(args: argparse.Namespace) -> int:
    from rotation_addin.desk import analytics  # deferred: see _desk

    dataset = _load(args)
    window = args.window or analytics.DEFAULT_CORRELATION_WINDOW_DAYS
    picture = analytics.correlation(dataset, window)
    kind = "relative" if args.relative else "usd"
    matrix = picture.sector_matrix_relative if args.relative else picture.sector_matrix_usd
    hedges = picture.natural_hedges_relative if args.relative else picture.natural_hedges_usd
    if args.json:
        print(term.to_json(_corr_json(dataset, picture, kind, matrix, hedges, args.stress)))
        return 0
    if args.csv:
        if args.stress:
            _emit_csv(dataset, ["first", "second", "normal_corr", "stress_corr",
                                "stress_corr_adjusted", "co_crash_rate", "co_crash_ratio"],
                      _stress_rows(picture))
        else:
            _emit_csv(dataset, ["returns", "window_days", "first", "second", "correlation"],
                      [[kind, window, *row] for row in _matrix_rows(matrix)])
        return 0
    print(_header(dataset))
    label = "BTC-relative" if args.relative else "USD"
    print(f"sector correlation, {label} daily log returns, last {window} days")
    labels = [str(c) for c in matrix.columns]
    print(term.render_table(["", *labels], [
        [a, *_rounded(list(matrix.loc[a]), formats.CORRELATION_DECIMALS)] for a in labels]))
    print()
    # the figures of `rotation sectors`' beta and BTC R² columns, written as there
    print(term.render_table(["sector", "beta to BTC (90 d)", "BTC explains (90 d)"], [
        [str(k), formats.format_number(float(r["beta"]), formats.RATIO_DECIMALS),
         formats.format_pct(float(r["r_squared"]))] for k, r in picture.betas.iterrows()]))
    if args.stress:
        print()
        _print_stress(picture)
    print()
    for line in _inverse_pair_lines(hedges, window):
        print(line)
    if math.isfinite(picture.average_pairwise):
        print("average pairwise correlation: "
              f"{formats.format_correlation(picture.average_pairwise)}")
    if picture.decay_alert is not None:
        print(f"correlation trend: {picture.decay_alert.state} - {picture.decay_alert.message}")
    for warning in picture.warnings:
        print(f"warning: {warning}")
    _print_data_warnings(dataset)
    return 0


def _inverse_pair_lines(hedges: Sequence[Any], window: int) -> list[str]:
    """Pairs below :data:`HEDGE_THRESHOLD`, said as a measurement (never as a hedge), with the
    window's noise; listed as the app and the workbook list them."""
    # deferred: pandas off CLI start-up (bench/bench_cli_start.py)
    from rotation_addin.core.correlation_picture import inverse_pairs_listed

    label = f"inverse pairs (correlation < {HEDGE_THRESHOLD:g} over {window} days)"
    if not hedges:
        return [f"{label}: none"]
    lines = [f"{label}: {inverse_pairs_listed(hedges)} - {INVERSE_PAIRS_CAVEAT}"]
    if window < NOISY_WINDOW_DAYS:
        # 95 % band of a sample correlation around 0 (Fisher z): +-tanh(1.96 / sqrt(n - 3))
        band = math.tanh(1.96 / math.sqrt(max(window - 3, 1)))
        lines.append(f"note: a {window}-day correlation is mostly noise "
                     f"(+-{formats.format_correlation(band)} at 95 % when the true value is "
                     f"0); use --window {NOISY_WINDOW_DAYS} or more")
    return lines


def _stress_rows(picture: CorrelationPicture) -> list[list[Any]]:
    if picture.stress is None:
        return []
    table = picture.stress.table
    rows: list[list[Any]] = []
    for key, r in table.iterrows():
        first, second = key if isinstance(key, tuple) else (key, "")
        rows.append([str(first), str(second), float(r["normal_corr"]), float(r["stress_corr"]),
                     float(r["stress_corr_adjusted"]), float(r["co_crash_rate"]),
                     float(r["co_crash_ratio"])])
    return rows


def _print_stress(picture: CorrelationPicture) -> None:
    stress = picture.stress
    if stress is None:
        print("stress correlation: not available (see warnings)")
        return
    print(f"stress days (whole history, not the window): BTC daily log return <= "
          f"{stress.threshold_return:+.2%} ({stress.stress_days} days) vs "
          f"{stress.normal_days} normal days")
    print(term.render_table(
        ["sector", "vs", "normal", "stress", "stress adj.", "co-crash %", "co-crash x indep."],
        [[a, b, *_rounded([n, s, adj, _pct(rate), ratio], 2)]
         for a, b, n, s, adj, rate, ratio in _stress_rows(picture)]))
    print("a raw stress-day correlation is biased by the higher volatility of those days "
          "(Forbes-Rigobon); 'stress adj.' corrects for it, co-crash counts joint k-sigma falls.")


def _corr_json(dataset: MarketDataset, picture: CorrelationPicture, kind: str, matrix: Any,
               hedges: Any, stress: bool) -> dict[str, Any]:
    labels = [str(c) for c in matrix.columns]
    body: dict[str, Any] = {
        "source": dataset.source, "as_of": dataset.as_of, "window_days": picture.window_days,
        "returns": kind, "labels": labels,
        "matrix": [[float(x) for x in row] for row in matrix.to_numpy()],
        "betas": {str(k): {"beta": float(r["beta"]), "btc_explained_share": float(r["r_squared"])}
                  for k, r in picture.betas.iterrows()},
        "natural_hedges": list(hedges),
        "natural_hedges_note": f"pairs with correlation < {HEDGE_THRESHOLD:g} over the "
                               f"window; {INVERSE_PAIRS_CAVEAT}",
        "average_pairwise_correlation": picture.average_pairwise,
        "decay_alert": picture.decay_alert,
        "warnings": picture.warnings,
        "data_warnings": data_warnings(dataset),
    }
    if stress:
        heads = ["first", "second", "normal_corr", "stress_corr", "stress_corr_adjusted",
                 "co_crash_rate", "co_crash_ratio"]
        body["stress"] = [dict(zip(heads, row, strict=True)) for row in _stress_rows(picture)]
        if picture.stress is not None:
            body["stress_threshold_return"] = picture.stress.threshold_return
            body["stress_days"] = picture.stress.stress_days
    return body


