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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis

from liveline.board import broadcasts, catalog, questions
from liveline.board.questions import Committed, NewQuestion, Triaged
from liveline.followup import appeals
from liveline.ingest.inbox import SourceItem
from liveline.store import keys, redis_types
from liveline.store.events import Event, Gap, check_cursor
from liveline.triage.brigading import BrigadeDetector, text_signature
from liveline.triage.clean import safe_text
from liveline.triage.kind import Parent
from liveline.triage.pipeline import Analysis, Triage, suggest_parent
from liveline.triage.places import Place
from liveline.triage.support import is_support_only

log = logging.getLogger("liveline.triage")
GROUP = "triage"
LOCK_MS = 30_000
RECLAIM_IDLE_MS = 15_000
ID_BLOCK = 64  # question ids reserved at a time
HOUSEKEEPING_S = 2.0  # how often a worker renews its locks, looks for new broadcasts and reclaims orphans
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
    brigades: BrigadeDetector = field(default_factory=BrigadeDetector)
    spare_ids: list[str] = field(default_factory=list)  # question ids reserved and not used yet
    wave_marked: dict[str, int] = field(default_factory=dict)  # wave id -> members already marked


class TriageWorker:
    def __init__(self, r: redis.Redis, places_csv: str = "", name: str | None = None) -> None:
        self.r = r
        self.places_csv = places_csv
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.states: dict[int, BroadcastTriage] = {}
        self.processed = 0
        self._groups: set[int] = set()
        self._mine: list[int] = []  # broadcasts whose lock this worker holds
        self._housekept = 0.0

    # -- ownership ----------------------------------------------------------------------------------
    def _lock(self, b: int) -> bool:
        key = keys.triage_lock(b)
        if self.r.set(key, self.name, nx=True, px=LOCK_MS):
            return True
        owner = self.r.get(key)
        if owner is not None and redis_types.text(owner) == self.name:
            self.r.pexpire(key, LOCK_MS)
            return True
        return False

    def _release(self, b: int) -> None:
        key = keys.triage_lock(b)
        owner = self.r.get(key)
        if owner is not None and redis_types.text(owner) == self.name:
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
        cursor = redis_types.entries(self.r.xrevrange(keys.events(b), count=1))
        st = BroadcastTriage(b, Triage(catalog.gazetteer(self.r, self.places_csv), catalog.taxonomy(self.r)),
                             cursor[0][0].decode() if cursor else "0-0")
        qs = questions.all_questions(self.r, b)
        for q in qs:
            self._index_question(st, q)
        # the brigading detector sees the questions still inside its window again
        newest = max((float(q.get("created_at") or 0) for q in qs), default=0.0)
        for q in qs:
            if q["id"] in st.triage.index and float(q.get("created_at") or 0) > newest - st.brigades.window:
                st.brigades.observe(q["id"], q.get("author_id") or "", q.get("author_name") or "",
                                    text_signature(q["reading_text"]), float(q.get("created_at") or 0))
        st.muted = {redis_types.text(m) for m in self.r.smembers(keys.authors_muted(b))}
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

    def catch_up(self, st: BroadcastTriage) -> BroadcastTriage:
        """Apply what happened since the index last looked: others' questions, merges, splits, mutes. When the
        log was trimmed past the index's cursor, the index is rebuilt from Redis instead."""
        b = st.broadcast_id
        while True:
            with self.r.pipeline(transaction=True) as p:
                p.xrange(keys.events(b), count=1)
                p.xrange(keys.events(b), min=f"({st.cursor}" if st.cursor != "0-0" else "-", count=1000)
                first, raw = p.execute()
            try:
                check_cursor(first, st.cursor)
            except Gap:
                log.info("broadcast %s: the event log was trimmed past the index; rebuilding", b)
                return self.rebuild(b)
            entries = redis_types.entries(raw)
            if not entries:
                return st
            index = st.triage.index
            for eid, fields in entries:
                qids = fields.get(b"q")
                if fields.get(b"t") == b"question.new" and qids and all(
                        q in index for q in qids.decode().split(",")):
                    st.cursor = eid.decode()  # our own write, already indexed: no need to decode it
                    continue
                ev = Event.from_entry(eid, fields)
                if ev.type == "question.new":
                    fresh = [qid for qid, q in ev.questions.items() if q.get("kind") == "question"
                             and qid not in index]
                    for q in questions.many(self.r, b, fresh):
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
            if len(entries) < 1000:
                return st  # that was the end of the log: no second read to learn it

    # -- processing ---------------------------------------------------------------------------------
    def process(self, b: int, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> int:
        """Triage a batch of inbox entries: each run of new items is written in one transaction."""
        st = self.catch_up(self.state_for(b))
        run: list[tuple[SourceItem, int]] = []
        n = 0
        for _entry_id, fields in entries:
            if not fields:  # an entry trimmed away while pending
                continue
            item = SourceItem.from_json(fields[b"item"])
            n += 1
            if item.kind in ("edit", "restore") and not self._known(b, item.key, run):
                item.kind = "new"  # a change of a comment never ingested (a restore after a missed write)
            if item.kind == "new":
                run.append((item, int(fields.get(b"t", b"0"))))
                continue
            if run:
                self.handle_new(st, run)
                run = []
            self.handle_change(st, item)
        ids = [entry_id for entry_id, _ in entries]

        def done(pipe: redis.client.Pipeline) -> None:
            """Acknowledge the entries and drop them: once triaged, an item lives on in its question."""
            pipe.xack(keys.inbox(b), GROUP, *ids)
            pipe.xdel(keys.inbox(b), *ids)

        if run and len(run) == len(entries):
            # the common case, new items only: acknowledged in the same transaction that writes them
            self.handle_new(st, run, also=done)
        else:
            if run:
                self.handle_new(st, run)
            if ids:
                with self.r.pipeline(transaction=True) as pipe:
                    done(pipe)
                    pipe.execute()
        self.processed += n
        return n

    def _known(self, b: int, key: str, run: list[tuple[SourceItem, int]]) -> bool:
        """Whether an item key is a question already, or comes earlier in the run being gathered."""
        return any(item.key == key for item, _ in run) or bool(self.r.hexists(keys.items(b), key))

    def handle_change(self, st: BroadcastTriage, item: SourceItem) -> Event | None:
        """An edit, deletion, restore, likes or author update of an item already ingested."""
        if item.kind == "author":
            ev = questions.ingest(self.r, st.broadcast_id, item, None)
            if ev is not None:  # the name also reaches the appeal made meanwhile, if any
                q = ev.questions[ev.note["qid"]]
                appeals.name_coauthor(self.r, st.broadcast_id, str(q.get("cluster") or ""), item.author_id,
                                      safe_text(item.author_name))
            return ev
        if item.kind in ("delete", "likes"):
            return questions.ingest(self.r, st.broadcast_id, item, None)
        a = st.triage.analyse(item.text, item.author_id, item.created_at or time.time())
        return questions.ingest(self.r, st.broadcast_id, item, to_triaged(a))

    def _parents(self, b: int, qid_of: dict[str, bytes | None]) -> tuple[dict[str, Parent], dict[str, dict[str, Any]]]:
        """For the parents stored already, by item key: what the kind of a reply depends on (the parent's kind
        and place), and the parent as a reply carries it (id, text, author)."""
        known = {k: redis_types.text(v) for k, v in qid_of.items() if v}
        docs = {q["id"]: q for q in questions.many(self.r, b, sorted(set(known.values())))}
        out: dict[str, Parent] = {}
        shown: dict[str, dict[str, Any]] = {}
        for key, qid in known.items():
            q = docs.get(qid)
            if q is not None:
                place = q.get("place") or {}
                kind = str(q.get("kind") or "question")  # a "+1" stands for the question it backs
                out[key] = Parent("question" if kind == "support" else kind, place.get("street"),
                                  place.get("settlement"), q.get("topic"), bool(q.get("filter_reason")))
                shown[key] = {"id": q["id"], "text": q.get("text", ""), "author_name": q.get("author_name", ""),
                              "author_url": q.get("author_url", "")}
        return out, shown

    def take_ids(self, st: BroadcastTriage, n: int) -> list[str]:
        """``n`` question ids from a block reserved in Redis (a worker's unused ids are a harmless gap)."""
        if len(st.spare_ids) < n:
            st.spare_ids += questions.allocate_ids(self.r, st.broadcast_id, max(n - len(st.spare_ids), ID_BLOCK))
        taken, st.spare_ids = st.spare_ids[:n], st.spare_ids[n:]
        return taken

    def handle_new(self, st: BroadcastTriage, run: list[tuple[SourceItem, int]],
                   also: Callable[[redis.client.Pipeline], object] | None = None) -> Committed | None:
        """New items in arrival order: analyse, decide duplicates against the index (which sees the earlier
        items of the same run), write them all in one transaction, then bring the index in line with what
        was written."""
        b = st.broadcast_id
        item_keys = list(dict.fromkeys(item.key for item, _ in run))
        parent_keys = list(dict.fromkeys(item.parent_key for item, _ in run if item.parent_key))
        with self.r.pipeline(transaction=False) as pipe:
            pipe.hmget(keys.items(b), item_keys)
            if parent_keys:
                pipe.hmget(keys.reply_index(b), parent_keys)
                pipe.hmget(keys.items(b), parent_keys)
            found = pipe.execute()
        known = {k for k, v in zip(item_keys, found[0]) if v}
        ours = {k for k, v in zip(parent_keys, found[1]) if v} if parent_keys else set()
        parents, parent_docs = self._parents(b, dict(zip(parent_keys, found[2]))) if parent_keys else ({}, {})
        fresh: list[tuple[SourceItem, int]] = []
        for item, stream_ms in run:
            if item.key in known:
                continue  # a redelivery: it is a question already
            known.add(item.key)
            fresh.append((item, stream_ms))
        if ours:
            # a citizen answering our reply in VK: it belongs to the appeal ("не решено" reopens it)
            for item, _ in fresh:
                if item.parent_key in ours:
                    appeals.attach_citizen_reply(self.r, b, item)
            fresh = [(item, ms) for item, ms in fresh if item.parent_key not in ours]
        if not fresh:
            if also is not None:
                with self.r.pipeline() as pipe:
                    also(pipe)
                    pipe.execute()
            return None
        index = st.triage.index
        batch: list[NewQuestion] = []
        in_batch: dict[str, NewQuestion] = {}
        waves: dict[str, str] = {}
        provisional: dict[str, list[str]] = {}  # ~QID -> questions of this run in that new cluster
        for (item, stream_ms), qid in zip(fresh, self.take_ids(st, len(fresh))):
            a = st.triage.analyse(item.text, item.author_id, item.created_at or time.time())
            muted = "muted" if item.author_id and item.author_id in st.muted else None
            t = to_triaged(a, muted)
            # a reply whose parent has not arrived yet is read as under a question: a "+1" then waits for it
            parent = parents.get(item.parent_key, Parent("question")) if item.parent_key else None
            t.kind = st.triage.kind(a, parent)
            t.reply_to = parent_docs.get(item.parent_key) if item.parent_key else None
            parent_docs[item.key] = {"id": qid, "text": t.safe_text, "author_name": safe_text(item.author_name),
                                     "author_url": safe_text(item.author_url)}
            parents[item.key] = st.triage.as_parent(t.kind, a, parent)
            batch.append(NewQuestion(item, t, qid, stream_ms))
            in_batch[qid] = batch[-1]
            if t.filter_reason or t.kind != "question" or (item.parent_key and is_support_only(t.safe_text)):
                continue
            # moderators' splits reach the index as moves (catch_up), so a new near-duplicate joins the
            # cluster its closest question is in now, never the one it was split from
            decision = st.triage.decide(qid, a)
            t.merge_into, t.suggested = decision.merge_into, list(decision.suggested)
            if t.reply_to and st.triage.adds_to(a, parent):
                t.suggested = suggest_parent(t.suggested, index.cluster_of(t.reply_to["id"]), decision.cluster)
            wave = st.brigades.observe(qid, item.author_id, item.author_name,
                                       text_signature(lemmas=a.features.lemmas), item.created_at or time.time())
            if wave:
                t.brigade = wave
                # only members that joined since the wave was last seen need marking: a wave thousands
                # strong costs each new member O(1), not a re-read of every earlier one
                marked = st.wave_marked.get(wave, 0)
                joined = st.brigades.members_since(wave, marked)
                st.wave_marked[wave] = marked + len(joined)
                for member in joined:
                    if member in in_batch:
                        in_batch[member].triaged.brigade = wave
                    elif member != qid:
                        waves.setdefault(member, wave)
            cluster = decision.cluster or f"~{qid}"
            index.add(qid, a.features, cluster)
            if cluster.startswith("~"):
                provisional.setdefault(cluster, []).append(qid)
        done = questions.add_new(self.r, b, batch, waves, also)
        for old, new in done.renamed.items():
            index.rename(old, new, provisional.get(old, []))
        for qid in done.skipped:
            if qid in index:
                index.remove(qid)  # another writer had this item: its question is indexed by catch_up
        for qid, cid in done.cluster_of.items():
            if cid is not None and qid in index and index.cluster_of(qid) != cid:
                index.move(qid, cid)
        return done

    def step(self, block_ms: int = 500) -> int:
        """One round: take the broadcasts we can and reclaim orphans (every ``HOUSEKEEPING_S``), then read and
        process a batch."""
        n = 0
        now = time.monotonic()
        if not self._mine or now - self._housekept >= HOUSEKEEPING_S:
            self._housekept = now
            active = [int(x["id"]) for x in broadcasts.list_all(self.r) if x.get("state") in ("live", "ended")]
            self._mine = [b for b in active if self._lock(b)]
            for b in list(self.states):
                if b not in self._mine:
                    self.states.pop(b, None)  # someone else has it: our index would go stale
            for b in self._mine:
                self._ensure_group(b)
                # Redis 7 answers [cursor, entries, deleted ids], Redis 6.2 [cursor, entries]
                claimed = self.r.xautoclaim(keys.inbox(b), GROUP, self.name, RECLAIM_IDLE_MS, "0-0",
                                            count=BATCH)[1]
                if claimed:
                    n += self.process(b, claimed)
        mine = self._mine
        if not mine:
            time.sleep(block_ms / 1000)
            return n
        reply = self.r.xreadgroup(GROUP, self.name, {keys.inbox(b): ">" for b in mine}, count=BATCH,
                                  block=block_ms)
        for stream, entries in redis_types.streams(reply or []):
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
                self._mine = []  # locks and groups may be gone with a restarted Redis: look again
                stop.wait(backoff)
                backoff = min(backoff * 2, 3.0)
            except redis.ResponseError as exc:
                if "NOGROUP" in str(exc):
                    self._groups.clear()
                    self._mine = []
                    continue
                raise
        for b in list(self.states):
            try:
                self._release(b)
            except redis.RedisError:
                pass
