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
COOKIE_DEVICE = "ll_device"
LOGIN_LIMIT = 5          # wrong passwords verified per account (or per device cookie) in a window
ADDRESS_LIMIT = 20       # wrong passwords verified per client address in a window
LOGIN_WINDOW_S = 900


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
    department = _department_on_record(r, department) if role == "staff" else ""
    if len(display_name) > 120:
        raise BadRequest("Имя для показа — не длиннее 120 символов")
    if len(password) < 8:
        raise BadRequest("Пароль должен быть не короче 8 символов")
    user = User(username, role, department, False, display_name, _hasher.hash(password))
    if not r.hsetnx(keys.users(), username, codec.dumps(asdict(user))):
        raise Conflict(f"Пользователь {username} уже есть")
    return user


def _department_on_record(r: redis.Redis, department: str) -> str:
    from liveline.board.catalog import known_department

    return known_department(r, department)


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


# -- logging in: throttled in one atomic step, the same argon2 work for every username ------------------
# A reservation (both counters below their limits, then both incremented) is one Lua step, so parallel
# requests across web processes cannot verify more guesses than the limits allow. A successful login gives its
# reservation back. The window is fixed from the first failure: refused attempts do not renew it.
_RESERVE = """
local account = tonumber(redis.call('GET', KEYS[1]) or '0')
local address = tonumber(redis.call('GET', KEYS[2]) or '0')
if account >= tonumber(ARGV[1]) or address >= tonumber(ARGV[2]) then return 0 end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[3]) end
end
return 1
"""
_RELEASE = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 1
"""
_unknown_hash: list[str] = []  # the hash an unknown or disabled account is verified against, made once


def verify_password(password_hash: str, password: str) -> bool:
    """One argon2 verification; a malformed hash is a mismatch."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _hash_for(user: User | None) -> str:
    if user is not None and not user.disabled:
        return user.password_hash
    if not _unknown_hash:
        _unknown_hash.append(_hasher.hash(secrets.token_urlsafe(24)))
    return _unknown_hash[0]


def _limited_keys(username: str, address: str, device: str) -> list[str]:
    """The counters one attempt reserves: the account's (or, from a browser that logged in as this user
    before, that device's), then the address's."""
    first = keys.login_failures("device", device) if device else keys.login_failures("user", username)
    return [first, keys.login_failures("addr", address)]


def authenticate(r: redis.Redis, username: str, password: str, address: str = "", device: str = "") -> User | None:
    """The user when the password matches and the account is active, else None.

    Raises ``TooManyRequests`` without verifying anything when the account (``LOGIN_LIMIT``) or the address
    (``ADDRESS_LIMIT``) has used its attempts of the last ``LOGIN_WINDOW_S``. ``device`` is the id from a
    device cookie this browser got by logging in as ``username`` before: it is counted instead of the
    account, so guesses from elsewhere cannot lock the user out of that browser.
    """
    counters = _limited_keys(username, address, device)
    if not r.eval(_RESERVE, 2, *counters, LOGIN_LIMIT, ADDRESS_LIMIT, LOGIN_WINDOW_S):
        raise TooManyRequests("Слишком много неудачных попыток входа. Подождите несколько минут.")
    user = get_user(r, username)
    ok = verify_password(_hash_for(user), password) and user is not None and not user.disabled
    if not ok:
        return None
    r.eval(_RELEASE, 2, *counters)
    return user


# -- sessions -------------------------------------------------------------------------------------------
def _listing(s: Session) -> str:
    """Where a session is listed: its account's sessions, or its broadcast's host-link sessions (their own
    namespace, so no account name can reach them)."""
    return keys.host_sessions(s.broadcast) if s.role == "host" else keys.user_sessions(s.username)


def create_session(r: redis.Redis, username: str, role: str, department: str, idle_s: int,
                   broadcast: str = "", host_key: str = "") -> Session:
    s = Session(secrets.token_urlsafe(24), username, role, department, broadcast, host_key,
                secrets.token_urlsafe(24), time.time())
    p = r.pipeline(transaction=True)
    p.set(keys.session(s.sid), codec.dumps(asdict(s)), ex=idle_s)
    p.sadd(_listing(s), s.sid)
    p.execute()
    return s


