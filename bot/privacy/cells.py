"""Spreadsheet cells that show candidates' text and never run it (CSV/formula injection).

Every file a recruiter opens in Excel or WPS — the interview export, the audit log, a bulk run's failed rows —
carries text candidates typed. A cell starting with =, +, -, @ (or a tab or carriage return before them) is a
formula to a spreadsheet: a name like ``=HYPERLINK(…)`` or ``=cmd|"/c calc"!A1`` must stay text, so such
cells get a leading apostrophe.
"""
from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet shows as text, never runs: formulas defused, characters Excel refuses dropped."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value
