"""Two processes writing the journal at once lose nothing; SIGKILLs mid-write leave it sound.

Real processes, a real SQLite file. The writers go through the journal store's one-
transaction append (what the CLI and the app call); the busy timeout makes the second
writer wait for the first instead of failing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter

import pytest

from rotation_addin.journal.store import JournalStore

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signal test")

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from rotation_addin.core.ledger import JournalEvent
    from rotation_addin.core.types import Side
    from rotation_addin.journal.store import JournalStore

    path, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    now = datetime(2026, 11, 2, tzinfo=UTC)
    print("READY", flush=True)
    for i in range(count):
        trade = f"{tag}-{i}"
        opened = JournalEvent(kind="open", account="paper", trade_id=trade, event_time=now,
                              base="RENDER", sector="render", side=Side.LONG, quantity_base=1.0,
                              price_usd=10.0, stop_price_usd=9.0, fee_usd=0.005,
                              reason="x" * 2000)
        override = JournalEvent(kind="override", account="paper", trade_id=trade,
                                event_time=now, base="RENDER", reason="tested override",
                                details={"rules": ["cool-down"]})
        with JournalStore(path, timeout_s=60) as store:   # a fresh connection per event
            store.append([opened, override])
    print("FINISHED", flush=True)
    """
)


def _writer(path, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, str(count)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "journal.sqlite3"
    JournalStore(path).close()
    writers = [_writer(path, tag, 150) for tag in ("cli", "app")]
    for proc in writers:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        assert "FINISHED" in out
    with JournalStore(path) as store:
        events = store.events()
        assert store.integrity_check() == "ok"
    per_trade = Counter(e.trade_id for e in events)
    assert len(per_trade) == 300 and set(per_trade.values()) == {2}


def test_twenty_sigkills_mid_write_leave_every_event_whole(tmp_path):
    path = tmp_path / "journal.sqlite3"
    JournalStore(path).close()
    rng = random.Random(20261206)
    for kill in range(20):
        proc = _writer(path, f"run{kill}", 100_000)
        assert proc.stdout is not None and proc.stdout.readline().startswith("READY")
        time.sleep(rng.uniform(0.01, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    with JournalStore(path) as store:
        assert store.integrity_check() == "ok"
        events = store.events()
    per_trade = Counter(e.trade_id for e in events)
    assert per_trade, "no writer got to write anything before its kill"
    # every event (open + its override, one transaction) is fully present or absent
    assert set(per_trade.values()) == {2}
    assert all(len(e.reason) == 2000 for e in events if e.kind == "open")
