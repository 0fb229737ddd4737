"""Clusters (Группа похожих): the unit moderators act on, and its life from new to answered.

A cluster holds questions that ask the same thing about the same place; its leader (the first member) is
what the host reads, in the moderators' edited wording. Every verb here is a versioned write: it WATCHes the
cluster's version key, refuses with ``Conflict`` when the caller saw an older version, and writes the new
state, one event and an audit entry in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis

from liveline import labels
from liveline.board import membership
from liveline.errors import BadRequest, Conflict, NotFound
from liveline.store import codec, keys, redis_types
from liveline.store.events import Event, audit, changed_fields, emit
from liveline.store.txn import transact

STATUSES = ("new", "approved", "queued", "on_air", "answered", "rejected", "filtered")
REJECT_REASONS = ("spam", "profanity", "offtopic", "duplicate", "personal_data", "other")
# statuses a cluster can be in for each action
ALLOWED = {
    "approve": ("new", "rejected", "filtered"),
    "reject": ("new", "approved", "queued", "filtered", "answered"),
    "queue": ("new", "approved"),
    "unqueue": ("queued",),
    "on_air": ("queued", "approved", "new"),
    "answered": ("on_air",),
    "return": ("on_air", "answered"),
    "restore": ("rejected", "filtered"),
}


def refresh_leader(c: dict[str, Any], leader: dict[str, Any]) -> None:
    """Copy what a card and the host screen show of the leader question into the cluster."""
    c.update(
        leader=leader["id"], text=leader["text"], author_name=leader["author_name"],
        author_url=leader["author_url"], source=leader["source"], created_at=leader["created_at"],
        edited=leader.get("edited", False), deleted=leader.get("deleted", False),
        place=leader.get("place"), place_label=leader.get("place_label", ""),
        settlement=(leader.get("place") or {}).get("settlement") or "",
        stream_ms=leader.get("stream_ms", 0),
    )
    if not c.get("reading_edited"):
        c["reading_text"] = leader["reading_text"]


def new_cluster(cid: str, q: dict[str, Any], suggested: list[str] | None = None,
                counted: bool = True) -> dict[str, Any]:
    """The document of a cluster that ``q`` starts; its counts are those of ``q`` alone, or zero when the
    caller counts ``q`` in as it joins (the member set and the people go to Redis beside it: ``membership``)."""
    c: dict[str, Any] = {
        "id": cid, "status": "filtered" if q.get("filter_reason") else "new",
        "size": 0, "people": 0, "supporters_n": 0, "likes": 0, "support": 0,
        "topic": q.get("topic") or "other",
        "department": q.get("department") or "", "pinned": False, "urgent": q.get("urgent"),
        "filter_reason": q.get("filter_reason"), "reject_reason": None, "suggested": suggested or [],
        "brigade": q.get("brigade"), "reading_edited": False, "version": 1, "updated_by": "triage",
        "updated_at": time.time(), "on_air_at": None, "answered_at": None, "timecode": None, "taken_by": None,
        "flags": q.get("flags") or {},
    }
    refresh_leader(c, q)
    membership.count(c, [q] if counted else [])
    return c


def recompute(c: dict[str, Any], members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A cluster's counts and leader from its member questions (after a merge or split); returns the members
    oldest first, for ``membership.store``."""
    members = sorted(members, key=lambda q: (float(q["created_at"]), int(q["id"])))
    membership.count(c, members)
    if members:
        refresh_leader(c, members[0])
    return members


def get(r: redis.Redis, broadcast_id: int | str, cid: str) -> dict[str, Any]:
    raw = r.hget(keys.clusters(broadcast_id), cid)
    if raw is None:
        raise NotFound(f"Вопрос {cid} не найден")
    return codec.loads(raw)


def _load(pipe: redis.client.Pipeline, b: int | str, cid: str) -> dict[str, Any]:
    raw = pipe.hget(keys.clusters(b), cid)
    if raw is None:
        raise NotFound(f"Вопрос {cid} не найден (возможно, его уже объединили с другим)")
    return codec.loads(raw)


def _check(c: dict[str, Any], expected_version: int | None, action: str) -> None:
    if expected_version is not None and int(expected_version) != int(c["version"]):
        raise Conflict(
            f"Карточку уже изменил(а) {c.get('updated_by') or 'другой модератор'}: "
            f"сейчас «{labels.CLUSTER_STATUSES.get(c['status'], c['status'])}». Проверьте и повторите.",
            current=c,
        )
    if action in ALLOWED and c["status"] not in ALLOWED[action]:
        raise Conflict(f"Нельзя: вопрос сейчас в состоянии «{labels.CLUSTER_STATUSES.get(c['status'])}»", current=c)


