"""Admin: staff accounts (create, disable)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from liveline import auth
from liveline.errors import LivelineError
from liveline.views.common import call, form, page, r


def users_page(request: Request) -> Response:
    return page(request, "users.html", users=auth.list_users(r(request)), error="")


async def users_add(request: Request) -> Response:
    data = await form(request)
    try:
        await call(auth.add_user, r(request), data.get("username", ""), data.get("password", ""),
                   data.get("role", ""), data.get("department", ""), data.get("display_name", ""))
    except LivelineError as exc:
        return page(request, "users.html", status_code=400, users=auth.list_users(r(request)), error=exc.message)
    return RedirectResponse("/admin/users", status_code=303)


async def users_disable(request: Request) -> Response:
    data = await form(request)
    await call(auth.set_disabled, r(request), request.path_params["username"], data.get("enable") != "1")
    return RedirectResponse("/admin/users", status_code=303)
