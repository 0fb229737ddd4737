"""Live fan-out: one stream reader per broadcast per web process, many sockets.

A ``Channel`` keeps a mirror of its broadcast's state (snapshot, then every event applied in order). A socket
that subscribes gets a snapshot rendered from that mirror and then every later message, with nothing between
the two: both happen in one step of the event loop. Each batch of events is rendered once per kind of
screen (board, host) and the same bytes go to every socket of that kind. A socket that cannot keep up (its
bounded queue fills) is sent a fresh snapshot instead of a growing backlog; so is every socket when the log
was trimmed past the mirror's cursor (after a long outage, or a burst larger than the log keeps): the mirror is
read afresh first; and so is a socket that asks for one (a board leaving its search for the live window).

Each channel keeps its own ``Screens`` (``liveline.live.screens``): what it renders may depend on what was
sent before (the board's windows), so it follows every batch as it is applied, watched or not. Cards show
topics by the admin's names for them (``board.catalog.topics``): the channel reads them when it starts and
every ``TOPICS_S`` seconds, and when an admin changed them every socket is sent a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import redis
import redis.asyncio as aredis

from liveline.board import catalog
from liveline.store import events, keys, redis_types, state
from liveline.store.events import Event

log = logging.getLogger("liveline.live.channel")
QUEUE_MAX = 200
TICK_S = 0.1  # at most one message per socket per tick: what arrives meanwhile goes out together
TOPICS_S = 5.0  # how often a channel reads the admin's topics again
KINDS = ("board", "host")



class Screens(Protocol):
    def follow(self, s: state.State, events: list[Event]) -> None:
        """Called with every batch right after it is applied to the mirror."""

    def render(self, kind: str, s: state.State, events: list[Event] | None) -> str:
        """The html for ``kind``: the snapshot when ``events`` is None, else what the batch changed."""

    def reset(self) -> None:
        """The mirror was read afresh: forget what was followed."""

    def set_topics(self, topics: catalog.Topics) -> bool:
        """Show topics by these names from now on; True when that changes what the screens show."""


@dataclass(eq=False)
class Subscriber:
    kind: str
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_MAX))
    resyncs: int = 0


class Channel:
    def __init__(self, broadcast_id: int, sync_redis: redis.Redis, async_redis: aredis.Redis,
                 screens: Screens) -> None:
        self.broadcast_id = broadcast_id
        self.r = sync_redis
        self.ar = async_redis
        self.screens = screens
        self.mirror: state.State | None = None
        self.subscribers: set[Subscriber] = set()
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        self._snapshots: dict[str, tuple[str, str]] = {}  # kind -> (cursor, html)
        self._topics_at = 0.0  # when the admin's topics were last read (loop time)

    async def start(self) -> None:
        self.mirror = await asyncio.to_thread(state.read, self.r, self.broadcast_id, False)
        self.screens.set_topics(await asyncio.to_thread(catalog.topics, self.r))
        self._topics_at = asyncio.get_running_loop().time()
        self.ready.set()
        self.task = asyncio.create_task(self._run(), name=f"channel-{self.broadcast_id}")

    def snapshot(self, kind: str) -> str:
        assert self.mirror is not None
        cached = self._snapshots.get(kind)
        if cached and cached[0] == self.mirror.cursor:
            return cached[1]
        html = self.screens.render(kind, self.mirror, None)
        self._snapshots[kind] = (self.mirror.cursor, html)
        return html

    def subscribe(self, kind: str) -> Subscriber:
        """Snapshot and registration in one loop step: no event can fall between them."""
        sub = Subscriber(kind)
        sub.queue.put_nowait(self.snapshot(kind))
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    async def _resync(self) -> None:
        """The mirror read afresh and every socket started over from it."""
        self.mirror = await asyncio.to_thread(state.read, self.r, self.broadcast_id, False)
        self.screens.reset()
        self._snapshots.clear()
        for sub in list(self.subscribers):
            while not sub.queue.empty():
                sub.queue.get_nowait()
            sub.resyncs += 1
            sub.queue.put_nowait(self.snapshot(sub.kind))

    async def _fell_behind(self, stream: str) -> bool:
        """Whether the log's head is past the mirror's cursor (events between were trimmed away)."""
        assert self.mirror is not None
        first = await self.ar.xrange(stream, count=1)
        try:
            events.check_cursor(redis_types.entries(first), self.mirror.cursor)
        except events.Gap:
            return True
        return False

    def resync(self, sub: Subscriber) -> None:
        """Start ``sub`` over from the current state: its backlog dropped, a fresh snapshot next."""
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.resyncs += 1
        sub.queue.put_nowait(self.snapshot(sub.kind))

    async def _follow_topics(self) -> None:
        """Read the admin's topics again (every ``TOPICS_S``); when they changed, every socket starts over
        from a snapshot that shows them."""
        loop = asyncio.get_running_loop()
        if loop.time() - self._topics_at < TOPICS_S:
            return
        self._topics_at = loop.time()
        topics = await asyncio.to_thread(catalog.topics, self.r)
        if self.screens.set_topics(topics):  # on the loop: no render runs meanwhile
            self._snapshots.clear()
            for sub in list(self.subscribers):
                self.resync(sub)

    def _deliver(self, kind: str, html: str) -> None:
        for sub in list(self.subscribers):
            if sub.kind != kind:
                continue
            try:
                sub.queue.put_nowait(html)
            except asyncio.QueueFull:
                self.resync(sub)  # too slow: start it over from the current state

    async def _run(self) -> None:
        """Tail the event log into the mirror at once; send at most one message per socket per tick (the first
        event after a quiet spell goes out immediately), so a new subscriber's snapshot is always current."""
        backoff = 0.1
        stream = keys.events(self.broadcast_id)
        loop = asyncio.get_running_loop()
        pending: list[Event] = []
        last_sent = 0.0
        check = True  # look for a trimmed log on the first read, after an error, and when behind
        while True:
            assert self.mirror is not None
            wait_ms = 5000 if not pending else max(1, int((TICK_S - (loop.time() - last_sent)) * 1000))
            try:
                await self._follow_topics()
                if check and await self._fell_behind(stream):
                    log.info("event log of broadcast %s trimmed past the live mirror; resyncing", self.broadcast_id)
                    pending = []
                    await self._resync()
                check = False
                reply = await self.ar.xread({stream: self.mirror.cursor}, count=500, block=wait_ms)
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                log.warning("event stream of broadcast %s unreadable (%s); retrying", self.broadcast_id, exc)
                check = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            except Exception:  # keep serving the sockets whatever one batch does
                log.exception("event stream of broadcast %s failed", self.broadcast_id)
                await asyncio.sleep(backoff)
                continue
            if reply:
                batch = [Event.from_entry(eid, fields) for eid, fields in redis_types.streams(reply)[0][1]]
                check = len(batch) >= 500
                for ev in batch:
                    state.apply(self.mirror, ev, in_place=True)
                self.screens.follow(self.mirror, batch)
                pending += batch
            if not pending or loop.time() - last_sent < TICK_S:
                continue
            last_sent = loop.time()
            batch, pending = pending, []
            for kind in KINDS:
                if any(s.kind == kind for s in self.subscribers):
                    try:
                        html = self.screens.render(kind, self.mirror, batch)
                    except Exception:
                        log.exception("rendering %s for broadcast %s failed", kind, self.broadcast_id)
                        continue
                    if html:
                        self._deliver(kind, html)

    async def stop(self) -> None:
        """Cancel the reader. redis-py's asyncio client can hold a cancelled blocking XREAD until its socket
        answers, so the wait is bounded (the connection goes with the client's pool when the app closes)."""
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([self.task], timeout=1.0)


class Hub:
    """All channels of one web process."""

    def __init__(self, sync_redis: redis.Redis, async_redis: aredis.Redis,
                 screens: Callable[[], Screens]) -> None:
        self.r = sync_redis
        self.ar = async_redis
        self.screens = screens  # a fresh Screens for each channel
        self.channels: dict[int, Channel] = {}
        self._lock = asyncio.Lock()

    async def channel(self, broadcast_id: int) -> Channel:
        async with self._lock:
            ch = self.channels.get(broadcast_id)
            if ch is None:
                ch = Channel(broadcast_id, self.r, self.ar, self.screens())
                await ch.start()
                self.channels[broadcast_id] = ch
            return ch

    def running(self, broadcast_id: int) -> Channel | None:
        """The channel of a broadcast when this process runs one with its mirror loaded, else None."""
        ch = self.channels.get(broadcast_id)
        return ch if ch is not None and ch.mirror is not None else None

    async def close(self) -> None:
        for ch in self.channels.values():
            await ch.stop()
        self.channels.clear()

    def stats(self) -> dict[int, int]:
        return {bid: len(ch.subscribers) for bid, ch in self.channels.items()}
