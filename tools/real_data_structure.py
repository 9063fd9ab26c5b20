"""Real-data check, market structure: data coverage, betas, sector structure, render vs compute,
stress correlation.

Part of :mod:`tools.real_data_check`.
"""

from __future__ import annotations

import math

import pandas as pd

from rotation_addin.core.correlation import (
    correlation_matrix,
    natural_hedges,
    pair_correlation_profile,
    residual_correlation,
    sector_betas,
    sector_structure,
    stress_correlation,
)
from rotation_addin.core.returns import relative_returns
from tools.real_data_inputs import (
    COMPUTE,
    HEDGE_THRESHOLD,
    RENDER,
    Inputs,
    fmt_day,
    fmt_num,
    fmt_pct,
    matrix_cell,
    md_table,
    sector_returns,
)


# ----------------------------------------------------------------------------- sections
def section_data(inputs: Inputs) -> str:
    r = inputs.returns
    rows = []
    for sector, members in inputs.universe.sectors.items():
        for base in members:
            series = r[base].dropna()
            rows.append([sector, base, fmt_day(series.index[0]), fmt_day(series.index[-1]),
                         str(len(series))])
    missing = ", ".join(inputs.dataset.missing_symbols) or "none"
    late = [b for b in r.columns if r[b].first_valid_index() != r.index[0]]
    late_text = ", ".join(f"{b} from {fmt_day(r[b].first_valid_index())}" for b in late)
    return "\n\n".join([
        "## Data",
        f"Daily USD reference rates, imported with the product's CSV import "
        f"(`rotation_addin.data.csv_import.import_csv_folder`, bundled universe; `rndr` is "
        f"imported as RENDER). Analysis period: {fmt_day(r.index[0])} to {fmt_day(r.index[-1])} "
        f"({len(r)} daily log returns; it ends where most altcoin files end). Coin Metrics "
        "stamps a price at 00:00 UTC of its date; the import keeps that date, which shifts the "
        "day label by one against exchange candles but changes no correlation.",
        md_table(["sector", "base", "first return", "last return", "days"], rows),
        f"Universe members without data (reported, not used): {missing}. "
        + (f"Late starters: {late_text}; a sector index averages only the members with a "
           "return that day." if late else ""),
    ])


def section_betas(inputs: Inputs) -> tuple[str, pd.DataFrame]:
    betas = sector_betas(inputs.returns, inputs.universe)
    rows = [[str(name), str(row["kind"]), str(row["sector"]), fmt_num(row["beta"]),
             fmt_pct(row["r_squared"], 0), fmt_pct(row["residual_vol_annual"], 0),
             str(int(row["observations"]))]
            for name, row in betas.iterrows()]
    text = "\n\n".join([
        "## The market factor: beta to BTC and the share of variance BTC explains",
        "OLS of each daily USD log return on BTC's (`core.correlation.sector_betas`). "
        "R² = share of the daily variance BTC explains; residual vol = what is left, "
        "annualised with √365. Sector rows are the equal-weight sector indices.",
        md_table(["name", "kind", "sector", "beta", "R² (BTC)", "residual vol / yr", "days"],
               rows),
    ])
    return text, betas


def section_structure(inputs: Inputs) -> tuple[str, dict[str, float]]:
    r = inputs.returns
    u = inputs.universe
    usd = sector_structure(correlation_matrix(r), u)
    rel = sector_structure(correlation_matrix(relative_returns(r)), u)
    res = sector_structure(residual_correlation(r, u.benchmark), u)
    rows = [[label, fmt_num(s.intra_sector_mean), fmt_num(s.inter_sector_mean), fmt_num(s.gap),
             f"{s.intra_pairs} / {s.inter_pairs}"]
            for label, s in (("USD returns", usd), ("BTC-relative returns", rel),
                             ("residuals after the BTC factor", res))]
    by_sector = [[sector, fmt_num(usd.by_sector.get(sector, math.nan)),
                  fmt_num(res.by_sector.get(sector, math.nan))] for sector in res.by_sector]
    text = "\n\n".join([
        "## Sector structure beyond the market factor",
        "Mean pairwise correlation of assets inside the same sector versus across sectors "
        "(full period, pairwise-complete days; `core.correlation.sector_structure` on "
        "`correlation_matrix` and on `residual_correlation`). If the sectors were real "
        "clusters, the intra-sector mean would clearly exceed the inter-sector mean once BTC "
        "is removed.",
        md_table(["returns", "intra-sector", "inter-sector", "gap", "pairs intra / inter"], rows),
        md_table(["sector", "intra, USD", "intra, residual"], by_sector),
    ])
    return text, {"usd_gap": usd.gap, "residual_gap": res.gap,
                  "residual_intra": res.intra_sector_mean,
                  "residual_inter": res.inter_sector_mean}


