"""Presence on the board: who is online and which card each moderator has open.

Kept in a Redis hash with a timestamp per socket; entries older than ``STALE_S`` are ignored (a socket that
died without saying goodbye). Changes are announced on the broadcast's event stream so every board shows them.
"""

from __future__ import annotations

import time
from typing import Any

import redis

from liveline import numbers
from liveline.store import codec, keys
from liveline.store.events import Event, emit

STALE_S = 90


def _announce(r: redis.Redis, b: int | str) -> None:
    p = r.pipeline(transaction=True)
    emit(p, b, Event("presence", actor="", note={"online": online(r, b)}))
    p.execute()


def join(r: redis.Redis, b: int | str, sid: str, username: str) -> None:
    r.hset(keys.presence(b), sid, codec.dumps({"user": username, "card": None, "at": time.time()}))
    _announce(r, b)


def touch(r: redis.Redis, b: int | str, sid: str, username: str, message: str) -> None:
    """A board says which card it has open: ``{"card": "17"}`` (or null). Boards repeat it as a heartbeat,
    so it is announced only when what the boards show changes."""
    try:
        card = codec.loads(message).get("card")
    except (ValueError, AttributeError):
        return
    card = str(card) if card not in (None, "") else None
    if card is not None and not numbers.is_whole(card):
        return
    seen = online(r, b)
    r.hset(keys.presence(b), sid, codec.dumps({"user": username, "card": card, "at": time.time()}))
    if online(r, b) != seen:
        _announce(r, b)


def leave(r: redis.Redis, b: int | str, sid: str) -> None:
    r.hdel(keys.presence(b), sid)
    _announce(r, b)


def online(r: redis.Redis, b: int | str) -> list[dict[str, Any]]:
    """``[{"user": "anna", "cards": ["17"]}, ...]`` by user; sockets silent for ``STALE_S`` are dropped."""
    now = time.time()
    out: dict[str, dict[str, Any]] = {}
    stale: list[Any] = []
    for sid, raw in r.hgetall(keys.presence(b)).items():
        p = codec.loads(raw)
        if now - p["at"] > STALE_S:
            stale.append(sid)
            continue
        entry = out.setdefault(p["user"], {"user": p["user"], "cards": []})
        if p["card"] and p["card"] not in entry["cards"]:
            entry["cards"].append(p["card"])
    if stale:
        r.hdel(keys.presence(b), *stale)
    for entry in out.values():
        entry["cards"].sort(key=int)
    return sorted(out.values(), key=lambda e: e["user"])


def open_cards(entries: list[dict[str, Any]]) -> dict[str, list[str]]:
    """card id -> who has it open, from an ``online`` list (what a presence event carries)."""
    out: dict[str, list[str]] = {}
    for e in entries:
        for card in e.get("cards", []):
            out.setdefault(str(card), []).append(str(e["user"]))
    return out
