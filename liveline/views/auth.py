"""Log in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from liveline import auth
from liveline.errors import TooManyRequests
from liveline.views.common import call, form, page, r, session


def _safe_next(value: str) -> str:
    parts = urlsplit(value or "/")
    if parts.scheme or parts.netloc or not (parts.path or "/").startswith("/") or value.startswith("//"):
        return "/"
    return value or "/"


def set_cookie(request: Request, response: Response, sid: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(auth.COOKIE, request.app.state.signer.dumps(sid), httponly=True, samesite="lax",
                        secure=settings.cookie_secure, path="/")


async def login_form(request: Request) -> Response:
    return page(request, "login.html", next=_safe_next(request.query_params.get("next", "/")), error="")


DEVICE_MAX_AGE_S = 400 * 86400


def address(request: Request) -> str:
    """The client's address, as the security middleware read it (behind ``LIVELINE_TRUSTED_PROXIES``)."""
    return str(request.scope.get("ll_address", ""))


async def login(request: Request) -> Response:
    data = await form(request)
    username, password = data.get("username", "").strip(), data.get("password", "")
    nxt = _safe_next(data.get("next", "/"))
    signer = request.app.state.device_signer
    raw_device = request.cookies.get(auth.COOKIE_DEVICE)
    device = auth.device_of(signer.loads(raw_device) if raw_device else None, username)
    try:
        user = await call(auth.authenticate, r(request), username, password, address(request), device)
    except TooManyRequests as exc:
        return page(request, "login.html", status_code=429, next=nxt, error=exc.message)
    if user is None:
        return page(request, "login.html", status_code=401, next=nxt, error="Неверное имя или пароль")
    settings = request.app.state.settings
    s = await call(auth.create_session, r(request), user.username, user.role, user.department,
                   settings.session_idle_s)
    response = RedirectResponse(nxt, status_code=303)
    set_cookie(request, response, s.sid)
    if not device:  # this browser may log in as this user again past a lock others caused
        response.set_cookie(auth.COOKIE_DEVICE, signer.dumps(auth.new_device(user.username)),
                            max_age=DEVICE_MAX_AGE_S, httponly=True, samesite="lax",
                            secure=settings.cookie_secure, path="/login")
    return response


async def logout(request: Request) -> Response:
    await form(request)
    s = request.scope.get("ll_session")
    if s is not None:
        await call(auth.drop_session, r(request), s)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/")
    return response


async def logout_everywhere(request: Request) -> Response:
    await form(request)
    s = session(request)
    await call(auth.logout_everywhere, r(request), s.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/")
    return response


async def home(request: Request) -> Response:
    s = session(request)
    if s.role == "host":
        return RedirectResponse(f"/b/{s.broadcast}/host", status_code=303)
    if s.role == "staff":
        return RedirectResponse("/appeals", status_code=303)
    return RedirectResponse("/broadcasts", status_code=303)

