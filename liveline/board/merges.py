"""Merge and split of clusters by moderators: the feedback that triage's automatic grouping must respect.

A merge moves every member of one cluster into another; a split takes questions out into a cluster of their
own and records the pairs they were split from, so automatic grouping never puts them together again. Both
bump the broadcast's structure version (``keys.structure_version``), which every writer that reads
question→cluster links WATCHes. ``split`` is the one split: a moderator's (one question, a new group) and
undo's of a merge (the questions a merge moved, back into a group that looks like the one they came from).
"""

from __future__ import annotations

import time
from typing import Any

import redis

from liveline.board import cluster_doc, membership
from liveline.board import host as host_state
from liveline.board.clusters import REVERTIBLE, check, queue_of
from liveline.errors import BadRequest, Conflict
from liveline.store import codec, keys
from liveline.store.events import Event, audit, changed_fields, emit
from liveline.store.state import question_view
from liveline.store.txn import transact


def question_docs(pipe: redis.Redis | redis.client.Pipeline, b: int | str, qids: list[str]) -> list[dict[str, Any]]:
    if not qids:
        return []
    return [codec.loads(x) for x in pipe.hmget(keys.questions(b), qids) if x]


def merge(r: redis.Redis, b: int | str, target: str, source: str, by: str,
          target_version: int | None = None, source_version: int | None = None) -> Event:
    """Move every question of ``source`` into ``target``; ``source`` disappears."""
    if target == source:
        raise BadRequest("Нельзя объединить вопрос с самим собой")
    watch = [*cluster_doc.watch_keys(b, target, source), keys.structure_version(b), keys.queue(b),
             keys.host_state(b)]

    def fn(pipe: redis.client.Pipeline) -> Event:
        t, s = cluster_doc.load(pipe, b, target), cluster_doc.load(pipe, b, source)
        loaded_t = dict(t)
        check(t, target_version, "merge")
        check(s, source_version, "merge")
        if s["status"] == "on_air":
            raise Conflict("Вопрос в эфире нельзя присоединить к другому", current=s)
        t_ids, s_ids = membership.members(pipe, b, target), membership.members(pipe, b, source)
        before = {"target": cluster_doc.brief(t, t_ids), "source": cluster_doc.brief(s, s_ids)}
        members = question_docs(pipe, b, t_ids + s_ids)
        for q in members:
            q["cluster"] = target
        members = cluster_doc.recompute(t, members)
        t["suggested"] = [x for x in t["suggested"] if x != source]
        t["pinned"] = t["pinned"] or s["pinned"]
        t["urgent"] = t["urgent"] or s["urgent"]
        cluster_doc.bump(t, by)
        queue = queue_of(pipe, b)
        host = host_state.load(pipe, b)
        pipe.multi()
        cluster_doc.write(pipe, b, t)
        cluster_doc.delete(pipe, b, source)
        membership.store(pipe, b, target, members)
        pipe.hset(keys.questions(b), mapping={q["id"]: codec.dumps(q) for q in members})
        pipe.incr(keys.structure_version(b))
        moved = set(s_ids)
        ev = Event("cluster.merge", actor=by, clusters={target: changed_fields(loaded_t, t), source: None},
                   questions={q["id"]: question_view(q) for q in members if q["id"] in moved},
                   note={"target": target, "source": source, "moved": s_ids})
        if source in queue:
            queue.remove(source)
            pipe.lrem(keys.queue(b), 0, source)
            ev.queue, ev.host = queue, host
        audit(pipe, b, by, "merge", f"cluster:{target}", before,
              {"target": cluster_doc.brief(t, [q["id"] for q in members]), "source": None})
        return emit(pipe, b, ev)

    return transact(r, watch, fn)


