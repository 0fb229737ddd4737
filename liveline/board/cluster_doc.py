"""The cluster document: its schema, and the one place it is built, counted, versioned, read and written.

A cluster (Группа похожих) is stored as one JSON document in ``keys.clusters(b)``; beside it live its member
set and its people (``membership``). Every writer — the triage worker's batches, the moderators' verbs,
merges, splits and undo — builds a new document with ``new``, counts members in with ``join`` (one question
at a time, without re-reading the others) or afresh with ``recompute`` (after a merge or split), marks each
change with ``bump`` (version, author, time and the support figure, in one function), and queues the write
with ``write``. So the arithmetic of ``size``/``people``/``likes``/``support``/``version`` exists once.

``ClusterDoc`` is the schema; the rest of the code handles the document as a plain dict (it is what the
events carry field by field and what templates read), so ``new`` is where mypy checks that every field is
there with its type, and ``tests/board/test_cluster_doc.py`` checks stored documents against the schema.
"""

from __future__ import annotations

import time
from typing import Any, Literal, TypedDict, cast

import redis

from liveline.board import membership
from liveline.board.membership import PeopleChange, author_token
from liveline.errors import NotFound
from liveline.store import codec, keys

Cluster = dict[str, Any]  # a ClusterDoc as the code passes it around
Status = Literal["new", "approved", "queued", "on_air", "answered", "rejected", "filtered", "chat"]
RejectReason = Literal["spam", "profanity", "offtopic", "duplicate", "personal_data", "other"]


class ClusterDoc(TypedDict):
    id: str
    status: Status
    # counts (see membership): questions, distinct people, people with a "+1", likes, people + likes
    size: int
    people: int
    supporters_n: int
    likes: int
    support: int
    # classification
    topic: str
    department: str
    urgent: str | None
    filter_reason: str | None
    reject_reason: RejectReason | None
    suggested: list[str]             # cluster ids it may duplicate
    brigade: str | None
    flags: dict[str, Any]
    # moderation and air
    pinned: bool
    reading_text: str                # what the host reads
    reading_edited: bool
    taken_by: str | None
    on_air_at: float | None
    answered_at: float | None
    timecode: int | None
    version: int
    updated_by: str
    updated_at: float
    # the leader question, as a card and the host screen show it
    leader: str
    text: str
    author_name: str
    author_url: str
    source: str
    created_at: float
    edited: bool
    deleted: bool
    place: dict[str, Any] | None
    place_label: str
    settlement: str
    stream_ms: int
    reply_to: dict[str, Any] | None  # the leader's parent when it is a reply: id, text, author_name, author_url
    parent_on_host: bool  # the moderator shows reply_to on the host screen with the question


FIELDS = frozenset(ClusterDoc.__annotations__)
BRIEF_FIELDS = ("status", "reading_text", "topic", "department", "pinned", "reject_reason", "version")


def new(cid: str, q: dict[str, Any], suggested: list[str] | None = None, counted: bool = True,
        by: str = "triage", now: float | None = None) -> Cluster:
    """The document of a cluster that ``q`` starts; its counts are those of ``q`` alone, or zero when the
    caller counts ``q`` in with ``join``."""
    place = q.get("place")
    doc = ClusterDoc(
        id=cid, status="filtered" if q.get("filter_reason") else "chat" if q.get("kind") == "chatter" else "new",
        size=0, people=0, supporters_n=0, likes=0, support=0,
        topic=q.get("topic") or "other", department=q.get("department") or "", urgent=q.get("urgent"),
        filter_reason=q.get("filter_reason"), reject_reason=None, suggested=list(suggested or []),
        brigade=q.get("brigade"), flags=q.get("flags") or {},
        pinned=False, reading_text=q["reading_text"], reading_edited=False, taken_by=None, on_air_at=None,
        answered_at=None, timecode=None, version=1, updated_by=by, updated_at=now if now is not None else time.time(),
        leader=q["id"], text=q["text"], author_name=q["author_name"], author_url=q["author_url"],
        source=q["source"], created_at=q["created_at"], edited=q.get("edited", False),
        deleted=q.get("deleted", False), place=place, place_label=q.get("place_label", ""),
        settlement=(place or {}).get("settlement") or "", stream_ms=q.get("stream_ms", 0),
        reply_to=q.get("reply_to"), parent_on_host=False,
    )
    c = cast(Cluster, doc)
    if counted:
        membership.count(c, [q])
    return c


