"""Authors muted for one broadcast: their new comments arrive hidden ("filtered", reason "muted").

The triage worker reads the muted set when it takes a broadcast and then follows ``author.muted`` /
``author.unmuted`` events in the broadcast's log, so a mute takes effect from the next comment on. Each verb
writes the set, one event and an audit entry in one transaction; muting twice changes nothing.
"""

from __future__ import annotations

from typing import Any

import redis

from liveline.errors import BadRequest
from liveline.store import keys
from liveline.store.events import Event, audit, emit
from liveline.store.txn import transact


def _check_author(author_id: str) -> str:
    author_id = str(author_id or "").strip()
    if not author_id or len(author_id) > 200:
        raise BadRequest("Не указан автор")
    return author_id


def _set(r: redis.Redis, b: int | str, author_id: str, by: str, muted: bool,
         name: str = "") -> Event | None:
    author_id = _check_author(author_id)
    key = keys.authors_muted(b)

    def fn(pipe: redis.client.Pipeline) -> Event | None:
        was = bool(pipe.sismember(key, author_id))
        if was == muted:
            return None
        pipe.multi()
        if muted:
            pipe.sadd(key, author_id)
        else:
            pipe.srem(key, author_id)
        note = {"author_id": author_id, "name": name}
        audit(pipe, b, by, "mute" if muted else "unmute", f"author:{author_id}",
              {"muted": was, "name": name}, {"muted": muted, "name": name})
        return emit(pipe, b, Event("author.muted" if muted else "author.unmuted", actor=by, note=note))

    return transact(r, [key], fn)


def mute_author(r: redis.Redis, b: int | str, author_id: str, by: str, name: str = "") -> Event | None:
    """Hide the author's new comments for this broadcast. None when they were muted already."""
    return _set(r, b, author_id, by, True, name)


def unmute_author(r: redis.Redis, b: int | str, author_id: str, by: str, name: str = "") -> Event | None:
    """Let the author's new comments through again. None when they were not muted."""
    return _set(r, b, author_id, by, False, name)


def is_muted(r: redis.Redis, b: int | str, author_id: str) -> bool:
    return bool(r.sismember(keys.authors_muted(b), str(author_id)))


def muted(r: redis.Redis, b: int | str) -> list[str]:
    return sorted(m.decode() if isinstance(m, bytes) else str(m) for m in r.smembers(keys.authors_muted(b)))


def leader_author(r: redis.Redis, b: int | str, cid: str) -> dict[str, Any]:
    """The author of a cluster's leading question (the one its card shows)."""
    from liveline.board import clusters, questions

    c = clusters.get(r, b, cid)
    q = questions.get(r, b, c["leader"]) or {}
    if not q.get("author_id"):
        raise BadRequest("У этого вопроса нет автора, которого можно заглушить")
    return {"author_id": str(q["author_id"]), "name": q.get("author_name") or ""}
