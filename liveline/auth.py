"""Accounts, roles, sessions and the host link.

Passwords are argon2 hashes. A session is a random id in a signed, HttpOnly, SameSite=Lax cookie, stored in
Redis with an idle timeout, listed per user so "log out everywhere" can drop them all. The studio's host
screen opens with a revocable secret link instead of an account: it makes a session of role ``host`` bound
to one broadcast and to the link's current secret.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

import redis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer

from liveline.errors import BadRequest, Conflict, NotFound, TooManyRequests
from liveline.store import codec, keys, redis_types

ROLES = ("admin", "moderator", "producer", "host", "staff", "viewer")
COOKIE = "ll_session"
_hasher = PasswordHasher()
LOGIN_LIMIT = 5          # failures per account or per address
LOGIN_WINDOW_S = 300


@dataclass
class User:
    username: str
    role: str
    department: str = ""
    disabled: bool = False
    display_name: str = ""
    password_hash: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def public(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("password_hash")
        return d


@dataclass
class Session:
    sid: str
    username: str
    role: str
    department: str = ""
    broadcast: str = ""        # host-link sessions are bound to one broadcast ...
    host_key: str = ""         # ... and to the link secret they were opened with
    csrf: str = ""
    created_at: float = 0.0

    @property
    def name(self) -> str:
        return self.username


def validate_username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > 64 or not all(ch.isalnum() or ch in "._-" for ch in username):
        raise BadRequest("Имя пользователя: буквы, цифры, точка, дефис, подчёркивание (до 64 символов)")
    return username


def add_user(r: redis.Redis, username: str, password: str, role: str, department: str = "",
             display_name: str = "") -> User:
    username = validate_username(username)
    if role not in ROLES:
        raise BadRequest(f"Неизвестная роль «{role}»: {', '.join(ROLES)}")
    if role == "staff" and not department:
        raise BadRequest("Сотруднику ведомства нужно указать ведомство (--department)")
    if len(password) < 8:
        raise BadRequest("Пароль должен быть не короче 8 символов")
    user = User(username, role, department, False, display_name, _hasher.hash(password))
    if not r.hsetnx(keys.users(), username, codec.dumps(asdict(user))):
        raise Conflict(f"Пользователь {username} уже есть")
    return user


def get_user(r: redis.Redis, username: str) -> User | None:
    raw = r.hget(keys.users(), username)
    return User(**codec.loads(raw)) if raw else None


def list_users(r: redis.Redis) -> list[User]:
    return sorted((User(**codec.loads(v)) for v in r.hgetall(keys.users()).values()), key=lambda u: u.username)


def _save(r: redis.Redis, user: User) -> None:
    r.hset(keys.users(), user.username, codec.dumps(asdict(user)))


def set_password(r: redis.Redis, username: str, password: str) -> None:
    user = get_user(r, username)
    if user is None:
        raise NotFound(f"Нет пользователя {username}")
    if len(password) < 8:
        raise BadRequest("Пароль должен быть не короче 8 символов")
    user.password_hash = _hasher.hash(password)
    _save(r, user)
    logout_everywhere(r, username)


def set_disabled(r: redis.Redis, username: str, disabled: bool = True) -> None:
    user = get_user(r, username)
    if user is None:
        raise NotFound(f"Нет пользователя {username}")
    user.disabled = disabled
    _save(r, user)
    if disabled:
        logout_everywhere(r, username)


def _throttled(r: redis.Redis, username: str, address: str) -> bool:
    p = r.pipeline(transaction=False)
    p.get(keys.login_failures("user", username))
    p.get(keys.login_failures("addr", address))
    return any(int(x or 0) >= LOGIN_LIMIT for x in p.execute())


def _fail(r: redis.Redis, username: str, address: str) -> None:
    p = r.pipeline(transaction=True)
    for k in (keys.login_failures("user", username), keys.login_failures("addr", address)):
        p.incr(k)
        p.expire(k, LOGIN_WINDOW_S)
    p.execute()


def authenticate(r: redis.Redis, username: str, password: str, address: str = "") -> User | None:
    """The user when the password matches and the account is active; throttled per account and address."""
    if _throttled(r, username, address):
        raise TooManyRequests("Слишком много неудачных попыток входа. Подождите несколько минут.")
    user = get_user(r, username)
    ok = False
    if user is not None and not user.disabled:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    if not ok:
        _fail(r, username, address)
        return None
    r.delete(keys.login_failures("user", username))
    return user


# -- sessions -------------------------------------------------------------------------------------------
def create_session(r: redis.Redis, username: str, role: str, department: str, idle_s: int,
                   broadcast: str = "", host_key: str = "") -> Session:
    s = Session(secrets.token_urlsafe(24), username, role, department, broadcast, host_key,
                secrets.token_urlsafe(24), time.time())
    p = r.pipeline(transaction=True)
    p.set(keys.session(s.sid), codec.dumps(asdict(s)), ex=idle_s)
    p.sadd(keys.user_sessions(username), s.sid)
    p.execute()
    return s


def load_session(r: redis.Redis, sid: str, idle_s: int) -> Session | None:
    """The live session (its idle timer restarts), or None when it expired, was dropped or its user is gone."""
    raw = r.get(keys.session(sid))
    if raw is None:
        return None
    s = Session(**codec.loads(raw))
    if s.role == "host":
        from liveline.board.broadcasts import check_host_key

        if not check_host_key(r, s.broadcast, s.host_key):
            drop_session(r, s)
            return None
    else:
        user = get_user(r, s.username)
        if user is None or user.disabled or user.role != s.role or user.department != s.department:
            drop_session(r, s)
            return None
    r.expire(keys.session(sid), idle_s)
    return s


def drop_session(r: redis.Redis, s: Session) -> None:
    p = r.pipeline(transaction=True)
    p.delete(keys.session(s.sid))
    p.srem(keys.user_sessions(s.username), s.sid)
    p.execute()


def logout_everywhere(r: redis.Redis, username: str) -> int:
    sids = [redis_types.text(x) for x in r.smembers(keys.user_sessions(username))]
    if sids:
        r.delete(*[keys.session(sid) for sid in sids])
    r.delete(keys.user_sessions(username))
    return len(sids)


class CookieSigner:
    def __init__(self, secret: str) -> None:
        self._s = URLSafeSerializer(secret, salt="liveline-session")

    def dumps(self, sid: str) -> str:
        return self._s.dumps(sid)

    def loads(self, value: str) -> str | None:
        try:
            sid = self._s.loads(value)
        except BadSignature:
            return None
        return sid if isinstance(sid, str) else None
