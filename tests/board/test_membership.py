"""A cluster's members and people live beside its document, so what a write costs and carries does not grow
with the cluster: the document holds counts and its leader, an event the fields that changed."""

from __future__ import annotations

import redis

from liveline.board import clusters, membership, merges, questions
from liveline.board.questions import NewQuestion
from liveline.store import codec, events, keys, state
from tests.helpers import item, live_broadcast, triaged


def grow(r: redis.Redis, bid: int, n: int, start: int = 1) -> str:
    """A cluster of ``n`` questions by ``n`` people, written as one batch (question ids ``start`` on); returns
    its id."""
    r.set(keys.question_seq(bid), start - 1)
    first = questions.ingest(r, bid, item(start, "Яма на Ленина"), triaged("Яма на Ленина"))
    assert first is not None
    cid = str(first.questions[str(start)]["cluster"])
    batch = [NewQuestion(item(k, f"Яма на Ленина, {k}"), triaged(f"Яма на Ленина, {k}", merge_into=str(start)),
                         str(k)) for k in range(start + 1, start + n)]
    r.set(keys.question_seq(bid), start + n)
    if batch:
        questions.add_new(r, bid, batch)
    return cid


def join_event_size(r: redis.Redis, bid: int, cid: str, qid: int) -> int:
    """The bytes of the event a question joining cluster ``cid`` writes."""
    leader = membership.members(r, bid, cid)[0]
    ev = questions.ingest(r, bid, item(qid, "И у нас яма на Ленина"), triaged("И у нас яма", merge_into=leader))
    assert ev is not None and ev.questions[ev.note["qid"]]["cluster"] == cid
    return len(ev.to_json())


def test_the_cluster_document_holds_counts_and_the_members_live_beside_it(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    cid = grow(r, bid, 5)
    c = clusters.get(r, bid, cid)
    assert not {"members", "authors"} & set(c)
    assert c["size"] == 5 and c["people"] == 5 and c["support"] == 5
    assert membership.members(r, bid, cid) == ["1", "2", "3", "4", "5"]
    assert membership.people(r, bid, cid)["vk:3"] == (1, 0)


def test_a_join_carries_the_same_few_bytes_into_a_cluster_of_five_or_of_five_hundred(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    small, big = grow(r, bid, 5, start=1), grow(r, bid, 500, start=1000)
    assert clusters.get(r, bid, big)["size"] == 500
    into_small, into_big = join_event_size(r, bid, small, 5000), join_event_size(r, bid, big, 5001)
    assert abs(into_big - into_small) < 16  # the ids differ by a digit or two; nothing scales with size
    stored_small = len(r.hget(keys.clusters(bid), small) or b"")
    stored_big = len(r.hget(keys.clusters(bid), big) or b"")
    assert abs(stored_big - stored_small) < 16


def test_the_same_person_twice_counts_once_and_leaving_one_question_keeps_them(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    questions.ingest(r, bid, item(1, "Яма на Ленина", "vk:7"), triaged("Яма на Ленина"))
    questions.ingest(r, bid, item(2, "Снова яма на Ленина", "vk:7"), triaged("Снова яма", merge_into="1"))
    questions.ingest(r, bid, item(3, "Яма у школы на Ленина", "vk:8"), triaged("Яма у школы", merge_into="1"))
    cid = str(state.read(r, bid).questions["1"]["cluster"])
    assert clusters.get(r, bid, cid)["people"] == 2
    merges.split(r, bid, cid, "2", "anna")
    left = clusters.get(r, bid, cid)
    assert left["size"] == 2 and left["people"] == 2 and membership.people(r, bid, cid)["vk:7"] == (1, 0)


def test_a_plus_one_is_one_supporter_and_the_members_fragment_finds_it(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    questions.ingest(r, bid, item(1, "Когда дадут отопление?"), triaged("Когда дадут отопление?"))
    questions.ingest(r, bid, item(2, "+1", parent_key="demo:1"), triaged("+1"))
    questions.ingest(r, bid, item(3, "+", "vk:2", parent_key="demo:1"), triaged("+"))  # the same person again
    cid = str(state.read(r, bid).questions["1"]["cluster"])
    c = clusters.get(r, bid, cid)
    assert c["supporters_n"] == 1 and c["support"] == 2
    assert [q["id"] for q in questions.support_replies(r, bid, ["1"])] == ["2", "3"]


def test_merge_moves_members_and_people_and_drops_the_source_structures(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    a, b = grow(r, bid, 3, start=1), grow(r, bid, 2, start=10)
    merges.merge(r, bid, a, b, "anna")
    assert membership.members(r, bid, a) == ["1", "2", "3", "10", "11"]
    assert clusters.get(r, bid, a)["people"] == 5
    assert not r.exists(keys.cluster_members(bid, b), keys.cluster_people(bid, b))


def test_events_name_what_changed_not_whole_documents(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    cid = grow(r, bid, 3)
    ev = clusters.pin(r, bid, cid, True, "anna")
    assert set(ev.clusters[cid] or {}) == {"pinned", "version", "updated_by", "updated_at"}
    stored = codec.loads(r.xrevrange(keys.events(bid), count=1)[0][1][b"e"])
    assert "reading_text" not in stored["clusters"][cid]
    joined = questions.ingest(r, bid, item(50, "Яма на Ленина опять"), triaged("Яма", merge_into="1"))
    assert joined is not None
    view = joined.questions[joined.note["qid"]]
    assert view["cluster"] == cid and "text" not in view and "raw" not in view
    assert events.read_since(r, bid, "0-0")[-1].type == "question.new"
