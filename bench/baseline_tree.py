"""A copy of the code at a git revision, to measure "before" and "after" in the same run.

``baseline_tree(ref)`` extracts ``rotation_addin/``, ``workbook/`` and ``gui/`` of ``ref``
(``git archive``) into a temporary folder; a child process with ``PYTHONPATH`` set to it runs
the old code with the same interpreter and packages as the new one.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE_REF = "eaa24ca"
"""The commit before the desk session (issue #9): the "today" the acceptance compares with."""


def baseline_tree(ref: str = BASELINE_REF) -> Path:
    """Folder holding the runtime packages as they were at ``ref``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, "rotation_addin", "workbook",
         "gui"], check=True, capture_output=True).stdout
    target = Path(tempfile.mkdtemp(prefix=f"bench-baseline-{ref}-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target
