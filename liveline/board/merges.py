"""Merge and split of clusters by moderators: the feedback that triage's automatic grouping must respect.

A merge moves every member of one cluster into another; a split takes one question out into a cluster of its
own and records the pairs it was split from, so automatic grouping never puts them together again. Both bump
the broadcast's structure version, which every writer that reads question→cluster links WATCHes.
"""

from __future__ import annotations

import time
from typing import Any

import redis

from liveline.board import membership
from liveline.board.clusters import _brief, _check, _host, _load, new_cluster, recompute
from liveline.errors import BadRequest, Conflict
from liveline.store import codec, keys, redis_types
from liveline.store.events import Event, audit, changed_fields, emit
from liveline.store.state import question_view
from liveline.store.txn import transact


def question_docs(pipe: Any, b: int | str, qids: list[str]) -> list[dict[str, Any]]:
    if not qids:
        return []
    return [codec.loads(x) for x in pipe.hmget(keys.questions(b), qids) if x]


def brief_with(c: dict[str, Any], member_ids: list[str]) -> dict[str, Any]:
    """A cluster's audit brief with its members (what undo needs to put a merge or split back)."""
    return {**_brief(c), "members": member_ids}


def merge(r: redis.Redis, b: int | str, target: str, source: str, by: str,
          target_version: int | None = None, source_version: int | None = None) -> Event:
    """Move every question of ``source`` into ``target``; ``source`` disappears."""
    if target == source:
        raise BadRequest("Нельзя объединить вопрос с самим собой")
    watch = [keys.cluster_version(b, target), keys.cluster_version(b, source), keys.cluster_version(b, "struct"),
             keys.queue(b), keys.host_state(b)]

    def fn(pipe: redis.client.Pipeline) -> Event:
        t, s = _load(pipe, b, target), _load(pipe, b, source)
        loaded_t = dict(t)
        _check(t, target_version, "merge")
        _check(s, source_version, "merge")
        if s["status"] == "on_air":
            raise Conflict("Вопрос в эфире нельзя присоединить к другому", current=s)
        t_ids, s_ids = membership.members(pipe, b, target), membership.members(pipe, b, source)
        before = {"target": brief_with(t, t_ids), "source": brief_with(s, s_ids)}
        members = question_docs(pipe, b, t_ids + s_ids)
        for q in members:
            q["cluster"] = target
        members = recompute(t, members)
        t["suggested"] = [x for x in t["suggested"] if x != source]
        t["pinned"] = t["pinned"] or s["pinned"]
        t["urgent"] = t["urgent"] or s["urgent"]
        t["version"] += 1
        t["updated_by"], t["updated_at"] = by, time.time()
        queue = [redis_types.text(x) for x in pipe.lrange(keys.queue(b), 0, -1)]
        host = _host(pipe, b)
        pipe.multi()
        pipe.hset(keys.clusters(b), target, codec.dumps(t))
        pipe.hdel(keys.clusters(b), source)
        membership.store(pipe, b, target, members)
        membership.drop(pipe, b, source)
        pipe.hset(keys.questions(b), mapping={q["id"]: codec.dumps(q) for q in members})
        for key in watch[:3]:
            pipe.incr(key)
        moved = set(s_ids)
        ev = Event("cluster.merge", actor=by, clusters={target: changed_fields(loaded_t, t), source: None},
                   questions={q["id"]: question_view(q) for q in members if q["id"] in moved},
                   note={"target": target, "source": source, "moved": s_ids})
        if source in queue:
            queue.remove(source)
            pipe.lrem(keys.queue(b), 0, source)
            ev.queue, ev.host = queue, host
        audit(pipe, b, by, "merge", f"cluster:{target}", before,
              {"target": brief_with(t, [q["id"] for q in members]), "source": None})
        return emit(pipe, b, ev)

    return transact(r, watch, fn)


def split(r: redis.Redis, b: int | str, cid: str, qid: str, by: str, version: int | None = None) -> Event:
    """Take question ``qid`` out of cluster ``cid`` into a new cluster of its own."""
    watch = [keys.cluster_version(b, cid), keys.cluster_version(b, "struct")]

    def fn(pipe: redis.client.Pipeline) -> Event:
        c = _load(pipe, b, cid)
        loaded = dict(c)
        _check(c, version, "split")
        ids = membership.members(pipe, b, cid)
        if qid not in ids:
            raise Conflict("Этого вопроса уже нет в группе", current=c)
        if len(ids) < 2:
            raise BadRequest("В группе один вопрос: отделять нечего")
        before = brief_with(c, ids)
        members = question_docs(pipe, b, ids)
        moved = next(q for q in members if q["id"] == qid)
        rest = [q for q in members if q["id"] != qid]
        new_id = str(int(pipe.incr(keys.cluster_seq(b))))
        moved["cluster"] = new_id
        fresh = new_cluster(new_id, moved)
        fresh["status"] = "new"
        fresh["updated_by"] = by
        rest = recompute(c, rest)
        c["version"] += 1
        c["updated_by"], c["updated_at"] = by, time.time()
        pipe.multi()
        pipe.hset(keys.clusters(b), mapping={cid: codec.dumps(c), new_id: codec.dumps(fresh)})
        membership.store(pipe, b, cid, rest)
        membership.store(pipe, b, new_id, [moved])
        pipe.hset(keys.questions(b), qid, codec.dumps(moved))
        pipe.sadd(keys.split_pairs(b), *[pair_key(qid, q["id"]) for q in rest])
        for key in watch + [keys.cluster_version(b, new_id)]:
            pipe.incr(key)
        audit(pipe, b, by, "split", f"cluster:{cid}", before,
              {"left": brief_with(c, [q["id"] for q in rest]), "new": brief_with(fresh, [qid])})
        return emit(pipe, b, Event("cluster.split", actor=by,
                                   clusters={cid: changed_fields(loaded, c), new_id: changed_fields(None, fresh)},
                                   questions={qid: question_view(moved)},
                                   note={"from": cid, "to": new_id, "qid": qid}))

    return transact(r, watch, fn)


def pair_key(a: str, b: str) -> str:
    x, y = sorted((str(a), str(b)), key=int)
    return f"{x}:{y}"


def is_split_pair(r: redis.Redis, b: int | str, qa: str, qb: str) -> bool:
    return bool(r.sismember(keys.split_pairs(b), pair_key(qa, qb)))
