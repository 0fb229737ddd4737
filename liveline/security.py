"""HTTP hardening in one place: security headers with a strict CSP on every response (errors and crashes
included), the session, CSRF and Origin checks, the client's address behind trusted proxies, and the cap on a
request's body.

The CSP allows scripts and styles from our own origin only (no inline script, no eval: htmx runs with
``allowEval: false``), WebSockets to our own origin, and no framing. Every response but a static file is
``Cache-Control: no-store``: pages, fragments and exports carry personal data.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveline import numbers
from liveline.auth import COOKIE, CookieSigner, load_session
from liveline.errors import PayloadTooLarge

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
       "object-src 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
NO_STORE = (b"cache-control", b"no-store")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_EXEMPT = {"/login"}
STATIC_PREFIX = "/static/"
TOO_LARGE = "Слишком большой запрос: уменьшите текст или файл"
ANONYMOUS_MAX_BODY = 64 * 1024  # a request without a session carries a login form at most
CRASHED = "Внутренняя ошибка сервера. Мы уже знаем о ней; повторите действие позже."

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def cookie_value(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


def parse_networks(text: str) -> tuple[Network, ...]:
    """``LIVELINE_TRUSTED_PROXIES``: addresses or networks, comma-separated."""
    return tuple(ipaddress.ip_network(x.strip(), strict=False) for x in text.split(",") if x.strip())


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(scope: Scope, proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the nearest address in
    ``X-Forwarded-For`` that is not one of our proxies (what a client writes further left is not believed)."""
    client = scope.get("client")
    peer = client[0] if client else ""
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded = [x.strip() for x in Headers(scope=scope).get("x-forwarded-for", "").split(",") if x.strip()]
    for address in reversed(forwarded):
        if not _trusted(address, proxies):
            return address
    return forwarded[0] if forwarded else peer


def same_origin(headers: Headers, public_origin: str, scheme: str = "http") -> bool:
    """An Origin header, when sent, must be ours: the configured public origin, or the request's own scheme
    and Host. Scheme, host and port all count."""
    origin = headers.get("origin")
    if not origin:
        return True
    if public_origin:
        return origin.rstrip("/").lower() == public_origin.rstrip("/").lower()
    parts = urlsplit(origin)
    ours = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return parts.scheme.lower() == ours and parts.netloc.lower() == headers.get("host", "").lower()


def _with_headers(headers: list[tuple[bytes, bytes]], static: bool) -> list[tuple[bytes, bytes]]:
    existing = {k.lower() for k, _ in headers}
    extra = HEADERS if static else [*HEADERS, NO_STORE]
    return headers + [(k, v) for k, v in extra if k not in existing]


def limited_receive(receive: Receive, headers: Headers, max_body: int) -> Receive:
    """``receive`` that raises ``PayloadTooLarge`` once the body passes ``max_body`` bytes — before reading
    any of it when the declared Content-Length is already too large."""
    declared = headers.get("content-length", "")
    too_large = numbers.is_whole(declared) and int(declared) > max_body
    received = 0

    async def receive_limited() -> Message:
        nonlocal received
        if too_large:
            raise PayloadTooLarge(TOO_LARGE)
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_body:
                raise PayloadTooLarge(TOO_LARGE)
        return message
    return receive_limited


class SecurityMiddleware:
    """Loads the session into ``scope["ll_session"]`` and the client's address into ``scope["ll_address"]``,
    checks CSRF/Origin, caps the body, adds security headers to every response, a crash's 500 included."""

    def __init__(self, app: ASGIApp, redis_client: Any, secret: str, idle_s: int, public_origin: str,
                 trusted_proxies: tuple[Network, ...], max_body_bytes: int) -> None:
        self.app = app
        self.r = redis_client
        self.signer = CookieSigner(secret)
        self.idle_s = idle_s
        self.public_origin = public_origin
        self.proxies = trusted_proxies
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        scope["ll_session"] = None
        scope["ll_address"] = client_address(scope, self.proxies)
        raw = cookie_value(headers, COOKIE)
        if raw:
            sid = self.signer.loads(raw)
            if sid:
                scope["ll_session"] = await run_in_threadpool(load_session, self.r, sid, self.idle_s)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC_PREFIX)
        if scope["method"] not in SAFE_METHODS:
            if not same_origin(headers, self.public_origin, scope.get("scheme", "http")):
                await plain(send, 403, "Запрос с чужого сайта отклонён")
                return
            s = scope["ll_session"]
            if scope["path"] not in CSRF_EXEMPT and s is not None:
                token = headers.get("x-csrf-token")
                if token is None:
                    scope["ll_csrf_from_form"] = True  # views check the form field (plain <form> posts)
                elif token != s.csrf:
                    await plain(send, 403, "Неверный CSRF-токен: обновите страницу")
                    return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = _with_headers(list(message.get("headers", [])), static)
            await send(message)

        try:
            cap = self.max_body if scope["ll_session"] is not None else min(self.max_body, ANONYMOUS_MAX_BODY)
            await self.app(scope, limited_receive(receive, headers, cap), send_with_headers)
        except Exception:
            if not started:  # Starlette's own 500 would go out without our headers: ours goes first
                await plain(send, 500, CRASHED)
            raise


async def plain(send: Send, status: int, text: str) -> None:
    """A plain-text response with the security headers (for what is refused before any view runs)."""
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": _with_headers([(b"content-type", b"text/plain; charset=utf-8"),
                                          (b"content-length", str(len(body)).encode())], False)})
    await send({"type": "http.response.body", "body": body})
