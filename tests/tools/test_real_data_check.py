"""The real-data report runs on the Coin Metrics folder and its key figures are right."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from tools.real_data_check import ATTRIBUTION, COMMAND, build_markdown


def _pandas_render_compute(folder: Path) -> pd.Series:
    """30-day USD correlation of the render and compute equal-weight indices, plain pandas."""
    def returns(name: str) -> pd.Series:
        price = pd.read_csv(folder / f"{name}.csv", index_col="date")["price_usd"]
        return np.log(price).diff().loc[:"2023-12-15"]

    render = pd.concat([returns("rndr"), returns("theta")], axis=1).mean(axis=1)
    compute = pd.concat([returns(n) for n in ("akt", "glm", "rlc")], axis=1).mean(axis=1)
    return render.rolling(30).corr(compute).dropna()


def test_report_on_real_data(coinmetrics_dir: Path) -> None:
    text = build_markdown(coinmetrics_dir)
    assert ATTRIBUTION in text and COMMAND in text
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections[0] == "## Claims the tool must not repeat"
    assert "87 %" in text and "never the 87 %" in text
    assert '"no data"' in text  # the equity input is absent and says so
    # independent figure: minimum of the 30-day USD render/compute correlation
    reference = _pandas_render_compute(coinmetrics_dir)
    usd_row = next(line for line in text.splitlines() if line.startswith("| USD | 30 d |"))
    cells = [c.strip() for c in usd_row.strip("|").split("|")]
    assert cells[2] == str(len(reference))
    assert cells[3] == f"{100 * (reference < 0).mean():.1f} %"
    assert cells[5].startswith(f"{reference.min():.2f} (")
    assert not re.search(r"\bnan\b|\binf\b", text.lower())


def test_the_committed_page_is_the_reports_output(coinmetrics_dir: Path) -> None:
    """docs/real-data-check.md says it is the tool's own output: every figure on it is what
    the report computes from the data today (a change to the analytics regenerates it)."""
    page = Path(__file__).resolve().parents[2] / "docs" / "real-data-check.md"
    assert page.read_text(encoding="utf-8") == build_markdown(coinmetrics_dir), \
        f"regenerate: {COMMAND}"


SECTOR_FILES = {"render": ("rndr", "theta"), "gpu_compute": ("akt", "glm", "rlc"),
                "ai_inference": ("fet", "wld", "arkm"), "ai_infra": ("fil", "ar", "grt"),
                "mining": ("bch", "ltc")}


def test_readme_quotes_the_share_btc_explains(coinmetrics_dir: Path) -> None:
    """README's "BTC explains 34–64 % of each sector's daily variance": the smallest and
    largest sector R² of the report's beta table, and of a plain-pandas regression."""
    def returns(name: str) -> pd.Series:
        price = pd.read_csv(coinmetrics_dir / f"{name}.csv", index_col="date")["price_usd"]
        return np.log(price).diff().loc[:"2023-12-15"]

    btc = returns("btc")
    plain = sorted(round(100 * pd.concat([returns(n) for n in names], axis=1).mean(axis=1)
                         .corr(btc) ** 2) for names in SECTOR_FILES.values())
    text = build_markdown(coinmetrics_dir)
    r2 = [int(cells[4].rstrip(" %")) for line in text.splitlines()
          if len(cells := [c.strip() for c in line.strip("|").split("|")]) == 7
          and cells[1] == "sector"]
    assert sorted(r2) == plain
    readme = Path(__file__).resolve().parents[2] / "README.md"
    flat = " ".join(readme.read_text(encoding="utf-8").split())
    assert f"BTC explains {min(r2)}–{max(r2)} % of each sector's daily variance" in flat
