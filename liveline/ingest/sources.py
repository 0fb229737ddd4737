"""A broadcast's sources as ingestion sees them: which are collected now, one added from a pasted URL, and
each one's status for the panel and the CLI."""

from __future__ import annotations

import time
from typing import Any

import redis

from liveline.board import broadcasts
from liveline.errors import BadRequest
from liveline.ingest.vk.urls import VkUrlError, parse_vk_url
from liveline.store import keys, redis_types

Source = dict[str, Any]
STATUS_FIELDS = ("state", "last_item_at", "items", "errors", "last_error", "updated_at")


def add_from_text(r: redis.Redis, broadcast_id: int, text: str, org: str = "default") -> Source:
    """A source from what an admin pasted: a VK post or video URL, or the word "demo"."""
    text = text.strip()
    if text.lower() in {"demo", "демо"}:
        return broadcasts.add_source(r, broadcast_id, {"kind": "demo"})
    try:
        target = parse_vk_url(text)
    except VkUrlError as exc:
        raise BadRequest(str(exc)) from exc
    kind = "vk_wall" if target.kind == "wall" else "vk_video"
    return broadcasts.add_source(r, broadcast_id, {"kind": kind, "owner_id": target.owner_id,
                                                   "item_id": target.item_id, "url": text, "org": org})


def status(r: redis.Redis, broadcast_id: int | str, source_id: str) -> dict[str, Any]:
    """The status panel's view of a source: state, last_item_at, items, errors, last_error, updated_at."""
    raw = r.hmget(keys.source_state(broadcast_id, source_id), list(STATUS_FIELDS))
    state, last_at, items, errors, last_error, updated = (
        v.decode() if isinstance(v, bytes) else v for v in raw)
    return {"state": state or "polling", "last_item_at": float(last_at) if last_at else None,
            "items": int(items or 0), "errors": int(errors or 0), "last_error": last_error or "",
            "updated_at": float(updated) if updated else None}


def statuses(r: redis.Redis, broadcast_id: int) -> list[dict[str, Any]]:
    """Every source of a broadcast with its stored state hash, as the status panel shows it."""
    out = []
    for src in broadcasts.sources(r, broadcast_id):
        raw = r.hgetall(keys.source_state(broadcast_id, src["id"]))
        out.append({"source": src, "status": redis_types.hash_text(raw)})
    return out


def active(r: redis.Redis) -> list[tuple[int, Source]]:
    """Sources of live broadcasts, and of ended ones while citizens may still answer our replies."""
    from liveline.followup import appeals

    now = time.time()
    out = []
    for b in broadcasts.list_all(r):
        bid = int(b["id"])
        watching = b["state"] == "ended" and now < appeals.watch_until(r, bid)
        if b["state"] != "live" and not watching:
            continue
        for src in broadcasts.sources(r, bid):
            if src["kind"] == "demo" and b["state"] != "live":
                continue
            out.append((bid, src))
    return out
