"""House rule on all the code (package, app, workbook, tools, bench): modules <= 400 lines,
functions <= 60 lines."""

from __future__ import annotations

from pathlib import Path

from tools import code_size


def test_the_code_keeps_the_size_limits() -> None:
    problems = [line for path in code_size.python_files() for line in code_size.oversized(path)]
    assert problems == []


def test_the_checker_catches_a_long_function(tmp_path: Path, monkeypatch: object) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    source = tmp_path / "long.py"
    source.write_text(f"def long() -> None:\n{body}\n" + "\n" * 340, encoding="utf-8")
    code_size.REPO, saved = tmp_path, code_size.REPO
    try:
        found = code_size.oversized(source)
    finally:
        code_size.REPO = saved
    assert any("long(): 62 lines" in line for line in found)
    assert any("lines (max 400)" in line for line in found)
