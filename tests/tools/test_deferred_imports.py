"""House rule (#9): imports at module top; one inside a function says why (``# deferred:``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools import deferred_imports

SOURCE = '''\
from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def bare() -> None:
    import csv


def same_line() -> None:
    import csv  # deferred: optional, csv is absent here


def line_above() -> None:
    # a word first,
    # deferred: import cycle a <-> b
    from collections import OrderedDict


def no_reason() -> None:
    import csv  # deferred:


def under_type_checking() -> None:
    if TYPE_CHECKING:
        import csv


class Holder:
    def method(self) -> None:
        def inner() -> None:
            from os import path

        try:
            import zlib
        except ImportError:
            pass


def parenthesised() -> None:
    from collections import (
        OrderedDict,  # deferred: keeps it out of start-up (bench/bench_cli_start.py)
        deque,
    )


def run_of_imports() -> None:
    # deferred: one reason for the run below
    import csv
    import zlib
    from os import (
        path,
    )

    from json import dumps
    print(dumps(path))
    import json


def comment_too_far_above() -> None:
    # deferred: this comment belongs to nothing

    import csv
'''


def test_runtime_package_defers_imports_only_with_a_reason() -> None:
    found = deferred_imports.problems()
    assert found == [], "\n".join(found)


def test_the_command_exits_0_on_the_tree() -> None:
    root = Path(deferred_imports.__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "tools.deferred_imports"], cwd=root,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_the_checker_names_each_import_without_a_reason(tmp_path: Path) -> None:
    source = tmp_path / "example.py"
    source.write_text(SOURCE, encoding="utf-8")
    lines = SOURCE.splitlines()
    expected = [n + 1 for n, line in enumerate(lines) if line.strip() in (
        "import csv", "import csv  # deferred:", "from os import path", "import zlib")]
    expected.remove(lines.index("        import csv") + 1)  # the TYPE_CHECKING one
    covered = lines.index("    # deferred: one reason for the run below") + 1
    expected = [n for n in expected if not covered < n < covered + 3]
    # a blank line keeps the run going (isort's sections), a statement ends it
    expected.insert(-1, lines.index("    import json") + 1)
    found = deferred_imports.undocumented(source, root=tmp_path)
    assert [int(line.split(":")[1]) for line in found] == expected
    assert found[0] == f"example.py:{expected[0]}: import csv"
    assert len(expected) == 6