def _host(pipe: redis.client.Pipeline, b: int | str) -> dict[str, Any]:
    raw = pipe.hget(keys.host_state(b), "json")
    return codec.loads(raw) if raw else default_host()


def default_host() -> dict[str, Any]:
    return {"on_air": None, "since": None, "cue": "", "cue_at": None, "blank": False, "paused": False,
            "font": 100}


Mutator = Callable[["redis.client.Pipeline", dict[str, Any], list[str], dict[str, Any]], dict[str, Any] | None]


def _act(r: redis.Redis, b: int | str, cid: str, action: str, actor: str, expected_version: int | None,
         mutate: Mutator, touches_queue: bool = False, note: dict[str, Any] | None = None) -> Event:
    """The shape of every single-cluster verb: watch, read, check, mutate, write state + event + audit."""
    vkey = keys.cluster_version(b, cid)
    watch = [vkey, keys.queue(b), keys.host_state(b)] if touches_queue else [vkey]

    def fn(pipe: redis.client.Pipeline) -> Event:
        c = _load(pipe, b, cid)
        before = dict(c)
        _check(c, expected_version, action)
        queue = [redis_types.text(x) for x in pipe.lrange(keys.queue(b), 0, -1)] if touches_queue else []
        host = _host(pipe, b) if touches_queue else {}
        extra = mutate(pipe, c, queue, host) or {}
        c["version"] += 1
        c["updated_by"] = actor
        c["updated_at"] = time.time()
        pipe.multi()
        changes: dict[str, dict[str, Any] | None] = {cid: changed_fields(before, c)}
        for other in extra.get("clusters", []):
            changes[other["id"]] = changed_fields(other.pop("_before", None), other)
        for cc in [c, *extra.get("clusters", [])]:
            pipe.hset(keys.clusters(b), cc["id"], codec.dumps(cc))
            pipe.incr(keys.cluster_version(b, cc["id"]))
        ev = Event(f"cluster.{action}", actor=actor, clusters=changes, note=note or {})
        if touches_queue:
            pipe.delete(keys.queue(b))
            if queue:
                pipe.rpush(keys.queue(b), *queue)
            pipe.hset(keys.host_state(b), "json", codec.dumps(host))
            ev.queue, ev.host = queue, host
        audit(pipe, b, actor, action, f"cluster:{cid}", _brief(before), _brief(c))
        emit(pipe, b, ev)
        return ev

    return transact(r, watch, fn)


def _brief(c: dict[str, Any]) -> dict[str, Any]:
    return {k: c.get(k) for k in ("status", "reading_text", "topic", "department", "pinned", "reject_reason",
                                   "version")}


