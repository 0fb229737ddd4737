"""Broadcasts (Прямая линия / эфир): creation, sources, the draft → live → ended → closed lifecycle."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis

from liveline import labels
from liveline.errors import BadRequest, Conflict, NotFound
from liveline.store import codec, keys, redis_types
from liveline.store.events import Event, emit
from liveline.store.txn import transact

STATES = ("draft", "live", "ended", "closed")
SOURCE_KINDS = ("demo", "manual", "vk_wall", "vk_video")


def parse_time(value: str, tz: str) -> datetime:
    """ISO 8601; local to ``tz`` unless the string carries an offset."""
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadRequest(f"Не удалось разобрать время «{value}»: нужен формат 2026-11-25T18:00") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(tz))
    return dt


def check_tz(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadRequest(f"Неизвестный часовой пояс «{tz}»: например, Europe/Volgograd") from exc
    return tz


def create(r: redis.Redis, title: str, official: str, tz: str, start: str = "", end: str = "",
           actor: str = "system") -> int:
    """A new broadcast in the draft state, with a manual-entry source; returns its id."""
    title, official = title.strip(), official.strip()
    if not title:
        raise BadRequest("Укажите название прямой линии")
    check_tz(tz)
    start_dt = parse_time(start, tz) if start else None
    end_dt = parse_time(end, tz) if end else None
    if start_dt and end_dt and end_dt <= start_dt:
        raise BadRequest("Окончание должно быть позже начала")
    bid = int(r.incr(keys.broadcast_seq()))
    meta = {
        "id": str(bid), "title": title, "official": official, "tz": tz,
        "start": start_dt.isoformat() if start_dt else "", "end": end_dt.isoformat() if end_dt else "",
        "state": "draft", "created_at": f"{time.time():.3f}", "created_by": actor,
        "started_at": "", "ended_at": "", "stream_url": "",
    }
    p = r.pipeline(transaction=True)
    p.hset(keys.broadcast(bid), mapping=redis_types.fields(meta))
    p.hset(keys.sources(bid), "manual", codec.dumps({"id": "manual", "kind": "manual"}))
    p.set(keys.host_key(bid), secrets.token_urlsafe(24))
    p.zadd(keys.broadcasts(), {str(bid): time.time()})
    emit(p, bid, Event("broadcast.created", actor=actor, broadcast=meta))
    p.execute()
    return bid


def get(r: redis.Redis, broadcast_id: int | str) -> dict[str, str]:
    raw = r.hgetall(keys.broadcast(broadcast_id))
    if not raw:
        raise NotFound(f"Прямая линия {broadcast_id} не найдена")
    return redis_types.hash_text(raw)


def list_all(r: redis.Redis) -> list[dict[str, str]]:
    ids = redis_types.zrange_text(r.zrevrange(keys.broadcasts(), 0, -1))
    p = r.pipeline(transaction=False)
    for bid in ids:
        p.hgetall(keys.broadcast(bid))
    return [{k.decode(): v.decode() for k, v in m.items()} for m in p.execute() if m]


def live_ids(r: redis.Redis) -> list[int]:
    return [int(b["id"]) for b in list_all(r) if b.get("state") == "live"]


def _transition(r: redis.Redis, broadcast_id: int | str, allowed: tuple[str, ...], to: str, stamp: str,
                actor: str, extra: Callable[[redis.client.Pipeline], None] | None = None) -> dict[str, str]:
    key = keys.broadcast(broadcast_id)

    def fn(pipe: redis.client.Pipeline) -> dict[str, str]:
        meta = redis_types.hash_text(pipe.hgetall(key))
        if not meta:
            raise NotFound(f"Прямая линия {broadcast_id} не найдена")
        if meta["state"] not in allowed:
            raise Conflict(f"Нельзя перейти из состояния «{labels.BROADCAST_STATES[meta['state']]}» "
                           f"в «{labels.BROADCAST_STATES[to]}»")
        meta["state"] = to
        meta[stamp] = f"{time.time():.3f}"
        pipe.multi()
        pipe.hset(key, mapping=redis_types.fields(meta))
        emit(pipe, broadcast_id, Event(f"broadcast.{to}", actor=actor, broadcast=meta))
        if extra is not None:
            extra(pipe)
        return meta

    return transact(r, [key], fn)


def start(r: redis.Redis, broadcast_id: int | str, actor: str = "system") -> dict[str, str]:
    return _transition(r, broadcast_id, ("draft",), "live", "started_at", actor)


def end(r: redis.Redis, broadcast_id: int | str, actor: str = "system",
        extra: Callable[[redis.client.Pipeline], None] | None = None) -> dict[str, str]:
    """Live -> ended. ``extra`` queues more writes in the same MULTI (``workflows.end_broadcast`` records there
    that the appeals are owed); views and the CLI end a broadcast through ``workflows.end_broadcast``."""
    return _transition(r, broadcast_id, ("live",), "ended", "ended_at", actor, extra)


def close(r: redis.Redis, broadcast_id: int | str, actor: str = "system") -> dict[str, str]:
    return _transition(r, broadcast_id, ("ended",), "closed", "closed_at", actor)


def update(r: redis.Redis, broadcast_id: int | str, actor: str = "system", **fields: str) -> dict[str, str]:
    key = keys.broadcast(broadcast_id)
    editable = {"title", "official", "stream_url", "start", "end"}

    def fn(pipe: redis.client.Pipeline) -> dict[str, str]:
        meta = redis_types.hash_text(pipe.hgetall(key))
        if not meta:
            raise NotFound(f"Прямая линия {broadcast_id} не найдена")
        for name, value in fields.items():
            if name not in editable:
                raise BadRequest(f"Поле {name} нельзя менять")
            meta[name] = parse_time(value, meta["tz"]).isoformat() if name in {"start", "end"} and value \
                else value
        pipe.multi()
        pipe.hset(key, mapping=redis_types.fields(meta))
        emit(pipe, broadcast_id, Event("broadcast.updated", actor=actor, broadcast=meta))
        return meta

    return transact(r, [key], fn)


# -- sources --------------------------------------------------------------------------------------------
def sources(r: redis.Redis, broadcast_id: int | str) -> list[dict[str, Any]]:
    raw = r.hgetall(keys.sources(broadcast_id))
    return sorted((codec.loads(v) for v in raw.values()), key=lambda s: s["id"])


def add_source(r: redis.Redis, broadcast_id: int | str, source: dict[str, Any]) -> dict[str, Any]:
    """Add a source (``{"kind": "demo"|"vk_wall"|"vk_video", ...}``); returns it with its id."""
    get(r, broadcast_id)
    if source.get("kind") not in SOURCE_KINDS:
        raise BadRequest("Неизвестный вид источника")
    existing = sources(r, broadcast_id)
    for s in existing:
        same = all(s.get(k) == source.get(k) for k in ("kind", "owner_id", "item_id"))
        if same:
            return s
    source = dict(source)
    source["id"] = source.get("id") or f"s{int(r.incr(keys.broadcast_seq() + ':src'))}"
    r.hset(keys.sources(broadcast_id), source["id"], codec.dumps(source))
    return source


def remove_source(r: redis.Redis, broadcast_id: int | str, source_id: str) -> None:
    if source_id == "manual":
        raise BadRequest("Ручной ввод нельзя удалить")
    r.hdel(keys.sources(broadcast_id), source_id)


# -- host link ------------------------------------------------------------------------------------------
def host_key(r: redis.Redis, broadcast_id: int | str) -> str:
    value = r.get(keys.host_key(broadcast_id))
    if value is None:
        raise NotFound(f"Прямая линия {broadcast_id} не найдена")
    return redis_types.text(value)


def rotate_host_key(r: redis.Redis, broadcast_id: int | str) -> str:
    """Revoke the host link: a new secret; studio screens opened with the old one are refused."""
    get(r, broadcast_id)
    value = secrets.token_urlsafe(24)
    r.set(keys.host_key(broadcast_id), value)
    return value


def check_host_key(r: redis.Redis, broadcast_id: int | str, candidate: str) -> bool:
    current = r.get(keys.host_key(broadcast_id))
    return current is not None and secrets.compare_digest(redis_types.text(current), candidate)
