"""Citizens' text made safe for CSV and XLSX exports.

A comment that starts with ``=``, ``+``, ``-`` or ``@`` is a formula to a spreadsheet
(``=HYPERLINK("http://evil", "жми")``); control characters make openpyxl refuse the workbook; a lone
surrogate cannot be encoded; Excel cuts a cell at 32,767 characters. ``safe_cell`` handles all four
for CSV, where the only defence is a leading apostrophe. ``write_xlsx`` keeps the citizen's text
exactly and stores it as a plain string marked "quote prefix", which is how Excel itself stores text
typed with a leading apostrophe: never a formula, not even after someone edits the cell.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any, cast

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

#: Excel's limit on the text of one cell, in UTF-16 code units.
EXCEL_CELL_LIMIT = 32_767
#: Excel's limit on a sheet name.
SHEET_NAME_LIMIT = 31

FORMULA_TRIGGERS = frozenset("=+-@＝＋－＠")
_LEADING_TRIGGERS = frozenset("\t\r")
_SURROGATES_RE = re.compile("[\ud800-\udfff]")
_NONCHARACTERS_RE = re.compile("[\ufffe\uffff]")  # not XML characters either
_SHEET_FORBIDDEN_RE = re.compile(r"[\[\]:*?/\\]")
_REPLACEMENT = "\ufffd"
_ELLIPSIS = "…"

PathOrFile = str | os.PathLike[str] | IO[bytes] | IO[str]


# ---- one cell ------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """``text`` without what spreadsheets refuse: control characters, lone surrogates, excess length."""
    text = ILLEGAL_CHARACTERS_RE.sub(_REPLACEMENT, text)
    text = _SURROGATES_RE.sub(_REPLACEMENT, text)
    text = _NONCHARACTERS_RE.sub(_REPLACEMENT, text)
    return truncate(text)


def truncate(text: str, limit: int = EXCEL_CELL_LIMIT) -> str:
    """``text`` cut to ``limit`` UTF-16 code units, ending with "…" when cut."""
    if len(text) <= limit // 2 or _utf16_len(text) <= limit:
        return text
    budget = limit - 1  # room for the ellipsis
    kept: list[str] = []
    for char in text:
        units = 2 if ord(char) > 0xFFFF else 1
        if units > budget:
            break
        kept.append(char)
        budget -= units
    return "".join(kept) + _ELLIPSIS


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (or a tab/CR-led one)."""
    if not text:
        return False
    if text[0] in _LEADING_TRIGGERS:
        return True
    stripped = text.lstrip()
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def safe_cell(value: object) -> object:
    """A value to put in a CSV or spreadsheet cell.

    Strings are cleaned (see ``clean_text``) and, when they could start a formula, prefixed with an
    apostrophe. ``None``, numbers, booleans, dates and times pass through; anything else becomes its
    cleaned ``str``.
    """
    if value is None or isinstance(value, (bool, int, float, Decimal, date, time)):
        return value
    text = clean_text(str(value))
    if looks_like_formula(text):
        text = truncate("'" + text)
    return text


# ---- CSV -----------------------------------------------------------------------------------------


def write_csv(
    path_or_file: PathOrFile,
    headers: list[str],
    rows: Iterable[Sequence[object]],
    *,
    delimiter: str = ";",
) -> None:
    """Write a CSV Excel opens correctly: UTF-8 with a BOM, ``;`` between fields by default.

    ``path_or_file`` is a path, or an open binary or text file (left open).
    """
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "w", encoding="utf-8-sig", newline="") as handle:
            _write_csv_text(handle, headers, rows, delimiter)
    elif isinstance(path_or_file, io.TextIOBase):
        path_or_file.write("\ufeff")
        _write_csv_text(path_or_file, headers, rows, delimiter)
    else:
        wrapper = io.TextIOWrapper(cast(IO[bytes], path_or_file), encoding="utf-8-sig", newline="")
        try:
            _write_csv_text(wrapper, headers, rows, delimiter)
            wrapper.flush()
        finally:
            wrapper.detach()


def _write_csv_text(
    handle: IO[str], headers: list[str], rows: Iterable[Sequence[object]], delimiter: str
) -> None:
    writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_csv_field(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_field(v) for v in row])


def _csv_field(value: object) -> str:
    value = safe_cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


# ---- XLSX ----------------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E8EEF4")
_HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)
_BODY_ALIGN = Alignment(vertical="top", wrap_text=True)
_MIN_WIDTH = 8
_MAX_WIDTH = 60
_WIDTH_SAMPLE = 500  # rows looked at to size a column


def write_xlsx(
    path_or_file: str | os.PathLike[str] | IO[bytes],
    sheets: dict[str, tuple[list[str], list[Sequence[object]]]],
    title: str | None = None,
) -> None:
    """Write a workbook with one formatted sheet per entry of ``sheets`` (name → headers, rows).

    Each sheet has a bold, frozen header row with an autofilter, wrapped text and column widths
    sized to the content (capped). Sheet names are made legal and unique. ``title`` becomes the
    workbook's document title.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    if title is not None:
        workbook.properties.title = clean_text(title)
    taken: set[str] = set()
    for name, (headers, rows) in (sheets or {"Лист1": ([], [])}).items():
        sheet_name = sheet_title(name, taken)
        taken.add(sheet_name.casefold())
        _fill_sheet(workbook.create_sheet(sheet_name), headers, rows)
    workbook.save(path_or_file)


def sheet_title(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A legal Excel sheet name for ``name``, unique among ``taken`` (compared case-insensitively)."""
    clean = _SHEET_FORBIDDEN_RE.sub("_", clean_text(str(name))).replace(_REPLACEMENT, "_").strip().strip("'")
    if not clean:
        clean = "Лист"
    if clean.casefold() == "history":  # reserved by Excel
        clean += "_"
    clean = clean[:SHEET_NAME_LIMIT]
    candidate, n = clean, 1
    while candidate.casefold() in {t.casefold() for t in taken}:
        n += 1
        suffix = f" ({n})"
        candidate = clean[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix
    return candidate


def _fill_sheet(sheet: Worksheet, headers: list[str], rows: Iterable[Sequence[object]]) -> None:
    widths: dict[int, int] = {}
    for col, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col)
        _put(cell, header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGN
        widths[col] = _display_width(cell.value)
    last_row = 1
    for r, row in enumerate(rows, start=2):
        last_row = r
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col)
            _put(cell, value)
            cell.alignment = _BODY_ALIGN
            if r <= _WIDTH_SAMPLE + 1:
                widths[col] = max(widths.get(col, 0), _display_width(cell.value))
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
    ncols = max(len(headers), max(widths, default=0))
    if ncols:
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(ncols)}{last_row}"


def _put(cell: Any, value: object) -> None:
    """Store ``value`` in ``cell``: text always as a string, dates with a Russian format."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        cell.value = value
        return
    if isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None)  # wall-clock time; Excel has no zones
        cell.number_format = "DD.MM.YYYY HH:MM"
        return
    if isinstance(value, date):
        cell.value = value
        cell.number_format = "DD.MM.YYYY"
        return
    if isinstance(value, time):
        cell.value = value.replace(tzinfo=None)
        cell.number_format = "HH:MM"
        return
    text = clean_text(str(value))
    cell.value = text
    cell.data_type = "s"  # openpyxl guesses "f" for a leading "="; a citizen's text is never a formula
    if looks_like_formula(text):
        cell.quotePrefix = True


def _display_width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)
