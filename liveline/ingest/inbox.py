"""The per-broadcast inbox: raw source items waiting for triage.

Every source (VK long poll, VK polling, demo replay, manual entry) writes ``SourceItem`` records here through
``append``; the triage worker is the only reader. A source's cursor is written in the same transaction as
its items, so a cursor never runs ahead of what is durably in the inbox.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import redis

from liveline.store import codec, keys

KINDS = ("new", "edit", "delete", "restore", "likes", "author")


@dataclass
class SourceItem:
    """One comment as a source delivered it.

    ``key`` is the natural key: ``vk:wall:{owner}_{post}:{comment}``, ``vk:video:{owner}_{video}:{comment}``
    (built and read by ``liveline.ingest.vk.itemkeys`` only), ``manual:{id}`` or ``demo:{n}``. ``kind`` is
    "new" (also used for a full re-delivery), "edit", "delete", "restore", "likes" (a like-count update) or
    "author" (the author's name, learnt after the comment arrived without it).
    ``parent_key`` is set for replies in a thread. ``raw`` keeps the payload exactly as delivered.
    """

    key: str
    kind: str = "new"
    source_id: str = ""
    text: str = ""
    author_id: str = ""
    author_name: str = ""
    author_url: str = ""
    created_at: float = 0.0
    parent_key: str | None = None
    likes: int = 0
    via: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown item kind {self.kind!r}")

    def to_json(self) -> str:
        # UTF-8; ASCII escapes only when something cannot be UTF-8 (lone surrogates from VK's JSON)
        # the fields as they are (``asdict`` would deep-copy the payload first: a tenth of an ingest's time)
        return codec.dumps({name: getattr(self, name) for name in _FIELDS})

    @classmethod
    def from_json(cls, data: str | bytes) -> SourceItem:
        return cls(**codec.loads(data))


_FIELDS = tuple(f.name for f in dataclasses.fields(SourceItem))


def append(
    r: redis.Redis,
    broadcast_id: int | str,
    items: Iterable[SourceItem],
    cursor: Mapping[str, Mapping[str, str | int | float]] | None = None,
    pipe: redis.client.Pipeline | None = None,
) -> list[str]:
    """Write items to the inbox and, in the same transaction, the source cursor fields given.

    ``cursor`` maps a Redis key (from ``keys.source_state``) to the fields to set there. With ``pipe`` the
    caller owns the transaction and executes it; the stream ids are then not known here and ``[]`` is
    returned.
    """
    own = pipe is None
    p = r.pipeline(transaction=True) if own else pipe
    assert p is not None
    now_ms = int(time.time() * 1000)
    n = 0
    for item in items:
        p.xadd(keys.inbox(broadcast_id), {"item": item.to_json(), "t": now_ms})
        n += 1
    for key, fields in (cursor or {}).items():
        if fields:
            p.hset(key, mapping={k: str(v) for k, v in fields.items()})
    if not own:
        return []
    result = p.execute()
    return [x.decode() if isinstance(x, bytes) else str(x) for x in result[:n]]
