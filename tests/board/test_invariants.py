"""Every domain verb: snapshot + its events == a fresh snapshot; and the verbs do what the board promises."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from liveline.board import clusters, membership, merges, questions
from liveline.errors import Conflict
from liveline.store import state
from tests.helpers import item, live_broadcast, replay_equals_fresh, triaged


def test_ingest_of_a_new_question_replays(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    evs = replay_equals_fresh(r, bid, lambda: questions.ingest(r, bid, item(1, "Когда починят дорогу?"),
                                                                triaged("Когда починят дорогу?")))
    assert [e.type for e in evs] == ["question.new"]


def test_an_item_delivered_twice_is_one_question(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    first = questions.ingest(r, bid, item(1, "Когда починят дорогу?"), triaged("Когда починят дорогу?"))
    again = questions.ingest(r, bid, item(1, "Когда починят дорогу?"), triaged("Когда починят дорогу?"))
    assert first is not None and again is None
    assert len(questions.all_questions(r, bid)) == 1


def test_auto_merge_joins_the_cluster_and_counts_support(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    questions.ingest(r, bid, item(1, "Дорога на Ленина вся в ямах"), triaged("Дорога на Ленина вся в ямах"))
    evs = replay_equals_fresh(r, bid, lambda: questions.ingest(
        r, bid, item(2, "Когда отремонтируют Ленина?", likes=3), triaged("Когда отремонтируют Ленина?",
                                                                       merge_into="1")))
    (cid,) = evs[0].clusters
    c = state.read(r, bid).clusters[cid]
    assert membership.members(r, bid, cid) == ["1", "2"] and c["support"] == 2 + 3


def test_plus_one_reply_is_support_not_a_question(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    questions.ingest(r, bid, item(1, "Когда дадут отопление в дом 12?"), triaged("Когда дадут отопление?"))
    replay_equals_fresh(r, bid, lambda: questions.ingest(
        r, bid, item(2, "+1, тоже интересует", parent_key="demo:1"), triaged("+1, тоже интересует")))
    st = state.read(r, bid)
    assert len(st.clusters) == 1
    (c,) = st.clusters.values()
    assert c["support"] == 2 and c["supporters_n"] == 1
    assert membership.people(r, bid, c["id"]) == {"vk:1": (1, 0), "vk:2": (0, 1)}
    assert st.questions["2"]["kind"] == "support" and st.questions["2"]["support_for"] == "1"


def test_support_reply_that_arrives_before_its_parent_is_counted_when_the_parent_comes(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    questions.ingest(r, bid, item(2, "присоединяюсь", parent_key="demo:1"), triaged("присоединяюсь"))
    replay_equals_fresh(r, bid, lambda: questions.ingest(r, bid, item(1, "Где автобус до Заречного?"),
                                                          triaged("Где автобус до Заречного?")))
    st = state.read(r, bid)
    (c,) = st.clusters.values()
    by_key = {q["key"]: q for q in st.questions.values()}
    assert c["support"] == 2 and by_key["demo:2"]["support_for"] == by_key["demo:1"]["id"]


@pytest.mark.parametrize("kind", ["edit", "delete", "restore", "likes"])
def test_changes_of_an_item_replay(r: redis.Redis, kind: str) -> None:
    bid = live_broadcast(r)
    questions.ingest(r, bid, item(1, "Когда починят дорогу?"), triaged("Когда починят дорогу?"))
    if kind == "restore":
        questions.ingest(r, bid, item(1, "", kind="delete"), None)
    change = item(1, "Когда починят дорогу на Ленина?", kind=kind, likes=7)
    evs = replay_equals_fresh(r, bid, lambda: questions.ingest(
        r, bid, change, triaged(change.text) if kind in ("edit", "restore") else None))
    assert len(evs) == 1
    q = state.read(r, bid).questions["1"]
    assert {"edit": q["edited"], "delete": q["deleted"], "restore": not q["deleted"],
            "likes": q["likes"] == 7}[kind]


ACTIONS: dict[str, Callable[[redis.Redis, int, list[str]], object]] = {
    "approve": lambda r, b, c: clusters.approve(r, b, c[0], "anna"),
    "reject": lambda r, b, c: clusters.reject(r, b, c[0], "anna", "spam"),
    "restore": lambda r, b, c: (clusters.reject(r, b, c[0], "anna", "spam"), clusters.restore(r, b, c[0], "anna")),
    "queue": lambda r, b, c: clusters.enqueue(r, b, c[0], "anna"),
    "unqueue": lambda r, b, c: (clusters.enqueue(r, b, c[0], "anna"), clusters.unqueue(r, b, c[0], "anna")),
    "move": lambda r, b, c: ([clusters.enqueue(r, b, x, "anna") for x in c], clusters.move(r, b, c[3], 0, "anna")),
    "on_air": lambda r, b, c: (clusters.enqueue(r, b, c[0], "anna"), clusters.on_air(r, b, c[0], "anna")),
    "next_on_air": lambda r, b, c: ([clusters.enqueue(r, b, x, "anna") for x in c[:2]],
                                    clusters.on_air(r, b, c[0], "anna"), clusters.on_air(r, b, c[1], "anna")),
    "answered": lambda r, b, c: (clusters.on_air(r, b, c[0], "anna"), clusters.answered(r, b, c[0], "anna")),
    "return": lambda r, b, c: (clusters.on_air(r, b, c[0], "anna"), clusters.return_to_queue(r, b, c[0], "anna")),
    "edit": lambda r, b, c: clusters.edit_reading(r, b, c[0], "Когда отремонтируют улицу Ленина?", "anna"),
    "topic": lambda r, b, c: clusters.set_topic(r, b, c[0], "roads", "Отдел дорожного хозяйства", "anna"),
    "pin": lambda r, b, c: clusters.pin(r, b, c[0], True, "anna"),
    "take": lambda r, b, c: clusters.take(r, b, c[0], "anna"),
    "host": lambda r, b, c: clusters.set_host(r, b, "anna", cue="Следующий — про дороги", font=130),
    "merge": lambda r, b, c: merges.merge(r, b, c[0], c[1], "anna"),
    "split": lambda r, b, c: (merges.merge(r, b, c[0], c[1], "anna"), merges.split(r, b, c[0], "2", "anna")),
}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_moderator_action_replays_to_a_fresh_snapshot(board: tuple[redis.Redis, int, list[str]],
                                                            name: str) -> None:
    r, bid, cids = board
    evs = replay_equals_fresh(r, bid, lambda: ACTIONS[name](r, bid, cids))
    assert evs, "an action writes at least one event"


def test_a_write_from_an_older_version_is_a_conflict_not_a_lost_edit(board: tuple[redis.Redis, int, list[str]]) -> None:
    r, bid, cids = board
    seen = clusters.get(r, bid, cids[0])["version"]
    clusters.edit_reading(r, bid, cids[0], "Формулировка Анны", "anna", seen)
    with pytest.raises(Conflict) as exc:
        clusters.edit_reading(r, bid, cids[0], "Формулировка Бориса", "boris", seen)
    assert "anna" in exc.value.message
    assert clusters.get(r, bid, cids[0])["reading_text"] == "Формулировка Анны"


def test_on_air_then_next_marks_the_previous_answered_with_a_timecode(board: tuple[redis.Redis, int, list[str]]) -> None:
    r, bid, cids = board
    clusters.enqueue(r, bid, cids[0], "anna")
    clusters.enqueue(r, bid, cids[1], "anna")
    clusters.on_air(r, bid, cids[0], "anna")
    clusters.on_air(r, bid, cids[1], "anna")
    st = state.read(r, bid)
    assert st.clusters[cids[0]]["status"] == "answered" and st.clusters[cids[0]]["timecode"] is not None
    assert st.host["on_air"] == cids[1] and st.queue == []


def test_split_members_keep_their_authors_and_pairs_are_remembered(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    questions.ingest(r, bid, item(1, "Яма на Ленина"), triaged("Яма на Ленина"))
    questions.ingest(r, bid, item(2, "Яма на Ленина у школы"), triaged("Яма на Ленина у школы", merge_into="1"))
    questions.ingest(r, bid, item(3, "Ямы на Ленина"), triaged("Ямы на Ленина", merge_into="1"))
    cid = state.read(r, bid).questions["1"]["cluster"]
    ev = merges.split(r, bid, cid, "2", "anna")
    new_cid = ev.note["to"]
    assert membership.members(r, bid, cid) == ["1", "3"] and membership.members(r, bid, new_cid) == ["2"]
    assert merges.is_split_pair(r, bid, "2", "1") and merges.is_split_pair(r, bid, "3", "2")
