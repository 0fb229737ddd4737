"""The broadcast's event log: one Redis Stream per broadcast; the stream id is every reader's cursor.

Every domain verb queues exactly one event in the same transaction as its state change (``emit``). An event
names what it touched and carries what changed: for each cluster the fields that changed (all of them for a
new cluster, ``None`` for one that is gone), for each question its view (where it stands, not its text), the
queue, the host screen or the broadcast when they changed. ``state.apply`` brings any snapshot forward with
it; a cluster's member list is never in an event (it lives beside the cluster: ``board.membership``).

The log is bounded: ``emit`` trims it to about ``LIVELINE_EVENTS_MAXLEN`` entries (``configure``). A reader
whose cursor has fallen off its head learns it from ``read_since`` (``Gap``) and starts again from a fresh
snapshot, as a new screen does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis

from liveline.store import codec, keys, redis_types

MAXLEN = 10_000  # approximate cap on a broadcast's event log (LIVELINE_EVENTS_MAXLEN)
AUDIT_MAXLEN = 500_000  # the audit log is kept for undo and review


# every kind of event a domain verb writes; tests/board/test_event_kinds.py replays each one
KINDS = frozenset({
    "question.new", "question.edit", "question.delete", "question.restore", "question.likes", "question.author",
    *(f"cluster.{a}" for a in ("approve", "restore", "chat", "reject", "queue", "unqueue", "move", "on_air", "answered",
                               "return", "edit", "topic", "pin", "unpin", "parent_shown", "parent_hidden", "take", "release", "revert", "merge",
                               "split")),
    "host.updated", "author.muted", "author.unmuted", "presence",
    "broadcast.created", "broadcast.updated", "broadcast.live", "broadcast.ended", "broadcast.closed",
    *(f"appeal.{a}" for a in ("created", "take", "assign", "answer", "close", "reopen", "redirect",
                              "citizen_reply", "author_named", "remind", "escalate")),
})
# what each kind carries: liveline/store/event_schema.py (``SCHEMAS``) and docs/events.md

# the test suite's check of every event as it is queued (tests/event_checks.py); None, and free, in production
CHECK: Callable[[Event], None] | None = None


class Gap(Exception):
    """The events after a cursor are no longer all in the log (trimmed): read a fresh snapshot instead."""


def configure(maxlen: int) -> None:
    """Set this process's cap on every event log it writes (from the settings, at start)."""
    global MAXLEN
    MAXLEN = max(100, int(maxlen))


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """What an event carries of a document: every field when it is new, else the fields that changed."""
    if before is None:
        return dict(after)
    return {k: v for k, v in after.items() if before.get(k, _MISSING) != v}


_MISSING = object()


@dataclass
class Event:
    type: str
    actor: str = ""
    ts: float = field(default_factory=time.time)
    clusters: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    queue: list[str] | None = None
    host: dict[str, Any] | None = None
    broadcast: dict[str, Any] | None = None
    note: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "id"}
        return codec.dumps(data)

    @classmethod
    def from_entry(cls, entry_id: bytes | str, fields: dict[bytes, bytes]) -> Event:
        data = codec.loads(fields[b"e"])
        ev = cls(**data)
        ev.id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        return ev


def emit(pipe: redis.client.Pipeline, broadcast_id: int | str, event: Event) -> Event:
    """Queue ``event`` on the pipeline (inside the caller's MULTI)."""
    if CHECK is not None:
        CHECK(event)
    fields: redis_types.Fields = {"t": event.type, "e": event.to_json()}
    if event.note.get("qids"):
        fields["q"] = ",".join(event.note["qids"])  # lets a reader skip an event about questions it knows
    pipe.xadd(keys.events(broadcast_id), fields, maxlen=MAXLEN, approximate=True)
    return event


def last_id(r: redis.Redis, broadcast_id: int | str) -> str:
    entries = redis_types.entries(r.xrevrange(keys.events(broadcast_id), count=1))
    return entries[0][0].decode() if entries else "0-0"


def _id(entry_id: bytes | str) -> tuple[int, int]:
    ms, _, seq = (entry_id.decode() if isinstance(entry_id, bytes) else entry_id).partition("-")
    return int(ms), int(seq or 0)


def check_cursor(first: list[Any], since: str) -> None:
    """Raise ``Gap`` when the log's first entry (``XRANGE - + COUNT 1``) is past ``since``: what came between
    was trimmed away."""
    if since != "0-0" and first and _id(first[0][0]) > _id(since):
        raise Gap(since)


def read_since(r: redis.Redis, broadcast_id: int | str, since: str, count: int = 10_000) -> list[Event]:
    """Events strictly after ``since``; ``Gap`` when some of them were trimmed from the log."""
    with r.pipeline(transaction=True) as p:
        p.xrange(keys.events(broadcast_id), count=1)
        p.xrange(keys.events(broadcast_id), min=f"({since}" if since != "0-0" else "-", count=count)
        first, raw = p.execute()
    check_cursor(first, since)
    entries = redis_types.entries(raw)
    return [Event.from_entry(eid, fields) for eid, fields in entries]


def audit(pipe: redis.client.Pipeline, broadcast_id: int | str, actor: str, action: str, target: str,
          before: Any, after: Any) -> None:
    """Queue an audit-log entry: who did what, to which object, with before/after."""
    pipe.xadd(keys.audit(broadcast_id), {
        "actor": actor, "action": action, "target": target, "ts": f"{time.time():.3f}",
        "before": codec.dumps(before), "after": codec.dumps(after),
    }, maxlen=AUDIT_MAXLEN, approximate=True)


def read_audit(r: redis.Redis, broadcast_id: int | str, count: int = 500) -> list[dict[str, Any]]:
    out = []
    for eid, f in redis_types.entries(r.xrevrange(keys.audit(broadcast_id), count=count)):
        row: dict[str, Any] = redis_types.hash_text(f)
        row["id"] = eid.decode()
        row["before"] = codec.loads(row["before"])
        row["after"] = codec.loads(row["after"])
        row["ts"] = float(row["ts"])
        out.append(row)
    return out
