"""Loopback emulator of the macro and sentiment providers (CoinGecko, DefiLlama, FRED, Santiment).

One ``ThreadingHTTPServer`` on 127.0.0.1 speaks each provider's dialect on its own path:

* ``GET  /coingecko/api/v3/global``
* ``GET  /coingecko/api/v3/coins/{id}/market_chart?vs_currency=usd&days=N`` (market caps:
  ``ProviderData.market_caps`` by CoinGecko id, or by default caps whose BTC share is the
  macro frame's ``btc_dominance``: BTC = D x total, the other coins split the rest)
* ``GET  /llama/stablecoincharts/all``
* ``GET  /fred/graph/fredgraph.csv?id=SP500``
* ``POST /santiment/graphql`` (needs ``Authorization: Apikey <key>``)

It serves frames given to it (e.g. the demo market's macro and sentiment series) and can
inject faults per path prefix: ``status`` (an HTTP error code, ``count`` times, with an
optional ``retry_after``), ``malformed`` (broken JSON ``count`` times) and ``delay_s``.
With ``ProviderData(echo_secrets=True)`` Santiment's error messages echo the API key.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd


@dataclass
class Fault:
    """A fault injected on every request whose path starts with ``prefix``."""

    prefix: str
    status: int | None = None
    retry_after: float | None = None
    malformed: bool = False
    delay_s: float = 0.0
    count: int = 1


@dataclass
class ProviderData:
    """What the emulator serves.

    ``macro`` has columns btc_dominance, stablecoin_supply_usd, equity_index; ``social`` and
    ``onchain`` are wide by Santiment slug.
    """

    macro: pd.DataFrame
    social: pd.DataFrame = field(default_factory=pd.DataFrame)
    onchain: pd.DataFrame = field(default_factory=pd.DataFrame)
    api_key: str = "test-key"
    total_market_cap_usd: float = 2.5e12
    market_caps: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Daily USD market caps by CoinGecko id (empty: derived from ``btc_dominance``)."""
    echo_secrets: bool = False
    """Answer Santiment errors with the request's Authorization header and key in the text
    (as a misconfigured GraphQL gateway does), to prove the tool redacts them."""


