"""Self-contained HTML report of a whole-strategy backtest: inline SVG charts, no scripts.

One file, no external resource: the equity curves (strategy, BTC buy-and-hold, equal-weight
universe), the drawdown, the metrics table, the random-rotation distribution (a
histogram with the strategy's total return marked), the
monthly-returns table, the trade and cost figures, the execution conventions and the
warnings, and with a sweep its findings, the Sharpe of every setting as bars and a row per
setting. Every number comes from :class:`~rotation_addin.core.strategy_report.StrategySummary`
and :class:`~rotation_addin.desk.backtest.SweepSummary`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rotation_addin.core.performance import Metrics
from rotation_addin.core.strategy_report import StrategySummary
from rotation_addin.desk.backtest import sweep_lines

if TYPE_CHECKING:
    from rotation_addin.desk.backtest import SweepSummary

WIDTH, HEIGHT, PAD = 860, 260, 48
COLOURS = ("#1f6feb", "#d29922", "#8b949e")


def _pct(value: float, digits: int = 1) -> str:
    return f"{100 * value:+.{digits}f} %" if math.isfinite(value) else "n/a"


def _num(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if math.isfinite(value) else "n/a"


def _polyline(values: np.ndarray, low: float, high: float, colour: str) -> str:
    n = len(values)
    span = high - low if high > low else 1.0
    xs = PAD + np.arange(n) * (WIDTH - 2 * PAD) / max(1, n - 1)
    ys = HEIGHT - PAD - (values - low) / span * (HEIGHT - 2 * PAD)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True)
                      if math.isfinite(y))
    return f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>'


def svg_chart(title: str, series: Sequence[tuple[str, pd.Series]], *, log: bool = False,
              percent: bool = False) -> str:
    """A line chart as an inline ``<svg>``: one polyline per series, axis labels, legend."""
    arrays = [np.asarray(s, dtype=float) for _, s in series]
    shown = [np.log10(a) if log else a for a in arrays]
    finite = np.concatenate([a[np.isfinite(a)] for a in shown])
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    lines = [_polyline(a, low, high, COLOURS[k % len(COLOURS)]) for k, a in enumerate(shown)]

    def label(value: float) -> str:
        real = 10 ** value if log else value
        return f"{100 * real:.0f} %" if percent else f"{real:,.0f}"

    index = series[0][1].index
    legend = "".join(
        f'<text x="{PAD + 170 * k}" y="18" fill="{COLOURS[k % len(COLOURS)]}">'
        f"{html.escape(name)}</text>" for k, (name, _) in enumerate(series))
    axis = (f'<text x="4" y="{PAD}">{label(high)}</text>'
            f'<text x="4" y="{HEIGHT - PAD}">{label(low)}</text>'
            f'<text x="{PAD}" y="{HEIGHT - 12}">{pd.Timestamp(index[0]):%Y-%m-%d}</text>'
            f'<text x="{WIDTH - PAD - 70}" y="{HEIGHT - 12}">'
            f"{pd.Timestamp(index[-1]):%Y-%m-%d}</text>")
    frame = (f'<rect x="{PAD}" y="{PAD}" width="{WIDTH - 2 * PAD}" '
             f'height="{HEIGHT - 2 * PAD}" fill="none" stroke="#ccc"/>')
    return (f'<figure><figcaption>{html.escape(title)}</figcaption>'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'font-size="11" font-family="sans-serif">{frame}{"".join(lines)}{legend}{axis}'
            f"</svg></figure>")


HISTOGRAM_BINS = 20


def histogram_svg(title: str, values: Sequence[float], marker: float, marker_label: str,
                  bins: int = HISTOGRAM_BINS) -> str:
    """Counts of ``values`` (fractions) in ``bins`` equal bins from the lowest to the highest
    of them and ``marker``, as bars, with ``marker`` as a vertical line: where one result
    stands in a distribution. Each bar's ``<title>`` says its count and range."""
    data = np.asarray([x for x in values if math.isfinite(x)], dtype=float)
    if data.size == 0 or not math.isfinite(marker):
        return ""
    low, high = float(min(data.min(), marker)), float(max(data.max(), marker))
    counts, edges = np.histogram(data, bins=bins, range=(low, high if high > low else low + 1))
    width, tallest = (WIDTH - 2 * PAD) / bins, max(1, int(counts.max()))
    tall = [n / tallest * (HEIGHT - 2 * PAD) for n in counts]
    bars = "".join(
        f'<rect x="{PAD + k * width + 1:.1f}" y="{HEIGHT - PAD - tall[k]:.1f}" '
        f'width="{max(1.0, width - 2):.1f}" height="{tall[k]:.1f}" fill="{COLOURS[2]}">'
        f"<title>{n} seeds from {_pct(edges[k])} to {_pct(edges[k + 1])}</title></rect>"
        for k, n in enumerate(counts))
    x = PAD + (marker - edges[0]) / (edges[-1] - edges[0]) * (WIDTH - 2 * PAD)
    line = (f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{PAD}" y2="{HEIGHT - PAD}" '
            f'stroke="{COLOURS[0]}" stroke-width="2"/><text x="{min(x + 4, WIDTH - 200):.1f}" '
            f'y="{PAD - 6}" fill="{COLOURS[0]}">{html.escape(marker_label)}</text>')
    axis = (f'<text x="{PAD}" y="{HEIGHT - 12}">{_pct(edges[0])}</text>'
            f'<text x="{WIDTH - PAD - 70}" y="{HEIGHT - 12}">{_pct(edges[-1])}</text>'
            f'<text x="4" y="{PAD}">{tallest}</text><text x="4" y="{HEIGHT - PAD}">0</text>')
    return (f"<figure><figcaption>{html.escape(title)}</figcaption>"
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'font-size="11" font-family="sans-serif">{bars}{line}{axis}</svg></figure>')


