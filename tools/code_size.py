"""Modules <= 400 lines and functions <= 60 lines everywhere in the code (house rule).

``python -m tools.code_size`` prints every module or function over its limit and exits 1 when
there is one; ``tests/desk/test_code_size.py`` runs the same check. :data:`ALLOWED` would list
known exceptions still to be split (there are none); anything over a limit fails.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
CHECKED = ("rotation_addin", "gui", "workbook", "tools", "bench")
"""The runtime package (engine, data layer, desk, UDFs, CLI), the app, the workbook, the tools
and the benchmarks."""
ALLOWED: frozenset[str] = frozenset()
"""Known exceptions: ``"path"`` (module length) or ``"path:function"``. Empty: the last ones
(core backtest, report, rotation, the vectorbt sweep baseline) were split; keep it so."""


def python_files(roots: tuple[str, ...] = CHECKED) -> Iterator[Path]:
    """Every ``.py`` file under ``roots`` (relative to the repository)."""
    for root in roots:
        path = REPO / root
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def oversized(path: Path) -> list[str]:
    """One line per limit ``path`` exceeds: the module's length, each long function."""
    text = path.read_text(encoding="utf-8")
    name = path.relative_to(REPO).as_posix()
    found: list[str] = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES and name not in ALLOWED:
        found.append(f"{name}: {lines} lines (max {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > MAX_FUNCTION_LINES and f"{name}:{node.name}" not in ALLOWED:
                found.append(f"{name}:{node.lineno} {node.name}(): {length} lines "
                             f"(max {MAX_FUNCTION_LINES})")
    return found


def main() -> int:
    problems = [line for path in python_files() for line in oversized(path)]
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
