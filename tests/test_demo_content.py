"""The demo broadcast's content (liveline/demo/direct_line.jsonl) and the hostile-input corpus
(tests/data/hostile.jsonl) are well-formed and cover what the demo and the hostile-input tests rely on."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "liveline" / "demo" / "direct_line.jsonl"
PLACES = ROOT / "liveline" / "demo" / "places.csv"
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile.jsonl"

HOSTILE_KINDS = {
    "script", "img_onerror", "svg_onload", "javascript_url", "tag_breakout", "attr_breaker", "html_entities",
    "url_encoded", "double_encoded", "iframe", "style", "htmx_attr", "template", "rtl_override", "zero_width",
    "zalgo", "wall", "control_chars", "lone_surrogate", "emoji_zwj", "formula", "long_word", "lookalike",
    "markdown", "sql", "mixed_ru",
}


def _lines(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="\n") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def demo() -> list[dict]:
    return _lines(DEMO)


@pytest.fixture(scope="module")
def hostile() -> list[dict]:
    return _lines(HOSTILE)


def expand(item: dict) -> str:
    """The text of a hostile item; a ``wall`` marker stands for ``repeat * times``."""
    if item["kind"] == "wall":
        return item["repeat"] * item["times"]
    return item["text"]


def test_demo_size_and_channels(demo):
    assert len(demo) >= 300
    assert sum(1 for c in demo if c["channel"] == "chat") >= 50
    assert {c["channel"] for c in demo} == {"post", "chat"}
    assert [c["n"] for c in demo] == list(range(1, len(demo) + 1))


def test_demo_fields(demo):
    for c in demo:
        assert set(c) == {"n", "channel", "author_id", "author_name", "text", "reply_to", "likes", "delay_s"}, c
        assert isinstance(c["text"], str) and c["text"].strip()
        assert isinstance(c["likes"], int) and 0 <= c["likes"] <= 40
        assert isinstance(c["delay_s"], (int, float)) and 0.5 <= c["delay_s"] <= 8
        assert isinstance(c["author_id"], int) and 10**6 <= c["author_id"] < 10**9
        assert re.fullmatch(r"[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+", c["author_name"]), c["author_name"]


def test_demo_chat_is_faster(demo):
    chat = [c["delay_s"] for c in demo if c["channel"] == "chat"]
    post = [c["delay_s"] for c in demo if c["channel"] == "post"]
    assert sum(chat) / len(chat) < sum(post) / len(post)


def test_demo_replies_point_to_earlier_post_lines(demo):
    by_n = {c["n"]: c for c in demo}
    replies = [c for c in demo if c["reply_to"] is not None]
    assert len(replies) >= 30
    for c in replies:
        parent = by_n[c["reply_to"]]
        assert parent["n"] < c["n"]
        assert parent["channel"] == "post"


def test_demo_authors(demo):
    ids: dict[int, str] = {}
    for c in demo:
        assert ids.setdefault(c["author_id"], c["author_name"]) == c["author_name"]
    counts: dict[int, int] = {}
    for c in demo:
        counts[c["author_id"]] = counts.get(c["author_id"], 0) + 1
    assert sum(1 for v in counts.values() if v >= 2) >= 5  # some people ask more than once
    assert len(counts) >= 200


def test_demo_duplicate_groups(demo):
    def count(*patterns: str) -> int:
        return sum(1 for c in demo if all(re.search(p, c["text"], re.IGNORECASE) for p in patterns))

    assert count(r"ленин") >= 15
    assert count(r"садов", r"12") >= 12
    assert count(r"заречн") >= 10
    assert count(r"сосновк") >= 8
    assert count(r"набережн") >= 8
    assert count(r"собак") >= 5


def test_demo_uses_gazetteer_streets(demo):
    with PLACES.open(encoding="utf-8") as f:
        streets = {row["street"].lower() for row in csv.DictReader(f)}
    text = " ".join(c["text"].lower() for c in demo)
    mentioned = {s for s in streets if s[:-2] in text}  # crude stem: "Советская" ~ "Советской"
    assert len(mentioned) >= 25


def test_demo_has_support_spam_mat_phones_urgent(demo):
    texts = [c["text"] for c in demo]
    low = [t.lower() for t in texts]
    assert sum(1 for t in low if t.strip(" !") in {"+", "+1", "+++", "тоже интересует", "поддерживаю",
                                                    "присоединяюсь к вопросу", "присоединяюсь"}) >= 8
    assert sum(1 for t in low if "заработ" in t or "http" in t or "лс" in t.split()) >= 3
    assert sum(1 for t in low if re.search(r"бл@ть|х\*р|нах\*й|п\*здец|бляха", t)) >= 4
    assert sum(1 for t in texts if re.search(r"8[- (]*900[- )]*\d{3}-\d{2}-\d{2}", t)) >= 2
    assert any("газом" in t for t in low)
    assert any("-15" in t and "ребён" in t for t in low)


def test_hostile_loads_and_ids(hostile):
    assert len(hostile) >= 60
    ids = [h["id"] for h in hostile]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"h\d{2,}", i) for i in ids)
    for h in hostile:
        assert isinstance(expand(h), str)


def test_hostile_covers_every_kind(hostile):
    kinds = {h["kind"] for h in hostile}
    assert HOSTILE_KINDS <= kinds, HOSTILE_KINDS - kinds


def test_hostile_lone_surrogate_survives_json(hostile):
    texts = [h["text"] for h in hostile if h["kind"] == "lone_surrogate"]
    assert "\ud800" in texts
    assert any(any(0xD800 <= ord(ch) <= 0xDFFF for ch in t) for t in texts)
    with pytest.raises(UnicodeEncodeError):
        "\ud800".encode("utf-8")


def test_hostile_specific_payloads(hostile):
    by_kind: dict[str, list[str]] = {}
    for h in hostile:
        by_kind.setdefault(h["kind"], []).append(expand(h))
    allt = "\n".join(t for ts in by_kind.values() for t in ts)
    for needle in ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
                   "javascript:alert(1)", "\"><script>", "' onmouseover='alert(1)", "&lt;script&gt;",
                   "&#x3C;script&#x3E;", "%3Cscript%3E", "%253Cscript", "<iframe", "body{display:none}",
                   'hx-get="/logout" hx-trigger="load"', "{{7*7}}", "{% raw %}", "\u202e", "\u200b", "\u200d",
                   "\x00", '=HYPERLINK("http://evil', "@SUM(1)", "\t=1", "\r=1", "-1+1", "+7 912",
                   "'; DROP TABLE"]:
        assert needle in allt, needle
    assert any(sum(1 for ch in t if 0x300 <= ord(ch) <= 0x36F) >= 200 for t in by_kind["zalgo"])
    wall = [h for h in hostile if h["kind"] == "wall"]
    assert wall and all(len(expand(h)) >= 16000 for h in wall)
    assert any(len(t) >= 2000 and " " not in t for t in by_kind["long_word"])
    assert any(re.search(r"[a-z]", t) and re.search(r"[а-я]", t) for t in by_kind["lookalike"])
    assert any(re.search(r"[\x01-\x08\x0b\x0c\x0e-\x1f]", t) for t in by_kind["control_chars"])
