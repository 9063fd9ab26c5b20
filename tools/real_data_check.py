"""What real data says: the tool's own analytics run on the Coin Metrics daily prices.

Regenerate ``docs/real-data-check.md`` with::

    .venv/bin/python -m tools.real_data_check ../shared/data/coinmetrics \
        > docs/real-data-check.md

The folder is read through the product's CSV import (``data/csv_import.py``) with the
bundled universe; nothing from it is copied into the package (CC BY-NC data). The sections are
in :mod:`tools.real_data_structure` and :mod:`tools.real_data_regime`, the inputs and
formatting in :mod:`tools.real_data_inputs`; the claims and the document are built here.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd

from tools.real_data_inputs import (
    ATTRIBUTION,
    COMMAND,
    FORWARD_DAYS,
    HEDGE_THRESHOLD,
    fmt_num,
    fmt_pct,
    load_inputs,
)
from tools.real_data_regime import (
    section_divergence,
    section_regime,
    section_rotation,
    section_trend,
)
from tools.real_data_structure import (
    section_betas,
    section_data,
    section_render_compute,
    section_stress,
    section_structure,
)


# ----------------------------------------------------------------------------- claims
def _render_claim(render: dict[str, float]) -> str:
    hedge_days = max(render["USD_30_share_hedge"], render["BTC-relative_30_share_hedge"])
    negative_days = max(render["USD_30_share_negative"],
                        render["BTC-relative_30_share_negative"])
    verdict = ("Contradicted" if hedge_days == 0.0 and negative_days < 0.10
               else "Not supported" if hedge_days < 0.10 else "Partly supported")
    return (
        f"**\"Render and compute move inversely / are natural hedges.\"** {verdict}: the "
        f"30-day USD correlation of the two sector indices was negative on "
        f"{fmt_pct(render['USD_30_share_negative'])} of days (minimum "
        f"{fmt_num(render['USD_30_min'])}, median {fmt_num(render['USD_30_median'])}); "
        f"BTC-relative it was negative on {fmt_pct(render['BTC-relative_30_share_negative'])} "
        f"of days and below {HEDGE_THRESHOLD} on "
        f"{fmt_pct(render['BTC-relative_30_share_hedge'])} (minimum "
        f"{fmt_num(render['BTC-relative_30_min'])}). These are the sector indices; single "
        "member pairs (e.g. RENDER vs AKT) are noisier and dip below zero more often "
        "(docs/demo-market.md counts member-pair windows). Say only that the correlation is "
        "measured and shown; never present one as a hedge for the other."
    )


def _structure_claim(structure: dict[str, float], betas: pd.DataFrame) -> str:
    sectors = betas[betas["kind"] == "sector"]
    weak = structure["residual_gap"] < 0.10
    return (
        "**\"Sectors are separate bets; holding several diversifies.\"** "
        f"{'Not supported' if weak else 'Partly supported'}: BTC explains "
        f"{fmt_pct(float(sectors['r_squared'].min()), 0)}–"
        f"{fmt_pct(float(sectors['r_squared'].max()), 0)} of each sector index's daily variance, "
        "and after removing BTC the intra-sector residual correlation "
        f"({fmt_num(structure['residual_intra'])}) is "
        f"{'barely above' if weak else 'above'} the inter-sector one "
        f"({fmt_num(structure['residual_inter'])}; gap {fmt_num(structure['residual_gap'])})."
        + (" Sector labels carry little structure beyond the market factor." if weak else "")
    )


def _stress_claim(stress: dict[str, float]) -> str:
    rises = stress["adjusted_mean"] >= stress["normal_mean"]
    return (
        "**\"Positions in different sectors offset each other in a sell-off.\"** "
        f"{'Contradicted' if rises else 'Not supported'}: on BTC's worst-decile days the "
        f"correlation between sector indices goes from {fmt_num(stress['normal_mean'])} (normal "
        f"days) to {fmt_num(stress['stress_mean'])} raw, {fmt_num(stress['adjusted_mean'])} after "
        "the Forbes–Rigobon adjustment, and large down days coincide about "
        f"{fmt_num(stress['co_crash_ratio_mean'], 0)}× as often as independence predicts. "
        "Keep the rule that stressed risk assumes correlation 1."
    )


def _regime_claim(regime: dict[str, float]) -> str | None:
    on, off = regime["risk-on_forward"], regime["risk-off_forward"]
    if not (math.isfinite(on) and math.isfinite(off)) or on > off:
        return None
    return (
        "**\"A risk-on regime (falling dominance, growing stablecoins) is the time to rotate "
        "into alts.\"** Not supported here: after risk-on calls the alt basket went on to "
        f"return {fmt_pct(on)} vs BTC over the next {FORWARD_DAYS} days on average, after "
        f"risk-off calls {fmt_pct(off)}. (Dominance is a price proxy in this check, and the "
        "equity input had no data.) Present the regime as a description of current "
        "conditions and a risk gate, not as a forecast of alt performance."
    )


def _rotation_claim(rotation: dict[str, float]) -> str | None:
    rate, baseline = rotation["rate"], rotation["baseline"]
    noise = abs(rotation["mean_excess"]) < 2 * rotation["error"]
    if not math.isfinite(rate) or (rate > baseline + 0.05 and not noise):
        return None
    return (
        "**\"Rotating into the sector with the best relative momentum wins.\"** Not "
        f"supported on this period: the 30-day BTC-relative leader beat the sector mean over "
        f"the next week {fmt_pct(rate)} of {int(rotation['total'])} times vs {fmt_pct(baseline)} "
        f"for any sector; its mean excess {fmt_pct(rotation['mean_excess'], 2)} ± "
        f"{fmt_pct(rotation['error'], 2)} per week is "
        f"{'within noise' if noise else 'small'}. Present scores as a ranking, not a forecast."
    )


def claims_section(
    structure: dict[str, float],
    render: dict[str, float],
    stress: dict[str, float],
    betas: pd.DataFrame,
    regime: dict[str, float],
    rotation: dict[str, float],
) -> str:
    """The list other surfaces' help texts must respect, derived from the numbers."""
    lines = [_render_claim(render), _structure_claim(structure, betas), _stress_claim(stress)]
    lines += [c for c in (_regime_claim(regime), _rotation_claim(rotation)) if c]
    lines.append(
        "**\"Divergence predicted 87 % of major rotations.\"** Not verified: this data has "
        "no sentiment series; the tool reports its own measured hit rate beside a random-day "
        "baseline (`signal_hit_rate`), never the 87 %."
    )
    residual = betas["residual_vol_annual"]
    lines.append(
        "**\"15 %-a-day sectors are where leverage makes sense.\"** Wrong by construction "
        "(see STRATEGY.md layer 3): higher volatility means lower safe leverage; even the "
        f"volatility BTC does not explain is {fmt_pct(float(residual.min()), 0)}–"
        f"{fmt_pct(float(residual.max()), 0)} a year here."
    )
    return "## Claims the tool must not repeat\n\n" + "\n".join(f"- {line}" for line in lines)


