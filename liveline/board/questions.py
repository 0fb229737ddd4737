"""Questions (Вопрос): what a citizen asked, created from source items exactly once.

``ingest`` is the one way a source item becomes state: a new question (in a new or an existing cluster), a
support reply ("+1, тоже интересует") counted for its parent, an edit, a deletion, a restore or a likes
update. It writes the item-key → question map, the question, its cluster and one event in one transaction,
so an item delivered twice — by long poll and by a sweep, or again after a crash — changes nothing the
second time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis

from liveline.board import cluster_doc, membership
from liveline.board.membership import PeopleChange, author_token
from liveline.ingest.inbox import SourceItem
from liveline.store import codec, keys, redis_types
from liveline.store.events import Event, changed_fields, emit
from liveline.store.state import question_view
from liveline.store.txn import transact
from liveline.triage.clean import safe_text
from liveline.triage.support import is_support_only


@dataclass
class Triaged:
    """What triage decided about one item (see ``triage/pipeline.py``); plain data, JSON-able."""

    reading_text: str
    safe_text: str
    flags: dict[str, Any] = field(default_factory=dict)
    place: dict[str, Any] | None = None
    place_label: str = ""
    topic: str = "other"
    department: str = ""
    filter_reason: str | None = None
    urgent: str | None = None
    merge_into: str | None = None
    suggested: list[str] = field(default_factory=list)  # cluster ids it likely duplicates
    brigade: str | None = None
    kind: str = "question"  # or "support" (a "me too" for its parent) or "chatter" (to the "Чат" tab)
    reply_to: dict[str, Any] | None = None  # a reply's parent as it reads: id, text, author_name, author_url


SAME_TEXT = "=text"  # a stored payload's text that is the question's text, kept once


def stored_raw(raw: dict[str, Any], text: str) -> dict[str, Any]:
    """The payload as delivered, kept once and compactly inside the question document: nested JSON (not a
    string of JSON), and its text, when it is the question's text word for word, not a second time."""
    if isinstance(raw.get("text"), str) and raw["text"] == text:
        return {**raw, "text": SAME_TEXT}
    return raw


def raw_payload(q: dict[str, Any]) -> dict[str, Any]:
    """The payload exactly as delivered (``stored_raw`` undone)."""
    raw = q.get("raw")
    if isinstance(raw, str):  # stored before payloads were nested
        raw = codec.loads(raw) if raw else {}
    raw = dict(raw or {})
    if raw.get("text") == SAME_TEXT:
        raw["text"] = q.get("text", "")
    return raw


def source_kind(key: str, raw: dict[str, Any] | None = None) -> str:
    """post / chat / manual from a source item key (the demo replays both a post and a chat)."""
    if key.startswith("vk:video:"):
        return "chat"
    if key.startswith("vk:wall:"):
        return "post"
    if key.startswith("demo:") and raw and raw.get("channel") in ("post", "chat"):
        return str(raw["channel"])
    return key.split(":", 1)[0]


def _load(pipe: redis.client.Pipeline, hkey: str, field_id: str) -> dict[str, Any] | None:
    raw = pipe.hget(hkey, field_id)
    return codec.loads(raw) if raw else None


@dataclass
class NewQuestion:
    """A new source item, its triage and the question id the caller allocated for it (``allocate_ids``).

    ``triaged.merge_into`` is the id of a question whose cluster it joins (possibly one earlier in the same
    batch); ``triaged.suggested`` holds cluster ids, where ``~QID`` names the cluster that question ``QID`` of
    the same batch starts (its real id is given on commit).
    """

    item: SourceItem
    triaged: Triaged
    qid: str
    stream_ms: int = 0


@dataclass
class Committed:
    """What ``add_new`` wrote: its event (None when every item was known already) and where each question
    went: question id -> cluster id (None for "+1" replies), and ``~QID`` -> the real id of each new cluster."""

    event: Event | None
    cluster_of: dict[str, str | None] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # question ids whose items were known already


def allocate_ids(r: redis.Redis, broadcast_id: int | str, n: int) -> list[str]:
    """``n`` fresh question ids in one round trip (an id unused after a crash is a harmless gap)."""
    top = int(r.incrby(keys.question_seq(broadcast_id), n))
    return [str(i) for i in range(top - n + 1, top + 1)]


def ingest(r: redis.Redis, broadcast_id: int | str, item: SourceItem, triaged: Triaged | None,
           stream_ms: int = 0) -> Event | None:
    """Apply one source item. Returns the event written, or None when the item changed nothing."""
    b = broadcast_id
    if item.kind == "new":
        assert triaged is not None, "a new item needs its triage"
        if r.hexists(keys.items(b), item.key):
            return None
        return add_new(r, b, [NewQuestion(item, triaged, allocate_ids(r, b, 1)[0], stream_ms)]).event
    return _ingest_change(r, b, item, triaged)


