"""Clusters (Группа похожих): the unit moderators act on, and its life from new to answered.

A cluster holds questions that ask the same thing about the same place; its leader (the first member) is
what the host reads, in the moderators' edited wording. Every verb here is a versioned write: it WATCHes the
cluster's version key, refuses with ``Conflict`` when the caller saw an older version, and writes the new
state, one event and an audit entry in one transaction.
"""

from __future__ import annotations

import time
import typing
from collections.abc import Callable
from typing import Any

import redis

from liveline import labels
from liveline.board import catalog, cluster_doc, questions
from liveline.board import host as host_state
from liveline.errors import BadRequest, Conflict
from liveline.store import keys, redis_types
from liveline.store.events import Event, audit, changed_fields, emit
from liveline.store.txn import transact

get = cluster_doc.get  # the reader of the document, beside the verbs that change it

STATUSES: tuple[str, ...] = typing.get_args(cluster_doc.Status)
REVERTIBLE = ("new", "approved", "queued", "answered", "rejected", "filtered", "chat")  # statuses undo may put back
REJECT_REASONS: tuple[str, ...] = typing.get_args(cluster_doc.RejectReason)
# statuses a cluster can be in for each action
ALLOWED = {
    "approve": ("new", "rejected", "filtered", "chat"),
    "chat": ("new", "approved", "rejected", "filtered"),
    "reject": ("new", "approved", "queued", "filtered", "answered"),
    "queue": ("new", "approved"),
    "unqueue": ("queued",),
    "on_air": ("queued", "approved", "new"),
    "answered": ("on_air",),
    "return": ("on_air", "answered"),
    "restore": ("rejected", "filtered", "chat"),
}


def check(c: dict[str, Any], expected_version: int | None, action: str) -> None:
    """Refuse a verb on a cluster that changed since the caller saw it, or that is in no state for it."""
    if expected_version is not None and int(expected_version) != int(c["version"]):
        raise Conflict(
            f"Карточку уже изменил(а) {c.get('updated_by') or 'другой модератор'}: "
            f"сейчас «{labels.CLUSTER_STATUSES.get(c['status'], c['status'])}». Проверьте и повторите.",
            current=c,
        )
    if action in ALLOWED and c["status"] not in ALLOWED[action]:
        raise Conflict(f"Нельзя: вопрос сейчас в состоянии «{labels.CLUSTER_STATUSES.get(c['status'])}»", current=c)


Mutator = Callable[["redis.client.Pipeline", dict[str, Any], list[str], dict[str, Any]], dict[str, Any] | None]


def queue_of(pipe: redis.Redis | redis.client.Pipeline, b: int | str) -> list[str]:
    """The host queue, next on air first."""
    return [redis_types.text(x) for x in pipe.lrange(keys.queue(b), 0, -1)]


def act(r: redis.Redis, b: int | str, cid: str, action: str, actor: str, expected_version: int | None,
        mutate: Mutator, touches_queue: bool = False, note: dict[str, Any] | None = None) -> Event:
    """The shape of every single-cluster verb: watch, read, check, mutate, write state + event + audit.

    ``mutate(pipe, cluster, queue, host)`` changes the cluster (and the queue and host state when the verb
    ``touches_queue``); it may return ``{"clusters": [...]}``: other clusters it changed (each bumped by it,
    with its ``_before`` copy), written and announced in the same transaction."""
    vkey = keys.cluster_version(b, cid)
    watch = [vkey, keys.queue(b), keys.host_state(b)] if touches_queue else [vkey]

    def fn(pipe: redis.client.Pipeline) -> Event:
        c = cluster_doc.load(pipe, b, cid)
        before = dict(c)
        check(c, expected_version, action)
        queue = queue_of(pipe, b) if touches_queue else []
        host = host_state.load(pipe, b) if touches_queue else {}
        extra = mutate(pipe, c, queue, host) or {}
        cluster_doc.bump(c, actor)
        pipe.multi()
        changes: dict[str, dict[str, Any] | None] = {cid: changed_fields(before, c)}
        for other in extra.get("clusters", []):
            changes[other["id"]] = changed_fields(other.pop("_before", None), other)
        cluster_doc.write(pipe, b, c, *extra.get("clusters", []))
        ev = Event(f"cluster.{action}", actor=actor, clusters=changes, note=note or {})
        if touches_queue:
            pipe.delete(keys.queue(b))
            if queue:
                pipe.rpush(keys.queue(b), *queue)
            host_state.write(pipe, b, host)
            ev.queue, ev.host = queue, host
        audit(pipe, b, actor, action, f"cluster:{cid}", cluster_doc.brief(before), cluster_doc.brief(c))
        emit(pipe, b, ev)
        return ev

    return transact(r, watch, fn)