class ProviderEmulator:
    """Context-managed loopback server; ``base_urls`` gives each provider's base URL."""

    def __init__(self, data: ProviderData) -> None:
        self.data = data
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> ProviderEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_urls(self) -> dict[str, str]:
        return {
            "coingecko": f"{self.root}/coingecko/api/v3",
            "defillama": f"{self.root}/llama",
            "fred": f"{self.root}/fred",
            "santiment": f"{self.root}/santiment",
        }

    # -- fault bookkeeping ----------------------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.prefix) and fault.count > 0:
                    fault.count -= 1
                    return fault
        return None

    # -- responses ------------------------------------------------------------------------
    def _global(self) -> dict[str, Any]:
        series = self.data.macro["btc_dominance"].dropna()
        last_day = series.index[-1]
        return {"data": {
            "active_cryptocurrencies": 10000,
            "total_market_cap": {"usd": self.data.total_market_cap_usd, "btc": 1.0},
            "market_cap_percentage": {"btc": float(series.iloc[-1]) * 100.0, "eth": 12.0},
            "updated_at": int(last_day.timestamp()) + 3600,
        }}

    def _market_caps(self) -> pd.DataFrame:
        if not self.data.market_caps.empty:
            return self.data.market_caps
        dominance = self.data.macro["btc_dominance"].dropna()
        total = self.data.total_market_cap_usd
        others = ("ethereum", "tether", "binancecoin", "solana", "ripple", "usd-coin",
                  "dogecoin", "cardano", "tron")
        frame = pd.DataFrame({"bitcoin": dominance * total})
        for coin in others:
            frame[coin] = (1.0 - dominance) * total / len(others)
        return frame

    def _market_chart(self, coin: str, days: int) -> tuple[int, dict[str, Any]]:
        caps = self._market_caps()
        if coin not in caps.columns:
            return 404, {"error": "coin not found"}
        series = caps[coin].dropna().iloc[-(days + 1):]
        points = [[int(day.timestamp() * 1000), float(v)] for day, v in series.items()]
        prices = [[ms, 1.0] for ms, _ in points]
        return 200, {"prices": prices, "market_caps": points, "total_volumes": prices}

    def _stablecoins(self) -> list[dict[str, Any]]:
        series = self.data.macro["stablecoin_supply_usd"].dropna()
        return [
            {"date": str(int(day.timestamp())),
             "totalCirculating": {"peggedUSD": float(v) * 0.98, "peggedEUR": float(v) * 0.02},
             "totalCirculatingUSD": {"peggedUSD": float(v) * 0.98, "peggedEUR": float(v) * 0.02}}
            for day, v in series.items()
        ]

    def _fred_csv(self, series_id: str) -> str:
        series = self.data.macro["equity_index"]
        lines = [f"observation_date,{series_id}"]
        for day, value in series.items():
            text = "." if pd.isna(value) else f"{value:.2f}"
            lines.append(f"{day.date().isoformat()},{text}")
        return "\n".join(lines) + "\n"

    def _graphql(self, body: dict[str, Any]) -> dict[str, Any]:
        query = str(body.get("query", ""))
        match = re.search(
            r'getMetric\(metric: "([\w-]+)"\).*slug: "([\w-]+)".*from: "([^"]+)".*to: "([^"]+)"',
            query, re.S)
        if not match:
            return {"errors": [{"message": "could not parse query"}]}
        metric, slug, start, end = match.groups()
        frame = {"social_volume_total": self.data.social,
                 "daily_active_addresses": self.data.onchain}.get(metric)
        if frame is None:
            return {"errors": [{"message": f"metric {metric} not supported"}]}
        if slug not in frame.columns:
            message = f"project with slug {slug} not found"
            if self.data.echo_secrets:
                message += (f" (request Authorization: Apikey {self.data.api_key}; "
                            f"api_key={self.data.api_key}; your key {self.data.api_key})")
            return {"errors": [{"message": message}]}
        column = frame[slug].dropna()
        window = column[(column.index >= pd.Timestamp(start)) & (column.index <= pd.Timestamp(end))]
        points = [{"datetime": day.strftime("%Y-%m-%dT%H:%M:%SZ"), "value": float(v)}
                  for day, v in window.items()]
        return {"data": {"getMetric": {"timeseriesData": points}}}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(self, status: int, body: bytes, content_type: str,
                      headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                # the client may have given up (timeout tests): nothing to deliver then
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def _dispatch(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with emulator._lock:
                    emulator.requests.append({"method": method, "path": parts.path,
                                              "query": parts.query,
                                              "authorization": self.headers.get("Authorization")})
                fault = emulator._take_fault(parts.path)
                if fault and fault.delay_s:
                    threading.Event().wait(fault.delay_s)
                if fault and fault.status:
                    headers = ({"Retry-After": f"{fault.retry_after:g}"}
                               if fault.retry_after is not None else {})
                    self._send(fault.status, b'{"error":"injected"}', "application/json", headers)
                    return
                if fault and fault.malformed:
                    self._send(200, b'{"data": [1, 2,', "application/json")
                    return
                try:
                    status, body, ctype = emulator._route(method, parts.path,
                                                          parse_qs(parts.query), raw,
                                                          self.headers.get("Authorization"))
                except Exception as exc:  # a bug in the emulator must be visible, not hang
                    status, body, ctype = 500, str(exc).encode(), "text/plain"
                self._send(status, body, ctype)

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_POST(self) -> None:
                self._dispatch("POST")

        return Handler

    def _route(self, method: str, path: str, query: dict[str, list[str]], raw: bytes,
               authorization: str | None) -> tuple[int, bytes, str]:
        as_json = "application/json"
        if method == "GET" and path == "/coingecko/api/v3/global":
            return 200, json.dumps(self._global()).encode(), as_json
        chart = re.fullmatch(r"/coingecko/api/v3/coins/([\w-]+)/market_chart", path)
        if method == "GET" and chart:
            days = int(query.get("days", ["365"])[0])
            status, payload = self._market_chart(chart.group(1), days)
            return status, json.dumps(payload).encode(), as_json
        if method == "GET" and path == "/llama/stablecoincharts/all":
            return 200, json.dumps(self._stablecoins()).encode(), as_json
        if method == "GET" and path == "/fred/graph/fredgraph.csv":
            series_id = query.get("id", ["SP500"])[0]
            return 200, self._fred_csv(series_id).encode(), "text/csv"
        if method == "POST" and path == "/santiment/graphql":
            if authorization != f"Apikey {self.data.api_key}":
                said = f" {authorization}" if self.data.echo_secrets else ""
                body = {"errors": [{"message": f"Unauthorized: invalid API key{said}"}]}
                return 401, json.dumps(body).encode(), as_json
            return 200, json.dumps(self._graphql(json.loads(raw or b"{}"))).encode(), as_json
        return 404, b'{"error":"not found"}', as_json


@contextmanager
def running_provider_emulator(data: ProviderData) -> Iterator[ProviderEmulator]:
    """Start a :class:`ProviderEmulator` for the duration of a ``with`` block."""
    with ProviderEmulator(data) as emulator:
        yield emulator