def _metrics_rows(items: Sequence[tuple[str, Metrics]]) -> str:
    head = ("<tr><th></th><th>total return</th><th>CAGR</th><th>volatility</th><th>Sharpe"
            "</th><th>Sortino</th><th>Calmar</th><th>max drawdown</th><th>longest drawdown"
            "</th></tr>")
    rows = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{_pct(m.total_return)}</td><td>{_pct(m.cagr)}"
        f"</td><td>{_pct(m.volatility)}</td><td>{_num(m.sharpe)}</td><td>{_num(m.sortino)}"
        f"</td><td>{_num(m.calmar)}</td><td>{_pct(m.max_drawdown)}</td>"
        f"<td>{m.max_drawdown_days} d</td></tr>" for name, m in items)
    return f"<table>{head}{rows}</table>"


def _monthly(table: pd.DataFrame) -> str:
    head = "<tr><th>year</th>" + "".join(f"<th>{m}</th>" for m in table.columns) + "</tr>"
    body = "".join(
        f"<tr><th>{year}</th>" + "".join(
            f"<td>{_pct(float(x))}</td>" if math.isfinite(float(x)) else "<td></td>"
            for x in row) + "</tr>"
        for year, row in zip(table.index, table.to_numpy(dtype=float), strict=True))
    return f"<table>{head}{body}</table>"


def _facts(s: StrategySummary) -> str:
    r, t = s.result, s.trades
    pairs = [
        ("trades", str(t.trades)), ("win rate", _pct(t.win_rate) if t.trades else "n/a"),
        ("average R", _num(t.average_r)), ("liquidations", str(t.liquidations)),
        ("exits", ", ".join(f"{k} {n}" for k, n in t.exit_reasons.items()) or "none"),
        ("mean gross exposure", f"{_num(s.exposure)} x equity"),
        ("turnover", f"{_num(s.turnover_per_year, 1)} x mean equity per year"),
        ("fees paid", f"{r.fees_usd:,.2f} USD"),
        ("funding", f"{-r.funding_usd:,.2f} USD paid" if r.funding_usd <= 0
         else f"{r.funding_usd:,.2f} USD received"),
        ("rule refusals", ", ".join(f"{k} {n}" for k, n in r.refusals_by_rule.items())
         or "none"),
        ("decisions", str(r.decisions)),
    ]
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                               for k, v in pairs) + "</table>"


def sharpe_bars(sweep: SweepSummary) -> str:
    """Every setting's Sharpe as one bar, highest first, the best in the strategy's colour:
    how far the chosen setting stands from the crowd of trials the DSR deflates it by."""
    shown = sweep.sharpe_bars()
    values = [bar.height for bar in shown]
    unskilled = sweep.unskilled_best_sharpe
    low, high = min(0.0, unskilled, *values), max(0.0, unskilled, *values)
    span = high - low if high > low else 1.0
    step = (WIDTH - 2 * PAD) / max(1, len(values))
    zero = HEIGHT - PAD - (0.0 - low) / span * (HEIGHT - 2 * PAD)
    bars = []
    for slot, bar in enumerate(shown):
        y = HEIGHT - PAD - (bar.height - low) / span * (HEIGHT - 2 * PAD)
        colour = COLOURS[0] if bar.best else COLOURS[2]
        bars.append(f'<rect x="{PAD + slot * step + 1:.1f}" y="{min(y, zero):.1f}" '
                    f'width="{max(1.0, step - 2):.1f}" height="{abs(zero - y):.1f}" '
                    f'fill="{colour}"><title>{html.escape(bar.label)}: Sharpe '
                    f"{_num(sweep.rows[bar.row].sharpe)}</title></rect>")
    line = HEIGHT - PAD - (unskilled - low) / span * (HEIGHT - 2 * PAD)
    axis = (f'<text x="4" y="{PAD}">{high:.2f}</text>'
            f'<text x="4" y="{HEIGHT - PAD}">{low:.2f}</text>'
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{zero:.1f}" y2="{zero:.1f}" '
            'stroke="#ccc"/>'
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{line:.1f}" y2="{line:.1f}" '
            f'stroke="{COLOURS[1]}" stroke-dasharray="6 4"/>'
            f'<text x="{PAD}" y="{HEIGHT - PAD + 16}" fill="{COLOURS[1]}">dashed: the '
            f"expected best of {len(values)} unskilled trials, {unskilled:.2f}</text>")
    return (f"<figure><figcaption>Annualised Sharpe of each of the {len(values)} settings, "
            f'highest first (the best in blue)</figcaption><svg xmlns="http://www.w3.org/2000/svg" '
            f'width="{WIDTH}" height="{HEIGHT}" font-size="11" font-family="sans-serif">'
            f'{"".join(bars)}{axis}</svg></figure>')