def _question(n: NewQuestion, now: float) -> dict[str, Any]:
    item, t = n.item, n.triaged
    return {
        "id": n.qid, "key": item.key, "source_id": item.source_id, "source": source_kind(item.key, item.raw),
        "author_id": safe_text(item.author_id), "author_name": safe_text(item.author_name),
        "author_url": safe_text(item.author_url),
        "text": t.safe_text, "reading_text": t.reading_text, "created_at": item.created_at or now,
        "received_at": now, "stream_ms": n.stream_ms, "parent_key": item.parent_key, "likes": item.likes,
        "kind": "chatter" if t.kind == "chatter" else "question", "cluster": None, "support_for": None, "supporters": [], "flags": t.flags,
        "place": t.place, "place_label": t.place_label, "topic": t.topic, "department": t.department,
        "filter_reason": t.filter_reason, "urgent": t.urgent, "brigade": t.brigade, "edited": False,
        "deleted": False, "raw": stored_raw(item.raw, t.safe_text), "reply_to": t.reply_to,
    }


def _mark_wave(q: dict[str, Any], wave: str, cluster: dict[str, Any] | None, people: PeopleChange | None) -> bool:
    """Mark an earlier question as part of a brigading wave: its author then counts as the wave, once."""
    if q.get("brigade") == wave:
        return False
    old_token = author_token(q)
    q["brigade"] = wave
    if cluster is not None and people is not None:
        people.author(old_token, -1)
        people.author(author_token(q), +1)
        if cluster.get("leader") == q["id"]:
            cluster["brigade"] = wave
    return True


def add_new(r: redis.Redis, broadcast_id: int | str, batch: list[NewQuestion],
            waves: dict[str, str] | None = None,
            also: Callable[[redis.client.Pipeline], object] | None = None) -> Committed:
    """Write a batch of new items in arrival order, in ONE transaction: each becomes a question (in a new
    cluster or the one its ``merge_into`` question is in), or a "+1" reply counted for its parent.

    Items whose key is known already are skipped (one question per item, forever). ``waves`` marks earlier
    questions (id -> wave id) as members of a brigading wave that has just formed. ``also`` queues more writes
    into the same MULTI (the worker acknowledges its inbox entries there).

    Round trips are few: after WATCH, reads go through a plain pipeline on another connection (WATCH sees a
    change made after it whichever connection reads), one per dependency level. What a batch costs depends on
    the batch, not on the size of the clusters it joins: members and people are added, never re-read.
    """
    b = broadcast_id

    def fn(pipe: redis.client.Pipeline) -> Committed:
        w = _BatchWrite(r, b, batch, waves or {})
        if not w.read(pipe):
            if also is not None:
                pipe.multi()
                also(pipe)
            return Committed(None, skipped=w.skipped)
        w.place()
        renamed = w.name_new_clusters()
        current = membership.read_counts(r, b, {cid: ch for cid, ch in w.people.items() if cid in w.loaded})
        pipe.multi()
        ev = w.queue_writes(pipe, current)
        if also is not None:
            also(pipe)
        return Committed(ev, {n.qid: w.qs[n.qid]["cluster"] for n in w.fresh}, renamed, w.skipped)

    return transact(r, [keys.items(b), keys.structure_version(b), keys.cluster_seq(b)], fn)


