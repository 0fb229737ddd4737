"""The host screen (studio): the page, the secret host link, and the producer's controls."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from liveline import auth, numbers
from liveline.board import broadcasts, clusters
from liveline.errors import BadRequest, Forbidden
from liveline.views.auth import set_cookie
from liveline.views.common import call, form, no_content, page, r, session


def _bid(request: Request) -> int:
    return int(request.path_params["bid"])


def host_page(request: Request) -> Response:
    rc = r(request)
    bid = _bid(request)
    s = session(request)
    return page(request, "host.html", b=broadcasts.get(rc, bid), controls=s.role in ("admin", "producer"),
                cue_allowed=s.role in ("admin", "producer", "moderator"))


async def host_link(request: Request) -> Response:
    """/host/{bid}/{key}: the studio PC's way in, without an account; revoked by rotating the key."""
    rc = r(request)
    bid = _bid(request)
    key = request.path_params["key"]
    ok = await call(broadcasts.check_host_key, rc, bid, key)
    if not ok:
        raise Forbidden("Ссылка ведущего недействительна или отозвана")
    settings = request.app.state.settings
    s = await call(auth.create_host_session, rc, bid, key, settings.session_idle_s)
    response = RedirectResponse(f"/b/{bid}/host", status_code=303)
    set_cookie(request, response, s.sid)
    return response


async def controls(request: Request) -> Response:
    data = await form(request)
    s = session(request)
    changes: dict[str, object] = {}
    if "cue" in data:
        changes["cue"] = data["cue"]
    if s.role in ("admin", "producer"):
        for flag in ("blank", "paused"):
            if flag in data:
                changes[flag] = data[flag] == "1"
        if "font" in data:
            changes["font"] = numbers.whole(data["font"], "Размер шрифта", signed=True)
    if not changes:
        raise BadRequest("Нечего менять")
    await call(clusters.set_host, r(request), _bid(request), s.username, **changes)
    return no_content()
