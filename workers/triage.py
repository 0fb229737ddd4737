"""The triage worker: turns inbox items into questions and clusters, exactly once each.

It reads the per-broadcast inbox streams through a consumer group (``triage``), so an item a dead worker had
read is reclaimed (XAUTOCLAIM) by the next one, and it acknowledges an item only after ``questions.ingest``
committed it. Because ``ingest`` is idempotent by item key, redelivery never duplicates a question.

A broadcast is triaged by one worker at a time (a Redis lock), so its clusters are the same however many
workers run: parallelism is across broadcasts. The worker keeps the duplicate index in memory; on taking a
broadcast it rebuilds it from Redis, and before each batch it catches up with the broadcast's event log
(questions another worker created, moderators' merges and splits).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import redis

from liveline import appeals, broadcasts, catalog, keys, questions
from liveline.events import Event
from liveline.inbox import SourceItem
from liveline.questions import Triaged
from liveline.triage.pipeline import Analysis, Triage
from liveline.triage.places import Place

log = logging.getLogger("liveline.triage")
GROUP = "triage"
LOCK_MS = 30_000
RECLAIM_IDLE_MS = 15_000
BATCH = 200


def place_label(place: dict[str, Any] | None) -> str:
    if not place:
        return ""
    return Place(place.get("settlement"), place.get("street"), place.get("street_type"), place.get("house")).label()


def to_triaged(a: Analysis, filter_reason: str | None = None) -> Triaged:
    return Triaged(
        reading_text=a.reading_text, safe_text=a.safe_text,
        flags={"profanity": a.profanity, "spam": a.spam, "pii": a.pii},
        place=a.place, place_label=place_label(a.place), topic=a.topic, department=a.department,
        filter_reason=filter_reason or a.filtered, urgent=a.urgent,
    )


@dataclass
class BroadcastTriage:
    """One broadcast's in-memory triage state, kept in step with Redis."""

    broadcast_id: int
    triage: Triage
    cursor: str = "0-0"          # last event of the broadcast's log applied to the index
    muted: set[str] = field(default_factory=set)


