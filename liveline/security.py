"""HTTP hardening in one place: security headers with a strict CSP, the session, CSRF and Origin checks.

The CSP allows scripts and styles from our own origin only (no inline script, no eval: htmx runs with
``allowEval: false``), WebSockets to our own origin, and no framing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveline.auth import COOKIE, CookieSigner, load_session

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
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_EXEMPT = {"/login"}


def cookie_value(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


def same_origin(headers: Headers, public_origin: str) -> bool:
    """An Origin header, when sent, must be ours (the configured public origin, or the Host's)."""
    origin = headers.get("origin")
    if not origin:
        return True
    if public_origin:
        return origin.rstrip("/") == public_origin.rstrip("/")
    return urlsplit(origin).netloc == headers.get("host", "")


class SecurityMiddleware:
    """Loads the session into ``scope["ll_session"]``, checks CSRF/Origin, adds security headers."""

    def __init__(self, app: ASGIApp, redis_client: Any, secret: str, idle_s: int, public_origin: str) -> None:
        self.app = app
        self.r = redis_client
        self.signer = CookieSigner(secret)
        self.idle_s = idle_s
        self.public_origin = public_origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        scope["ll_session"] = None
        raw = cookie_value(headers, COOKIE)
        if raw:
            sid = self.signer.loads(raw)
            if sid:
                from starlette.concurrency import run_in_threadpool

                scope["ll_session"] = await run_in_threadpool(load_session, self.r, sid, self.idle_s)
        if scope["type"] == "http":
            method = scope["method"]
            if method not in SAFE_METHODS:
                if not same_origin(headers, self.public_origin):
                    await _plain(send, 403, "Запрос с чужого сайта отклонён")
                    return
                s = scope["ll_session"]
                if scope["path"] not in CSRF_EXEMPT and s is not None:
                    token = headers.get("x-csrf-token")
                    if token is None:
                        scope["ll_csrf_from_form"] = True  # views check the form field (plain <form> posts)
                    elif token != s.csrf:
                        await _plain(send, 403, "Неверный CSRF-токен: обновите страницу")
                        return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message.setdefault("headers", [])
                    existing = {k.lower() for k, _ in message["headers"]}
                    message["headers"] += [(k, v) for k, v in HEADERS if k not in existing]
                await send(message)

            await self.app(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send)


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + HEADERS})
    await send({"type": "http.response.body", "body": body})
