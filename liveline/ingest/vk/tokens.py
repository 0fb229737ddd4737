"""VK tokens of an organisation, kept in Redis (``keys.vk_tokens(org)``: kind -> JSON record).

A record holds the secret; nothing here logs it, and ``token_status`` (what the status panel shows) never
returns it. At rest the whole record is sealed (``store.secretbox``, Fernet with ``LIVELINE_SECRETS_KEY``); a
record found in plain text or sealed with an older key is sealed again with the current one when read. Without a record the environment is the fallback (LIVELINE_VK_USER_TOKEN, LIVELINE_VK_GROUP_TOKEN,
LIVELINE_VK_GROUP_ID) so a single-organisation install needs no setup step.

VK ID user tokens live one hour: ``refresh_if_needed`` renews one with its refresh token
(POST {oauth_url}/oauth2/auth, grant_type=refresh_token). VK ID refresh tokens are single use, so renewal
holds a short Redis lock and re-reads the record: two processes never spend the same refresh token.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

import redis
import requests

from liveline.ingest.vk.ratelimit import token_id
from liveline.store import codec, keys, secretbox

TokenKind = Literal["user", "group"]
KINDS: tuple[TokenKind, ...] = ("user", "group")


class TokenRefreshError(Exception):
    """The renewal failed (message is Russian and carries no secret)."""


@dataclass
class TokenRecord:
    kind: str
    token: str
    group_id: int | None = None
    refresh_token: str | None = None
    expires_at: float | None = None
    device_id: str | None = None
    org: str = "default"
    dead: bool = False
    dead_reason: str = ""
    source: str = "redis"  # or "env"

    @property
    def id(self) -> str:
        return token_id(self.token)

    def __repr__(self) -> str:  # never the secret
        return f"TokenRecord(kind={self.kind!r}, id={self.id!r}, org={self.org!r}, dead={self.dead})"

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("source")
        return codec.dumps(data)


def set_token(r: redis.Redis, kind: TokenKind, token: str, group_id: int | None = None,
              refresh_token: str | None = None, expires_at: float | None = None, org: str = "default",
              device_id: str | None = None) -> TokenRecord:
    if kind not in KINDS:
        raise ValueError(f"unknown token kind {kind!r}")
    if kind == "group" and not group_id:
        raise ValueError("a community token needs its group_id")
    record = TokenRecord(kind, token, abs(group_id) if group_id else None, refresh_token, expires_at,
                         device_id, org)
    _store(r, record)
    return record


def _store(r: redis.Redis, record: TokenRecord) -> None:
    r.hset(keys.vk_tokens(record.org), record.kind, secretbox.seal(record.to_json()))


def _reseal(r: redis.Redis, org: str, kind: str, raw: bytes | str, plain: str) -> None:
    """Seal a record read in plain text (or under an older key) again, unless it changed meanwhile."""
    key = keys.vk_tokens(org)
    with r.pipeline() as p:
        try:
            p.watch(key)
            if p.hget(key, kind) != raw:
                return
            p.multi()
            p.hset(key, kind, secretbox.seal(plain))
            p.execute()
        except redis.WatchError:
            pass


def _from_env(kind: str, org: str, env: Mapping[str, str]) -> TokenRecord | None:
    if kind not in KINDS:
        return None
    token = env.get("LIVELINE_VK_USER_TOKEN" if kind == "user" else "LIVELINE_VK_GROUP_TOKEN", "")
    if not token:
        return None
    group = env.get("LIVELINE_VK_GROUP_ID", "")
    group_id = abs(int(group)) if kind == "group" and group.strip().lstrip("-").isdigit() else None
    return TokenRecord(kind, token, group_id, org=org, source="env")


def get_token(r: redis.Redis, kind: str, org: str = "default",
              env: Mapping[str, str] | None = None) -> TokenRecord | None:
    raw = r.hget(keys.vk_tokens(org), kind)
    if raw:
        plain, stale = secretbox.open_sealed(raw)
        if stale:
            _reseal(r, org, kind, raw, plain)
        data: dict[str, Any] = codec.loads(plain)
        return TokenRecord(**data)
    return _from_env(kind, org, os.environ if env is None else env)


def mark_dead(r: redis.Redis, kind: str, org: str = "default", reason: str = "",
              env: Mapping[str, str] | None = None) -> None:
    """Flag the token dead (kept, so the panel shows why); an env token is copied into Redis with the flag."""
    record = get_token(r, kind, org, env)
    if record is None:
        return
    record.dead, record.dead_reason = True, reason or "токен недействителен"
    record.org = org
    _store(r, record)


def token_status(r: redis.Redis, org: str = "default",
                 env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Per kind: present, id (hash), group_id, expires_in, dead, reason, source. Never the secret."""
    out: dict[str, Any] = {}
    now = time.time()
    for kind in KINDS:
        record = get_token(r, kind, org, env)
        if record is None:
            out[kind] = {"present": False}
            continue
        out[kind] = {
            "present": True, "id": record.id, "group_id": record.group_id, "dead": record.dead,
            "reason": record.dead_reason, "source": record.source,
            "renewable": bool(record.refresh_token),
            "expires_in": None if record.expires_at is None else round(record.expires_at - now),
        }
    return out


