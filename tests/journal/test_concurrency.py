"""Two processes writing the journal at once lose nothing; SIGKILLs mid-write leave it sound.

Real processes, a real SQLite file. The writers go through the journal store's one-
transaction append (what the CLI and the app call); the busy timeout makes the second
writer wait for the first instead of failing. The SIGKILL test forks each killed writer from
one server process that imported the journal once (twenty cold interpreters spent their
time importing, not writing); the kill and the writes are the same.
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

WRITER_MODULE = """
from datetime import UTC, datetime
from rotation_addin.core.ledger import JournalEvent
from rotation_addin.core.types import Side
from rotation_addin.journal.store import JournalStore


def write(path, tag, count):
    now = datetime(2026, 11, 2, tzinfo=UTC)
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
"""

WRITER = WRITER_MODULE + textwrap.dedent(
    """
    import sys

    print("READY", flush=True)
    write(sys.argv[1], sys.argv[2], int(sys.argv[3]))
    print("FINISHED", flush=True)
    """
)

FORK_SERVER = WRITER_MODULE + textwrap.dedent(
    """
    import os, sys

    print("SERVING", flush=True)
    for line in sys.stdin:  # "<path> <tag> <count>": fork a writer; "reap <pid>": its status
        words = line.split()
        if words[0] == "reap":
            _, status = os.waitpid(int(words[1]), 0)
            print("STATUS", os.WTERMSIG(status) if os.WIFSIGNALED(status) else -1, flush=True)
            continue
        pid = os.fork()
        if pid == 0:
            print("READY", os.getpid(), flush=True)
            write(words[0], words[1], int(words[2]))
            os._exit(0)
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
    server = subprocess.Popen([sys.executable, "-c", FORK_SERVER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert server.stdin is not None and server.stdout is not None
    try:
        assert server.stdout.readline().strip() == "SERVING", server.communicate()[1]
        for kill in range(20):
            server.stdin.write(f"{path} run{kill} 100000\n")
            server.stdin.flush()
            ready, pid = server.stdout.readline().split()
            assert ready == "READY"
            time.sleep(rng.uniform(0.01, 0.3))
            os.kill(int(pid), signal.SIGKILL)
            server.stdin.write(f"reap {pid}\n")
            server.stdin.flush()
            assert server.stdout.readline().split() == ["STATUS", str(int(signal.SIGKILL))]
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    with JournalStore(path) as store:
        assert store.integrity_check() == "ok"
        events = store.events()
    per_trade = Counter(e.trade_id for e in events)
    assert per_trade, "no writer got to write anything before its kill"
    # every event (open + its override, one transaction) is fully present or absent
    assert set(per_trade.values()) == {2}
    assert all(len(e.reason) == 2000 for e in events if e.kind == "open")
