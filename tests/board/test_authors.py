"""Muting an author for a broadcast: one set, one event the triage worker follows, one audit row."""

from __future__ import annotations

import redis

from liveline.board import authors, questions
from liveline.store import events, keys, state
from tests.helpers import item, live_broadcast, replay_equals_fresh, triaged


def test_mute_writes_the_set_an_event_and_the_audit_in_one_go(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    evs = replay_equals_fresh(r, bid, lambda: authors.mute_author(r, bid, "vk:42", "anna", "Иван Спамов"))
    assert [e.type for e in evs] == ["author.muted"] and evs[0].note["author_id"] == "vk:42"
    assert r.sismember(keys.authors_muted(bid), "vk:42")
    row = events.read_audit(r, bid, count=1)[0]
    assert (row["actor"], row["action"], row["target"]) == ("anna", "mute", "author:vk:42")
    assert row["before"]["muted"] is False and row["after"]["muted"] is True


def test_muting_twice_changes_nothing_and_unmute_reverses(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    assert authors.mute_author(r, bid, "vk:42", "anna") is not None
    cursor = events.last_id(r, bid)
    assert authors.mute_author(r, bid, "vk:42", "boris") is None
    assert events.last_id(r, bid) == cursor
    evs = replay_equals_fresh(r, bid, lambda: authors.unmute_author(r, bid, "vk:42", "boris"))
    assert [e.type for e in evs] == ["author.unmuted"]
    assert authors.muted(r, bid) == []
    assert authors.unmute_author(r, bid, "vk:42", "boris") is None


def test_the_leader_author_of_a_card_is_who_gets_muted(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, "Купите рекламу", author="vk:666", author_name="Реклама Рекламович"),
                          triaged("Купите рекламу"))
    assert ev is not None
    cid = ev.questions["1"]["cluster"]
    who = authors.leader_author(r, bid, cid)
    assert who == {"author_id": "vk:666", "name": "Реклама Рекламович"}
    authors.mute_author(r, bid, who["author_id"], "anna", who["name"])
    assert authors.is_muted(r, bid, "vk:666")
    assert state.read(r, bid).clusters[cid]["status"] == "new", "a mute hides new comments, not past ones"
