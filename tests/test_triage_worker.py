"""The triage worker: inbox items become questions exactly once, and a dead worker's items are reclaimed."""

from __future__ import annotations

import time

import redis

from liveline import inbox, keys, state
from liveline.inbox import SourceItem
from tests.helpers import live_broadcast
from workers.triage import GROUP, TriageWorker


def items(n: int) -> list[SourceItem]:
    return [SourceItem(key=f"demo:{i}", text=f"Когда починят крышу дома {i} на улице Ленина?",
                       author_id=f"vk:{i}", author_name=f"Житель {i}", created_at=1.7e9 + i)
            for i in range(1, n + 1)]


def test_items_become_questions_once_even_when_delivered_twice(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    inbox.append(r, bid, items(5))
    inbox.append(r, bid, items(5))  # the same comments again (push and poll)
    worker = TriageWorker(r)
    while worker.processed < 10:
        worker.step(block_ms=50)
    st = state.read(r, bid)
    assert sorted(q["key"] for q in st.questions.values()) == [f"demo:{i}" for i in range(1, 6)]
    assert r.xpending(keys.inbox(bid), GROUP)["pending"] == 0


def test_what_a_dead_worker_had_read_is_reclaimed_by_the_next(r: redis.Redis, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import workers.triage as triage_mod

    bid = live_broadcast(r)
    inbox.append(r, bid, items(3))
    dead = TriageWorker(r, name="dead-worker")
    dead._ensure_group(bid)
    r.xreadgroup(GROUP, "dead-worker", {keys.inbox(bid): ">"}, count=10)  # read, then "crashed" before acking
    r.delete(keys.triage_lock(bid))
    monkeypatch.setattr(triage_mod, "RECLAIM_IDLE_MS", 1)
    time.sleep(0.01)
    heir = TriageWorker(r, name="heir")
    heir.step(block_ms=50)
    assert len(state.read(r, bid).questions) == 3
    assert r.xpending(keys.inbox(bid), GROUP)["pending"] == 0