def build_markdown(folder: Path | str) -> str:
    """Run every check on the CSV folder and return the whole markdown document."""
    inputs = load_inputs(Path(folder))
    data = section_data(inputs)
    betas_text, betas = section_betas(inputs)
    structure_text, structure = section_structure(inputs)
    render_text, render = section_render_compute(inputs)
    stress_text, stress = section_stress(inputs)
    trend_text = section_trend(inputs)
    regime_text, regime = section_regime(inputs)
    rotation_text, rotation = section_rotation(inputs)
    header = "\n\n".join([
        "# What real data says (generated)",
        f"{ATTRIBUTION}. Daily reference rates, used for testing and calibration only -- "
        "non-commercial licence, not redistributed with the product.",
        "This page is the tool's own output, not hand-written: regenerate it with\n\n"
        f"    {COMMAND}",
    ])
    parts = [header, claims_section(structure, render, stress, betas, regime, rotation), data,
             betas_text, structure_text, render_text, stress_text, trend_text, regime_text,
             rotation_text, section_divergence(), ATTRIBUTION + "."]
    return "\n\n".join(parts) + "\n"


def main(folder: Path | str | None = None) -> int:
    """Print the markdown for ``folder`` (default: first command-line argument)."""
    target = folder if folder is not None else (sys.argv[1] if len(sys.argv) > 1 else None)
    if target is None:
        print("usage: python -m tools.real_data_check FOLDER", file=sys.stderr)
        return 2
    sys.stdout.write(build_markdown(target))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