def refresh_leader(c: Cluster, leader: dict[str, Any]) -> None:
    """Copy what a card and the host screen show of the leader question into the cluster."""
    c.update(
        leader=leader["id"], text=leader["text"], author_name=leader["author_name"],
        author_url=leader["author_url"], source=leader["source"], created_at=leader["created_at"],
        edited=leader.get("edited", False), deleted=leader.get("deleted", False),
        place=leader.get("place"), place_label=leader.get("place_label", ""),
        settlement=(leader.get("place") or {}).get("settlement") or "",
        stream_ms=leader.get("stream_ms", 0), reply_to=leader.get("reply_to"),
    )
    if not c.get("reading_edited"):
        c["reading_text"] = leader["reading_text"]


def oldest_first(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(members, key=lambda q: (float(q["created_at"]), int(q["id"])))


def recompute(c: Cluster, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A cluster's counts and leader from exactly its member questions (after a merge or split); returns the
    members oldest first, for ``membership.store``."""
    members = oldest_first(members)
    membership.count(c, members)
    if members:
        refresh_leader(c, members[0])
    return members


def join(c: Cluster, q: dict[str, Any], change: PeopleChange) -> None:
    """Count question ``q`` in as it joins ``c`` (its people go to ``change``, written by the caller)."""
    c["size"] += 1
    c["likes"] += int(q.get("likes") or 0)
    change.author(author_token(q))
    for s in q.get("supporters") or []:
        change.supporter(s)
    q["cluster"] = c["id"]


def bump(c: Cluster, by: str | None = None, now: float | None = None) -> None:
    """Mark one write to ``c``: a new version, who and when, and the support figure of its counts."""
    c["version"] = int(c["version"]) + 1
    if by is not None:
        c["updated_by"] = by
    c["updated_at"] = now if now is not None else time.time()
    c["support"] = membership.support_of(c)


def brief(c: Cluster, members: list[str] | None = None) -> dict[str, Any]:
    """What the audit log keeps of a cluster (with its member ids when undo needs them)."""
    out = {k: c.get(k) for k in BRIEF_FIELDS}
    if members is not None:
        out["members"] = members
    return out


# -- reading and writing --------------------------------------------------------------------------------
def get(r: redis.Redis, b: int | str, cid: str) -> Cluster:
    raw = r.hget(keys.clusters(b), cid)
    if raw is None:
        raise NotFound(f"Вопрос {cid} не найден")
    return cast(Cluster, codec.loads(raw))


def load(pipe: redis.Redis | redis.client.Pipeline, b: int | str, cid: str) -> Cluster:
    """A cluster inside a transaction (immediate mode, after WATCH)."""
    raw = pipe.hget(keys.clusters(b), cid)
    if raw is None:
        raise NotFound(f"Вопрос {cid} не найден (возможно, его уже объединили с другим)")
    return cast(Cluster, codec.loads(raw))


def many(r: redis.Redis | redis.client.Pipeline, b: int | str, cids: list[str]) -> dict[str, Cluster]:
    if not cids:
        return {}
    return {cid: codec.loads(v) for cid, v in zip(cids, r.hmget(keys.clusters(b), cids), strict=True) if v}


def watch_keys(b: int | str, *cids: str) -> list[str]:
    """The version keys a writer of these clusters WATCHes."""
    return [keys.cluster_version(b, c) for c in cids]


def write(pipe: redis.client.Pipeline, b: int | str, *docs: Cluster) -> None:
    """Queue (inside MULTI) the documents and bump their version keys, so a concurrent writer aborts."""
    if not docs:
        return
    pipe.hset(keys.clusters(b), mapping={c["id"]: codec.dumps(c) for c in docs})
    for c in docs:
        pipe.incr(keys.cluster_version(b, c["id"]))


def delete(pipe: redis.client.Pipeline, b: int | str, cid: str) -> None:
    """Queue the removal of a cluster that a merge emptied: document, members and people."""
    pipe.hdel(keys.clusters(b), cid)
    membership.drop(pipe, b, cid)
    pipe.incr(keys.cluster_version(b, cid))
