"""Secrets at rest (liveline/store/secretbox.py, the VK tokens module, Settings, RedisProcess): VK tokens
are never in plain text in Redis or its AOF; keys rotate through a comma list; without a configured key a
random one is kept in var/ with mode 0600; the embedded Redis's directory, AOF and key file are not
world-readable and it requires a generated password."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from cryptography.fernet import Fernet
from starlette.datastructures import Secret

from liveline.ingest.vk import tokens
from liveline.settings import Settings, load
from liveline.store import keys, secretbox
from liveline.store.redisproc import RedisProcess

USER_TOKEN, REFRESH = "vk1.a.user-token-SECRET-123", "vk1.a.refresh-SECRET-456"
GROUP_TOKEN = "vk1.a.group-token-SECRET-789"


@pytest.fixture
def key() -> Iterator[str]:
    """A key of this test's own; the session's key is configured again afterwards."""
    k = Fernet.generate_key().decode()
    secretbox.configure([k])
    yield k
    secretbox.configure(load(env_file=None).secrets_keys())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_vk_tokens_are_sealed_in_redis_and_in_the_aof(own_redis: RedisProcess, key: str) -> None:
    r = redis.Redis.from_url(own_redis.url)
    tokens.set_token(r, "user", USER_TOKEN, refresh_token=REFRESH, expires_at=1e10)
    tokens.set_token(r, "group", GROUP_TOKEN, group_id=42)
    tokens.mark_dead(r, "group", reason="revoked")
    for raw in r.hvals(keys.vk_tokens()):
        assert secretbox.is_sealed(raw)
        assert b"SECRET" not in raw
    r.bgrewriteaof()
    aof = b"".join(p.read_bytes() for p in own_redis.data_dir.rglob("*.aof*") if p.is_file())
    assert aof and b"SECRET" not in aof
    record = tokens.get_token(r, "user")
    assert record is not None and (record.token, record.refresh_token) == (USER_TOKEN, REFRESH)
    r.close()


def test_a_plain_text_record_from_before_is_sealed_when_read(r: redis.Redis, key: str) -> None:
    legacy = tokens.TokenRecord("user", USER_TOKEN).to_json()
    r.hset(keys.vk_tokens(), "user", legacy)
    record = tokens.get_token(r, "user")
    assert record is not None and record.token == USER_TOKEN
    assert secretbox.is_sealed(r.hget(keys.vk_tokens(), "user") or b"")


def test_keys_rotate_the_first_seals_and_every_one_opens(r: redis.Redis, key: str) -> None:
    tokens.set_token(r, "user", USER_TOKEN)
    old_raw = r.hget(keys.vk_tokens(), "user")
    new = Fernet.generate_key().decode()
    secretbox.configure([new, key])  # the new key first, the old one still opens
    record = tokens.get_token(r, "user")
    assert record is not None and record.token == USER_TOKEN
    resealed = r.hget(keys.vk_tokens(), "user")
    assert resealed != old_raw
    secretbox.configure([new])  # the old key is gone: what it sealed was resealed with the new one
    assert tokens.get_token(r, "user").token == USER_TOKEN  # type: ignore[union-attr]
    secretbox.configure([Fernet.generate_key().decode()])
    with pytest.raises(secretbox.SealedSecretError):
        tokens.get_token(r, "user")


def test_without_a_configured_key_a_random_one_is_kept_in_var_with_mode_0600(tmp_path: Path) -> None:
    s = Settings(var_dir=tmp_path / "var")
    (k,) = s.secrets_keys()
    Fernet(k.encode())  # a valid Fernet key
    path = tmp_path / "var" / "secrets.key"
    assert path.read_text().strip() == k and s.secrets_keys() == [k]
    assert mode(path) == 0o600 and mode(tmp_path / "var") == 0o700
    assert mode(Path(tmp_path / "var" / "secret").parent) == 0o700
    configured = Settings(var_dir=tmp_path / "other", secrets_key=Secret(f"{k}, {Fernet.generate_key().decode()}"))
    assert configured.secrets_keys()[0] == k and not (tmp_path / "other").exists()


def test_the_embedded_redis_keeps_its_files_private_and_requires_its_password(tmp_path: Path) -> None:
    proc = RedisProcess(tmp_path / "redis", password="generated-Pa55").start()
    try:
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=proc.port).ping()
        client = redis.Redis.from_url(proc.url)
        client.set("x", "1")
        client.bgrewriteaof()
        client.close()
        assert "generated-Pa55" not in proc.shown_url
        assert mode(proc.data_dir) == 0o700
        files = [p for p in proc.data_dir.rglob("*") if p.is_file()]
        assert any(".aof" in p.name for p in files)
        assert all(mode(p) & 0o077 == 0 for p in files), {p.name: oct(mode(p)) for p in files}
    finally:
        proc.stop()
