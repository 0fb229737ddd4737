"""Appeals: the end of a broadcast makes exactly the right appeals; verbs replay; deadlines; reminders;
citizens' replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis

from liveline.board import broadcasts, clusters, membership, merges, questions
from liveline.errors import BadRequest, Conflict
from liveline.followup import appeals
from liveline.followup import departments as routing
from liveline.followup.workcalendar import CUR_24H, FZ59_30D
from liveline.ingest.inbox import SourceItem
from liveline.store import events, keys
from tests.helpers import ask, ended_broadcast, live_broadcast


def test_the_end_of_a_broadcast_makes_one_appeal_per_unanswered_cluster_with_all_coauthors(r: redis.Redis) -> None:
    bid, c = ended_broadcast(r)
    out = appeals.create_from_broadcast(r, bid)
    made = appeals.read_all(r, bid)
    assert sorted(a["cluster"] for a in made.values()) == sorted([c["roads"], c["light"], c["gas"]])
    assert out["review"] == [c["unseen"]] and out["on_air"] == [c["aired"]]
    roads = next(a for a in made.values() if a["cluster"] == c["roads"])
    assert roads["question_ids"] == ["1", "2", "3", "4"]
    assert [co["author_id"] for co in roads["coauthors"]] == ["vk:1", "vk:2", "vk:3"]   # vk:1 once
    assert roads["coauthors"][0]["qids"] == ["1", "4"]
    assert "vk:9" not in {co["author_id"] for co in roads["coauthors"]} and roads["supporters"] == 1
    assert roads["settlement"] == "Сосновка" and roads["department"] == "Отдел дорожного хозяйства"
    assert float(roads["start"]) == float(c["ended_at"])
    # the still-new cluster waits for a last review, not dropped, not an appeal
    assert [x["id"] for x in appeals.review_list(r, bid)] == [c["unseen"]]
    # running it again (on demand, or the job retried) changes nothing
    again = appeals.create_from_broadcast(r, bid)
    assert again["created"] == [] and appeals.read_all(r, bid) == made


def test_invariant_coauthors_are_exactly_the_authors_of_the_clusters_questions_at_the_end(r: redis.Redis) -> None:
    bid, _ = ended_broadcast(r)
    appeals.create_from_broadcast(r, bid)
    for a in appeals.read_all(r, bid).values():
        c = clusters.get(r, bid, a["cluster"])
        members = [q for q in questions.many(r, bid, membership.members(r, bid, c["id"])) if q["kind"] == "question"]
        assert {co["author_id"] for co in a["coauthors"]} == {q["author_id"] for q in members}
        assert sorted(a["question_ids"], key=int) == sorted((q["id"] for q in members), key=int)


def test_a_merge_before_the_end_brings_its_authors_along(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    a = ask(r, bid, 1, "Яма на Мира", "vk:1", topic="roads")
    b = ask(r, bid, 2, "Когда заделают яму на Мира?", "vk:2", topic="roads")
    merges.merge(r, bid, a["cluster"], b["cluster"], "anna")
    clusters.approve(r, bid, a["cluster"], "anna")
    broadcasts.end(r, bid)
    appeals.create_from_broadcast(r, bid)
    (appeal,) = appeals.read_all(r, bid).values()
    assert {co["author_id"] for co in appeal["coauthors"]} == {"vk:1", "vk:2"}


def test_last_review_promotes_or_dismisses(r: redis.Redis) -> None:
    bid, c = ended_broadcast(r)
    appeals.create_from_broadcast(r, bid)
    a = appeals.promote(r, bid, c["unseen"], "anna")
    assert a["cluster"] == c["unseen"] and a["department"] == "Отдел ЖКХ и экологии"
    assert appeals.review_list(r, bid) == []
    with pytest.raises(Conflict):
        appeals.promote(r, bid, c["unseen"], "anna")


def replay_equals_fresh(r: redis.Redis, bid: int, action: Any) -> list[events.Event]:
    before, cursor = appeals.read_all(r, bid), events.last_id(r, bid)
    action()
    evs = events.read_since(r, bid, cursor)
    after = before
    for ev in evs:
        after = appeals.apply(after, ev)
    assert after == appeals.read_all(r, bid)
    return evs


def test_every_appeal_verb_writes_state_one_event_and_an_audit_entry(r: redis.Redis) -> None:
    bid, _ = ended_broadcast(r)
    evs = replay_equals_fresh(r, bid, lambda: appeals.create_from_broadcast(r, bid))
    assert [e.type for e in evs] == ["appeal.created"] * 3
    aid = appeals.read_all(r, bid).popitem()[0]
    steps = [
        ("take", lambda: appeals.take(r, bid, aid, "olga")),
        ("assign", lambda: appeals.assign(r, bid, aid, "petr", "olga")),
        ("redirect", lambda: appeals.redirect(r, bid, aid, "Отдел ЖКХ", "не наш вопрос", "petr")),
        ("take", lambda: appeals.take(r, bid, aid, "ivan")),
        ("answer", lambda: appeals.answer(r, bid, aid, "Отремонтируем в мае", "ivan")),
        ("reopen", lambda: appeals.reopen(r, bid, aid, "ivan", "уточнение")),
        ("answer", lambda: appeals.answer(r, bid, aid, "Отремонтируем в апреле", "ivan")),
        ("close", lambda: appeals.close(r, bid, aid, "ivan")),
    ]
    for action, fn in steps:
        audit_before = len(events.read_audit(r, bid, count=10_000))
        evs = replay_equals_fresh(r, bid, fn)
        assert [e.type for e in evs] == [f"appeal.{action}"]
        assert len(events.read_audit(r, bid, count=10_000)) == audit_before + 1
    a = appeals.get(r, bid, aid)
    assert a["status"] == "closed" and a["answer_no"] == 2 and a["department"] == "Отдел ЖКХ"
    assert [h["action"] for h in a["history"]] == ["created"] + [s for s, _ in steps]


def test_verbs_refuse_what_the_status_does_not_allow_and_stale_versions(r: redis.Redis) -> None:
    bid, _ = ended_broadcast(r)
    appeals.create_from_broadcast(r, bid)
    aid = "1"
    with pytest.raises(Conflict):
        appeals.close(r, bid, aid, "olga")              # not answered yet
    with pytest.raises(BadRequest):
        appeals.answer(r, bid, aid, "   ", "olga")
    with pytest.raises(BadRequest):
        appeals.redirect(r, bid, aid, "Отдел ЖКХ", "", "olga")  # a reason is required
    v = appeals.get(r, bid, aid)["version"]
    appeals.take(r, bid, aid, "olga", version=v)
    with pytest.raises(Conflict):
        appeals.assign(r, bid, aid, "petr", "ivan", version=v)   # someone changed it first


# -- deadlines ------------------------------------------------------------------------------------------
def local(s: str, tz: str) -> float:
    return datetime.fromisoformat(s).replace(tzinfo=ZoneInfo(tz)).timestamp()


@pytest.mark.parametrize("tz,start,rule,expected", [
    # Friday 17:00: 1 h on Friday, the weekend skipped, 8 + 8 + 7 h -> Wednesday 17:00
    ("Europe/Volgograd", "2026-11-27T17:00", CUR_24H, "2026-12-02T17:00"),
    # 3 Nov is a short pre-holiday day (to 17:00), 4 Nov a holiday: 1 + 8 + 8 + 7 h -> Monday 9 Nov 17:00
    ("Europe/Moscow", "2026-11-03T16:00", CUR_24H, "2026-11-09T17:00"),
    # 30 days from Monday 7 Dec is 6 Jan, inside the New Year holidays -> the next working day, 11 Jan
    ("Europe/Moscow", "2026-12-05T12:00", FZ59_30D, "2027-01-11T18:00"),
])
def test_deadlines_across_a_weekend_and_holidays(tz: str, start: str, rule: Any, expected: str) -> None:
    assert appeals.deadline_for(tz, local(start, tz), rule) == local(expected, tz)


def test_deadline_runs_in_the_broadcasts_time_zone(r: redis.Redis) -> None:
    """Friday 16:30 in Moscow is 23:30 in Vladivostok: for a Vladivostok broadcast Friday is already over."""
    bid = broadcasts.create(r, "Прямая линия", "Глава", "Asia/Vladivostok")
    broadcasts.start(r, bid)
    c = ask(r, bid, 1, "Дорога на Мира", "vk:1", topic="roads")
    clusters.approve(r, bid, c["cluster"], "anna")
    broadcasts.end(r, bid)
    ended = local("2026-11-27T23:30", "Asia/Vladivostok")
    assert ended == local("2026-11-27T16:30", "Europe/Moscow")
    r.hset(keys.broadcast(bid), "ended_at", f"{ended:.3f}")  # the end at a chosen moment
    appeals.create_from_broadcast(r, bid)
    (a,) = appeals.read_all(r, bid).values()
    assert a["deadline"] == local("2026-12-02T18:00", "Asia/Vladivostok")   # 3 full days from Monday 09:00
    assert a["deadline"] != appeals.deadline_for("Europe/Moscow", ended, CUR_24H)


def test_the_rule_is_configurable(r: redis.Redis) -> None:
    appeals.set_settings(r, rule="fz59_30d")
    bid, _ = ended_broadcast(r)
    appeals.create_from_broadcast(r, bid)
    a = appeals.get(r, bid, "1")
    assert a["rule"] == FZ59_30D.name
    assert a["deadline"] == appeals.deadline_for(a["tz"], a["start"], FZ59_30D)
    with pytest.raises(BadRequest):
        appeals.set_settings(r, rule="tomorrow")


def test_reminder_before_and_escalation_after_the_deadline_once_each(r: redis.Redis) -> None:
    routing.set_head(r, "Отдел дорожного хозяйства", "chief")
    bid, c = ended_broadcast(r)
    appeals.create_from_broadcast(r, bid)
    a = next(x for x in appeals.read_all(r, bid).values() if x["cluster"] == c["roads"])
    deadline = float(a["deadline"])
    start = datetime.fromtimestamp(float(a["start"]), ZoneInfo(a["tz"]))
    soon = appeals.calendar(a["tz"]).add_working_hours(start, 21).timestamp()  # 3 working hours before the 24 h deadline
    assert appeals.decorate(a, soon)["due_soon"]
    assert appeals.check_deadlines(r, soon)["reminded"] == 3
    assert appeals.check_deadlines(r, soon)["reminded"] == 0              # once
    later = deadline + 60
    assert appeals.decorate(appeals.get(r, bid, a["id"]), later)["overdue"]
    assert appeals.check_deadlines(r, later)["escalated"] == 3
    assert appeals.check_deadlines(r, later)["escalated"] == 0
    notes = [n for n in r.xrange(keys.appeal_notices(bid))]
    import json
    esc = [json.loads(f[b"n"]) for _, f in notes if json.loads(f[b"n"])["kind"] == "escalation"]
    roads = next(n for n in esc if n["appeal"] == a["id"])
    assert set(roads["to"]) == {"dept:Отдел дорожного хозяйства", "role:admin", "user:chief"}
    # an answered appeal is neither overdue nor escalated
    appeals.answer(r, bid, a["id"], "Сделано", "ivan")
    assert not appeals.decorate(appeals.get(r, bid, a["id"]), later + 3600)["overdue"]


# -- citizens answer back -------------------------------------------------------------------------------
def test_a_citizen_saying_not_solved_under_our_reply_reopens_the_appeal(r: redis.Redis) -> None:
    bid, _ = ended_broadcast(r)
    appeals.create_from_broadcast(r, bid)
    appeals.answer(r, bid, "1", "Отремонтируем", "ivan")
    r.hset(keys.reply_index(bid), "vk:wall:-42_7:500", "1:1")   # what replies.post_one records for our reply
    reply = SourceItem(key="vk:wall:-42_7:501", text="Спасибо, но вопрос не решён!", author_id="1",
                       author_name="Иван Петров", parent_key="vk:wall:-42_7:500", created_at=1.8e9)
    a = appeals.attach_citizen_reply(r, bid, reply)
    assert a is not None and a["status"] == "in_work" and a["reopened"] == 1
    assert a["citizen_replies"][0]["text"] == "Спасибо, но вопрос не решён!"
    assert appeals.attach_citizen_reply(r, bid, reply)["citizen_replies"] == a["citizen_replies"]  # idempotent
    thanks = SourceItem(key="vk:wall:-42_7:502", text="Спасибо!", author_id="2", parent_key="vk:wall:-42_7:500")
    appeals.answer(r, bid, "1", "Отремонтировали", "ivan")
    assert appeals.attach_citizen_reply(r, bid, thanks)["status"] == "answered"
    stranger = SourceItem(key="vk:wall:-42_7:503", text="не решено", parent_key="vk:wall:-42_7:499")
    assert appeals.attach_citizen_reply(r, bid, stranger) is None


def test_watch_window_after_the_end_is_configurable(r: redis.Redis) -> None:
    bid, c = ended_broadcast(r)
    appeals.set_settings(r, watch_hours="48")
    assert appeals.watch_until(r, bid) == pytest.approx(float(c["ended_at"]) + 48 * 3600)


def test_items_still_waiting_for_triage_are_counted_for_the_last_review(r: redis.Redis) -> None:
    from liveline.ingest import inbox

    bid, _ = ended_broadcast(r)
    assert appeals.pending_triage(r, bid) == 0
    inbox.append(r, bid, [SourceItem(key=f"demo:{100 + n}", text="Поздний вопрос") for n in range(3)])
    assert appeals.pending_triage(r, bid) == 3