class TriageWorker:
    def __init__(self, r: redis.Redis, places_csv: str = "", name: str | None = None) -> None:
        self.r = r
        self.places_csv = places_csv
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.states: dict[int, BroadcastTriage] = {}
        self.processed = 0
        self._groups: set[int] = set()

    # -- ownership ----------------------------------------------------------------------------------
    def _lock(self, b: int) -> bool:
        key = keys.triage_lock(b)
        if self.r.set(key, self.name, nx=True, px=LOCK_MS):
            return True
        owner = self.r.get(key)
        if owner is not None and owner.decode() == self.name:
            self.r.pexpire(key, LOCK_MS)
            return True
        return False

    def _release(self, b: int) -> None:
        key = keys.triage_lock(b)
        owner = self.r.get(key)
        if owner is not None and owner.decode() == self.name:
            self.r.delete(key)

    def _ensure_group(self, b: int) -> None:
        if b in self._groups:
            return
        try:
            self.r.xgroup_create(keys.inbox(b), GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups.add(b)

    # -- the in-memory index ------------------------------------------------------------------------
    def state_for(self, b: int) -> BroadcastTriage:
        st = self.states.get(b)
        if st is None:
            st = self.rebuild(b)
        return st

    def rebuild(self, b: int) -> BroadcastTriage:
        """The index from Redis: every question of the broadcast, in arrival order."""
        started = time.perf_counter()
        cursor = self.r.xrevrange(keys.events(b), count=1)
        st = BroadcastTriage(b, Triage(catalog.gazetteer(self.r, self.places_csv), catalog.taxonomy(self.r)),
                             cursor[0][0].decode() if cursor else "0-0")
        for q in questions.all_questions(self.r, b):
            self._index_question(st, q)
        st.muted = {m.decode() for m in self.r.smembers(keys.authors_muted(b))}
        self.states[b] = st
        log.info("triage index of broadcast %s rebuilt: %d questions in %.2fs", b, len(st.triage.index),
                 time.perf_counter() - started)
        return st

    def _index_question(self, st: BroadcastTriage, q: dict[str, Any], a: Analysis | None = None) -> None:
        if q.get("kind") != "question" or q.get("filter_reason") or not q.get("cluster"):
            return
        if q["id"] in st.triage.index:
            return
        features = a.features if a is not None else st.triage.extractor.extract(q["reading_text"])
        st.triage.index.add(q["id"], features, q["cluster"])

    def catch_up(self, st: BroadcastTriage) -> None:
        """Apply what happened since the index last looked: others' questions, merges, splits, mutes."""
        while True:
            entries = self.r.xrange(keys.events(st.broadcast_id), min=f"({st.cursor}", count=1000) \
                if st.cursor != "0-0" else self.r.xrange(keys.events(st.broadcast_id), count=1000)
            if not entries:
                return
            for eid, fields in entries:
                ev = Event.from_entry(eid, fields)
                if ev.type == "question.new":
                    for q in ev.questions.values():
                        self._index_question(st, q)
                elif ev.type in ("cluster.merge", "cluster.split"):
                    for qid, q in ev.questions.items():
                        if qid in st.triage.index and q.get("cluster"):
                            st.triage.index.move(qid, q["cluster"])
                elif ev.type == "author.muted":
                    st.muted.add(str(ev.note.get("author_id")))
                elif ev.type == "author.unmuted":
                    st.muted.discard(str(ev.note.get("author_id")))
                st.cursor = ev.id

    # -- processing ---------------------------------------------------------------------------------
    def process(self, b: int, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> int:
        st = self.state_for(b)
        self.catch_up(st)
        done: list[bytes] = []
        n = 0
        for entry_id, fields in entries:
            if not fields:  # an entry trimmed away while pending
                done.append(entry_id)
                continue
            item = SourceItem.from_json(fields[b"item"])
            stream_ms = int(fields.get(b"t", b"0"))
            self.handle(st, item, stream_ms)
            done.append(entry_id)
            n += 1
        if done:
            self.r.xack(keys.inbox(b), GROUP, *done)
        self.processed += n
        return n

    def handle(self, st: BroadcastTriage, item: SourceItem, stream_ms: int = 0) -> Event | None:
        b = st.broadcast_id
        if item.kind == "new" and self.r.hexists(keys.items(b), item.key):
            return None  # a redelivery: it is a question already
        if item.kind in ("delete", "likes"):
            return questions.ingest(self.r, b, item, None)
        if item.kind == "new" and item.parent_key and self.r.hexists(keys.reply_index(b), item.parent_key):
            # a citizen answering our reply in VK: it belongs to the appeal ("не решено" reopens it)
            appeals.attach_citizen_reply(self.r, b, item)
            return None
        a = st.triage.analyse(item.text, item.author_id, item.created_at or time.time())
        muted = "muted" if item.author_id and item.author_id in st.muted else None
        t = to_triaged(a, muted)
        if item.kind == "new" and not t.filter_reason:
            # moderators' splits reach the index as moves (catch_up), so a new near-duplicate joins the
            # cluster its closest question is in now, never the one it was split from
            assignment = st.triage.assign(item.key, a)
            t.merge_into = assignment.merge_into
            # the index knows each suggested question's cluster: no Redis read on the hot path
            for other in assignment.suggested:
                cid = st.triage.index.cluster_of(other)
                if cid is not None and cid not in t.suggested:
                    t.suggested.append(cid)
        ev = questions.ingest(self.r, b, item, t, stream_ms)
        if ev is not None and item.kind == "new":
            qid = ev.note.get("qid")
            q = ev.questions.get(qid) if qid else None
            if q is not None:
                self._index_question(st, q, a)  # catch_up will see it indexed and skip it
        return ev

    def step(self, block_ms: int = 500) -> int:
        """One round: take the broadcasts we can, reclaim orphans, read and process a batch."""
        active = [int(x["id"]) for x in broadcasts.list_all(self.r) if x.get("state") in ("live", "ended")]
        mine = [b for b in active if self._lock(b)]
        for b in list(self.states):
            if b not in mine:
                self.states.pop(b, None)  # someone else has it: our index would go stale
        n = 0
        for b in mine:
            self._ensure_group(b)
            # Redis 7 answers [cursor, entries, deleted ids], Redis 6.2 [cursor, entries]
            claimed = self.r.xautoclaim(keys.inbox(b), GROUP, self.name, RECLAIM_IDLE_MS, "0-0", count=BATCH)[1]
            if claimed:
                n += self.process(b, claimed)
        if not mine:
            time.sleep(block_ms / 1000)
            return n
        reply = self.r.xreadgroup(GROUP, self.name, {keys.inbox(b): ">" for b in mine}, count=BATCH,
                                  block=block_ms)
        for stream, entries in reply or []:
            b = int(stream.decode().split("{b", 1)[1].split("}", 1)[0])
            n += self.process(b, entries)
        return n

    def run(self, stop: threading.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            try:
                self.step()
                backoff = 0.2
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                log.warning("Redis unavailable (%s); retrying", exc)
                self._groups.clear()
                stop.wait(backoff)
                backoff = min(backoff * 2, 3.0)
            except redis.ResponseError as exc:
                if "NOGROUP" in str(exc):
                    self._groups.clear()
                    continue
                raise
        for b in list(self.states):
            try:
                self._release(b)
            except redis.RedisError:
                pass