# -- verbs ----------------------------------------------------------------------------------------------
def approve(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"], c["reject_reason"] = "approved", None
    return act(r, b, cid, "approve", by, version, m)


def to_chat(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    """Not a question but stream talk, thanks or a reaction: to the "Чат" tab (``restore`` brings it back). The
    audit log keeps the moderator's decision, a label for learning what chatter is."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"], c["reject_reason"] = "chat", None
    return act(r, b, cid, "chat", by, version, m)


def restore(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    """A rejected, filtered or chat card back to the new ones."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"], c["reject_reason"] = "new", None
    return act(r, b, cid, "restore", by, version, m)


def reject(r: redis.Redis, b: int | str, cid: str, by: str, reason: str, version: int | None = None) -> Event:
    if reason not in REJECT_REASONS:
        raise BadRequest("Укажите причину отклонения")

    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"], c["reject_reason"] = "rejected", reason
        if cid in q:
            q.remove(cid)
    return act(r, b, cid, "reject", by, version, m, touches_queue=True)


def enqueue(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    """Send to the host queue (at its end)."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"] = "queued"
        if cid not in q:
            q.append(cid)
    return act(r, b, cid, "queue", by, version, m, touches_queue=True)


def unqueue(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"] = "approved"
        if cid in q:
            q.remove(cid)
    return act(r, b, cid, "unqueue", by, version, m, touches_queue=True)


def move(r: redis.Redis, b: int | str, cid: str, position: int, by: str) -> Event:
    """Reorder the host queue: put ``cid`` at ``position`` (0 = next on air)."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        if cid not in q:
            raise Conflict("Вопроса уже нет в очереди", current=c)
        q.remove(cid)
        q.insert(max(0, min(int(position), len(q))), cid)
    return act(r, b, cid, "move", by, None, m, touches_queue=True, note={"position": position})


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
            p = cluster_doc.many(pipe, b, [previous]).get(previous)
            if p and p["status"] == "on_air":
                read = dict(p)
                _mark_answered(pipe, b, p, now)
                cluster_doc.bump(p, by, now)
                p["_before"] = read
                extra.append(p)
        c["status"], c["on_air_at"] = "on_air", now
        if cid in q:
            q.remove(cid)
        h["on_air"], h["since"] = cid, now
        return {"clusters": extra}
    return act(r, b, cid, "on_air", by, version, m, touches_queue=True)


def _mark_answered(pipe: Any, b: int | str, c: dict[str, Any], now: float) -> None:
    started = _broadcast_started(pipe, b)
    c["status"], c["answered_at"] = "answered", now
    c["timecode"] = int(now - started) if started else None


def answered(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    """Mark the question on air answered, recording the time-code into the stream."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        _mark_answered(pipe, b, c, time.time())
        if h.get("on_air") == cid:
            h["on_air"], h["since"] = None, None
    return act(r, b, cid, "answered", by, version, m, touches_queue=True)


def return_to_queue(r: redis.Redis, b: int | str, cid: str, by: str, version: int | None = None) -> Event:
    """Back to the head of the host queue (from on air, or from answered by mistake)."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["status"], c["answered_at"], c["timecode"] = "queued", None, None
        if h.get("on_air") == cid:
            h["on_air"], h["since"] = None, None
        if cid not in q:
            q.insert(0, cid)
    return act(r, b, cid, "return", by, version, m, touches_queue=True)


def edit_reading(r: redis.Redis, b: int | str, cid: str, text: str, by: str, version: int | None = None) -> Event:
    """The wording the host reads aloud; the original stays untouched. Empty text restores triage's."""
    text = " ".join(text.split())
    if len(text) > 2000:
        raise BadRequest("Формулировка слишком длинная (не больше 2000 символов)")

    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        if text:
            c["reading_text"], c["reading_edited"] = text, True
        else:
            leader = questions.get(r, b, c["leader"])
            c["reading_text"], c["reading_edited"] = (leader or {}).get("reading_text", c["text"]), False
    return act(r, b, cid, "edit", by, version, m, touches_queue=True)


def set_topic(r: redis.Redis, b: int | str, cid: str, topic: str, department: str, by: str,
              version: int | None = None) -> Event:
    """A card's topic (one of the taxonomy's) and department (one on record, or none)."""
    if topic not in catalog.topics(r):
        raise BadRequest("Неизвестная тема")
    department = catalog.known_department(r, department, optional=True)

    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["topic"], c["department"] = topic, department
    return act(r, b, cid, "topic", by, version, m)


def pin(r: redis.Redis, b: int | str, cid: str, pinned: bool, by: str, version: int | None = None) -> Event:
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        c["pinned"] = bool(pinned)
    return act(r, b, cid, "pin" if pinned else "unpin", by, version, m)


def show_parent(r: redis.Redis, b: int | str, cid: str, shown: bool, by: str, version: int | None = None) -> Event:
    """Show (or stop showing) what a reply answers on the host screen, above the question."""
    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        if shown and not c.get("reply_to"):
            raise BadRequest("Это не ответ на другой комментарий: показывать нечего")
        c["parent_on_host"] = bool(shown)
    return act(r, b, cid, "parent_shown" if shown else "parent_hidden", by, version, m)


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
    return act(r, b, cid, "release" if release else "take", by, None, m)


# -- host screen ----------------------------------------------------------------------------------------
def set_host(r: redis.Redis, b: int | str, by: str, **changes: Any) -> Event:
    """Cue line, blank/pause, font size of the studio screen."""
    allowed = {"cue", "blank", "paused", "font"}

    def fn(pipe: redis.client.Pipeline) -> Event:
        h = host_state.load(pipe, b)
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
        queue = queue_of(pipe, b)
        pipe.multi()
        host_state.write(pipe, b, h)
        audit(pipe, b, by, "host", "host", before, h)
        return emit(pipe, b, Event("host.updated", actor=by, host=h, queue=queue))

    return transact(r, [keys.host_state(b)], fn)
