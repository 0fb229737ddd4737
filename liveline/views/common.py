"""What every view needs: the app's resources, the session, the base template context, form CSRF."""

from __future__ import annotations

from typing import Any

import redis
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from liveline.auth import Session
from liveline.errors import Forbidden, Unauthorized
from liveline.render import render_fragment


def r(request: Request) -> redis.Redis:
    return request.app.state.redis


def session(request: Request) -> Session:
    s = request.scope.get("ll_session")
    if s is None:
        raise Unauthorized("Войдите, чтобы продолжить")
    return s


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def base_ctx(request: Request, **extra: Any) -> dict[str, Any]:
    s = request.scope.get("ll_session")
    ctx: dict[str, Any] = {"request": request, "session": s, "csrf": s.csrf if s else "", "flash": None}
    ctx.update(extra)
    return ctx


def page(request: Request, name: str, status_code: int = 200, **extra: Any) -> HTMLResponse:
    return HTMLResponse(render_fragment(name, **base_ctx(request, **extra)), status_code=status_code)


def fragment(name: str, status_code: int = 200, headers: dict[str, str] | None = None, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(render_fragment(name, **ctx), status_code=status_code, headers=headers)


async def form(request: Request) -> dict[str, str]:
    """The submitted form; a plain (non-htmx) form must carry the session's CSRF token in a field."""
    data = await request.form()
    values = {k: str(v) for k, v in data.items() if isinstance(v, str)}
    if request.scope.get("ll_csrf_from_form"):
        s = request.scope.get("ll_session")
        if s is not None and values.get("csrf") != s.csrf:
            raise Forbidden("Неверный CSRF-токен: обновите страницу")
    return values


async def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a (blocking, Redis-using) domain verb off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


def no_content(trigger: str | None = None) -> Response:
    headers = {"HX-Trigger": trigger} if trigger else {}
    return Response(status_code=204, headers=headers)
