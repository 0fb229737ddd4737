"""A VK source's status as the panel shows it: its state and its last error, in the source's state hash."""

from __future__ import annotations

import logging
import time
from typing import Any

import redis

from liveline.ingest.vk.client import VkCaptcha, VkClosed, VkError, VkTokenDead, VkTransient
from liveline.store import keys, redis_types

log = logging.getLogger("liveline.ingest.vk")
STATES = ("live", "polling", "behind", "closed", "token_dead", "captcha", "error")


def set_state(r: redis.Redis, b: int | str, source_id: str, state: str, error: str | None = None,
              pipe: redis.client.Pipeline | None = None) -> None:
    key = keys.source_state(b, source_id)
    p = pipe if pipe is not None else r.pipeline(transaction=True)
    fields: dict[str, str] = {"state": state, "updated_at": str(time.time())}
    if error is not None:
        fields["last_error"] = error
        p.hincrby(key, "errors", 1)
    p.hset(key, mapping=redis_types.fields(fields))
    if pipe is None:
        p.execute()


def state_for(exc: Exception) -> str:
    if isinstance(exc, VkClosed):
        return "closed"
    if isinstance(exc, VkTokenDead):
        return "token_dead"
    if isinstance(exc, VkCaptcha):
        return "captcha"
    if isinstance(exc, VkTransient):
        return "behind"
    return "error"


def record_failure(r: redis.Redis, b: int | str, source: dict[str, Any], exc: Exception) -> None:
    """Show a failed sweep or long-poll call on the panel (a Redis outage meanwhile is not an error here)."""
    message = str(exc) if isinstance(exc, VkError) else "ошибка сбора комментариев"
    log.warning("source %s/%s: %s", b, source.get("id"), message)
    try:
        set_state(r, b, source["id"], state_for(exc), message)
    except redis.RedisError:
        pass
