"""What every view needs: the app's resources, the session, the base template context, form CSRF."""

from __future__ import annotations

from typing import Any

import redis
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from liveline.auth import Session
from liveline.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized
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


async def parsed_form(request: Request, files: int = 0) -> FormData:
    """The submitted form within the limits: ``LIVELINE_MAX_FIELD_BYTES`` a text field, ``LIVELINE_MAX_PARTS``
    fields, ``files`` files (none unless a view takes an upload); the body as a whole is capped before it is
    read (``security.limited_receive``). Beyond a limit: 413. A plain (non-htmx) form must carry the
    session's CSRF token in a field."""
    settings = request.app.state.settings
    try:
        data = await request.form(max_files=files, max_fields=settings.max_parts,
                                  max_part_size=settings.max_field_bytes)
    except HTTPException as exc:  # Starlette turns the parser's refusals into a 400 with English text
        if "maximum" in str(exc.detail).lower():
            raise PayloadTooLarge("Слишком большой запрос: слишком длинное поле, много полей или файлов") from exc
        raise BadRequest("Форма повреждена: отправьте её ещё раз") from exc
    if request.scope.get("ll_csrf_from_form"):
        s = request.scope.get("ll_session")
        if s is not None and data.get("csrf") != s.csrf:
            raise Forbidden("Неверный CSRF-токен: обновите страницу")
    return data


async def form(request: Request) -> dict[str, str]:
    """The submitted form's text fields (see ``parsed_form``)."""
    data = await parsed_form(request)
    return {k: v for k, v in data.items() if isinstance(v, str)}


async def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a (blocking, Redis-using) domain verb off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


def no_content(trigger: str | None = None) -> Response:
    headers = {"HX-Trigger": trigger} if trigger else {}
    return Response(status_code=204, headers=headers)