class _BatchWrite:
    """One attempt at ``add_new``'s transaction: what it read, what it changes, and the writes it queues."""

    def __init__(self, r: redis.Redis, b: int | str, batch: list[NewQuestion], waves: dict[str, str]) -> None:
        self.r, self.b, self.batch, self.waves = r, b, batch, waves
        self.now = time.time()
        self.fresh: list[NewQuestion] = []
        self.skipped: list[str] = []  # question ids whose items were known already
        self.item_qid: dict[str, str] = {}
        self.pending: dict[str, list[str]] = {}  # parent item key -> "+1" replies that came before it
        self.pending_dirty: set[str] = set()
        self.seq = 0
        self.qs: dict[str, dict[str, Any]] = {}  # the questions read or written
        self.cs: dict[str, dict[str, Any]] = {}  # the clusters read or started
        self.loaded: dict[str, dict[str, Any]] = {}  # clusters as read, for the event's changed fields
        self.touched_q: dict[str, dict[str, Any]] = {}
        self.touched_c: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []  # new clusters, named ~QID until the ids are taken
        self.people: dict[str, PeopleChange] = {}
        self.joined: dict[str, dict[str, float]] = {}  # cluster id -> new members and their scores
        self.backing: dict[str, list[str]] = {}  # question id -> "+1" replies that now back it

    # -- reads ------------------------------------------------------------------------------------------
    def read(self, pipe: redis.client.Pipeline) -> bool:
        """Read what the batch depends on; False when every item is known already."""
        r, b = self.r, self.b
        item_keys = list(dict.fromkeys([n.item.key for n in self.batch]
                                       + [n.item.parent_key for n in self.batch if n.item.parent_key]))
        with r.pipeline(transaction=False) as rp:
            rp.hmget(keys.items(b), item_keys)
            rp.hmget(keys.pending_support(b), item_keys)
            rp.get(keys.cluster_seq(b))
            found_items, found_pending, seq = rp.execute()
        self.item_qid = {k: v.decode() for k, v in zip(item_keys, found_items) if v}
        self.seq = int(seq or 0)  # the counter is WATCHed: a split taking an id meanwhile aborts EXEC
        seen: set[str] = set()
        for n in self.batch:
            if n.item.key in self.item_qid or n.item.key in seen:
                self.skipped.append(n.qid)
            else:
                seen.add(n.item.key)
                self.fresh.append(n)
        if not self.fresh:
            return False
        self.pending = {k: codec.loads(v) for k, v in zip(item_keys, found_pending, strict=True) if v}
        # the stored questions this batch reads or changes: parents, merge targets, early "+1"s, wave members
        want = {self.item_qid[n.item.parent_key] for n in self.fresh if n.item.parent_key in self.item_qid}
        want |= {n.triaged.merge_into for n in self.fresh if n.triaged.merge_into}
        want |= {sid for lst in self.pending.values() for sid in lst}
        want |= set(self.waves)
        wanted = sorted(want - {n.qid for n in self.fresh})
        first_raw = dict(zip(wanted, r.hmget(keys.questions(b), wanted))) if wanted else {}
        first = {qid: codec.loads(v) for qid, v in first_raw.items() if v}
        cids = sorted({q["cluster"] for q in first.values() if q.get("cluster")})
        if cids:
            # their clusters' versions first, then the values: a moderator's write in between aborts EXEC
            pipe.watch(*cluster_doc.watch_keys(b, *cids))
            with r.pipeline(transaction=False) as rp:
                rp.hmget(keys.questions(b), wanted)
                rp.hmget(keys.clusters(b), cids)
                raw_q, raw_c = rp.execute()
            # a question unchanged since the first read keeps its decoded dict
            self.qs = {qid: first[qid] if v == first_raw[qid] else codec.loads(v)
                       for qid, v in zip(wanted, raw_q, strict=True) if v}
            self.cs = {c: codec.loads(v) for c, v in zip(cids, raw_c, strict=True) if v}
        else:
            self.qs = first
        self.loaded = {cid: dict(c) for cid, c in self.cs.items()}
        return True

    # -- decisions --------------------------------------------------------------------------------------
    def change_of(self, cluster: dict[str, Any]) -> PeopleChange:
        return self.people.setdefault(cluster["id"], PeopleChange())

    def touch(self, cluster: dict[str, Any]) -> None:
        self.touched_c[cluster["id"]] = cluster

    def place(self) -> None:
        """Each fresh item, in arrival order: a "+1" for its parent, or a question in a cluster."""
        for qid, wave in self.waves.items():
            q = self.qs.get(qid)
            cluster = self.cs.get((q or {}).get("cluster") or "")
            if q is not None and _mark_wave(q, wave, cluster, self.change_of(cluster) if cluster else None):
                self.touched_q[qid] = q
                if cluster is not None:
                    self.touch(cluster)
        for n in self.fresh:
            q = _question(n, self.now)
            self.qs[n.qid] = q
            self.item_qid[n.item.key] = n.qid
            self.touched_q[n.qid] = q
            if n.item.parent_key and (n.triaged.kind == "support"
                                      or (n.triaged.kind == "question" and is_support_only(n.triaged.safe_text))):
                self._support(n, q)
            else:
                self._join(n, q)

    def _support(self, n: NewQuestion, q: dict[str, Any]) -> None:
        q["kind"] = "support"
        parent_qid = self.item_qid.get(n.item.parent_key or "")
        parent = self.qs.get(parent_qid) if parent_qid else None
        if parent is None:
            self.pending.setdefault(n.item.parent_key or "", []).append(n.qid)
            self.pending_dirty.add(n.item.parent_key or "")
            return
        q["support_for"] = parent["id"]
        self.backing.setdefault(parent["id"], []).append(n.qid)
        new_supporter = bool(n.item.author_id) and n.item.author_id not in parent["supporters"]
        if new_supporter:
            parent["supporters"].append(n.item.author_id)
        self.touched_q[parent["id"]] = parent
        cluster = self.cs.get(parent.get("cluster") or "")
        if cluster is not None:
            if new_supporter:
                self.change_of(cluster).supporter(n.item.author_id)
            self.touch(cluster)

    def _join(self, n: NewQuestion, q: dict[str, Any]) -> None:
        t = n.triaged
        target = None
        if t.merge_into and not t.filter_reason:
            target_q = self.qs.get(t.merge_into)
            target = self.cs.get(target_q.get("cluster") or "") if target_q else None
            if target is not None and target["status"] in ("rejected", "filtered"):
                target = None
        for sid in self.pending.pop(n.item.key, []):  # "+1" replies that arrived before this question
            self.pending_dirty.add(n.item.key)
            sq = self.qs.get(sid)
            if sq:
                sq["support_for"] = n.qid
                self.backing.setdefault(n.qid, []).append(sid)
                if sq["author_id"] and sq["author_id"] not in q["supporters"]:
                    q["supporters"].append(sq["author_id"])
                self.touched_q[sid] = sq
        if target is None:
            target = cluster_doc.new(f"~{n.qid}", q, suggested=list(t.suggested), counted=False, now=self.now)
            self.created.append(target)
            self.cs[target["id"]] = target
        cluster_doc.join(target, q, self.change_of(target))
        self.joined.setdefault(target["id"], {})[n.qid] = float(q["created_at"])
        self.touch(target)

    def name_new_clusters(self) -> dict[str, str]:
        """Give each cluster the batch started its id (``~QID`` -> the next of the counter)."""
        renamed: dict[str, str] = {}
        for i, cluster in enumerate(self.created):
            real = str(self.seq + 1 + i)
            renamed[cluster["id"]] = real
            self.touched_c[real] = self.touched_c.pop(cluster["id"])
            if cluster["id"] in self.people:
                self.people[real] = self.people.pop(cluster["id"])
            if cluster["id"] in self.joined:
                self.joined[real] = self.joined.pop(cluster["id"])
            for m in self.joined.get(real, {}):
                self.qs[m]["cluster"] = real
            cluster["id"] = real
        for cluster in self.touched_c.values():
            if cluster.get("suggested"):
                cluster["suggested"] = list(dict.fromkeys(
                    s2 for s in cluster["suggested"] if (s2 := renamed.get(s, s)) != cluster["id"]
                    and not s2.startswith("~")))
        return renamed

    # -- writes -----------------------------------------------------------------------------------------
    def queue_writes(self, pipe: redis.client.Pipeline, current: dict[str, dict[str, membership.Counts]]) -> Event:
        """Queue every write of the batch (inside MULTI) and its one event."""
        b = self.b
        if self.created:
            pipe.set(keys.cluster_seq(b), self.seq + len(self.created))
        pipe.hset(keys.items(b), mapping={n.item.key: n.qid for n in self.fresh})
        pipe.hset(keys.questions(b), mapping={k: codec.dumps(v) for k, v in self.touched_q.items()})
        for cid, scored in self.joined.items():
            membership.add_members(pipe, b, cid, scored)
        for qid, replies in self.backing.items():
            pipe.sadd(keys.support_replies(b, qid), *replies)
        for cid, change in self.people.items():
            change.write(pipe, b, self.touched_c[cid], current.get(cid, {}))
        for cid, cluster in self.touched_c.items():
            if cid in self.loaded:
                cluster_doc.bump(cluster, now=self.now)
            else:
                cluster["support"] = membership.support_of(cluster)
        cluster_doc.write(pipe, b, *self.touched_c.values())
        gone = [k for k in self.pending_dirty if not self.pending.get(k)]
        if gone:
            pipe.hdel(keys.pending_support(b), *gone)
        kept = {k: codec.dumps(self.pending[k]) for k in self.pending_dirty if self.pending.get(k)}
        if kept:
            pipe.hset(keys.pending_support(b), mapping=redis_types.fields(kept))
        qids = [n.qid for n in self.fresh]
        note: dict[str, Any] = {"qids": qids, "stream_ms": max(n.stream_ms for n in self.fresh)}
        if len(qids) == 1:
            note["qid"] = qids[0]
        changes: dict[str, dict[str, Any] | None] = {cid: changed_fields(self.loaded.get(cid), c)
                                                     for cid, c in self.touched_c.items()}
        ev = Event("question.new", actor="triage", clusters=changes,
                   questions={qid: question_view(q) for qid, q in self.touched_q.items()}, note=note)
        emit(pipe, b, ev)
        return ev


