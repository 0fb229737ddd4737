"""Undo from the audit log: every undoable action comes back, replays to a fresh snapshot, and refuses when
the card changed since."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from liveline.board import authors, clusters, membership, merges, undo
from liveline.errors import Conflict
from liveline.store import events, state
from tests.helpers import add_card, live_broadcast, replay_equals_fresh


def last_row(r: redis.Redis, bid: int) -> dict[str, Any]:
    return events.read_audit(r, bid, count=1)[0]


def comparable(r: redis.Redis, bid: int) -> dict[str, Any]:
    """What undo must bring back: statuses, wording, topic, pins, groups, queue, on air; not versions."""
    st = state.read(r, bid)
    keep = ("status", "reject_reason", "reading_text", "topic", "department", "pinned")
    members = {cid: membership.members(r, bid, cid) for cid in st.clusters}
    groups = sorted(tuple(m) for m in members.values())
    by_leader = {members[cid][0]: {**{k: c.get(k) for k in keep}, "members": members[cid]}
                 for cid, c in st.clusters.items()}
    queue = [members[cid][0] for cid in st.queue]
    on_air = st.host.get("on_air")
    return {"groups": groups, "cards": by_leader, "queue": queue,
            "on_air": members[on_air][0] if on_air else None}


# action to undo, with what must happen first to make it possible
CASES: dict[str, Callable[[redis.Redis, int, list[str]], Any]] = {
    "approve": lambda r, b, c: clusters.approve(r, b, c[0], "anna"),
    "approve_rejected": lambda r, b, c: clusters.approve(r, b, c[0], "anna"),
    "restore": lambda r, b, c: clusters.restore(r, b, c[0], "anna"),
    "reject_new": lambda r, b, c: clusters.reject(r, b, c[0], "anna", "offtopic"),
    "reject_approved": lambda r, b, c: clusters.reject(r, b, c[0], "anna", "spam"),
    "reject_queued": lambda r, b, c: clusters.reject(r, b, c[1], "anna", "spam"),
    "queue": lambda r, b, c: clusters.enqueue(r, b, c[2], "anna"),
    "queue_approved": lambda r, b, c: clusters.enqueue(r, b, c[0], "anna"),
    "unqueue": lambda r, b, c: clusters.unqueue(r, b, c[1], "anna"),
    "on_air": lambda r, b, c: clusters.on_air(r, b, c[1], "anna"),
    "answered": lambda r, b, c: clusters.answered(r, b, c[1], "anna"),
    "edit": lambda r, b, c: clusters.edit_reading(r, b, c[0], "Когда отремонтируют Ленина?", "anna"),
    "topic": lambda r, b, c: clusters.set_topic(r, b, c[0], "lighting", "Отдел благоустройства", "anna"),
    "pin": lambda r, b, c: clusters.pin(r, b, c[0], True, "anna"),
    "merge": lambda r, b, c: merges.merge(r, b, c[0], c[2], "anna"),
    "split": lambda r, b, c: merges.split(r, b, c[0], "3", "anna"),
    "host": lambda r, b, c: clusters.set_host(r, b, "anna", cue="Следующий — про газ"),
}
SETUP: dict[str, Callable[[redis.Redis, int, list[str]], Any]] = {
    "approve_rejected": lambda r, b, c: clusters.reject(r, b, c[0], "boris", "spam"),
    "restore": lambda r, b, c: clusters.reject(r, b, c[0], "boris", "duplicate"),
    "reject_approved": lambda r, b, c: clusters.approve(r, b, c[0], "boris"),
    "reject_queued": lambda r, b, c: (clusters.enqueue(r, b, c[0], "boris"), clusters.enqueue(r, b, c[1], "boris")),
    "queue_approved": lambda r, b, c: clusters.approve(r, b, c[0], "boris"),
    "unqueue": lambda r, b, c: [clusters.enqueue(r, b, x, "boris") for x in c[:2]],
    "on_air": lambda r, b, c: clusters.enqueue(r, b, c[1], "boris"),
    "answered": lambda r, b, c: (clusters.enqueue(r, b, c[1], "boris"), clusters.on_air(r, b, c[1], "boris")),
    "split": lambda r, b, c: (merges.merge(r, b, c[0], c[2], "boris"), merges.merge(r, b, c[0], c[3], "boris")),
    "pin": lambda r, b, c: clusters.set_topic(r, b, c[0], "roads", "", "boris"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_undo_brings_the_board_back_and_replays(board: tuple[redis.Redis, int, list[str]], name: str) -> None:
    r, bid, cids = board
    if name in SETUP:
        SETUP[name](r, bid, cids)
    host_before = state.read(r, bid).host
    before = comparable(r, bid)
    CASES[name](r, bid, cids)
    row = last_row(r, bid)
    assert undo.can_undo(row), row["action"]
    assert comparable(r, bid) != before or name == "host"
    replay_equals_fresh(r, bid, lambda: undo.undo(r, bid, row["id"], "vera"))
    assert comparable(r, bid) == before
    if name == "host":
        assert state.read(r, bid).host["cue"] == host_before.get("cue", "")


def test_undo_refuses_when_the_card_changed_since(board: tuple[redis.Redis, int, list[str]]) -> None:
    r, bid, cids = board
    clusters.approve(r, bid, cids[0], "anna")
    row = last_row(r, bid)
    clusters.enqueue(r, bid, cids[0], "boris")
    with pytest.raises(Conflict) as exc:
        undo.undo(r, bid, row["id"], "vera")
    assert "boris" in exc.value.message
    assert clusters.get(r, bid, cids[0])["status"] == "queued"


def test_undo_twice_is_refused_not_applied_twice(board: tuple[redis.Redis, int, list[str]]) -> None:
    r, bid, cids = board
    clusters.edit_reading(r, bid, cids[0], "Новая формулировка", "anna")
    row = last_row(r, bid)
    undo.undo(r, bid, row["id"], "vera")
    with pytest.raises(Conflict):
        undo.undo(r, bid, row["id"], "vera")


def test_undo_of_a_merge_restores_the_swallowed_group_as_it_was(board: tuple[redis.Redis, int, list[str]]) -> None:
    r, bid, cids = board
    merges.merge(r, bid, cids[0], cids[1], "boris")  # 1+2
    clusters.edit_reading(r, bid, cids[2], "Газ в Сосновке: когда?", "boris")
    clusters.approve(r, bid, cids[2], "boris")
    merges.merge(r, bid, cids[0], cids[2], "anna")   # (1+2)+3
    row = last_row(r, bid)
    ev = undo.undo(r, bid, row["id"], "vera")
    assert ev is not None
    new_id = ev.note["to"]
    st = state.read(r, bid)
    assert membership.members(r, bid, cids[0]) == ["1", "2"]
    back = st.clusters[new_id]
    assert membership.members(r, bid, new_id) == ["3"] and back["status"] == "approved"
    assert back["reading_text"] == "Газ в Сосновке: когда?" and back["reading_edited"]
    assert merges.is_split_pair(r, bid, "3", "1")


def test_undo_of_mute_unmutes_and_back(board: tuple[redis.Redis, int, list[str]]) -> None:
    r, bid, _ = board
    authors.mute_author(r, bid, "vk:7", "anna", "Спамер")
    undo.undo(r, bid, last_row(r, bid)["id"], "vera")
    assert not authors.is_muted(r, bid, "vk:7")
    undo.undo(r, bid, last_row(r, bid)["id"], "vera")
    assert authors.is_muted(r, bid, "vk:7")


def test_actions_without_an_inverse_are_refused(board: tuple[redis.Redis, int, list[str]]) -> None:
    r, bid, cids = board
    [clusters.enqueue(r, bid, x, "anna") for x in cids[:2]]
    clusters.move(r, bid, cids[1], 0, "anna")
    row = last_row(r, bid)
    assert not undo.can_undo(row)
    from liveline.errors import BadRequest

    with pytest.raises(BadRequest):
        undo.undo(r, bid, row["id"], "vera")


def test_undo_of_showing_a_parent_to_the_studio_takes_it_off_again(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    parent = {"id": "1", "text": "Когда починят дорогу на Ленина?", "author_name": "Ольга", "author_url": ""}
    reply = add_card(r, bid, 2, "а у моста яма", reply_to=parent)
    clusters.show_parent(r, bid, reply, True, "anna")
    row = last_row(r, bid)
    assert row["action"] == "parent_shown" and undo.can_undo(row)
    replay_equals_fresh(r, bid, lambda: undo.undo(r, bid, row["id"], "vera"))
    assert clusters.get(r, bid, reply)["parent_on_host"] is False
