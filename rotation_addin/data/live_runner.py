"""Run a :class:`~rotation_addin.data.live.PriceStream` on its own thread and event loop.

The desktop app (a Qt event loop) and the tests use this; ``rotation watch`` runs the stream
on its main thread's loop instead. ``on_batch`` is called on the stream's thread: a GUI hands
the batch to its own thread there (a queued Qt signal), it never paints from it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from rotation_addin.data.exchange_results import FetchCancelledError
from rotation_addin.data.live import LiveTick, PriceStream

_T = TypeVar("_T")
LOOP_REPORTS: list[str] = []
"""One line per error asyncio would have printed with a traceback on a stream's loop
(ccxt's late callbacks after a drop or a stop); kept for ``rotation watch --verbose``-like
diagnosis and the tests, never printed as a traceback."""


def quiet_stream_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """asyncio exception handler of a stream's loop: one line kept, no traceback printed."""
    exc = context.get("exception")
    line = f"{type(exc).__name__}: {exc}" if exc is not None else str(context.get("message"))
    del LOOP_REPORTS[:-99]
    LOOP_REPORTS.append(line.splitlines()[0] if line else "")


def run_stream_loop(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coro`` on a new event loop whose stray errors are kept quiet (see above)."""
    with asyncio.Runner() as runner:
        runner.get_loop().set_exception_handler(quiet_stream_errors)
        return runner.run(coro)


class LiveRunner:
    """A stream running in a daemon thread until :meth:`stop`.

    Parameters
    ----------
    stream : PriceStream
        The source (``LivePrices``).
    on_batch : callable
        Receives each batch of :class:`LiveTick` (on the stream's thread).
    on_end : callable or None
        Called once when the stream ends: with ``""`` after a stop, or with the one-line
        reason it failed (never a traceback).
    """

    def __init__(self, stream: PriceStream, on_batch: Callable[[list[LiveTick]], None],
                 on_end: Callable[[str], None] | None = None) -> None:
        self.stream = stream
        self.on_batch = on_batch
        self.on_end = on_end
        self.ended = threading.Event()
        self.problem = ""
        self._thread = threading.Thread(target=self.run, name="live-prices", daemon=True)

    def start(self) -> LiveRunner:
        self._thread.start()
        return self

    def stop(self, wait_s: float = 5.0) -> bool:
        """Ask the stream to stop; True when it ended within ``wait_s``."""
        self.stream.stop()
        return self.ended.wait(wait_s)

    def run(self) -> None:
        """Run the stream on the calling thread until it ends (the body of :meth:`start`'s
        thread; the app calls it on the thread that built the stream)."""
        try:
            run_stream_loop(self._consume())
        except FetchCancelledError:
            pass
        except Exception as exc:  # one line for the user, never a traceback
            self.problem = f"live prices stopped: {exc}".splitlines()[0]
        finally:
            self.ended.set()
            if self.on_end is not None:
                self.on_end(self.problem)

    async def _consume(self) -> None:
        async for batch in self.stream.batches():
            self.on_batch(batch)