def _sweep_section(sweep: SweepSummary | None) -> str:
    """The sweep's findings, the Sharpe bars and one row per setting (best marked)."""
    if sweep is None:
        return ""
    facts = "".join(f"<li>{html.escape(line)}</li>" for line in sweep_lines(sweep))
    head = ("<tr><th>setting</th><th>total return</th><th>Sharpe</th><th>max drawdown</th>"
            "</tr>")
    rows = "".join(
        f"<tr><th>{html.escape(row.label)}{' (best)' if k == sweep.result.best else ''}"
        f"</th><td>{_pct(row.total_return)}</td><td>{_num(row.sharpe)}</td>"
        f"<td>{_pct(row.max_drawdown)}</td></tr>" for k, row in enumerate(sweep.rows))
    return (f"<h2>Parameter sweep</h2><ul>{facts}</ul>{sharpe_bars(sweep)}"
            f"<table>{head}{rows}</table><p>The best setting's Sharpe is in sample (it saw "
            "every day): read the deflated Sharpe ratio and the out-of-sample figure.</p>")


def render_html(s: StrategySummary, sweep: SweepSummary | None = None) -> str:
    """The whole report as one HTML document (UTF-8 text), with the parameter sweep's
    section when ``sweep`` is given."""
    r = s.result
    random = s.random
    spread = ", ".join(f"p{q} {_pct(x)}" for q, x in random.percentiles.items())
    charts = svg_chart("Equity (USD, log scale)", [
        ("strategy", r.equity), ("BTC buy-and-hold", s.btc_equity),
        ("equal-weight universe", s.equal_weight_equity)], log=True)
    charts += svg_chart("Drawdown of the strategy", [("drawdown", s.drawdown)], percent=True)
    lists = "".join(f"<li>{html.escape(c)}</li>" for c in s.conventions)
    every = [*r.warnings, *(sweep.warnings if sweep is not None else ())]  # the CLI's list
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in every) or "<li>none</li>"
    simulated = ("<p><b>Simulated market:</b> this says how the tool behaves, nothing about "
                 "real markets.</p>" if r.source.startswith("demo") else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Rotation Desk backtest</title>
<style>body{{font-family:sans-serif;max-width:920px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ddd;padding:3px 6px;
text-align:right;font-size:13px}}figcaption{{font-weight:bold}}</style></head><body>
<h1>Whole-strategy backtest</h1>
<p>source: {html.escape(r.source)}; {s.strategy.start:%Y-%m-%d} to {s.strategy.end:%Y-%m-%d}
({s.strategy.days} days); initial equity {r.params.equity_usd:,.2f} USD, compounding.</p>
{simulated}{charts}
<h2>Metrics (annualised with 365 days, risk-free rate 0)</h2>
{_metrics_rows([("strategy", s.strategy), ("BTC buy-and-hold", s.btc),
                ("equal-weight universe", s.equal_weight)])}
<p>Random-sector rotation ({random.seeds} seeds, a random sector every {random.every_days}
days, taker fee on switches): total return {spread}; the strategy beat
{100 * random.share_beaten:.0f} % of the seeds.</p>
{histogram_svg(f"Total return of the {random.seeds} random-sector rotations (seeds per bin) "
               "and the strategy's", random.total_returns, s.strategy.total_return,
               f"strategy {_pct(s.strategy.total_return)}")}
<h2>Trades and costs</h2>{_facts(s)}
<h2>Monthly returns</h2>{_monthly(s.monthly_returns)}
{_sweep_section(sweep)}
<h2>How fills are modelled</h2><ul>{lists}</ul>
<h2>Warnings</h2><ul>{warnings}</ul>
<p>In-sample, one period of one market: a measurement, not a forecast.</p>
</body></html>
"""
