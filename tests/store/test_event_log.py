"""The event log is bounded: it is trimmed to about ``LIVELINE_EVENTS_MAXLEN`` entries, and a reader whose
cursor fell off its head — a live channel or a triage worker — starts again from a fresh snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import redis.asyncio as aredis

from liveline.board import clusters, questions
from liveline.live import screens
from liveline.live.channel import Channel
from liveline.store import events, keys, state
from liveline.store.redisproc import RedisProcess
from tests.helpers import item, live_broadcast, triaged
from workers.triage import TriageWorker


@pytest.fixture
def small_log() -> Iterator[None]:
    saved = events.MAXLEN
    events.configure(100)
    yield
    events.MAXLEN = saved


def pins(r: redis.Redis, bid: int, cid: str, n: int) -> None:
    for k in range(n):
        clusters.pin(r, bid, cid, k % 2 == 0, "anna")


def test_the_log_keeps_about_maxlen_events(r: redis.Redis, small_log: None) -> None:
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, "Яма на Ленина"), triaged("Яма на Ленина"))
    assert ev is not None
    pins(r, bid, str(ev.questions["1"]["cluster"]), 1000)
    assert 100 <= r.xlen(keys.events(bid)) < 300


def test_a_cursor_that_fell_off_the_head_is_a_gap_not_a_silent_skip(r: redis.Redis, small_log: None) -> None:
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, "Яма на Ленина"), triaged("Яма на Ленина"))
    assert ev is not None
    old = state.read(r, bid).cursor
    assert events.read_since(r, bid, old) == []
    pins(r, bid, str(ev.questions["1"]["cluster"]), 1000)
    with pytest.raises(events.Gap):
        events.read_since(r, bid, old)
    fresh = state.read(r, bid)
    assert events.read_since(r, bid, fresh.cursor) == []


def test_a_live_channel_behind_the_trim_sends_every_socket_a_fresh_snapshot(redis_server: RedisProcess,
                                                                            r: redis.Redis, small_log: None) -> None:
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, "Яма на Ленина"), triaged("Яма на Ленина"))
    assert ev is not None
    cid = str(ev.questions["1"]["cluster"])

    async def scenario() -> tuple[int, str]:
        ar = aredis.Redis.from_url(redis_server.url, socket_timeout=10)
        channel = Channel(bid, r, ar, screens.Screens())
        channel.mirror = state.read(r, bid, with_questions=False)  # a mirror taken, then an outage ...
        sub = channel.subscribe("board")
        await sub.queue.get()  # the first snapshot
        await asyncio.to_thread(pins, r, bid, cid, 1001)  # ... while the log moves on past it (ends pinned)
        channel.task = asyncio.create_task(channel._run())
        html = await asyncio.wait_for(sub.queue.get(), 10)
        await channel.stop()
        await ar.aclose()
        return sub.resyncs, html

    with ThreadPoolExecutor(1) as pool:  # a loop of its own, whatever loop this thread may hold
        resyncs, html = pool.submit(lambda: asyncio.run(scenario())).result()
    assert resyncs == 1
    assert 'id="board"' in html  # a whole board, not an update
    assert state.read(r, bid).clusters[cid]["pinned"] is True


def test_a_triage_worker_behind_the_trim_rebuilds_its_index(r: redis.Redis, small_log: None) -> None:
    bid = live_broadcast(r)
    worker = TriageWorker(r)
    st = worker.state_for(bid)
    ev = questions.ingest(r, bid, item(1, "Яма на Ленина"), triaged("Яма на Ленина"))
    assert ev is not None
    pins(r, bid, str(ev.questions["1"]["cluster"]), 1000)
    caught = worker.catch_up(st)
    assert caught is not st and "1" in caught.triage.index
    assert caught.cursor == state.read(r, bid).cursor
