"""Tokens per organisation: storage, env fallback, status without secrets, VK ID renewal."""

from __future__ import annotations

import json
import time

import pytest
import redis

from liveline.ingest.vk import tokens
from liveline.ingest.vk.tokens import TokenRefreshError
from tests.ingest.vk.conftest import OAuth


def test_set_and_get_per_org(r: redis.Redis) -> None:
    tokens.set_token(r, "user", "UT", org="a")
    tokens.set_token(r, "group", "GT", group_id=-42, org="a")
    user = tokens.get_token(r, "user", "a", env={})
    group = tokens.get_token(r, "group", "a", env={})
    assert user is not None and user.token == "UT" and user.kind == "user"
    assert group is not None and group.token == "GT" and group.group_id == 42
    assert tokens.get_token(r, "user", "b", env={}) is None
    with pytest.raises(ValueError):
        tokens.set_token(r, "group", "GT")


def test_env_fallback(r: redis.Redis) -> None:
    env = {"LIVELINE_VK_USER_TOKEN": "EU", "LIVELINE_VK_GROUP_TOKEN": "EG", "LIVELINE_VK_GROUP_ID": "42"}
    user = tokens.get_token(r, "user", env=env)
    group = tokens.get_token(r, "group", env=env)
    assert user is not None and user.token == "EU" and user.source == "env"
    assert group is not None and group.group_id == 42
    tokens.set_token(r, "user", "REDIS")
    assert tokens.get_token(r, "user", env=env).token == "REDIS"  # type: ignore[union-attr]


def test_status_and_repr_never_show_the_secret(r: redis.Redis) -> None:
    tokens.set_token(r, "user", "SECRET-USER", refresh_token="SECRET-REFRESH", expires_at=time.time() + 600)
    status = tokens.token_status(r, env={})
    text = json.dumps(status) + repr(tokens.get_token(r, "user", env={}))
    assert "SECRET" not in text
    user = status["user"]
    assert user["present"] and user["renewable"] and 500 < user["expires_in"] <= 600
    assert status["group"] == {"present": False}


def test_mark_dead(r: redis.Redis) -> None:
    tokens.set_token(r, "user", "UT")
    tokens.mark_dead(r, "user", reason="токен недействителен или истёк")
    record = tokens.get_token(r, "user", env={})
    assert record is not None and record.dead and "истёк" in record.dead_reason
    assert tokens.token_status(r, env={})["user"]["dead"] is True


def test_refresh_if_needed_renews_near_expiry(r: redis.Redis, oauth: OAuth) -> None:
    tokens.set_token(r, "user", "OLD", refresh_token="R1", expires_at=time.time() + 60, device_id="dev1")
    record = tokens.refresh_if_needed(r, "default", oauth.url, "app1")
    assert record is not None and record.token == "ACCESS1" and record.refresh_token == "R2"
    assert record.expires_at is not None and record.expires_at > time.time() + 3000
    assert oauth.requests == [{"path": "/oauth2/auth", "grant_type": "refresh_token", "refresh_token": "R1",
                               "client_id": "app1", "device_id": "dev1"}]
    stored = tokens.get_token(r, "user", env={})
    assert stored is not None and stored.token == "ACCESS1"
    # fresh now: no second request
    again = tokens.refresh_if_needed(r, "default", oauth.url, "app1")
    assert again is not None and again.token == "ACCESS1"
    assert len(oauth.requests) == 1


def test_refresh_spends_a_refresh_token_once(r: redis.Redis, oauth: OAuth) -> None:
    tokens.set_token(r, "user", "OLD", refresh_token="R1", expires_at=time.time() - 1)
    first = tokens.refresh(r, "default", oauth.url, "app1", seen_token="OLD")
    # a second process that also saw OLD die gets the renewed record without a second renewal
    second = tokens.refresh(r, "default", oauth.url, "app1", seen_token="OLD")
    assert first.token == second.token == "ACCESS1"
    assert len(oauth.requests) == 1


def test_refresh_error_is_reported_without_secrets(r: redis.Redis, oauth: OAuth) -> None:
    tokens.set_token(r, "user", "OLD", refresh_token="SECRET-BAD", expires_at=time.time() - 1)
    with pytest.raises(TokenRefreshError) as info:
        tokens.refresh_if_needed(r, "default", oauth.url, "app1")
    assert "invalid_grant" in str(info.value) and "SECRET" not in str(info.value)
    tokens.set_token(r, "user", "NOREFRESH")
    with pytest.raises(TokenRefreshError):
        tokens.refresh(r, "default", oauth.url, "app1")