def split(r: redis.Redis, b: int | str, cid: str, qids: str | list[str], by: str, version: int | None = None,
          like: dict[str, Any] | None = None) -> Event:
    """Take question(s) ``qids`` out of cluster ``cid`` into ONE new cluster.

    A moderator's split (``like`` None) starts a new group of its own; undo of a merge passes ``like``, the
    brief of the group the merge swallowed (status, reject reason, wording, topic, department, pin), and the
    new group looks like it again (logged as ``unmerge``)."""
    wanted = [qids] if isinstance(qids, str) else list(qids)
    action = "split" if like is None else "unmerge"
    watch = [keys.cluster_version(b, cid), keys.structure_version(b), keys.queue(b), keys.host_state(b)]

    def fn(pipe: redis.client.Pipeline) -> Event:
        c = cluster_doc.load(pipe, b, cid)
        loaded = dict(c)
        check(c, version, "split")
        ids = membership.members(pipe, b, cid)
        present = [qid for qid in wanted if qid in ids]
        if not present:
            raise Conflict("Этого вопроса уже нет в группе" if len(wanted) == 1 else "Этих вопросов уже нет в группе",
                           current=c)
        if len(present) == len(ids):
            raise BadRequest("В группе один вопрос: отделять нечего" if len(ids) == 1
                             else "Нельзя отделить все вопросы группы")
        before = cluster_doc.brief(c, ids)
        members = question_docs(pipe, b, ids)
        moved = [q for q in members if q["id"] in present]
        rest = [q for q in members if q["id"] not in present]
        new_id = str(int(pipe.incr(keys.cluster_seq(b))))
        now = time.time()
        fresh = cluster_doc.new(new_id, cluster_doc.oldest_first(moved)[0], by=by, now=now)
        for q in moved:
            q["cluster"] = new_id
        moved = cluster_doc.recompute(fresh, moved)
        fresh["status"] = "new"
        if like is not None:
            _look_like(fresh, like)
        rest = cluster_doc.recompute(c, rest)
        cluster_doc.bump(c, by, now)
        queue = queue_of(pipe, b)
        host = host_state.load(pipe, b)
        pipe.multi()
        cluster_doc.write(pipe, b, c, fresh)
        membership.store(pipe, b, cid, rest)
        membership.store(pipe, b, new_id, moved)
        pipe.hset(keys.questions(b), mapping={q["id"]: codec.dumps(q) for q in moved})
        pipe.sadd(keys.split_pairs(b), *[pair_key(m["id"], o["id"]) for m in moved for o in rest])
        pipe.incr(keys.structure_version(b))
        note: dict[str, Any] = {"from": cid, "to": new_id, "qids": present}
        ev = Event("cluster.split", actor=by,
                   clusters={cid: changed_fields(loaded, c), new_id: changed_fields(None, fresh)},
                   questions={q["id"]: question_view(q) for q in moved}, note=note)
        if fresh["status"] == "queued":
            queue.append(new_id)
            pipe.rpush(keys.queue(b), new_id)
            ev.queue, ev.host = queue, host
        audit(pipe, b, by, action, f"cluster:{cid}", before,
              {"left": cluster_doc.brief(c, [q["id"] for q in rest]),
               "new": cluster_doc.brief(fresh, [q["id"] for q in moved])})
        return emit(pipe, b, ev)

    return transact(r, watch, fn)


def _look_like(fresh: dict[str, Any], like: dict[str, Any]) -> None:
    """Give a group split out by undo the look of the group it was before a merge."""
    status = like.get("status")
    if status in REVERTIBLE:
        fresh["status"] = status
    fresh["reject_reason"] = like.get("reject_reason") if fresh["status"] == "rejected" else None
    if like.get("reading_text") and like["reading_text"] != fresh["reading_text"]:
        fresh["reading_text"], fresh["reading_edited"] = like["reading_text"], True
    for k in ("topic", "department"):
        if like.get(k) is not None:
            fresh[k] = like[k]
    fresh["pinned"] = bool(like.get("pinned", False))


def pair_key(a: str, b: str) -> str:
    x, y = sorted((str(a), str(b)), key=int)
    return f"{x}:{y}"


def is_split_pair(r: redis.Redis, b: int | str, qa: str, qb: str) -> bool:
    return bool(r.sismember(keys.split_pairs(b), pair_key(qa, qb)))
