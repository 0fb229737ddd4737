"""The VK API client: vk_api 11.10.1 made safe for a long-running ingester.

* ``make_session``: a ``vk_api.VkApi`` on API 5.199 whose hard-coded https://api.vk.ru goes to ``api_url``
  (a transport adapter; VK's own URL by default) with a timeout on every request; vk_api's captcha handler
  (which crashes on VK's new captcha error) is removed and its unbounded error-6 retry replaced: both
  errors surface, and ``VkCaller`` handles them.
* ``VkCaller.call``: takes a slot from the token's shared bucket, calls, and turns every failure into one of
  a small exception hierarchy; transient faults are retried a bounded number of times with backoff.

Exception messages are Russian (they reach the status panel) and never carry a token.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import redis
import requests
import vk_api
from jconfig.memory import MemoryConfig
from requests.adapters import HTTPAdapter
from vk_api.exceptions import ApiError, ApiHttpError, VkRequestsPoolException
from vk_api.requests_pool import VkRequestsPool

from liveline.ingest.vk import tokens
from liveline.ingest.vk.ratelimit import RateLimitTimeout, TokenBucket
from liveline.store import keys

API_VERSION = "5.199"
VK_API_BASE = "https://api.vk.ru"
RATES = {"user": 3.0, "service": 3.0, "group": 20.0}
MSK = dt.timezone(dt.timedelta(hours=3))
log = logging.getLogger(__name__)


class VkError(Exception):
    """Any VK failure. ``code``: VK error code (HTTP status as negative, 0 for transport faults)."""

    def __init__(self, message: str, code: int = 0, method: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.method = method


class VkTransient(VkError):
    """1, 6, 10, 36, HTTP 5xx, timeouts, connection errors: retried; raised once retries are spent."""


class VkFloodControl(VkError):
    """9, 223: back off for minutes."""


class VkQuota(VkError):
    """29: this method is blocked for this token until the next day."""


class VkTokenDead(VkError):
    """5 (after one renewal), 17, 18, 27, 28: the token cannot do this; an operator must act."""


class VkCaptcha(VkError):
    """14: needs a human; never solved in the ingest path."""


class VkClosed(VkError):
    """15, 210, 212, 801: the post/video is gone or its comments are closed."""


TRANSIENT = {1, 6, 10, 36}
FLOOD = {9, 223}
DEAD = {5, 17, 18, 27, 28}
CLOSED = {15, 210, 212, 801}
MESSAGES = {
    1: "неизвестная ошибка VK", 5: "токен недействителен или истёк", 6: "слишком много запросов в секунду",
    9: "VK ограничил частоту действий (flood control)", 10: "внутренняя ошибка VK",
    14: "VK требует капчу: нужен оператор", 15: "доступ запрещён: запись или видео недоступны",
    17: "VK требует подтверждения аккаунта", 18: "страница владельца токена удалена или заблокирована",
    27: "токен сообщества не подходит для этого метода", 28: "токен приложения не подходит для этого метода",
    29: "исчерпан суточный лимит метода для этого токена", 36: "VK прервал выполнение метода по тайм-ауту",
    210: "доступ к записи запрещён", 212: "комментарии к записи закрыты", 223: "слишком много ответов",
    801: "комментарии к видео закрыты",
}


def error_for(code: int, method: str) -> VkError:
    """The exception for VK error ``code`` from ``method`` (message from our table, never VK's echo)."""
    message = f"{method}: {MESSAGES.get(code, 'ошибка VK')} [{code}]"
    if code in TRANSIENT:
        return VkTransient(message, code, method)
    if code in FLOOD:
        return VkFloodControl(message, code, method)
    if code == 29:
        return VkQuota(message, code, method)
    if code in DEAD:
        return VkTokenDead(message, code, method)
    if code == 14:
        return VkCaptcha(message, code, method)
    if code in CLOSED:
        return VkClosed(message, code, method)
    return VkError(message, code, method)


class BaseUrlAdapter(HTTPAdapter):
    """Sends https://api.vk.ru/... to ``base`` and puts a timeout on every request."""

    def __init__(self, base: str, timeout: float, **kwargs: Any) -> None:
        self.base = base.rstrip("/")
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if self.base != VK_API_BASE:
            request.url = (request.url or "").replace(VK_API_BASE, self.base, 1)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, *args, **kwargs)


def _surface(error: Exception) -> None:
    """An error handler that handles nothing: vk_api then raises the ApiError to us."""
    return


def make_session(token: str, api_url: str = VK_API_BASE, timeout: float = 10.0) -> vk_api.VkApi:
    http = requests.Session()
    http.mount(VK_API_BASE + "/", BaseUrlAdapter(api_url, timeout))
    session = vk_api.VkApi(token=token, api_version=API_VERSION, config=MemoryConfig, session=http)
    session.error_handlers.pop(14, None)
    session.error_handlers[6] = _surface
    session.RPS_DELAY = 0.0  # pacing is the shared TokenBucket's job
    return session


