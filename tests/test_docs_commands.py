"""Every ``rotation`` command the README and the docs show names commands and flags the CLI
has: a renamed or removed flag left in a doc fails here.

The docs also mention commands in part (``rotation size``, synopses such as
``trade open|close|...``, ``--from … --to …``), so this reads each mention the way a user
would follow it: the words up to the first flag pick the (sub)command from the real parser
(``rotation_addin.cli.main.build_parser``); every ``--flag`` after them must be one of that
command's options. (``tests/test_readme_commands.py`` runs the README's own block.)
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from rotation_addin.cli.main import build_parser
from tests.conftest import REPO_ROOT

DOCS = (REPO_ROOT / "README.md", REPO_ROOT / "installer" / "README.md",
        *sorted((REPO_ROOT / "docs").glob("*.md")))
_ROTATION = re.compile(r"(?:^|\s|/)rotation\s+(.+)")
_SPLIT = re.compile(r"\s(?:\||&&|;)\s")


def _mentions(text: str) -> list[str]:
    """What follows ``rotation`` in the code blocks (continuations joined, comments cut) and
    in inline code spans."""
    found: list[str] = []
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL)
    lines = [line.split("  #")[0] for b in blocks for line in b.replace("\\\n", " ").splitlines()]
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    lines += re.findall(r"`([^`\n]+)`", prose)
    for line in lines:
        for part in _SPLIT.split(line):
            match = _ROTATION.search(part.strip().removeprefix("$ "))
            if match and re.match(r"[a-z-]", match.group(1)):
                found.append(match.group(1))
    return found


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps its subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _unknown_flags(parser: argparse.ArgumentParser, mention: str) -> list[str]:
    """The flags of ``mention`` that its (sub)command does not have."""
    words = mention.split()
    command = parser
    for word in words:
        if word.startswith("-"):
            break
        children = _subparsers(command)
        if word not in children:
            break
        command = children[word]
    options = {s for a in command._actions for s in a.option_strings}
    flags = {w.split("=")[0].rstrip(",.;:)]") for w in words if w.lstrip("[(").startswith("--")}
    return sorted(f.lstrip("[(") for f in flags if f.lstrip("[(") not in options)


def test_the_docs_mention_enough_commands_to_check() -> None:
    """The reader above finds the commands (a change of doc layout would make the next test
    pass on nothing)."""
    mentions = [m for doc in DOCS for m in _mentions(doc.read_text(encoding="utf-8"))]
    assert len(mentions) >= 100
    assert any(m.startswith("backtest ") and "--grid" in m for m in mentions)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_flag_a_doc_shows_exists(doc: Path) -> None:
    parser = build_parser()
    wrong = {m: bad for m in _mentions(doc.read_text(encoding="utf-8"))
             if (bad := _unknown_flags(parser, m))}
    assert not wrong, f"{doc.name} shows flags the CLI does not have: {wrong}"


def test_a_renamed_flag_is_caught() -> None:
    """The check fails on a flag the command does not have (and passes its real ones)."""
    parser = build_parser()
    assert _unknown_flags(parser, "size --equity 10000 --entry 7.5 --stop 7 --side long") == []
    assert _unknown_flags(parser, "size --equity 10000 --entry-price 7.5") == ["--entry-price"]
    assert _unknown_flags(parser, "trade open RENDER --risk 1% --stopp 1.6") == ["--stopp"]
