"""Social volume and on-chain activity from Santiment's GraphQL API.

``POST {base}/graphql`` with header ``Authorization: Apikey <key>`` and a ``getMetric`` query;
the answer is ``{"data": {"getMetric": {"timeseriesData": [{"datetime": ..., "value": ...}]}}}``
or ``{"errors": [{"message": ...}]}``. Metrics used: ``social_volume_total`` (mentions per day)
and ``daily_active_addresses`` (on-chain activity). The key comes from the OS keyring
(``rotation_addin.data.secrets``) and is never logged or put in an error message: the
server's error text is redacted of it (:mod:`rotation_addin.data.redact`), since a gateway may
echo the Authorization header.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.data.paths import config_dir
from rotation_addin.data.providers.http import DEFAULT_POLICY, HttpPolicy, get_json
from rotation_addin.data.redact import redact

DEFAULT_BASE_URL = "https://api.santiment.net"
PROVIDER = "Santiment"
SOCIAL_METRIC = "social_volume_total"
ONCHAIN_METRIC = "daily_active_addresses"


@dataclass(frozen=True)
class SentimentSeries:
    """Daily sentiment inputs for several bases.

    Attributes
    ----------
    social_volume, onchain_activity : pd.DataFrame
        Wide by base, UTC-midnight index named ``date``.
    failures : tuple[tuple[str, str], ...]
        ``(base, reason)`` for each base that could not be fetched (reported, not dropped).
    """

    social_volume: pd.DataFrame
    onchain_activity: pd.DataFrame
    failures: tuple[tuple[str, str], ...]


def load_slugs(override: Path | None = None) -> dict[str, str]:
    """Base -> Santiment slug: bundled defaults updated by ``<config>/santiment_slugs.toml``."""
    text = resources.files("rotation_addin.resources").joinpath("santiment_slugs.toml").read_text()
    slugs: dict[str, str] = dict(tomllib.loads(text)["slugs"])
    path = override or config_dir() / "santiment_slugs.toml"
    if path.exists():
        try:
            user = tomllib.loads(path.read_text(encoding="utf-8")).get("slugs", {})
        except tomllib.TOMLDecodeError as exc:
            raise InputError(str(path), f"is not valid TOML: {exc}") from None
        slugs.update({str(k).upper(): str(v) for k, v in user.items()})
    return slugs


def build_query(metric: str, slug: str, start: date, end: date) -> str:
    """GraphQL text for one metric of one project between two days (inclusive)."""
    for name, value in (("metric", metric), ("slug", slug)):
        if not value or not all(ch.isalnum() or ch in "-_" for ch in value):
            raise InputError(name, f"must be letters, digits, '-' or '_' (got {value!r})")
    if end < start:
        raise InputError("until", f"must not be before since ({start})")
    return (
        f'{{ getMetric(metric: "{metric}") {{ timeseriesData(slug: "{slug}", '
        f'from: "{start.isoformat()}T00:00:00Z", to: "{end.isoformat()}T23:59:59Z", '
        f'interval: "1d") {{ datetime value }} }} }}'
    )


def parse_timeseries(payload: Any, *, label: str) -> pd.Series:
    """Parse a ``getMetric.timeseriesData`` answer into a daily Series."""
    if isinstance(payload, dict) and payload.get("errors"):
        messages = "; ".join(str(e.get("message", e)) for e in payload["errors"][:3])
        raise DataError(f"{PROVIDER}: {label}: {messages}")
    try:
        points = payload["data"]["getMetric"]["timeseriesData"]
        stamps = [pd.Timestamp(p["datetime"]).tz_convert("UTC").normalize() for p in points]
        values = [float(p["value"]) for p in points]
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{PROVIDER}: {label}: malformed answer ({exc!r})") from None
    if any(not math.isfinite(v) or v < 0 for v in values):
        raise DataError(f"{PROVIDER}: {label}: negative or non-finite values")
    series = pd.Series(values, index=pd.DatetimeIndex(stamps, name="date"), dtype="float64")
    return series[~series.index.duplicated(keep="last")].sort_index()


def fetch_metric(
    metric: str,
    slug: str,
    start: date,
    end: date,
    *,
    api_key: str,
    base_url: str = DEFAULT_BASE_URL,
    policy: HttpPolicy = DEFAULT_POLICY,
) -> pd.Series:
    """Fetch one daily metric for one project."""
    if not api_key:
        raise InputError("api_key", "Santiment needs an API key (store it with "
                                    "`rotation providers set-key santiment`)")
    try:
        payload = get_json(
            PROVIDER,
            f"{base_url.rstrip('/')}/graphql",
            method="POST",
            payload={"query": build_query(metric, slug, start, end)},
            headers={"Authorization": f"Apikey {api_key}"},
            policy=policy,
        )
        return parse_timeseries(payload, label=f"{metric} for {slug}")
    except DataError as exc:  # the server's text may echo our Authorization header
        raise DataError(redact(str(exc), [api_key])) from None


def fetch_sentiment(
    bases: Iterable[str],
    start: date,
    end: date,
    *,
    api_key: str,
    base_url: str = DEFAULT_BASE_URL,
    slugs: dict[str, str] | None = None,
    policy: HttpPolicy = DEFAULT_POLICY,
) -> SentimentSeries:
    """Fetch social volume and on-chain activity for every base; failures are listed."""
    slug_map = slugs if slugs is not None else load_slugs()
    social: dict[str, pd.Series] = {}
    chain: dict[str, pd.Series] = {}
    failures: list[tuple[str, str]] = []
    for base in bases:
        slug = slug_map.get(base)
        if slug is None:
            failures.append((base, "no Santiment slug known (add it to santiment_slugs.toml)"))
            continue
        try:
            social[base] = fetch_metric(SOCIAL_METRIC, slug, start, end, api_key=api_key,
                                        base_url=base_url, policy=policy)
            chain[base] = fetch_metric(ONCHAIN_METRIC, slug, start, end, api_key=api_key,
                                       base_url=base_url, policy=policy)
        except DataError as exc:
            failures.append((base, str(exc)))
            social.pop(base, None)
    index_name = "date"
    social_frame = pd.DataFrame(social)
    chain_frame = pd.DataFrame(chain)
    social_frame.index.name = index_name
    chain_frame.index.name = index_name
    return SentimentSeries(social_frame, chain_frame, tuple(failures))
