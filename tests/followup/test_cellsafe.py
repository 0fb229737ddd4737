"""Citizens' comments exported to CSV and XLSX are text, never formulas, and never crash the writer."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from liveline.followup.cellsafe import (
    EXCEL_CELL_LIMIT,
    clean_text,
    safe_cell,
    sheet_title,
    write_csv,
    write_xlsx,
)

HOSTILE = [
    '=HYPERLINK("http://evil","жми")',
    "+7 912 345-67-89",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "  =cmd|' /C calc'!A0",
    "＝1+1",
    "＋7 912",
    "－1",
    "＠SUM(A1)",
]


# ---- safe_cell -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["Когда починят дорогу на ул. Ленина?", "1+1=2", "a=b", "", "  ", "email@example.ru"]
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert safe_cell(text) == text


def test_tab_or_carriage_return_first_is_defused_even_without_a_formula() -> None:
    assert safe_cell("\tпривет") == "'\tпривет"
    assert safe_cell("\rпривет") == "'\rпривет"


def test_control_characters_become_the_replacement_character() -> None:
    assert safe_cell("a\x00b\x07c\x1bd") == "a\ufffdb\ufffdc\ufffdd"
    assert safe_cell("строка 1\nстрока 2\tтаб") == "строка 1\nстрока 2\tтаб"  # these are fine


def test_lone_surrogates_are_replaced() -> None:
    assert safe_cell("ok\ud83dok") == "ok\ufffdok"
    assert safe_cell("🙂") == "🙂"


def test_overlong_text_is_cut_to_excels_limit_with_an_ellipsis() -> None:
    cut = safe_cell("я" * 40_000)
    assert isinstance(cut, str)
    assert len(cut) == EXCEL_CELL_LIMIT and cut.endswith("…")
    emoji = clean_text("🙂" * 20_000)  # two UTF-16 units each
    assert len(emoji.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT and emoji.endswith("…")
    defused = safe_cell("=" + "x" * 40_000)
    assert isinstance(defused, str) and defused.startswith("'=") and len(defused) == EXCEL_CELL_LIMIT


def test_text_at_the_limit_is_kept_whole() -> None:
    assert safe_cell("ж" * EXCEL_CELL_LIMIT) == "ж" * EXCEL_CELL_LIMIT


@pytest.mark.parametrize(
    "value", [None, 42, -7, 3.5, Decimal("-1.5"), True, date(2026, 11, 23), datetime(2026, 11, 23, 10)]
)
def test_numbers_and_dates_pass_through(value: object) -> None:
    assert safe_cell(value) is value


def test_other_objects_become_safe_text() -> None:
    class Evil:
        def __str__(self) -> str:
            return "=1+1\x00"

    assert safe_cell(Evil()) == "'=1+1\ufffd"


# ---- CSV -----------------------------------------------------------------------------------------


def test_csv_has_a_bom_semicolons_and_defused_cells(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, ["Вопрос", "Голоса"], [[text, n] for n, text in enumerate(HOSTILE)])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Вопрос", "Голоса"]
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE]
    assert [r[1] for r in rows[1:]] == [str(n) for n in range(len(HOSTILE))]


def test_csv_to_a_binary_or_text_file_and_with_commas() -> None:
    binary = io.BytesIO()
    write_csv(binary, ["a", "b"], [["x, y", None], [True, datetime(2026, 11, 23, 10, 5)]], delimiter=",")
    text = binary.getvalue().decode("utf-8")
    assert text == '\ufeffa,b\r\n"x, y",\r\nда,2026-11-23 10:05:00\r\n'
    assert not binary.closed

    stream = io.StringIO()
    write_csv(stream, ["Текст"], [["строка\nвторая"]])
    assert stream.getvalue() == '\ufeffТекст\r\n"строка\nвторая"\r\n'


def test_csv_never_crashes_on_control_characters(tmp_path: Path) -> None:
    write_csv(tmp_path / "x.csv", ["x"], [["".join(map(chr, range(32))) + "\ud800"]])
    assert "\ufffd" in (tmp_path / "x.csv").read_text("utf-8-sig")


# ---- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_keeps_hostile_text_as_text_never_as_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(path, {"Вопросы": (["Текст", "Голоса"], [[t, i] for i, t in enumerate(HOSTILE)])})
    sheet = load_workbook(path)["Вопросы"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    texts = [sheet.cell(row=r, column=1) for r in range(2, len(HOSTILE) + 2)]
    assert [c.value for c in texts] == [t.replace("\r", "\n") for t in HOSTILE]  # XML reads CR as LF
    assert all(c.data_type == "s" and c.quotePrefix for c in texts)
    assert sheet.cell(row=2, column=2).value == 0


def test_xlsx_never_crashes_on_control_characters_or_surrogates(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    nasty = "".join(map(chr, range(32))) + "\ud800\uffff" + "ы" * 40_000
    write_xlsx(path, {"Лист": ([nasty[:50]], [[nasty]])}, title="Отчёт\x00")
    book = load_workbook(path)
    value = book.active.cell(row=2, column=1).value
    assert value.startswith("\ufffd" * 9 + "\t\n") and value.endswith("…")
    assert len(value) == EXCEL_CELL_LIMIT
    assert book.properties.title == "Отчёт\ufffd"


def test_xlsx_is_formatted_for_reading(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    rows = [
        [
            "Коротко",
            "Очень длинный вопрос жителя " * 10,
            date(2026, 11, 23),
            datetime(2026, 11, 23, 18, tzinfo=ZoneInfo("Asia/Vladivostok")),
        ]
    ]
    write_xlsx(path, {"Обращения": (["Тема", "Вопрос", "Дата", "Срок"], rows)}, title="Обращения")
    sheet = load_workbook(path)["Обращения"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D2"
    assert all(sheet.cell(row=1, column=c).font.bold for c in range(1, 5))
    assert sheet.cell(row=2, column=2).alignment.wrap_text
    assert sheet.column_dimensions["B"].width == 60  # capped
    assert 8 <= sheet.column_dimensions["A"].width < 20
    assert sheet.cell(row=2, column=3).value == datetime(2026, 11, 23)
    assert sheet.cell(row=2, column=4).value == datetime(2026, 11, 23, 18)  # wall clock, zone dropped
    assert sheet.cell(row=2, column=4).number_format == "DD.MM.YYYY HH:MM"


def test_xlsx_sheet_names_are_sanitised_and_unique(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    long_name = "Очень длинное название листа про дороги"
    write_xlsx(
        path,
        {long_name: (["a"], []), long_name + "!": (["a"], []), "a[b]:c*d?e/f\\g": (["a"], []), "": ([], [])},
    )
    names = load_workbook(path).sheetnames
    assert names == [long_name[:31], long_name[:27].rstrip() + " (2)", "a_b__c_d_e_f_g", "Лист"]
    assert all(len(n) <= 31 for n in names)


def test_sheet_title_rules() -> None:
    assert sheet_title("'Итоги'") == "Итоги"
    assert sheet_title("History") == "History_"
    assert sheet_title("итоги", {"ИТОГИ"}) == "итоги (2)"
    assert sheet_title("итоги", {"итоги", "итоги (2)"}) == "итоги (3)"


def test_xlsx_to_a_binary_stream() -> None:
    stream = io.BytesIO()
    write_xlsx(stream, {"Лист": (["a"], [[1]])})
    stream.seek(0)
    assert load_workbook(stream).active.cell(row=2, column=1).value == 1
