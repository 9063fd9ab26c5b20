"""Live prices started off the GUI thread: ccxt, the clients and the book are made on the
stream's own thread.

Why: the toggle used to import ``rotation_addin.data.live`` (ccxt, ccxt.pro, aiohttp) and
build the book and the clients inside the click, on the GUI thread: the window froze ~1.6 s
on an idle machine and ~3.7 s on a loaded one, and the cycle collector's next passes over
what the import allocated froze it another ~0.2-0.45 s (``bench/bench_live_toggle.py``). Now
the click only names what to stream (:class:`LiveRequest`) and starts :class:`LiveStart`; its
thread imports them, leaving them out of the collector's passes
(:func:`gui.gui_thread_gc.long_lived_imports`), builds the book and the stream
(:func:`build_live`), hands them over (``on_ready``, a deque the GUI thread drains) and runs
the stream. Nothing here touches a Qt object.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gui.gui_thread_gc import long_lived_imports

if TYPE_CHECKING:  # imported on the stream's thread (see the module docstring)
    from rotation_addin.data.live import LivePrices, LiveTick
    from rotation_addin.desk.live_book import LiveBook


@dataclass(frozen=True)
class LiveRequest:
    """What the toggle streams: the bases, the exchange and its hosts, the loaded data.

    ``dataset`` (the window's loaded ``MarketDataset`` or None) gives the positions' daily
    volatility; without it nothing is loaded for it.
    """

    bases: tuple[str, ...]
    exchange_id: str
    api_base_url: str | None
    ws_base_url: str | None
    dataset: Any = None


@dataclass(frozen=True)
class LiveReady:
    """The book the GUI thread marks to the ticks and the stream that sends them."""

    book: LiveBook
    stream: LivePrices


def build_live(request: LiveRequest) -> LiveReady:
    """Import the live modules, then make the book and the stream (on the stream's thread)."""
    with long_lived_imports():
        # deferred: ccxt, pandas and the desk are imported here, on the stream's thread, never
        # in the click on the GUI thread (bench/bench_live_toggle.py); gui.live_models for
        # pandas, so the GUI thread's set_bases finds it imported; live_runner for _run
        import gui.live_models  # noqa: F401
        from rotation_addin.data.cache import MarketCache
        from rotation_addin.data.live import LivePrices
        from rotation_addin.data.live_runner import LiveRunner  # noqa: F401
        from rotation_addin.desk.live_book import LiveBook, liquidation_prices, live_book
        from rotation_addin.desk.session import default_session
    session = default_session()
    book = live_book(session, dataset=request.dataset) if request.dataset is not None \
        else LiveBook(session.book().positions, liquidation_prices())
    stream = LivePrices(request.bases, exchange_id=request.exchange_id, cache=MarketCache(),
                        api_base_url=request.api_base_url, ws_base_url=request.ws_base_url,
                        marks=True)
    return LiveReady(book, stream)


class LiveStart:
    """The stream's daemon thread: :func:`build_live`, ``on_ready``, then the stream.

    Parameters
    ----------
    request : LiveRequest
        What to stream.
    on_ready : callable
        Receives the :class:`LiveReady` once built (on the stream's thread), before any batch.
    on_batch : callable
        Receives each batch of ticks (on the stream's thread).
    on_end : callable
        Called once when the thread ends: ``""`` after a stop, else one line saying why
        (``Live prices not started: ...`` when building failed), never a traceback.
    """

    def __init__(self, request: LiveRequest, on_ready: Callable[[LiveReady], None],
                 on_batch: Callable[[list[LiveTick]], None],
                 on_end: Callable[[str], None]) -> None:
        self.request = request
        self.stream: LivePrices | None = None
        self.ended = threading.Event()
        self.problem = ""
        self._on_ready, self._on_batch, self._on_end = on_ready, on_batch, on_end
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-prices", daemon=True)

    def start(self) -> LiveStart:
        """Start the thread (returns at once)."""
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Ask the thread to end (thread-safe, returns at once; it ends within ~0.2 s once
        built, or right after building)."""
        self._stop.set()
        stream = self.stream
        if stream is not None:
            stream.stop()

    def stop(self, wait_s: float = 5.0) -> bool:
        """Ask the thread to end; True when it ended within ``wait_s``."""
        self.request_stop()
        return self.ended.wait(wait_s)

    def _run(self) -> None:
        try:
            ready = build_live(self.request)
        except Exception as exc:  # one line for the user, never a traceback
            self._finish(f"Live prices not started: {exc}".splitlines()[0])
            return
        self.stream = ready.stream
        if self._stop.is_set():  # stopped while building: request_stop saw no stream yet
            ready.stream.stop()
        self._on_ready(ready)
        # deferred: imported by build_live already (ccxt), on this thread
        from rotation_addin.data.live_runner import LiveRunner

        LiveRunner(ready.stream, self._on_batch, self._finish).run()

    def _finish(self, problem: str) -> None:
        self.problem = problem
        self.ended.set()
        self._on_end(problem)
