"""Admin: staff accounts (create, disable)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from liveline import auth
from liveline.board import catalog
from liveline.errors import LivelineError
from liveline.views.common import call, form, page, r


def _page(request: Request, error: str = "", status_code: int = 200) -> Response:
    rc = r(request)
    return page(request, "users.html", status_code=status_code, users=auth.list_users(rc),
                departments=catalog.department_names(rc), error=error)


def users_page(request: Request) -> Response:
    return _page(request)


async def users_add(request: Request) -> Response:
    data = await form(request)
    try:
        await call(auth.add_user, r(request), data.get("username", ""), data.get("password", ""),
                   data.get("role", ""), data.get("department", ""), data.get("display_name", ""))
    except LivelineError as exc:
        return _page(request, exc.message, 400)
    return RedirectResponse("/admin/users", status_code=303)


async def users_disable(request: Request) -> Response:
    data = await form(request)
    await call(auth.set_disabled, r(request), request.path_params["username"], data.get("enable") != "1")
    return RedirectResponse("/admin/users", status_code=303)
