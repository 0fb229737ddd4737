"""A broadcast's sources as ingestion sees them: which are collected now, one added from a pasted URL, and
each one's status for the panel and the CLI."""

from __future__ import annotations

import time
from typing import Any

import redis

from liveline.board import broadcasts
from liveline.errors import BadRequest
from liveline.ingest.vk import status as vk_status
from liveline.ingest.vk import tokens
from liveline.ingest.vk.urls import VkUrlError, parse_vk_url
from liveline.store import keys, redis_types

Source = dict[str, Any]
STATUS_FIELDS = ("state", "last_item_at", "items", "errors", "last_error", "updated_at")
LISTING_FIELDS = ("id", "url", "kind", "org", "state", "last_item_at", "items", "errors", "last_error")


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


def _token_state(r: redis.Redis, src: Source, env: Any = None) -> tuple[str, str]:
    """What the organisation's tokens say of a VK source now: (shown state, reason)."""
    if src.get("kind") not in ("vk_wall", "vk_video"):
        return "ok", ""
    org = src.get("org", "default")
    user = tokens.get_token(r, "user", org, env)
    if user is None:
        return "token_dead", f"нет пользовательского ключа VK организации {org}: `liveline vk token set --user`"
    if user.dead:
        return "token_dead", user.dead_reason or "пользовательский ключ VK недействителен"
    group = tokens.get_token(r, "group", org, env)
    if group is not None and group.dead and int(src.get("owner_id") or 0) == -(group.group_id or 0):
        return "token_dead", group.dead_reason or "ключ сообщества VK недействителен"
    return "ok", ""


def listing(r: redis.Redis, broadcast_id: int, env: Any = None) -> list[dict[str, Any]]:
    """Each source of a broadcast as ``liveline source list`` prints it (``LISTING_FIELDS``); ``state`` is
    the most serious of token_dead > misconfigured > error > behind > ok, from its status and its tokens."""
    broadcasts.get(r, broadcast_id)
    rows = []
    for src in broadcasts.sources(r, broadcast_id):
        st = status(r, broadcast_id, src["id"])
        token_state, reason = _token_state(r, src, env)
        stored = raw_state(r, broadcast_id, src["id"])
        state = vk_status.most_serious(vk_status.shown(stored) if stored else "ok", token_state)
        last_error = reason if token_state == state and reason else st["last_error"]
        rows.append({"id": src["id"], "url": src.get("url", ""), "kind": src["kind"],
                     "org": src.get("org", "default") if src["kind"] in ("vk_wall", "vk_video") else "",
                     "state": state, "last_item_at": st["last_item_at"], "items": st["items"],
                     "errors": st["errors"], "last_error": last_error})
    return rows


def raw_state(r: redis.Redis, broadcast_id: int | str, source_id: str) -> str | None:
    raw = r.hget(keys.source_state(broadcast_id, source_id), "state")
    return redis_types.text(raw) if raw is not None else None


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
