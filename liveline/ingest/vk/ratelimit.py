"""A token bucket per VK token, shared by every process through Redis.

VK limits requests per *token* (3/s for user and service tokens, 20/s for community tokens), not per process,
so the bucket lives in Redis and one Lua script takes a slot atomically, using Redis's own clock. A caller
*reserves* a slot: the script answers how long to wait for it, and the caller sleeps that long. Reservations
are first come, first served across processes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import redis

from liveline.store import keys

# KEYS[1] bucket; ARGV rate/s, burst, max wait s. Returns {1, wait} (slot reserved) or {0, wait} (too long).
_ACQUIRE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1]) or burst
local ts = tonumber(v[2]) or now
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate)
local wait = 0
if tokens < 1 then wait = (1 - tokens) / rate end
if wait > max_wait then return {0, tostring(wait)} end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst / rate + wait) * 1000) + 1000)
return {1, tostring(wait)}
"""


class RateLimitTimeout(Exception):
    """No slot within the caller's timeout."""


def token_id(token: str) -> str:
    """The id under which a token's bucket and blocks are kept: a hash, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class TokenBucket:
    """``rate_per_s`` requests a second, bursts of ``burst`` (default 1: evenly spaced); None = no limit."""

    def __init__(self, r: redis.Redis, token_id: str, rate_per_s: float | None, burst: float | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.r = r
        self.key = keys.token_bucket(token_id)
        self.rate = rate_per_s
        self.burst = burst if burst is not None else 1.0
        self._sleep = sleep
        self._script = r.register_script(_ACQUIRE)
        self.waited = 0.0  # total seconds this object slept, for figures

    def acquire(self, timeout: float = 30.0) -> None:
        """Take one slot, sleeping as needed; ``RateLimitTimeout`` if the wait would exceed ``timeout``."""
        if self.rate is None:
            return
        ok, wait = self._script(keys=[self.key], args=[self.rate, self.burst, timeout])
        wait_s = float(wait)
        if not int(ok):
            raise RateLimitTimeout(f"очередь запросов к VK длиннее {timeout:.0f} с")
        if wait_s > 0:
            self.waited += wait_s
            self._sleep(wait_s)
