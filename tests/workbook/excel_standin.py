"""A stand-in for the part of xlwings' ``Book`` API the Refresh button uses.

Excel (Windows COM / macOS AppleScript) cannot run here, so the workbook "open in Excel" is
this small stand-in, filled from a real built workbook. It behaves as xlwings does where the
refresh depends on it: a range of one cell reads a value, of one row or one column a flat
list, of a block a list of rows; every number reads back as a float (Excel stores doubles);
a list of rows written at a cell fills the block from there (an empty text leaves the
cell empty); a sheet protected in the file is
protected here and refuses writes until ``api.Unprotect()`` (Excel refuses writes into locked
cells of a protected sheet); ``font.bold`` / ``font.color`` are recorded per cell. Every
write is recorded, so a test checks exactly which cells the button changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import coordinate_to_tuple


class StandInApi:
    """The COM sheet object's protection calls."""

    def __init__(self, protected: bool) -> None:
        self.ProtectContents = protected

    def Unprotect(self) -> None:
        self.ProtectContents = False

    def Protect(self, **_options: Any) -> None:
        self.ProtectContents = True


class StandInFont:
    def __init__(self, rng: StandInRange) -> None:
        object.__setattr__(self, "rng", rng)

    def __setattr__(self, name: str, value: Any) -> None:
        for cell in self.rng.cells():
            self.rng.sheet.fonts.setdefault(cell, {})[name] = value


class StandInRange:
    def __init__(self, sheet: StandInSheet, ref: Any) -> None:
        self.sheet, self.ref = sheet, ref

    def bounds(self) -> tuple[int, int, int, int]:
        if isinstance(self.ref, tuple):
            return self.ref[0], self.ref[1], self.ref[0], self.ref[1]
        first, _, last = self.ref.partition(":")
        r1, c1 = coordinate_to_tuple(first)
        r2, c2 = coordinate_to_tuple(last) if last else (r1, c1)
        return r1, c1, r2, c2

    def cells(self) -> list[tuple[int, int]]:
        r1, c1, r2, c2 = self.bounds()
        return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]

    def _read(self, row: int, col: int) -> Any:
        value = self.sheet.cells.get((row, col))
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @property
    def value(self) -> Any:
        r1, c1, r2, c2 = self.bounds()
        grid = [[self._read(r, c) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        if r1 == r2 and c1 == c2:
            return grid[0][0]
        if c1 == c2:
            return [row[0] for row in grid]
        return grid[0] if r1 == r2 else grid

    @value.setter
    def value(self, grid: Any) -> None:
        if self.sheet.api.ProtectContents:
            raise PermissionError(f"{self.sheet.name} is protected: unprotect it to write")
        r1, c1, _, _ = self.bounds()
        rows = grid if isinstance(grid, list) else [[grid]]
        if rows and not isinstance(rows[0], list):
            rows = [rows]  # a flat list is one row
        for dr, row in enumerate(rows):
            for dc, v in enumerate(row):
                # Excel: an empty text written into a cell leaves it empty
                self.sheet.cells[(r1 + dr, c1 + dc)] = None if v == "" else v
                self.sheet.writes.add((r1 + dr, c1 + dc))

    @property
    def font(self) -> StandInFont:
        return StandInFont(self)


class StandInSheet:
    def __init__(self, name: str, cells: dict[tuple[int, int], Any],
                 protected: bool = False) -> None:
        self.name, self.cells = name, cells
        self.writes: set[tuple[int, int]] = set()
        self.fonts: dict[tuple[int, int], dict[str, Any]] = {}
        self.api = StandInApi(protected)

    def range(self, ref: Any) -> StandInRange:
        return StandInRange(self, ref)

    def __getitem__(self, ref: str) -> StandInRange:
        return StandInRange(self, ref)

    def clear_contents(self) -> None:
        self.writes.update(self.cells)
        self.cells.clear()


class StandInSheets(list):  # type: ignore[type-arg]
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return list.__getitem__(self, key)

    def add(self, name: str, after: StandInSheet | None = None) -> StandInSheet:
        added = StandInSheet(name, {})
        self.insert(self.index(after) + 1 if after is not None else 0, added)
        return added


class StandInBook:
    """Stand-in for ``xlwings.Book`` (Excel cannot run on this Linux machine)."""

    def __init__(self, path: Path) -> None:
        wb = load_workbook(path)
        self.name = path.name
        self.fullname = str(path)
        self.sheets = StandInSheets(
            StandInSheet(ws.title, {(c.row, c.column): c.value for row in ws.iter_rows()
                                    for c in row if c.value is not None},
                         protected=bool(ws.protection.sheet))
            for ws in wb.worksheets)