# -- verbs ----------------------------------------------------------------------------------------------
def approve(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"], c["reject_reason"] = "approved", None
    return _act(r, b, cid, "approve", by, version, m)


def restore(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    """A rejected or filtered question back to the new ones."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"], c["reject_reason"] = "new", None
    return _act(r, b, cid, "restore", by, version, m)


def reject(r: redis.Redis, b: int | str, cid: str, by: str, reason: str, version: int | None = None) -> Event:
    if reason not in REJECT_REASONS:
        raise BadRequest("Укажите причину отклонения")

    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"], c["reject_reason"] = "rejected", reason
        if cid in q:
            q.remove(cid)
    return _act(r, b, cid, "reject", by, version, m, touches_queue=True)


def enqueue(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    """Send to the host queue (at its end)."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"] = "queued"
        if cid not in q:
            q.append(cid)
    return _act(r, b, cid, "queue", by, version, m, touches_queue=True)


def unqueue(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"] = "approved"
        if cid in q:
            q.remove(cid)
    return _act(r, b, cid, "unqueue", by, version, m, touches_queue=True)


def move(r: redis.Redis, b: int | str, cid: str, position: int, by: str) -> Event:
    """Reorder the host queue: put ``cid`` at ``position`` (0 = next on air)."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        if cid not in q:
            raise Conflict("Вопроса уже нет в очереди", current=c)
        q.remove(cid)
        q.insert(max(0, min(int(position), len(q))), cid)
    return _act(r, b, cid, "move", by, None, m, touches_queue=True, note={"position": position})


def _broadcast_started(pipe: Any, b: int | str) -> float | None:
    raw = pipe.hget(keys.broadcast(b), "started_at")
    return float(raw) if raw else None


def on_air(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    """Put a question on air; the one on air before it counts as answered."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> dict[str, Any]:
        extra: list[dict[str, Any]] = []
        now = time.time()
        previous = h.get("on_air")
        if previous and previous != cid:
            pipe.watch(keys.cluster_version(b, previous))
            p = codec.loads(pipe.hget(keys.clusters(b), previous) or "null")
            if p and p["status"] == "on_air":
                read = dict(p)
                _mark_answered(pipe, b, p, now, by)
                p["_before"] = read
                extra.append(p)
        c["status"], c["on_air_at"] = "on_air", now
        if cid in q:
            q.remove(cid)
        h["on_air"], h["since"] = cid, now
        return {"clusters": extra}
    return _act(r, b, cid, "on_air", by, version, m, touches_queue=True)


def _mark_answered(pipe: Any, b: int | str, c: dict[str, Any], now: float, by: str) -> None:
    started = _broadcast_started(pipe, b)
    c["status"], c["answered_at"] = "answered", now
    c["timecode"] = int(now - started) if started else None
    c["version"] += 1
    c["updated_by"], c["updated_at"] = by, now


def answered(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    """Mark the question on air answered, recording the time-code into the stream."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        _mark_answered(pipe, b, c, time.time(), by)
        c["version"] -= 1  # _act bumps it
        if h.get("on_air") == cid:
            h["on_air"], h["since"] = None, None
    return _act(r, b, cid, "answered", by, version, m, touches_queue=True)


def return_to_queue(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    """Back to the head of the host queue (from on air, or from answered by mistake)."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"], c["answered_at"], c["timecode"] = "queued", None, None
        if h.get("on_air") == cid:
            h["on_air"], h["since"] = None, None
        if cid not in q:
            q.insert(0, cid)
    return _act(r, b, cid, "return", by, version, m, touches_queue=True)


def edit_reading(r: redis.Redis, b: int | str, cid: str, text: str, by: str, version: int | None = None) -> Event:
    """The wording the host reads aloud; the original stays untouched. Empty text restores triage's."""
    from liveline.board.questions import get as get_question

    text = " ".join(text.split())
    if len(text) > 2000:
        raise BadRequest("Формулировка слишком длинная (не больше 2000 символов)")

    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        if text:
            c["reading_text"], c["reading_edited"] = text, True
        else:
            leader = get_question(r, b, c["leader"])
            c["reading_text"], c["reading_edited"] = (leader or {}).get("reading_text", c["text"]), False
    return _act(r, b, cid, "edit", by, version, m, touches_queue=True)


def set_topic(r: redis.Redis, b: int | str, cid: str, topic: str, department: str, by: str,
              version: int | None = None) -> Event:
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["topic"], c["department"] = topic, department
    return _act(r, b, cid, "topic", by, version, m)


def pin(r: redis.Redis, b: int | str, cid: str, pinned: bool, by: str, version: int | None = None) -> Event:
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["pinned"] = bool(pinned)
    return _act(r, b, cid, "pin" if pinned else "unpin", by, version, m)


def take(r: redis.Redis, b: int | str, cid: str, by: str, release: bool = False) -> Event:
    """"Take" a card so two moderators don't edit it at once (advisory; versioned writes still guard)."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        if release:
            if c.get("taken_by") == by:
                c["taken_by"] = None
        else:
            if c.get("taken_by") and c["taken_by"] != by:
                raise Conflict(f"Карточку уже взял(а) {c['taken_by']}", current=c)
            c["taken_by"] = by
    return _act(r, b, cid, "release" if release else "take", by, None, m)


# -- host screen ----------------------------------------------------------------------------------------
def set_host(r: redis.Redis, b: int | str, by: str, **changes: Any) -> Event:
    """Cue line, blank/pause, font size of the studio screen."""
    allowed = {"cue", "blank", "paused", "font"}

    def fn(pipe: redis.client.Pipeline) -> Event:
        h = _host(pipe, b)
        before = dict(h)
        for k, v in changes.items():
            if k not in allowed:
                raise BadRequest(f"Неизвестная настройка экрана: {k}")
            h[k] = v
        if "cue" in changes:
            h["cue"] = " ".join(str(changes["cue"]).split())[:300]
            h["cue_at"] = time.time()
        if "font" in changes:
            h["font"] = max(60, min(200, int(changes["font"])))
        queue = [redis_types.text(x) for x in pipe.lrange(keys.queue(b), 0, -1)]
        pipe.multi()
        pipe.hset(keys.host_state(b), "json", codec.dumps(h))
        audit(pipe, b, by, "host", "host", before, h)
        return emit(pipe, b, Event("host.updated", actor=by, host=h, queue=queue))

    return transact(r, [keys.host_state(b)], fn)
