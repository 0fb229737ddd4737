"""Merge and split of clusters by moderators: the feedback that triage's automatic grouping must respect.

A merge moves every member of one cluster into another; a split takes one question out into a cluster of its
own and records the pairs it was split from, so automatic grouping never puts them together again. Both bump
the broadcast's structure version, which every writer that reads question→cluster links WATCHes.
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis

from liveline.board.clusters import _brief, _check, _host, _load, new_cluster, recompute
from liveline.errors import BadRequest, Conflict
from liveline.store import keys, redis_types
from liveline.store.events import Event, audit, emit
from liveline.store.txn import transact


def _questions(pipe: Any, b: int | str, qids: list[str]) -> list[dict[str, Any]]:
    if not qids:
        return []
    return [json.loads(x) for x in pipe.hmget(keys.questions(b), qids) if x]


def merge(r: redis.Redis, b: int | str, target: str, source: str, by: str,
          target_version: int | None = None, source_version: int | None = None) -> Event:
    """Move every question of ``source`` into ``target``; ``source`` disappears."""
    if target == source:
        raise BadRequest("Нельзя объединить вопрос с самим собой")
    watch = [keys.cluster_version(b, target), keys.cluster_version(b, source), keys.cluster_version(b, "struct"),
             keys.queue(b), keys.host_state(b)]

    def fn(pipe: redis.client.Pipeline) -> Event:
        t, s = _load(pipe, b, target), _load(pipe, b, source)
        _check(t, target_version, "merge")
        _check(s, source_version, "merge")
        if s["status"] == "on_air":
            raise Conflict("Вопрос в эфире нельзя присоединить к другому", current=s)
        before = {"target": _brief(t), "source": _brief(s)}
        members = _questions(pipe, b, t["members"] + s["members"])
        for q in members:
            q["cluster"] = target
        recompute(t, members)
        t["suggested"] = [x for x in t["suggested"] if x != source]
        t["pinned"] = t["pinned"] or s["pinned"]
        t["urgent"] = t["urgent"] or s["urgent"]
        t["version"] += 1
        t["updated_by"], t["updated_at"] = by, time.time()
        queue = [redis_types.text(x) for x in pipe.lrange(keys.queue(b), 0, -1)]
        host = _host(pipe, b)
        pipe.multi()
        pipe.hset(keys.clusters(b), target, json.dumps(t, ensure_ascii=False))
        pipe.hdel(keys.clusters(b), source)
        pipe.hset(keys.questions(b), mapping={q["id"]: json.dumps(q, ensure_ascii=False) for q in members})
        for key in watch[:3]:
            pipe.incr(key)
        ev = Event("cluster.merge", actor=by, clusters={target: t, source: None},
                   questions={q["id"]: q for q in members if q["id"] in s["members"]},
                   note={"target": target, "source": source, "moved": s["members"]})
        if source in queue:
            queue.remove(source)
            pipe.lrem(keys.queue(b), 0, source)
            ev.queue, ev.host = queue, host
        audit(pipe, b, by, "merge", f"cluster:{target}", before, {"target": _brief(t), "source": None})
        return emit(pipe, b, ev)

    return transact(r, watch, fn)


def split(r: redis.Redis, b: int | str, cid: str, qid: str, by: str, version: int | None = None) -> Event:
    """Take question ``qid`` out of cluster ``cid`` into a new cluster of its own."""
    watch = [keys.cluster_version(b, cid), keys.cluster_version(b, "struct")]

    def fn(pipe: redis.client.Pipeline) -> Event:
        c = _load(pipe, b, cid)
        _check(c, version, "split")
        if qid not in c["members"]:
            raise Conflict("Этого вопроса уже нет в группе", current=c)
        if len(c["members"]) < 2:
            raise BadRequest("В группе один вопрос: отделять нечего")
        before = _brief(c)
        members = _questions(pipe, b, c["members"])
        moved = next(q for q in members if q["id"] == qid)
        rest = [q for q in members if q["id"] != qid]
        new_id = str(int(pipe.incr(keys.cluster_seq(b))))
        moved["cluster"] = new_id
        fresh = new_cluster(new_id, moved)
        fresh["status"] = "new"
        fresh["supporters"] = sorted(set(moved.get("supporters", [])))
        fresh["support"] = len(set(fresh["authors"]) | set(fresh["supporters"])) + fresh["likes"]
        fresh["updated_by"] = by
        recompute(c, rest)
        c["version"] += 1
        c["updated_by"], c["updated_at"] = by, time.time()
        pipe.multi()
        pipe.hset(keys.clusters(b), mapping={cid: json.dumps(c, ensure_ascii=False),
                                             new_id: json.dumps(fresh, ensure_ascii=False)})
        pipe.hset(keys.questions(b), qid, json.dumps(moved, ensure_ascii=False))
        pipe.sadd(keys.split_pairs(b), *[pair_key(qid, q["id"]) for q in rest])
        for key in watch + [keys.cluster_version(b, new_id)]:
            pipe.incr(key)
        audit(pipe, b, by, "split", f"cluster:{cid}", before, {"left": _brief(c), "new": _brief(fresh)})
        return emit(pipe, b, Event("cluster.split", actor=by, clusters={cid: c, new_id: fresh},
                                   questions={qid: moved}, note={"from": cid, "to": new_id, "qid": qid}))

    return transact(r, watch, fn)


def pair_key(a: str, b: str) -> str:
    x, y = sorted((str(a), str(b)), key=int)
    return f"{x}:{y}"


def is_split_pair(r: redis.Redis, b: int | str, qa: str, qb: str) -> bool:
    return bool(r.sismember(keys.split_pairs(b), pair_key(qa, qb)))
