"""The post-broadcast report's figures: per minute, by source/topic/settlement, duplicates, fairness."""

from __future__ import annotations

import pytest
import redis
from markupsafe import Markup

from liveline.board import broadcasts, clusters, questions
from liveline.followup import appeals, report
from liveline.ingest.inbox import SourceItem
from liveline.store import keys
from tests.helpers import live_broadcast, triaged


def q(r: redis.Redis, bid: int, key: str, text: str, at: float, topic: str, settlement: str = "",
      merge: str | None = None) -> dict:
    place = {"settlement": settlement} if settlement else None
    ev = questions.ingest(r, bid, SourceItem(key=key, text=text, author_id=key, author_name="Житель", created_at=at),
                          triaged(text, topic=topic, place=place, merge_into=merge))
    assert ev is not None
    return ev.questions[ev.note["qid"]]


def test_report_figures(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    t0 = 1_800_000_000.0
    r.hset(keys.broadcast(bid), "started_at", f"{t0:.3f}")
    a = q(r, bid, "vk:wall:-1_2:1", "Дорога в Сосновке", t0 + 5, "roads", "Сосновка")
    q(r, bid, "vk:wall:-1_2:2", "И дорога в Сосновке", t0 + 30, "roads", "Сосновка", merge=a["id"])
    b = q(r, bid, "vk:video:-1_3:1", "Фонари в Заречном", t0 + 70, "lighting", "Заречное")
    c = q(r, bid, "demo:1", "Мусор в Сосновке", t0 + 190, "waste", "Сосновка")
    clusters.on_air(r, bid, b["cluster"], "anna")
    clusters.answered(r, bid, b["cluster"], "anna")
    clusters.approve(r, bid, a["cluster"], "anna")
    broadcasts.end(r, bid)
    r.hset(keys.broadcast(bid), "ended_at", f"{t0 + 240:.3f}")
    appeals.create_from_broadcast(r, bid)
    rep = report.build(r, bid)
    assert rep["total_questions"] == 4 and rep["duplicates_merged"] == 1 and rep["clusters"] == 3
    assert rep["answered_on_air"] == 1 and rep["appeals"] == 1 and rep["review"] == 1
    assert [v for _, v in rep["per_minute"]] == [2.0, 1.0, 0.0, 1.0, 0.0]
    assert dict(rep["by_source"]) == {"Пост ВКонтакте": 2.0, "Чат трансляции": 1.0, "Демо": 1.0}
    assert dict(rep["by_settlement"]) == {"Сосновка": 3.0, "Заречное": 1.0}
    fair = {label: (rec, ans) for label, rec, ans in rep["fair_settlement"]}
    assert fair["Сосновка"] == (0.75, 0.0) and fair["Заречное"] == (0.25, 1.0)
    topics = {label: (rec, ans) for label, rec, ans in rep["fair_topic"]}
    assert topics["Уличное освещение"] == (0.25, 1.0) and topics["Дороги"] == (0.5, 0.0)
    assert rep["average_support"] == pytest.approx((2 + 1 + 1) / 3)
    svg = report.charts_for(rep)
    assert all(isinstance(x, Markup) and x.startswith("<svg") for x in svg.values())
    assert c["cluster"] in {x["id"] for x in appeals.review_list(r, bid)}


def test_hostile_settlement_names_stay_escaped_in_the_charts(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    q(r, bid, "demo:1", "Вопрос", 1.8e9, "roads", '<script>alert(1)</script>"')
    rep = report.build(r, bid)
    html = str(report.charts_for(rep)["by_settlement"])
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_report_counts_each_kind_by_its_final_word(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    road = q(r, bid, "demo:1", "Когда починят дорогу в Сосновке?", 1.8e9, "roads", "Сосновка")
    sound = questions.ingest(r, bid, SourceItem(key="demo:2", text="звука нет", author_id="vk:2", author_name="Ж",
                                                created_at=1.8e9 + 1), triaged("звука нет", kind="chatter"))
    thanks = q(r, bid, "demo:3", "Спасибо за новую остановку", 1.8e9 + 2, "transport")
    questions.ingest(r, bid, SourceItem(key="demo:4", text="+", author_id="vk:4", author_name="Ж", created_at=1.8e9 + 3,
                                        parent_key="demo:1"), triaged("+", kind="support"))
    clusters.to_chat(r, bid, thanks["cluster"], "anna")  # the moderator: not a question
    rep = report.build(r, bid)
    assert sound is not None and road["kind"] == "question"
    assert (rep["total_questions"], rep["supports"], rep["chatter"]) == (1, 1, 2)