def section_render_compute(inputs: Inputs) -> tuple[str, dict[str, float]]:
    facts: dict[str, float] = {}
    rows = []
    for relative in (False, True):
        index = sector_returns(inputs, relative)
        label = "BTC-relative" if relative else "USD"
        for window in (30, 90):
            p = pair_correlation_profile(index[RENDER].rename(RENDER),
                                         index[COMPUTE].rename(COMPUTE), window,
                                         hedge_threshold=HEDGE_THRESHOLD)
            rows.append([label, f"{window} d", str(p.windows), fmt_pct(p.share_negative),
                         fmt_pct(p.share_below_hedge),
                         f"{fmt_num(p.minimum)} ({fmt_day(p.minimum_date)})",
                         fmt_num(p.median), fmt_num(p.maximum)])
            facts[f"{label}_{window}_share_negative"] = p.share_negative
            facts[f"{label}_{window}_min"] = p.minimum
            facts[f"{label}_{window}_share_hedge"] = p.share_below_hedge
            facts[f"{label}_{window}_median"] = p.median
    r = inputs.returns
    full_usd = correlation_matrix(r.drop(columns=[inputs.universe.benchmark]))
    full_rel = correlation_matrix(relative_returns(r))
    hedges_usd = natural_hedges(full_usd, HEDGE_THRESHOLD)
    hedges_rel = natural_hedges(full_rel, HEDGE_THRESHOLD)
    members = [[a, b, fmt_num(matrix_cell(full_usd, a, b)), fmt_num(matrix_cell(full_rel, a, b))]
               for a in inputs.universe.sectors[RENDER] for b in inputs.universe.sectors[COMPUTE]]
    facts["hedges_full_usd"] = float(len(hedges_usd))
    facts["hedges_full_rel"] = float(len(hedges_rel))
    hedge_text = ", ".join(f"{h.first}/{h.second} {h.correlation:+.2f}" for h in hedges_rel)
    text = "\n\n".join([
        "## Do render and compute ever move inversely?",
        "Rolling Pearson correlation of the `render` (RENDER, THETA) and `gpu_compute` "
        "(AKT, GLM, RLC) sector indices (`pair_correlation_profile`). BTC-relative = each "
        "member's log return minus BTC's, then the equal-weight index.",
        md_table(["returns", "window", "windows", "share < 0", f"share < {HEDGE_THRESHOLD}",
                "minimum (date)", "median", "maximum"], rows),
        "Member pairs, full-period correlation:",
        md_table(["render member", "compute member", "USD", "BTC-relative"], members),
        f"Natural hedges (full-period correlation < {HEDGE_THRESHOLD}, any two assets): "
        f"USD {len(hedges_usd)}, BTC-relative {len(hedges_rel)}"
        + (f" ({hedge_text})." if hedges_rel else "."),
    ])
    return text, facts


def section_stress(inputs: Inputs) -> tuple[str, dict[str, float]]:
    sectors = sector_returns(inputs, relative=False)
    sectors[inputs.universe.benchmark] = inputs.returns[inputs.universe.benchmark]
    result = stress_correlation(sectors, inputs.universe.benchmark, 0.10, k_sigma=2.0)
    rows = [[f"{pair[0]} / {pair[1]}", fmt_num(row["normal_corr"]), fmt_num(row["stress_corr"]),
             fmt_num(row["stress_corr_adjusted"]), fmt_pct(row["co_crash_rate"]),
             fmt_pct(row["co_crash_expected"], 2), fmt_num(row["co_crash_ratio"], 1)]
            for pair, row in zip(result.table.index, result.table.to_dict("records"),
                                 strict=True)]
    table = result.table
    alt_pairs = table[[inputs.universe.benchmark not in pair for pair in table.index]]
    facts = {
        "normal_mean": float(alt_pairs["normal_corr"].mean()),
        "stress_mean": float(alt_pairs["stress_corr"].mean()),
        "adjusted_mean": float(alt_pairs["stress_corr_adjusted"].mean()),
        "co_crash_ratio_mean": float(table["co_crash_ratio"].mean()),
        "variance_ratio": result.benchmark_variance_ratio,
    }
    text = "\n\n".join([
        "## Stress versus normal correlation",
        f"Stress days: BTC's daily log return at or below its 10 % quantile "
        f"({fmt_pct(result.threshold_return, 2)}; {result.stress_days} stress days, "
        f"{result.normal_days} normal days). BTC's return variance on stress days is "
        f"{fmt_num(result.benchmark_variance_ratio)}× its normal-day variance, so the raw stress "
        "correlation is biased (Forbes–Rigobon 2002); the adjusted column removes that bias "
        "(ρ* = ρ/√(1+δ(1−ρ²)), δ = variance ratio − 1; for pairs without BTC this is the "
        "usual approximation). Co-crash: share of days on which both fell more than 2σ "
        "(own full-period σ), against the product of the two single crash rates "
        "(what independence predicts).",
        md_table(["pair (sector indices, USD)", "normal", "stress (raw)", "stress (FR-adjusted)",
                "co-crash rate", "if independent", "ratio"], rows),
        f"Mean over the sector-index pairs without BTC: normal {fmt_num(facts['normal_mean'])}, "
        f"raw stress {fmt_num(facts['stress_mean'])}, adjusted stress "
        f"{fmt_num(facts['adjusted_mean'])}. Big down days come together: co-crashes happen "
        f"about {fmt_num(facts['co_crash_ratio_mean'], 0)}× as often as independence would give.",
    ])
    return text, facts
