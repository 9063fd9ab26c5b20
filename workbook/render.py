"""Render a workbook with LibreOffice: recalculated copy, PDF, one PNG per sheet.

LibreOffice (``soffice``, package ``libreoffice-calc``) recalculates formulas openpyxl wrote
(they carry no cached value) when it loads the file. Each sheet is set to print on one page,
so the PDF has one page per visible sheet, in tab order; ``pdftoppm`` (poppler-utils) turns
the pages into PNGs. A private LibreOffice profile per call avoids profile locks.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

from rotation_addin.core.errors import DataError, InputError
from workbook import layout as lay

SOFFICE_TIMEOUT_S = 180


@dataclass(frozen=True)
class RenderResult:
    """Files a render produced.

    Attributes
    ----------
    pdf : Path
        The whole workbook as PDF (one page per visible sheet).
    pngs : dict[str, Path]
        Sheet name -> PNG of its page (only the sheets asked for).
    """

    pdf: Path
    pngs: dict[str, Path]


def soffice_path() -> str:
    """Path of ``soffice``; DataError with the install line if absent."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise DataError("LibreOffice is not installed (Debian/Ubuntu: apt-get install "
                        "--no-install-recommends libreoffice-calc poppler-utils)")
    return found


def _profile_arg(profile_dir: Path) -> str:
    return f"-env:UserInstallation={profile_dir.resolve().as_uri()}"


def convert(source: Path, out_dir: Path, target_format: str,
            profile_dir: Path | None = None) -> Path:
    """``soffice --headless --convert-to <format>``; return the produced file.

    Parameters
    ----------
    source : Path
        Workbook to convert.
    out_dir : Path
        Folder of the result (``<stem>.<ext>``).
    target_format : str
        ``"xlsx"`` (recalculated copy) or ``"pdf"``.
    profile_dir : Path, optional
        LibreOffice user profile to use (default: a fresh temporary one).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rotation-lo-") as tmp:
        profile = profile_dir or Path(tmp) / "profile"
        cmd = [soffice_path(), _profile_arg(profile), "--headless", "--norestore",
               "--convert-to", target_format, "--outdir", str(out_dir), str(source)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=SOFFICE_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise DataError(f"LibreOffice did not finish converting {source.name} "
                            f"within {SOFFICE_TIMEOUT_S} s") from None
    ext = target_format.split(":")[0]
    produced = out_dir / f"{source.stem}.{ext}"
    if proc.returncode != 0 or not produced.exists():
        raise DataError(f"LibreOffice could not convert {source.name}: "
                        f"{' '.join((proc.stderr or proc.stdout).split())[:300]}")
    return produced


def recalculated_copy(source: Path, out_dir: Path, profile_dir: Path | None = None) -> Path:
    """A copy of ``source`` saved by LibreOffice, every formula evaluated and cached."""
    if source.parent.resolve() == out_dir.resolve():
        raise InputError("out", "must differ from the workbook's folder (same file name)")
    return convert(source, out_dir, "xlsx", profile_dir)


def visible_sheets(path: Path) -> list[str]:
    """Names of the visible sheets of ``path`` in tab order (= PDF page order)."""
    wb = load_workbook(path, read_only=True, keep_vba=False)
    try:
        return [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    finally:
        wb.close()


def pdf_to_pngs(pdf: Path, out_dir: Path, names: Sequence[str], wanted: Sequence[str],
                prefix: str = "workbook-", dpi: int = 80) -> dict[str, Path]:
    """One PNG per wanted sheet: ``<prefix><sheet lower-case>.png`` (page = tab position)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise DataError("pdftoppm is not installed (Debian/Ubuntu: apt-get install poppler-utils)")
    pngs: dict[str, Path] = {}
    for page, name in enumerate(names, start=1):
        if name not in wanted:
            continue
        stem = out_dir / f"{prefix}{name.lower().replace(' ', '-').replace('.', '-')}"
        subprocess.run([tool, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                        "-singlefile", str(pdf), str(stem)], check=True, timeout=120,
                       capture_output=True)
        pngs[name] = stem.with_suffix(".png")
    return pngs


def render_workbook(path: Path, out_dir: Path, *, sheets: Sequence[str] = lay.MAIN_SHEETS,
                    dpi: int = 80) -> RenderResult:
    """PDF of the workbook and a PNG of each of ``sheets`` into ``out_dir``.

    Raises
    ------
    InputError
        ``path`` does not exist or is not an .xlsx/.xlsm workbook (a zip archive).
    DataError
        LibreOffice or pdftoppm missing or failing.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("workbook", f"{path} does not exist")
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not zipfile.is_zipfile(path):
        raise InputError("workbook", f"{path.name} is not an .xlsx/.xlsm workbook: give the "
                         "file `rotation demo` or `rotation workbook build` wrote")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = convert(path, out_dir, "pdf")
    names = visible_sheets(path)
    return RenderResult(pdf=pdf, pngs=pdf_to_pngs(pdf, out_dir, names, sheets, dpi=dpi))
