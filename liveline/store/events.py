"""The broadcast's event log: one Redis Stream per broadcast; the stream id is every reader's cursor.

Every domain verb queues exactly one event in the same transaction as its state change (``emit``). An event
carries the full new state of what it touched, so ``state.apply`` can bring any snapshot forward and a
screen can render its fragment from the event alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import redis

from liveline.store import codec, keys, redis_types

MAXLEN = 500_000  # approximate cap on a broadcast's log; a screen older than that reloads a snapshot


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
    fields: redis_types.Fields = {"t": event.type, "e": event.to_json()}
    if event.note.get("qids"):
        fields["q"] = ",".join(event.note["qids"])  # lets a reader skip an event about questions it knows
    pipe.xadd(keys.events(broadcast_id), fields, maxlen=MAXLEN, approximate=True)
    return event


def last_id(r: redis.Redis, broadcast_id: int | str) -> str:
    entries = redis_types.entries(r.xrevrange(keys.events(broadcast_id), count=1))
    return entries[0][0].decode() if entries else "0-0"


def read_since(r: redis.Redis, broadcast_id: int | str, since: str, count: int = 10_000) -> list[Event]:
    """Events strictly after ``since``."""
    entries = redis_types.entries(
        r.xrange(keys.events(broadcast_id), min=f"({since}" if since != "0-0" else "-", count=count))
    return [Event.from_entry(eid, fields) for eid, fields in entries]


def audit(pipe: redis.client.Pipeline, broadcast_id: int | str, actor: str, action: str, target: str,
          before: Any, after: Any) -> None:
    """Queue an audit-log entry: who did what, to which object, with before/after."""
    pipe.xadd(keys.audit(broadcast_id), {
        "actor": actor, "action": action, "target": target, "ts": f"{time.time():.3f}",
        "before": codec.dumps(before), "after": codec.dumps(after),
    }, maxlen=MAXLEN, approximate=True)


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
