"""``rotation completion bash|zsh``: the script completes commands, flags and their choices.

The bash script is sourced in a real bash and its completion function called the way bash
calls it on TAB (COMP_WORDS / COMP_CWORD), so the test reads what a user would be offered.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rotation_addin.cli.main import build_parser
from tests.cli_helpers import one_line_error, run


def _offered(script: Path, *words: str) -> list[str]:
    """What bash offers after ``rotation *words`` (the last word is being completed)."""
    quoted = " ".join(f"'{w}'" for w in ("rotation", *words))
    program = (f"source '{script}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words)}; "
               "_shtab_rotation; printf '%s\\n' \"${COMPREPLY[@]}\"")
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True,
                          timeout=30)
    return [line for line in done.stdout.splitlines() if line]


@pytest.fixture()
def bash_script(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    code, out, err = run(capsys, "completion", "bash")
    assert code == 0, err
    path = tmp_path / "rotation.bash"
    path.write_text(out)
    return path


def test_bash_completes_every_command(bash_script: Path) -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands is not None and "completion" in commands
    offered = _offered(bash_script, "")
    assert set(commands) <= set(offered)
    assert _offered(bash_script, "pl") == sorted(c for c in commands if c.startswith("pl"))


def test_bash_completes_flags_and_choices(bash_script: Path) -> None:
    assert "--source" in _offered(bash_script, "plan", "--so")
    assert sorted(_offered(bash_script, "plan", "--source", "")) == ["cache", "demo"]
    assert sorted(_offered(bash_script, "completion", "")) == ["bash", "zsh"]


def test_zsh_script(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "completion", "zsh")
    assert code == 0, err
    assert out.startswith("#compdef rotation")
    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert commands is not None
    for command in commands:  # each command is offered, with its own option list
        assert f"\n    {command}:" in out, command
    assert "_shtab_rotation_plan_options=(" in out and '"--source' in out
    if shutil.which("zsh") is not None:
        script = tmp_path / "_rotation"
        script.write_text(out)
        subprocess.run(["zsh", "-n", str(script)], check=True, timeout=30)


def test_unknown_shell_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "completion", "fish")
    assert code == 2
    assert "fish" in one_line_error(err) and "bash" in err


def test_missing_shtab_is_one_line_saying_how_to_install_it(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "shtab", None)  # `import shtab` now fails as if missing
    code, out, err = run(capsys, "completion", "bash")
    line = one_line_error(err)
    assert code == 4 and out == ""
    assert "Traceback" not in err and "shtab" in line and "pip install" in line
    assert line.startswith("rotation: data error: the completion script needs shtab")
    assert run(capsys, "plan", "--help")[0] == 0  # the other commands do not need it
