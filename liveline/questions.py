"""Questions (Вопрос): what a citizen asked, created from source items exactly once.

``ingest`` is the one way a source item becomes state: a new question (in a new or an existing cluster), a
support reply ("+1, тоже интересует") counted for its parent, an edit, a deletion, a restore or a likes
update. It writes the item-key → question map, the question, its cluster and one event in one transaction,
so an item delivered twice — by long poll and by a sweep, or again after a crash — changes nothing the
second time.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import redis

from liveline import keys
from liveline.clusters import author_token, new_cluster, refresh_leader, support_of
from liveline.events import Event, emit
from liveline.inbox import SourceItem
from liveline.triage.clean import safe_text
from liveline.txn import transact

SUPPORT_ONLY = re.compile(
    r"^[\s\W]*(?:\+\s*1?|\+{1,5}|плюс|тоже\s+интересует|меня\s+тоже\s+интересует|и\s+меня\s+интересует|"
    r"присоединяюсь(?:\s+к\s+вопросу)?|поддерживаю|поддержу|аналогично|тот\s+же\s+вопрос|"
    r"такой\s+же\s+вопрос|тоже\s+хотел[аи]?\s+спросить|подписываюсь)[\s\W]*"
    r"(?:(?:тоже\s+интересует|присоединяюсь|поддерживаю)[\s\W]*)?$",
    re.IGNORECASE,
)


def is_support_only(text: str) -> bool:
    """A reply that only says "me too" counts as support for its parent, not as a question of its own."""
    return bool(SUPPORT_ONLY.match(text.strip())) if len(text) < 80 else False


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


def raw_json(raw: dict[str, Any]) -> str:
    """The payload exactly as delivered, as ASCII-escaped JSON: lossless even for what UTF-8 cannot hold."""
    return json.dumps(raw, ensure_ascii=True)


def source_kind(key: str, raw: dict[str, Any] | None = None) -> str:
    """post / chat / manual from a source item key (the demo replays both a post and a chat)."""
    if key.startswith("vk:video:"):
        return "chat"
    if key.startswith("vk:wall:"):
        return "post"
    if key.startswith("demo:") and raw and raw.get("channel") in ("post", "chat"):
        return str(raw["channel"])
    return key.split(":", 1)[0]


def first_name(full: str) -> str:
    return full.split()[0] if full.strip() else ""


def _load(pipe: "redis.client.Pipeline", hkey: str, field_id: str) -> dict[str, Any] | None:
    raw = pipe.hget(hkey, field_id)
    return json.loads(raw) if raw else None


def ingest(r: redis.Redis, broadcast_id: int | str, item: SourceItem, triaged: Triaged | None,
           stream_ms: int = 0) -> Event | None:
    """Apply one source item. Returns the event written, or None when the item changed nothing."""
    b = broadcast_id
    if item.kind == "new":
        return _ingest_new(r, b, item, triaged, stream_ms)
    return _ingest_change(r, b, item, triaged)


def _ingest_new(r: redis.Redis, b: int | str, item: SourceItem, t: Triaged | None,
                stream_ms: int) -> Event | None:
    assert t is not None, "a new item needs its triage"
    items_key, qs_key, cs_key = keys.items(b), keys.questions(b), keys.clusters(b)

    def fn(pipe: "redis.client.Pipeline") -> Event | None:
        if pipe.hexists(items_key, item.key):
            return None  # delivered before: one question per item, forever
        now = time.time()
        qid = str(int(pipe.incr(keys.question_seq(b))))  # a gap on retry is harmless
        q: dict[str, Any] = {
            "id": qid, "key": item.key, "source_id": item.source_id, "source": source_kind(item.key, item.raw),
            "author_id": safe_text(item.author_id), "author_name": safe_text(item.author_name),
            "author_url": safe_text(item.author_url),
            "text": t.safe_text, "reading_text": t.reading_text, "created_at": item.created_at or now,
            "received_at": now, "stream_ms": stream_ms, "parent_key": item.parent_key, "likes": item.likes,
            "kind": "question", "cluster": None, "support_for": None, "supporters": [], "flags": t.flags,
            "place": t.place, "place_label": t.place_label, "topic": t.topic, "department": t.department,
            "filter_reason": t.filter_reason, "urgent": t.urgent, "brigade": t.brigade, "edited": False,
            "deleted": False, "raw": raw_json(item.raw),
        }
        touched_q: dict[str, dict[str, Any]] = {}
        touched_c: dict[str, dict[str, Any] | None] = {}
        watch: list[str] = []
        parent_qid = pipe.hget(items_key, item.parent_key) if item.parent_key else None
        if item.parent_key and is_support_only(t.safe_text):
            q["kind"] = "support"
            if parent_qid is None:
                pending = json.loads(pipe.hget(keys.pending_support(b), item.parent_key) or "[]")
                pending.append(qid)
                pipe.multi()
                pipe.hset(keys.pending_support(b), item.parent_key, json.dumps(pending))
            else:
                parent = _load(pipe, qs_key, parent_qid.decode())
                assert parent is not None
                pipe.watch(keys.cluster_version(b, parent["cluster"]))
                cluster = _load(pipe, cs_key, parent["cluster"])
                q["support_for"] = parent["id"]
                if item.author_id and item.author_id not in parent["supporters"]:
                    parent["supporters"].append(item.author_id)
                touched_q[parent["id"]] = parent
                if cluster is not None:
                    if item.author_id and item.author_id not in cluster["supporters"]:
                        cluster["supporters"].append(item.author_id)
                    cluster["support"] = support_of(cluster)
                    cluster["version"] += 1
                    touched_c[cluster["id"]] = cluster
                pipe.multi()
        else:
            target = None
            if t.merge_into and not t.filter_reason:
                target_q = _load(pipe, qs_key, t.merge_into)
                if target_q and target_q.get("cluster"):
                    watch.append(keys.cluster_version(b, target_q["cluster"]))
                    pipe.watch(*watch)
                    target = _load(pipe, cs_key, target_q["cluster"])
                    if target and target["status"] in ("rejected", "filtered"):
                        target = None
            pending = json.loads(pipe.hget(keys.pending_support(b), item.key) or "[]")
            for sid in pending:  # "+1" replies that arrived before this question
                sq = _load(pipe, qs_key, sid)
                if sq:
                    sq["support_for"] = qid
                    if sq["author_id"] and sq["author_id"] not in q["supporters"]:
                        q["supporters"].append(sq["author_id"])
                    touched_q[sid] = sq
            if target is None:
                cid = str(int(pipe.incr(keys.cluster_seq(b))))
                cluster = new_cluster(cid, q, suggested=list(t.suggested))
            else:
                cluster = target
                cluster["members"].append(qid)
                token = author_token(q)
                if token and token not in cluster["authors"]:
                    cluster["authors"].append(token)
                cluster["likes"] += int(q["likes"] or 0)
                cluster["size"] = len(cluster["members"])
                cluster["version"] += 1
                cluster["updated_at"] = now
            for s in q["supporters"]:
                if s not in cluster["supporters"]:
                    cluster["supporters"].append(s)
            cluster["support"] = support_of(cluster)
            q["cluster"] = cluster["id"]
            touched_c[cluster["id"]] = cluster
            pipe.multi()
            if pending:
                pipe.hdel(keys.pending_support(b), item.key)
        touched_q[qid] = q
        pipe.hset(items_key, item.key, qid)
        pipe.hset(qs_key, mapping={k: json.dumps(v, ensure_ascii=False) for k, v in touched_q.items()})
        for cid, c in touched_c.items():
            assert c is not None
            pipe.hset(cs_key, cid, json.dumps(c, ensure_ascii=False))
            pipe.incr(keys.cluster_version(b, cid))
        ev = Event("question.new", actor="triage", clusters=touched_c, questions=touched_q,
                   note={"qid": qid, "stream_ms": stream_ms})
        emit(pipe, b, ev)
        return ev

    return transact(r, [items_key, keys.cluster_version(b, "struct")], fn)


def _ingest_change(r: redis.Redis, b: int | str, item: SourceItem, t: Triaged | None) -> Event | None:
    """edit / delete / restore / likes of an item already ingested (an unknown item's change is dropped:
    the sweep that follows delivers it whole)."""
    items_key, qs_key, cs_key = keys.items(b), keys.questions(b), keys.clusters(b)
    raw_qid = r.hget(items_key, item.key)
    if raw_qid is None:
        return None
    qid = raw_qid.decode()

    def fn(pipe: "redis.client.Pipeline") -> Event | None:
        q = _load(pipe, qs_key, qid)
        if q is None:
            return None
        cid = q.get("cluster")
        if cid:
            pipe.watch(keys.cluster_version(b, cid))
        cluster = _load(pipe, cs_key, cid) if cid else None
        before = json.dumps(q, sort_keys=True)
        if item.kind == "edit" and t is not None:
            if t.safe_text == q["text"]:
                return None
            q.update(text=t.safe_text, reading_text=t.reading_text, flags=t.flags, edited=True,
                     place=t.place or q["place"], place_label=t.place_label or q["place_label"],
                     urgent=t.urgent)
            q.setdefault("revisions", []).append({"at": time.time(), "raw": raw_json(item.raw)})
        elif item.kind == "delete":
            q["deleted"] = True
        elif item.kind == "restore":
            q["deleted"] = False
            if t is not None and t.safe_text != q["text"]:
                q.update(text=t.safe_text, reading_text=t.reading_text)
        elif item.kind == "likes":
            delta = int(item.likes) - int(q["likes"] or 0)
            q["likes"] = int(item.likes)
            if cluster is not None:
                cluster["likes"] += delta
        if json.dumps(q, sort_keys=True) == before:
            return None
        touched_c: dict[str, dict[str, Any] | None] = {}
        if cluster is not None:
            if cluster["leader"] == qid:
                refresh_leader(cluster, q)
            cluster["support"] = support_of(cluster)
            cluster["version"] += 1
            cluster["updated_at"] = time.time()
            touched_c[cluster["id"]] = cluster
        pipe.multi()
        pipe.hset(qs_key, qid, json.dumps(q, ensure_ascii=False))
        for c_id, c in touched_c.items():
            pipe.hset(cs_key, c_id, json.dumps(c, ensure_ascii=False))
            pipe.incr(keys.cluster_version(b, c_id))
        ev = Event(f"question.{item.kind}", actor="triage", clusters=touched_c, questions={qid: q},
                   note={"qid": qid})
        emit(pipe, b, ev)
        return ev

    return transact(r, [items_key, keys.cluster_version(b, "struct")], fn)


def get(r: redis.Redis, broadcast_id: int | str, qid: str) -> dict[str, Any] | None:
    raw = r.hget(keys.questions(broadcast_id), qid)
    return json.loads(raw) if raw else None


def many(r: redis.Redis, broadcast_id: int | str, qids: list[str]) -> list[dict[str, Any]]:
    if not qids:
        return []
    return [json.loads(x) for x in r.hmget(keys.questions(broadcast_id), qids) if x]


def all_questions(r: redis.Redis, broadcast_id: int | str) -> list[dict[str, Any]]:
    raw = r.hgetall(keys.questions(broadcast_id))
    return sorted((json.loads(v) for v in raw.values()), key=lambda q: int(q["id"]))

