"""A VK source's cursor: what ingestion has seen of one post or video, as a typed value.

It is kept in the source's state hash (``keys.source_state``) beside the status fields, and written only in
the transaction that writes the items it covers (``inbox.append(..., cursor=...)``). Hash fields:

* ``top``       the highest top-level comment id a sweep has passed;
* ``t:<root>``  how many replies the thread of ``root`` had when it was last read whole;
* ``r:<root>``  the last reply id read in that thread;
* ``l:<id>``    the likes last seen on a comment;
* ``p:<id>``    a comment the long poll delivered that no sweep has passed yet;
* ``lp_ts``     the Bots Long Poll ``ts`` after the last committed batch.

``SourceCursor.read`` parses the hash; a sweep or the long poll records what it learnt in a
``CursorChange``, whose ``fields()`` and ``deleted()`` go into the round's transaction and whose
``apply_to`` keeps the in-memory cursor in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class SourceCursor:
    top: int = 0
    thread_seen: dict[int, int] = field(default_factory=dict)
    last_reply: dict[int, int] = field(default_factory=dict)
    likes: dict[int, int] = field(default_factory=dict)
    pushed: set[int] = field(default_factory=set)
    lp_ts: int | None = None
    swept: bool = False  # a sweep has passed the top level once (``top`` is stored)

    @classmethod
    def read(cls, h: Mapping[str, str]) -> SourceCursor:
        c = cls(top=int(h.get("top") or 0), lp_ts=int(h["lp_ts"]) if h.get("lp_ts") else None, swept="top" in h)
        for name, value in h.items():
            prefix, sep, rest = name.partition(":")
            if not sep or not rest.lstrip("-").isdigit():
                continue
            n = int(rest)
            if prefix == "t":
                c.thread_seen[n] = int(value)
            elif prefix == "r":
                c.last_reply[n] = int(value)
            elif prefix == "l":
                c.likes[n] = int(value)
            elif prefix == "p":
                c.pushed.add(n)
        return c

    def knows_thread(self, root: int) -> bool:
        return root in self.thread_seen


def reply_field(root: int) -> str:
    """The hash field of a thread's last reply id (read alone, with ``hmget``, by the long poll)."""
    return f"r:{root}"


@dataclass
class CursorChange:
    """What one round learnt; ``None``/absent means unchanged."""
    top: int | None = None
    thread_seen: dict[int, int] = field(default_factory=dict)
    last_reply: dict[int, int] = field(default_factory=dict)
    likes: dict[int, int] = field(default_factory=dict)
    pushed: set[int] = field(default_factory=set)
    unpushed: set[int] = field(default_factory=set)
    lp_ts: int | None = None

    def fields(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.top is not None:
            out["top"] = str(self.top)
        out.update({f"t:{k}": str(v) for k, v in self.thread_seen.items()})
        out.update({f"r:{k}": str(v) for k, v in self.last_reply.items()})
        out.update({f"l:{k}": str(v) for k, v in self.likes.items()})
        out.update({f"p:{k}": "1" for k in self.pushed})
        if self.lp_ts is not None:
            out["lp_ts"] = str(self.lp_ts)
        return out

    def deleted(self) -> list[str]:
        return [f"p:{k}" for k in sorted(self.unpushed)]

    def apply_to(self, c: SourceCursor) -> None:
        if self.top is not None:
            c.top = self.top
        c.thread_seen.update(self.thread_seen)
        c.last_reply.update(self.last_reply)
        c.likes.update(self.likes)
        c.pushed |= self.pushed
        c.pushed -= self.unpushed
        if self.lp_ts is not None:
            c.lp_ts = self.lp_ts
