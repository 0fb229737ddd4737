"""`liveline cluster INPUT.jsonl [--places FILE]`: one JSON line out per question in, in order."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from liveline.triage import offline

PLACES = Path(__file__).resolve().parents[2] / "liveline" / "demo" / "places.csv"


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def questions(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "in.jsonl", [
        {"id": "a1", "text": "Лифт в доме Ленина 12 не работает третью неделю", "author": "ignored"},
        {"id": "a2", "text": "Ленина 14 лифт не работает, куда жаловаться?"},
        {"id": "a3", "text": "ленина 12 лифт сломан, управляйка не чешется", "likes": 4},
        {"id": 4, "text": "В Сосновку когда проведут газ?"},
    ])


def test_every_question_gets_one_line_in_input_order(questions: Path) -> None:
    out = io.StringIO()
    assert offline.run(questions, out, PLACES) == 4
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [x["id"] for x in lines] == ["a1", "a2", "a3", "4"]
    assert all(set(x) == {"id", "cluster", "suggested", "topic", "place"} for x in lines)


def test_auto_merged_questions_share_a_cluster_and_near_misses_do_not(questions: Path) -> None:
    out = io.StringIO()
    offline.run(questions, out, PLACES)
    by_id = {x["id"]: x for x in map(json.loads, out.getvalue().splitlines())}
    assert by_id["a1"]["cluster"] == by_id["a3"]["cluster"] == "a1"
    assert by_id["a2"]["cluster"] not in (by_id["a1"]["cluster"], by_id["4"]["cluster"])
    assert by_id["a1"]["place"] == {"settlement": "Новоозёрск", "street": "Ленина", "house": "12"}
    assert by_id["4"]["place"] == {"settlement": "Сосновка", "street": None, "house": None}
    assert by_id["4"]["topic"] == "gasification"


def test_suggestions_name_clusters(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "h", "text": "Победы 4 нет горячей воды две недели"},
        {"id": "c", "text": "Победы 4 холодную воду отключают по ночам"},
    ])
    out = io.StringIO()
    offline.run(path, out, PLACES)
    _first, second = map(json.loads, out.getvalue().splitlines())
    assert second["cluster"] == "c" and second["suggested"] == ["h"]


def test_main_prints_to_stdout_and_reports_bad_input(questions: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert offline.main([str(questions), "--places", str(PLACES)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    assert offline.main([str(bad)]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err
