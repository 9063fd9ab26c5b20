"""Run an emulator in a child process (benchmarks: no GIL shared with the client).

:class:`BinanceEmulator` by default; ``emulator_class`` picks a subclass (the Bybit v5
dialect, :class:`tests.emulator.bybit.BybitEmulator`; OKX v5,
:class:`tests.emulator.okx.OkxEmulator`).

The child is forked, so the market object is inherited, not pickled. The parent talks to it
over a pipe: ``stats()``, ``set_now()``, ``reset_counters()``.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from tests.emulator.binance import BinanceEmulator, MarketSource


@dataclass(frozen=True)
class EmulatorStats:
    """Counters of the remote emulator."""

    weight_used: int
    requests: int
    count_429: int
    count_418: int
    max_used_weight_1m: int
    klines_limits: tuple[int, ...]
    requests_by_path: tuple[tuple[str, int], ...] = ()


def _serve(conn: Connection, market: MarketSource, kwargs: dict[str, Any],
           emulator_class: type[BinanceEmulator] = BinanceEmulator) -> None:
    with emulator_class(market, **kwargs) as emu:
        conn.send((emu.base_url, emu.now))
        while True:
            command, argument = conn.recv()
            if command == "stop":
                conn.send(None)
                return
            if command == "set_now":
                emu.set_now(argument)
                conn.send(emu.now)
            elif command == "reset":
                emu.reset_counters()
                conn.send(None)
            elif command == "stats":
                log = list(emu.request_log)
                conn.send(
                    EmulatorStats(
                        weight_used=emu.weight_used,
                        requests=len(log),
                        count_429=emu.count_429,
                        count_418=emu.count_418,
                        max_used_weight_1m=max((r.used_weight_1m for r in log), default=0),
                        klines_limits=tuple(
                            int(r.params.get("limit", 500))
                            for r in log
                            if r.path == "/fapi/v1/klines"
                        ),
                        requests_by_path=tuple(Counter(r.path for r in log).items()),
                    )
                )


class EmulatorProcess:
    """Context manager: a forked emulator process; ``base_url`` and ``now`` once started."""

    def __init__(self, market: MarketSource, *,
                 emulator_class: type[BinanceEmulator] = BinanceEmulator,
                 **emulator_kwargs: Any) -> None:
        self._market = market
        self._class = emulator_class
        self._kwargs = emulator_kwargs
        self.base_url = ""
        self.now: datetime | None = None

    def __enter__(self) -> EmulatorProcess:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, self._market, self._kwargs, self._class), daemon=True
        )
        self._process.start()
        self.base_url, self.now = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._call("stop")
        finally:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.terminate()

    def _call(self, command: str, argument: object = None) -> Any:
        self._conn.send((command, argument))
        return self._conn.recv()

    def stats(self) -> EmulatorStats:
        return self._call("stats")  # type: ignore[no-any-return]

    def set_now(self, moment: datetime) -> None:
        self.now = self._call("set_now", moment)

    def reset_counters(self) -> None:
        self._call("reset")