def next_day_msk(now: float | None = None) -> int:
    """Unix time of the next midnight in Moscow (VK's day for quotas)."""
    t = dt.datetime.fromtimestamp(now if now is not None else time.time(), MSK)
    midnight = (t + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(midnight.timestamp())


class VkCaller:
    """Calls VK with one token: shared pacing, bounded retries, classified failures.

    ``rate``: requests/s for the bucket (None = unlimited); by default VK's limit for the token's kind.
    ``renew``: called once on error 5 for a user token; returns the renewed record or raises.
    """

    def __init__(self, r: redis.Redis, token_record: tokens.TokenRecord, api_url: str = VK_API_BASE,
                 rate: float | None | str = "default", *, timeout: float = 10.0, retries: int = 4,
                 backoff_s: float = 0.5, rps_backoff_s: float = 1.0, max_backoff_s: float = 8.0,
                 acquire_timeout: float = 60.0,
                 renew: Callable[[], tokens.TokenRecord] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.r = r
        self.record = token_record
        self.api_url = api_url
        self.timeout = timeout
        self.retries = retries
        self.backoff_s = backoff_s
        self.rps_backoff_s = rps_backoff_s
        self.max_backoff_s = max_backoff_s
        self.acquire_timeout = acquire_timeout
        self.renew = renew
        self._sleep = sleep
        self.rate = RATES.get(token_record.kind, 3.0) if rate == "default" else rate
        self.session = make_session(token_record.token, api_url, timeout)
        self.bucket = TokenBucket(r, token_record.id, self.rate if not isinstance(self.rate, str) else None,
                                  sleep=sleep)
        self.stats: dict[str, int] = {"calls": 0, "retries": 0, "rate_limited": 0}

    @property
    def kind(self) -> str:
        return self.record.kind

    def _blocked(self, method: str) -> bool:
        return bool(self.r.exists(keys.vk_method_blocked(self.record.id, method)))

    def _block(self, method: str) -> None:
        key = keys.vk_method_blocked(self.record.id, method)
        self.r.set(key, "29")
        self.r.expireat(key, next_day_msk())

    def _replace_token(self, record: tokens.TokenRecord) -> None:
        self.record = record
        self.session = make_session(record.token, self.api_url, self.timeout)
        self.bucket = TokenBucket(self.r, record.id, self.bucket.rate, sleep=self._sleep)

    def _backoff(self, attempt: int, code: int) -> None:
        base = self.rps_backoff_s if code == 6 else self.backoff_s
        delay = min(self.max_backoff_s, base * (2 ** attempt)) * (0.75 + random.random() * 0.5)
        self._sleep(delay)

    def _once(self, fn: Callable[[], Any], method: str) -> Any:
        try:
            self.bucket.acquire(timeout=self.acquire_timeout)
        except RateLimitTimeout as exc:
            raise VkTransient(f"{method}: {exc}", 0, method) from None
        self.stats["calls"] += 1
        try:
            return fn()
        except ApiError as exc:
            raise error_for(int(exc.code), method) from None
        except ApiHttpError as exc:
            status = exc.response.status_code
            cls = VkTransient if status >= 500 or status == 429 else VkError
            raise cls(f"{method}: VK ответил HTTP {status}", -status, method) from None
        except requests.Timeout:
            raise VkTransient(f"{method}: VK не ответил вовремя", 0, method) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            raise VkTransient(f"{method}: нет соединения с VK", 0, method) from None
        except ValueError:  # a non-JSON body
            raise VkTransient(f"{method}: некорректный ответ VK", 0, method) from None

    def _run(self, fn: Callable[[], Any], method: str) -> Any:
        if self._blocked(method):
            raise error_for(29, method)
        renewed = False
        attempt = 0
        while True:
            try:
                return self._once(fn, method)
            except VkTransient as exc:
                if exc.code == 6:
                    self.stats["rate_limited"] += 1
                if attempt >= self.retries:
                    raise
                self.stats["retries"] += 1
                self._backoff(attempt, exc.code)
                attempt += 1
            except VkQuota:
                self._block(method)
                raise
            except VkTokenDead as exc:
                if exc.code == 5 and self.kind == "user" and self.renew is not None and not renewed:
                    renewed = True
                    try:
                        self._replace_token(self.renew())
                        continue
                    except tokens.TokenRefreshError:
                        pass
                if exc.code in (5, 17, 18, 28):
                    tokens.mark_dead(self.r, self.kind, self.record.org, str(exc))
                raise

    def call(self, method: str, **params: Any) -> Any:
        return self._run(lambda: self.session.method(method, params), method)

    def call_many(self, method: str, params_list: list[dict[str, Any]]) -> list[Any]:
        """Up to 25 calls of one method in one ``execute`` (one request against the bucket; user/group
        tokens). Returns, per call, its response or the ``VkError`` it failed with (29 blocks the method)."""
        if not params_list:
            return []
        if len(params_list) == 1 or self.kind == "service":
            out: list[Any] = []
            for params in params_list:
                try:
                    out.append(self.call(method, **params))
                except (VkTokenDead, VkCaptcha):
                    raise
                except VkError as exc:
                    out.append(exc)
            return out
        if self._blocked(method):
            raise error_for(29, method)

        def pooled() -> list[Any]:
            pool = VkRequestsPool(self.session)
            results = [pool.method(method, dict(p)) for p in params_list]
            pool.execute()
            return results

        results = self._run(pooled, "execute")
        out = []
        for res in results:
            if res.ok:
                out.append(res.result)
                continue
            try:
                code = int(res.error.get("error_code", 0))
            except (AttributeError, TypeError, ValueError, VkRequestsPoolException):
                code = 0
            err = error_for(code, method)
            if isinstance(err, VkQuota):
                self._block(method)
            out.append(err)
        return out
