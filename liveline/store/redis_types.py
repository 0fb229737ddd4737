"""Redis replies as Liveline's clients receive them, and the few conversions every reader needs.

redis-py types a string reply as ``bytes | str`` (a client may be made with ``decode_responses``), stream
entries as ``(id | None, fields | None)`` and XREAD as a list or (RESP3) a dict. Liveline's clients keep the
defaults (RESP2, no ``decode_responses``): strings arrive as ``bytes``, a stream entry as ``(id, fields)``,
XREAD as ``[[stream, entries], ...]``. ``text`` and ``hash_text`` accept either kind of string; the stream
and ``fields`` helpers only name those shapes for the type checker and return their argument unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeAlias, TypeVar, cast

from redis.typing import EncodableT, FieldT

if TYPE_CHECKING:  # reply types of recent redis-py only
    from redis.typing import StreamRangeResponse, XReadGroupResponse, XReadResponse, ZSetRangeResponse

Reply: TypeAlias = bytes | str
"""A string reply in redis-py's types (``bytes`` for Liveline's clients)."""

StreamEntry: TypeAlias = tuple[bytes, dict[bytes, bytes]]
"""One stream entry as XRANGE, XREVRANGE and XREAD(GROUP) with ``>`` give it: its id and its fields."""

Fields: TypeAlias = dict[FieldT, EncodableT]
"""The field/value dict ``xadd`` and ``hset(mapping=...)`` take."""

K = TypeVar("K", bound=Reply)
V = TypeVar("V", bound=Reply)


def text(v: Reply) -> str:
    """A string reply as ``str`` (UTF-8)."""
    return v.decode() if isinstance(v, bytes) else v


def hash_text(raw: Mapping[K, V]) -> dict[str, str]:
    """An HGETALL reply (or a stream entry's fields) with its keys and values as ``str``."""
    return {text(k): text(v) for k, v in raw.items()}


def zrange_text(reply: ZSetRangeResponse) -> list[str]:
    """A ZRANGE / ZREVRANGE reply without scores (a list of members) as ``str``."""
    return [text(m) for m in cast(list[Reply], reply)]


def entries(reply: StreamRangeResponse | None) -> list[StreamEntry]:
    """An XRANGE / XREVRANGE reply (a list, possibly empty), as it is."""
    return cast(list[StreamEntry], reply)


def streams(reply: XReadResponse | XReadGroupResponse) -> list[tuple[bytes, list[StreamEntry]]]:
    """An XREAD reply, or XREADGROUP's for new entries (``>``), as it is: ``[[stream key, entries], ...]``."""
    return cast(list[tuple[bytes, list[StreamEntry]]], reply)


def fields(mapping: dict[str, str]) -> Fields:
    """``mapping`` itself, typed as the dict redis-py takes (``dict`` is invariant: a ``dict[str, str]`` is
    refused where ``dict[bytes | str | int | ..., ...]`` is declared, though Redis stores it the same)."""
    return cast(Fields, mapping)
