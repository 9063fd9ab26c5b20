"""Imports sit at module top unless deferring them is a measured win or a real need (#9).

``python -m tools.deferred_imports`` lists every ``import`` inside a function or method body in
the runtime package (``rotation_addin/``, ``workbook/``, ``gui/``) that carries no
``# deferred: <reason>`` comment, as ``file:line: statement``, and exits 1 when there is one;
``tests/tools/test_deferred_imports.py`` runs the same check.

The comment sits on the import's line (on any line of a parenthesised import) or in the comment
block directly above it or above the run of adjacent imports it belongs to, and names the
reason: the measured start-up win (``# deferred: keeps
pandas out of `rotation size` start-up (bench/bench_cli_start.py)``), an import cycle it breaks,
or an optional dependency (``# deferred: optional, xlwings is absent off Windows``).
Imports under ``if TYPE_CHECKING:`` never run and are not counted.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECKED = ("rotation_addin", "workbook", "gui")
MARKER = re.compile(r"#\s*deferred:\s*\S")
"""``# deferred:`` followed by a reason (at least one non-blank character)."""


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def function_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that runs inside a function or method body of ``tree``."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, in_function = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend((child, in_function) for child in node.orelse)
            continue
        if in_function and isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        stack.extend((child, inside) for child in ast.iter_child_nodes(node))


def has_reason(lines: list[str], node: ast.stmt, run: frozenset[int] = frozenset()) -> bool:
    """Whether ``node`` carries a ``# deferred:`` reason (line numbers are 1-based).

    The reason is on one of the statement's lines, or on a comment line directly above it; a
    comment line above a run of adjacent imports (``run``: the line numbers of in-function
    imports; blank lines between them, as isort leaves between sections, do not end the run)
    covers the whole run.
    """
    end = node.end_lineno or node.lineno
    if any(MARKER.search(lines[number - 1]) for number in range(node.lineno, end + 1)):
        return True
    above = node.lineno - 1
    while above >= 1:
        text = lines[above - 1].lstrip()
        if text.startswith("#"):
            if MARKER.search(text):
                return True
        elif not text:  # a blank line inside a run (isort's sections) keeps the run going
            while above > 1 and not lines[above - 2].strip():
                above -= 1
            if above - 1 not in run:
                return False
        elif above not in run:
            return False
        above -= 1
    return False


def python_files(roots: tuple[str, ...] = CHECKED) -> Iterator[Path]:
    """Every ``.py`` file under ``roots`` (relative to the repository)."""
    for root in roots:
        yield from sorted((REPO / root).rglob("*.py"))


def undocumented(path: Path, root: Path = REPO) -> list[str]:
    """``file:line: statement`` for each in-function import of ``path`` without a reason.

    ``file`` is relative to ``root`` (the repository).
    """
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    name = path.relative_to(root).as_posix()
    nodes = list(function_imports(ast.parse(text)))
    run = frozenset(n for node in nodes for n in range(node.lineno, (node.end_lineno or 0) + 1))
    found = [node for node in nodes if not has_reason(lines, node, run)]
    return [f"{name}:{node.lineno}: {lines[node.lineno - 1].strip()}"
            for node in sorted(found, key=lambda n: n.lineno)]


def problems(roots: tuple[str, ...] = CHECKED) -> list[str]:
    """Every in-function import without a ``# deferred:`` reason under ``roots``."""
    return [line for path in python_files(roots) for line in undocumented(path)]


def main(argv: list[str] | None = None) -> int:
    del argv
    found = problems()
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} import(s) inside functions without a `# deferred: <reason>` "
              "comment: move them to the module top, or say which measured start-up win "
              "or import cycle the deferral serves")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
