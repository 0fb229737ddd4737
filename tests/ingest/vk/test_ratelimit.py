"""The shared token bucket: reservations computed in Redis, shared by every client of a token."""

from __future__ import annotations

import pytest
import redis

from liveline.ingest.vk.ratelimit import RateLimitTimeout, TokenBucket, token_id
from liveline.store import keys
from liveline.store.redisproc import RedisProcess


class Sleeps:
    """Records the waits a bucket asks for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_token_id_is_a_hash_not_the_token() -> None:
    tid = token_id("vk1.a.secret-token")
    assert "secret" not in tid and len(tid) == 16
    assert tid == token_id("vk1.a.secret-token") != token_id("other")


def test_unlimited_never_waits_nor_writes(r: redis.Redis) -> None:
    sleeps = Sleeps()
    bucket = TokenBucket(r, "t", None, sleep=sleeps)
    for _ in range(50):
        bucket.acquire()
    assert sleeps.waits == []
    assert not r.exists(keys.token_bucket("t"))


def test_reservations_space_calls_at_the_rate(r: redis.Redis) -> None:
    sleeps = Sleeps()
    bucket = TokenBucket(r, "t", 1.0, sleep=sleeps)
    for _ in range(5):
        bucket.acquire()
    # the first is free; each later one reserves the next 1 s slot (minus the time that really passed)
    assert len(sleeps.waits) == 4
    assert sleeps.waits == sorted(sleeps.waits)
    assert 3.0 < sleeps.waits[-1] <= 4.0


def test_burst_allows_that_many_at_once(r: redis.Redis) -> None:
    sleeps = Sleeps()
    bucket = TokenBucket(r, "t", 0.5, burst=3, sleep=sleeps)
    for _ in range(3):
        bucket.acquire()
    assert sleeps.waits == []
    bucket.acquire()
    assert len(sleeps.waits) == 1 and 1.0 < sleeps.waits[0] <= 2.0


def test_bucket_is_shared_across_clients(r: redis.Redis, redis_server: RedisProcess) -> None:
    other = redis.Redis.from_url(redis_server.url)
    a_sleeps, b_sleeps = Sleeps(), Sleeps()
    TokenBucket(r, "shared", 0.2, sleep=a_sleeps).acquire()
    TokenBucket(other, "shared", 0.2, sleep=b_sleeps).acquire()
    TokenBucket(other, "another-token", 0.2, sleep=b_sleeps).acquire()
    assert a_sleeps.waits == []
    assert len(b_sleeps.waits) == 1 and 4.0 < b_sleeps.waits[0] <= 5.0
    other.close()


def test_timeout_raises_without_reserving(r: redis.Redis) -> None:
    sleeps = Sleeps()
    bucket = TokenBucket(r, "t", 0.1, sleep=sleeps)
    bucket.acquire()
    with pytest.raises(RateLimitTimeout):
        bucket.acquire(timeout=0.1)
    bucket.acquire(timeout=30)  # the failed attempt took no slot: this one waits one slot, not two
    assert len(sleeps.waits) == 1 and 9.0 < sleeps.waits[0] <= 10.0