def _lock_key(org: str) -> str:
    return keys.vk_token_refresh_lock(org)


def refresh(r: redis.Redis, org: str, oauth_url: str, client_id: str, *, seen_token: str | None = None,
            timeout: float = 10.0, session: requests.Session | None = None) -> TokenRecord:
    """Renew the user token now. ``seen_token``: the token the caller found dead; if another process already
    replaced it, that newer record is returned without spending the refresh token again."""
    lock = r.lock(_lock_key(org), timeout=timeout + 5, blocking_timeout=timeout + 5)
    if not lock.acquire():
        raise TokenRefreshError("не удалось дождаться обновления токена другим процессом")
    try:
        record = get_token(r, "user", org)
        if record is None:
            raise TokenRefreshError("нет пользовательского токена")
        if seen_token is not None and record.token != seen_token and not record.dead:
            return record
        if not record.refresh_token:
            raise TokenRefreshError("у токена нет refresh_token: нужна повторная авторизация VK ID")
        data = {"grant_type": "refresh_token", "refresh_token": record.refresh_token, "client_id": client_id}
        if record.device_id:
            data["device_id"] = record.device_id
        http = session or requests.Session()
        try:
            resp = http.post(oauth_url.rstrip("/") + "/oauth2/auth", data=data, timeout=timeout)
            body = resp.json()
        except (requests.RequestException, ValueError):
            raise TokenRefreshError("VK ID недоступен для обновления токена") from None
        if not isinstance(body, dict) or "access_token" not in body:
            code = body.get("error", "unknown") if isinstance(body, dict) else "unknown"
            raise TokenRefreshError(f"VK ID отказал в обновлении токена ({code})")
        expires_in = body.get("expires_in")
        new = set_token(r, "user", str(body["access_token"]), record.group_id,
                        str(body.get("refresh_token") or record.refresh_token),
                        time.time() + float(expires_in) if expires_in else None, org,
                        str(body.get("device_id") or record.device_id or "") or None)
        return new
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            pass


def refresh_if_needed(r: redis.Redis, org: str, oauth_url: str, client_id: str, *, margin_s: float = 300.0,
                      timeout: float = 10.0) -> TokenRecord | None:
    """Renew the user token if it expires within ``margin_s``; returns the current record (or None)."""
    record = get_token(r, "user", org)
    if record is None or record.dead or record.expires_at is None or not record.refresh_token:
        return record
    if record.expires_at - time.time() > margin_s:
        return record
    return refresh(r, org, oauth_url, client_id, seen_token=record.token, timeout=timeout)
