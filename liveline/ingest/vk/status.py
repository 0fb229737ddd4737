"""A VK source's status as the panel shows it: its state and its last error, in the source's state hash.

Two channels report on a source: its sweeps (``sweep``) and the Bots Long Poll that covers it (``lp``). Each
keeps its own state (``state_sweep``, ``state_lp``); the ``state`` shown is the most serious of the two
(``SEVERITY``), so a long poll's HTTP 500 ("behind") never hides a dead user token, and a healthy long poll
never clears a sweep's error. One Lua script writes a channel and the shown state together.

``shown`` maps a stored state to what the CLI prints: token_dead > misconfigured > error > behind > ok.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis

from liveline.ingest.vk.client import VkCaptcha, VkClosed, VkError, VkTokenDead, VkTransient
from liveline.store import keys

log = logging.getLogger("liveline.ingest.vk")
STATES = ("live", "polling", "behind", "closed", "token_dead", "captcha", "misconfigured", "error")
CHANNELS = ("sweep", "lp")
SEVERITY = {"live": 0, "polling": 0, "behind": 1, "error": 2, "closed": 2, "captcha": 2, "misconfigured": 3,
            "token_dead": 4}
SHOWN = {"live": "ok", "polling": "ok", "behind": "behind", "error": "error", "closed": "error",
         "captcha": "error", "misconfigured": "misconfigured", "token_dead": "token_dead"}
SHOWN_ORDER = ("token_dead", "misconfigured", "error", "behind", "ok")

_RANKS = ", ".join(f"{name}={rank}" for name, rank in SEVERITY.items())
# KEYS[1] the state hash; ARGV channel, state, now, error ("" = none)
_SET = """
local rank = {RANKS}
local key, channel, state, now, err = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call('HSET', key, 'state_' .. channel, state, 'updated_at', now)
if err ~= '' then
  redis.call('HSET', key, 'error_' .. channel, err)
  redis.call('HINCRBY', key, 'errors', 1)
end
local best, best_rank, best_channel = nil, -1, nil
for _, ch in ipairs({'sweep', 'lp'}) do
  local s = redis.call('HGET', key, 'state_' .. ch)
  if s then
    local r = rank[s] or 2
    if r > best_rank or (r == best_rank and s == 'live') then best, best_rank, best_channel = s, r, ch end
  end
end
redis.call('HSET', key, 'state', best)
if best_rank > 0 then
  local e = redis.call('HGET', key, 'error_' .. best_channel)
  if e then redis.call('HSET', key, 'last_error', e) end
end
return best
""".replace("RANKS", _RANKS)


class Misconfigured(VkError):
    """The tokens do not fit the source: a community token of another community, a wrong group id."""


def set_state(r: redis.Redis, b: int | str, source_id: str, state: str, error: str | None = None,
              channel: str = "sweep") -> str:
    """Record ``channel``'s state (and error); returns the state now shown."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown status channel {channel!r}")
    script = r.register_script(_SET)
    shown = script(keys=[keys.source_state(b, source_id)], args=[channel, state, str(time.time()), error or ""])
    return shown.decode() if isinstance(shown, bytes) else str(shown)


def state_for(exc: Exception) -> str:
    if isinstance(exc, VkClosed):
        return "closed"
    if isinstance(exc, VkTokenDead):
        return "token_dead"
    if isinstance(exc, VkCaptcha):
        return "captcha"
    if isinstance(exc, VkTransient):
        return "behind"
    if isinstance(exc, Misconfigured):
        return "misconfigured"
    return "error"


def record_failure(r: redis.Redis, b: int | str, source: dict[str, Any], exc: Exception,
                   channel: str = "sweep") -> None:
    """Show a failed sweep or long-poll call on the panel (a Redis outage meanwhile is not an error here)."""
    message = str(exc) if isinstance(exc, VkError) else "ошибка сбора комментариев"
    log.warning("source %s/%s: %s", b, source.get("id"), message)
    try:
        set_state(r, b, source["id"], state_for(exc), message, channel)
    except redis.RedisError:
        pass


def shown(state: str | None) -> str:
    """What the CLI prints for a stored state: token_dead, misconfigured, error, behind or ok."""
    return SHOWN.get(state or "polling", "ok")  # the demo's "done", "idle"


def most_serious(*states: str) -> str:
    """The most serious of ``shown`` states."""
    return min(states, key=SHOWN_ORDER.index) if states else "ok"
