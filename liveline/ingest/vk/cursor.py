"""A VK source's cursor: what ingestion has seen of one post or video, as a typed value.

It is kept in the source's state hash (``keys.source_state``) beside the status fields, and written only in
the transaction that writes the items it covers (``inbox.append(..., cursor=...)``). Hash fields:

* ``top``       the highest top-level comment id a sweep has passed;
* ``t:<root>``  how many replies the thread of ``root`` had when it was last read whole;
* ``r:<root>``  the last reply id read in that thread;
* ``c:<id>``    what ingestion last wrote of comment ``id`` (a ``Seen``): its likes, whether it is deleted,
  a hash of VK's text, its thread root, whether its author's name was known. Every writer (a sweep, the
  long poll) compares what VK shows with it and writes the difference as an ordinary change;
* ``lp_ts``     the Bots Long Poll ``ts`` after the last committed batch.

Older cursors kept ``l:<id>`` (likes) and ``p:<id>`` (pushed, not swept yet); both read as a ``Seen`` whose
text is unknown (the next sweep records it without calling it an edit).

``SourceCursor.read`` parses the hash; a sweep or the long poll records what it learnt in a
``CursorChange``, whose ``fields()`` go into the round's transaction and whose ``apply_to`` keeps the
in-memory cursor in step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace


def text_hash(text: str) -> str:
    """A short fingerprint of VK's text (lone surrogates included, as VK's JSON may carry them)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


@dataclass(frozen=True)
class Seen:
    """Comment state as last written to the inbox."""

    likes: int = 0
    deleted: bool = False
    text: str = ""       # ``text_hash`` of VK's text; "" = unknown
    root: int = 0        # the thread root of a reply; 0 for a top-level comment
    named: bool = False  # the author's name went out with it (or after it)

    def encode(self) -> str:
        return f"{self.likes}|{int(self.deleted)}|{self.text}|{self.root}|{int(self.named)}"

    @classmethod
    def decode(cls, value: str) -> Seen:
        parts = value.split("|")
        try:
            return cls(int(parts[0]), parts[1] == "1", parts[2], int(parts[3]), parts[4] == "1")
        except (IndexError, ValueError):
            return cls(named=True)

    def but(self, **changes: object) -> Seen:
        return replace(self, **changes)  # type: ignore[arg-type]


def seen_field(comment_id: int) -> str:
    return f"c:{comment_id}"


@dataclass
class SourceCursor:
    top: int = 0
    thread_seen: dict[int, int] = field(default_factory=dict)
    last_reply: dict[int, int] = field(default_factory=dict)
    seen: dict[int, Seen] = field(default_factory=dict)
    stored: dict[int, str] = field(default_factory=dict)  # the ``c:<id>`` values as stored
    lp_ts: int | None = None
    swept: bool = False  # a sweep has passed the top level once (``top`` is stored)

    @classmethod
    def read(cls, h: Mapping[str, str]) -> SourceCursor:
        c = cls(top=int(h.get("top") or 0), lp_ts=int(h["lp_ts"]) if h.get("lp_ts") else None, swept="top" in h)
        legacy: dict[int, Seen] = {}
        for name, value in h.items():
            prefix, sep, rest = name.partition(":")
            if not sep or not rest.lstrip("-").isdigit():
                continue
            n = int(rest)
            if prefix == "t":
                c.thread_seen[n] = int(value)
            elif prefix == "r":
                c.last_reply[n] = int(value)
            elif prefix == "c":
                c.seen[n] = Seen.decode(value)
                c.stored[n] = value
            elif prefix == "l":
                legacy[n] = Seen(likes=int(value), named=True)
            elif prefix == "p":
                legacy.setdefault(n, Seen(named=True))
        for n, s in legacy.items():
            c.seen.setdefault(n, s)
        return c

    def knows_thread(self, root: int) -> bool:
        return root in self.thread_seen


def reply_field(root: int) -> str:
    """The hash field of a thread's last reply id."""
    return f"r:{root}"


@dataclass
class CursorChange:
    """What one round learnt; ``None``/absent means unchanged."""
    top: int | None = None
    thread_seen: dict[int, int] = field(default_factory=dict)
    last_reply: dict[int, int] = field(default_factory=dict)
    seen: dict[int, Seen] = field(default_factory=dict)
    lp_ts: int | None = None

    def fields(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.top is not None:
            out["top"] = str(self.top)
        out.update({f"t:{k}": str(v) for k, v in self.thread_seen.items()})
        out.update({reply_field(k): str(v) for k, v in self.last_reply.items()})
        out.update({seen_field(k): v.encode() for k, v in self.seen.items()})
        if self.lp_ts is not None:
            out["lp_ts"] = str(self.lp_ts)
        return out

    def apply_to(self, c: SourceCursor) -> None:
        if self.top is not None:
            c.top = self.top
        c.thread_seen.update(self.thread_seen)
        c.last_reply.update(self.last_reply)
        c.seen.update(self.seen)
        c.stored.update({k: v.encode() for k, v in self.seen.items()})
        if self.lp_ts is not None:
            c.lp_ts = self.lp_ts
