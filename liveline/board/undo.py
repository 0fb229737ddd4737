"""Undo from the audit log: apply the inverse verb of a logged action.

An audit row holds who did what to which object with the relevant fields before and after. ``undo`` reads
the row, refuses when the object has changed since (so an undo never silently overwrites a later decision),
and calls the verb that brings the object back: approve ↔ restore, reject → restore, queue → unqueue,
on air / answered → return to the queue, edit → the previous wording, topic → the previous topic and
department, pin ↔ unpin, merge → the moved questions split back into a group of their own, split → merge,
mute ↔ unmute, host screen settings → the previous settings.

One verb lives here because ``clusters`` has no inverse for it: ``revert_status`` (a status back to what it
was, e.g. approved → new), a single-cluster verb like the others (``clusters.act``). A merge is undone by
``merges.split`` of the moved questions into a group that looks like the one the merge swallowed.
"""

from __future__ import annotations

from typing import Any

import redis

from liveline import numbers
from liveline.board import authors, clusters, membership, merges, questions
from liveline.board.clusters import REVERTIBLE
from liveline.errors import BadRequest, Conflict, NotFound
from liveline.store import codec, keys
from liveline.store.events import Event

# actions of the audit log that ``undo`` can reverse
UNDOABLE = frozenset({"approve", "restore", "chat", "reject", "queue", "unqueue", "on_air", "answered", "return",
                      "edit", "topic", "pin", "unpin", "parent_shown", "parent_hidden", "merge", "split", "unmerge", "revert", "mute", "unmute",
                      "host"})


# -- verbs without an inverse in clusters --------------------------------------------------------------
def revert_status(r: redis.Redis, b: int | str, cid: str, status: str, by: str,
                  reject_reason: str | None = None, version: int | None = None) -> Event:
    """Put a cluster back into ``status`` (not on air: that is ``clusters.on_air``)."""
    if status not in REVERTIBLE:
        raise BadRequest("Так вернуть вопрос нельзя")
    if status == "rejected" and reject_reason not in clusters.REJECT_REASONS:
        reject_reason = "other"

    def m(pipe: Any, c: dict[str, Any], q: list[str], h: dict[str, Any]) -> None:
        if c["status"] == "on_air":
            raise Conflict("Вопрос сейчас в эфире: сначала верните его в очередь", current=c)
        c["status"] = status
        c["reject_reason"] = reject_reason if status == "rejected" else None
        if status == "queued":
            if cid not in q:
                q.append(cid)
        elif cid in q:
            q.remove(cid)
    return clusters.act(r, b, cid, "revert", by, version, m, touches_queue=True, note={"status": status})


# -- the audit log ---------------------------------------------------------------------------------------
def row(r: redis.Redis, b: int | str, row_id: str) -> dict[str, Any]:
    """One audit row by its stream id."""
    entries: Any = r.xrange(keys.audit(b), min=row_id, max=row_id, count=1) if _valid_id(row_id) else []
    if not entries:
        raise NotFound("Нет такой записи журнала")
    eid, f = entries[0]
    out: dict[str, Any] = {_s(k): _s(v) for k, v in f.items()}
    out["id"] = _s(eid)
    out["before"], out["after"] = codec.loads(out["before"]), codec.loads(out["after"])
    out["ts"] = float(out["ts"])
    return out


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _valid_id(row_id: str) -> bool:
    parts = row_id.split("-")
    return len(parts) == 2 and all(numbers.is_whole(p) for p in parts)


def can_undo(entry: dict[str, Any]) -> bool:
    return entry.get("action") in UNDOABLE and isinstance(entry.get("before"), dict)


def _cid(entry: dict[str, Any]) -> str:
    kind, _, ident = str(entry.get("target", "")).partition(":")
    if kind != "cluster" or not ident:
        raise BadRequest("Эту запись журнала отменить нельзя")
    return ident


def _changed_since(c: dict[str, Any], after: dict[str, Any], fields: tuple[str, ...]) -> None:
    for f in fields:
        if f in after and c.get(f) != after[f]:
            raise Conflict(f"После этого действия вопрос №{c['id']} уже изменили "
                           f"({c.get('updated_by') or 'другой модератор'}): отмена не применена", current=c)


