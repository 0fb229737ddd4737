"""A broadcast's state as one value: read atomically with its event cursor, and brought forward by events.

``read`` is the snapshot every screen starts from; ``apply`` is the reducer that the invariant tests hold
against a fresh ``read``: snapshot + the events after it == a fresh snapshot. Questions are held as their
view (``QUESTION_VIEW``: where each stands — cluster, kind, flags — not its text), which is what events carry.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import redis

from liveline.store import codec, keys, redis_types
from liveline.store.events import Event

QUESTION_VIEW = ("id", "key", "cluster", "kind", "support_for", "brigade", "edited", "deleted", "likes")


def question_view(q: dict[str, Any]) -> dict[str, Any]:
    return {k: q.get(k) for k in QUESTION_VIEW}


@dataclass
class State:
    broadcast: dict[str, Any]
    clusters: dict[str, dict[str, Any]]
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    queue: list[str] = field(default_factory=list)
    host: dict[str, Any] = field(default_factory=dict)
    cursor: str = "0-0"

    def comparable(self) -> dict[str, Any]:
        return {"broadcast": self.broadcast, "clusters": self.clusters, "questions": self.questions,
                "queue": self.queue, "host": self.host}


def decode_host(raw: dict[bytes, bytes]) -> dict[str, Any]:
    return codec.loads(raw[b"json"]) if raw and b"json" in raw else {}


def read(r: redis.Redis, broadcast_id: int | str, with_questions: bool = True) -> State:
    """Everything a screen shows, and the id of the last event it includes, in one MULTI."""
    p = r.pipeline(transaction=True)
    p.hgetall(keys.broadcast(broadcast_id))
    p.hgetall(keys.clusters(broadcast_id))
    if with_questions:
        p.hgetall(keys.questions(broadcast_id))
    else:
        p.echo("")
    p.lrange(keys.queue(broadcast_id), 0, -1)
    p.hgetall(keys.host_state(broadcast_id))
    p.xrevrange(keys.events(broadcast_id), count=1)
    meta, cs, qs, queue, host, last = p.execute()
    return State(
        broadcast={redis_types.text(k): redis_types.text(v) for k, v in meta.items()},
        clusters={redis_types.text(k): codec.loads(v) for k, v in cs.items()},
        questions={redis_types.text(k): question_view(codec.loads(v)) for k, v in qs.items()} if with_questions else {},
        queue=[redis_types.text(x) for x in queue],
        host=decode_host(host),
        cursor=redis_types.text(last[0][0]) if last else "0-0",
    )


def apply(state: State, event: Event, in_place: bool = False) -> State:
    """The state after ``event``: a pure function of the two (``in_place`` for a process's live mirror)."""
    new = state if in_place else copy.deepcopy(state)
    for cid, fields in event.clusters.items():
        if fields is None:
            new.clusters.pop(cid, None)
        elif cid in new.clusters:
            new.clusters[cid] = {**new.clusters[cid], **fields}
        else:
            new.clusters[cid] = dict(fields)
    if new.questions or not in_place:
        for qid, fields in event.questions.items():
            new.questions[qid] = {**new.questions.get(qid, {}), **fields}
    if event.queue is not None:
        new.queue = list(event.queue)
    if event.host is not None:
        new.host = dict(event.host)
    if event.broadcast is not None:
        new.broadcast = dict(event.broadcast)
    if event.id:
        new.cursor = event.id
    return new