def _ingest_change(r: redis.Redis, b: int | str, item: SourceItem, t: Triaged | None) -> Event | None:
    """edit / delete / restore / likes / author of an item already ingested (the triage worker turns an
    edit or a restore of an unknown item into a new one; other changes of an unknown item are dropped)."""
    items_key, qs_key, cs_key = keys.items(b), keys.questions(b), keys.clusters(b)
    raw_qid = r.hget(items_key, item.key)
    if raw_qid is None:
        return None
    qid = redis_types.text(raw_qid)

    def fn(pipe: redis.client.Pipeline) -> Event | None:
        q = _load(pipe, qs_key, qid)
        if q is None:
            return None
        cid = q.get("cluster")
        if cid:
            pipe.watch(keys.cluster_version(b, cid))
        cluster = _load(pipe, cs_key, cid) if cid else None
        loaded = dict(cluster) if cluster is not None else None
        before = codec.dumps(q)
        if item.kind == "edit" and t is not None:
            if t.safe_text == q["text"]:
                return None
            q.update(text=t.safe_text, reading_text=t.reading_text, flags=t.flags, edited=True,
                     place=t.place or q["place"], place_label=t.place_label or q["place_label"],
                     urgent=t.urgent)
            q.setdefault("revisions", []).append({"at": time.time(), "raw": item.raw})
            q["raw"] = stored_raw(item.raw, t.safe_text)
        elif item.kind == "delete":
            q["deleted"] = True
        elif item.kind == "restore":
            q["deleted"] = False
            if t is not None and t.safe_text != q["text"]:
                q.update(text=t.safe_text, reading_text=t.reading_text, edited=True)
                q["raw"] = stored_raw(item.raw, t.safe_text)
        elif item.kind == "author":
            if not item.author_name or (q.get("author_name") == safe_text(item.author_name)
                                        and str(q.get("author_id")) == item.author_id):
                return None
            q.update(author_name=safe_text(item.author_name), author_url=safe_text(item.author_url)
                     or q.get("author_url", ""), author_id=safe_text(item.author_id) or q.get("author_id", ""))
        elif item.kind == "likes":
            delta = int(item.likes) - int(q["likes"] or 0)
            q["likes"] = int(item.likes)
            if cluster is not None:
                cluster["likes"] += delta
        if codec.dumps(q) == before:
            return None
        touched_c: dict[str, dict[str, Any] | None] = {}
        if cluster is not None:
            if cluster["leader"] == qid:
                cluster_doc.refresh_leader(cluster, q)
            cluster_doc.bump(cluster)
            touched_c[cluster["id"]] = changed_fields(loaded, cluster)
        pipe.multi()
        pipe.hset(qs_key, qid, codec.dumps(q))
        if cluster is not None:
            cluster_doc.write(pipe, b, cluster)
        ev = Event(f"question.{item.kind}", actor="triage", clusters=touched_c,
                   questions={qid: question_view(q)}, note={"qid": qid})
        emit(pipe, b, ev)
        return ev

    return transact(r, [items_key, keys.structure_version(b)], fn)


def get(r: redis.Redis, broadcast_id: int | str, qid: str) -> dict[str, Any] | None:
    raw = r.hget(keys.questions(broadcast_id), qid)
    return codec.loads(raw) if raw else None


def support_replies(r: redis.Redis, broadcast_id: int | str, qids: list[str]) -> list[dict[str, Any]]:
    """The "+1" replies that back any of ``qids``."""
    with r.pipeline(transaction=False) as p:
        for qid in qids:
            p.smembers(keys.support_replies(broadcast_id, qid))
        ids = sorted({m.decode() for members in p.execute() for m in members}, key=int)
    return many(r, broadcast_id, ids)


def many(r: redis.Redis | redis.client.Pipeline, broadcast_id: int | str, qids: list[str]) -> list[dict[str, Any]]:
    if not qids:
        return []
    return [codec.loads(x) for x in r.hmget(keys.questions(broadcast_id), qids) if x]


def all_questions(r: redis.Redis, broadcast_id: int | str) -> list[dict[str, Any]]:
    raw = r.hgetall(keys.questions(broadcast_id))
    return sorted((codec.loads(v) for v in raw.values()), key=lambda q: int(q["id"]))