def host_name(broadcast_id: int | str) -> str:
    """The name a host-link session acts under; the colon is never in an account name."""
    return f"host:{broadcast_id}"


def create_host_session(r: redis.Redis, broadcast_id: int | str, host_key: str, idle_s: int) -> Session:
    """A session of role ``host`` bound to one broadcast and to the link secret it was opened with."""
    return create_session(r, host_name(broadcast_id), "host", "", idle_s, str(broadcast_id), host_key)


def _valid(r: redis.Redis, s: Session) -> bool:
    if s.role == "host":
        from liveline.board.broadcasts import check_host_key

        return check_host_key(r, s.broadcast, s.host_key)
    user = get_user(r, s.username)
    return not (user is None or user.disabled or user.role != s.role or user.department != s.department)


def load_session(r: redis.Redis, sid: str, idle_s: int) -> Session | None:
    """The live session (its idle timer restarts), or None when it expired, was dropped or its user is gone."""
    raw = r.get(keys.session(sid))
    if raw is None:
        return None
    s = Session(**codec.loads(raw))
    if not _valid(r, s):
        drop_session(r, s)
        return None
    r.expire(keys.session(sid), idle_s)
    return s


def still_valid(r: redis.Redis, sessions: list[Session]) -> set[str]:
    """The ids of those of ``sessions`` that still stand (what an open socket re-checks); the idle timer of
    each is left alone."""
    if not sessions:
        return set()
    alive = r.mget([keys.session(s.sid) for s in sessions])
    return {s.sid for s, raw in zip(sessions, alive, strict=True) if raw is not None and _valid(r, s)}


def drop_session(r: redis.Redis, s: Session) -> None:
    p = r.pipeline(transaction=True)
    p.delete(keys.session(s.sid))
    p.srem(_listing(s), s.sid)
    p.execute()


def _drop_listed(r: redis.Redis, listing: str) -> int:
    sids = [redis_types.text(x) for x in r.smembers(listing)]
    if sids:
        r.delete(*[keys.session(sid) for sid in sids])
    r.delete(listing)
    return len(sids)


def logout_everywhere(r: redis.Redis, username: str) -> int:
    """End every session of the account ``username`` (host-link sessions are not an account's)."""
    return _drop_listed(r, keys.user_sessions(username))


def end_host_sessions(r: redis.Redis, broadcast_id: int | str) -> int:
    """End every session opened with the broadcast's host link (after the link is rotated)."""
    return _drop_listed(r, keys.host_sessions(broadcast_id))


def set_role(r: redis.Redis, username: str, role: str, department: str = "") -> None:
    """A new role (and department) for an account; its sessions end."""
    user = get_user(r, username)
    if user is None:
        raise NotFound(f"Нет пользователя {username}")
    if role not in ROLES or role == "host":
        raise BadRequest(f"Неизвестная роль «{role}»")
    if role == "staff" and not department:
        raise BadRequest("Сотруднику ведомства нужно указать ведомство")
    user.role, user.department = role, _department_on_record(r, department) if role == "staff" else ""
    _save(r, user)
    logout_everywhere(r, username)


# -- cookies ----------------------------------------------------------------------------------------------
class CookieSigner:
    """Signs a cookie's text; ``salt`` keeps the session and device cookies from standing in for each other."""

    def __init__(self, secret: str, salt: str = "liveline-session") -> None:
        self._s = URLSafeSerializer(secret, salt=salt)

    def dumps(self, value: str) -> str:
        return self._s.dumps(value)

    def loads(self, value: str) -> str | None:
        try:
            text = self._s.loads(value)
        except BadSignature:
            return None
        return text if isinstance(text, str) else None


DEVICE_SALT = "liveline-device"


def new_device(username: str) -> str:
    """The text of a device cookie: who logged in on this browser, and a random id of the browser."""
    return f"{username}:{secrets.token_urlsafe(18)}"


def device_of(text: str | None, username: str) -> str:
    """The device id when a (verified) device cookie's text is for ``username``, else ""."""
    who, _, device = (text or "").partition(":")
    return device if who == username and device else ""