def undo(r: redis.Redis, b: int | str, row_id: str, by: str) -> Event | None:
    """Apply the inverse of audit row ``row_id``; Conflict when its object changed since."""
    entry = row(r, b, row_id)
    if not can_undo(entry):
        raise BadRequest("Это действие отменить из журнала нельзя")
    action, before, after = entry["action"], entry["before"], entry["after"]
    if action in ("mute", "unmute"):
        author_id = str(entry["target"]).partition(":")[2]
        name = before.get("name", "")
        if action == "mute":
            return authors.unmute_author(r, b, author_id, by, name)
        return authors.mute_author(r, b, author_id, by, name)
    if action == "host":
        changes = {k: before[k] for k in ("cue", "blank", "paused", "font") if k in before and before[k] != after.get(k)}
        if not changes:
            raise BadRequest("Настройки экрана не менялись")
        return clusters.set_host(r, b, by, **changes)
    cid = _cid(entry)
    if action in ("merge", "split", "unmerge"):
        return _undo_structure(r, b, cid, action, before, after, by)
    c = clusters.get(r, b, cid)
    if action == "edit":
        _changed_since(c, after, ("reading_text",))
        text = before.get("reading_text") or ""
        leader = questions.get(r, b, c["leader"]) or {}
        if text == leader.get("reading_text"):
            text = ""  # it was triage's wording: restore it as such (not as a moderator's edit)
        return clusters.edit_reading(r, b, cid, text, by)
    if action == "topic":
        _changed_since(c, after, ("topic", "department"))
        return clusters.set_topic(r, b, cid, before.get("topic") or "other", before.get("department") or "", by)
    if action in ("pin", "unpin"):
        _changed_since(c, after, ("pinned",))
        return clusters.pin(r, b, cid, action == "unpin", by)
    if action in ("parent_shown", "parent_hidden"):
        _changed_since(c, after, ("parent_on_host",))
        return clusters.show_parent(r, b, cid, action == "parent_hidden", by)
    # status changes
    _changed_since(c, after, ("status",))
    was, reason = before.get("status"), before.get("reject_reason")
    if action == "approve" and was == "rejected":
        return clusters.reject(r, b, cid, by, reason or "other")
    if action == "restore" and was == "rejected":
        return clusters.reject(r, b, cid, by, reason or "other")
    if action == "reject" and was == "new":
        return clusters.restore(r, b, cid, by)
    if action == "reject" and was == "approved":
        return clusters.approve(r, b, cid, by)
    if action == "queue" and was == "approved":
        return clusters.unqueue(r, b, cid, by)
    if action == "unqueue":
        return clusters.enqueue(r, b, cid, by)
    if action == "on_air":
        return clusters.return_to_queue(r, b, cid, by)
    if action == "answered":
        ev = clusters.return_to_queue(r, b, cid, by)
        if clusters.get(r, b, cid)["status"] == "queued" and not _someone_on_air(r, b):
            return clusters.on_air(r, b, cid, by)  # it was on air: back on air, not just in the queue
        return ev
    if (action == "return" or action == "revert") and was == "on_air":
        return clusters.on_air(r, b, cid, by)
    if was in REVERTIBLE:
        return revert_status(r, b, cid, str(was), by, reason)
    raise BadRequest("Это действие отменить нельзя")


def _someone_on_air(r: redis.Redis, b: int | str) -> bool:
    raw = r.hget(keys.host_state(b), "json")
    return bool(raw and codec.loads(raw).get("on_air"))


def _undo_structure(r: redis.Redis, b: int | str, cid: str, action: str, before: dict[str, Any],
                    after: dict[str, Any], by: str) -> Event:
    if action == "merge":
        source = before.get("source") or {}
        moved = [str(q) for q in source.get("members") or []]
        if not moved:
            raise BadRequest("В записи нет перенесённых вопросов")
        return merges.split(r, b, cid, moved, by, like=source)
    # split / unmerge: put the separated questions back into the group they left
    new_members = [str(q) for q in (after.get("new") or {}).get("members") or []]
    if not new_members:
        raise BadRequest("В записи нет отделённых вопросов")
    q = questions.get(r, b, new_members[0])
    if q is None or not q.get("cluster"):
        raise NotFound("Отделённого вопроса больше нет")
    other = str(q["cluster"])
    current = clusters.get(r, b, other)
    if sorted(membership.members(r, b, other), key=int) != sorted(new_members, key=int):
        raise Conflict(f"Группу №{other} уже изменили: отмена не применена", current=current)
    ev = merges.merge(r, b, cid, other, by)
    pairs = [merges.pair_key(m, o) for m in new_members for o in (after.get("left") or {}).get("members") or []]
    if pairs:
        r.srem(keys.split_pairs(b), *pairs)  # the moderator put them together again: auto-grouping may too
    return ev
