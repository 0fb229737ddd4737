"""Broadcast admin: list, create, the broadcast page (sources, start/end, host link, ingestion status)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from liveline import auth, workflows
from liveline.board import broadcasts
from liveline.errors import BadRequest, LivelineError
from liveline.ingest import sources
from liveline.views.common import call, form, page, r, session


def _bid(request: Request) -> int:
    return int(request.path_params["bid"])


def list_page(request: Request) -> Response:
    rc = r(request)
    return page(request, "broadcasts.html", broadcasts=broadcasts.list_all(rc), error="", values={})


async def create(request: Request) -> Response:
    data = await form(request)
    s = session(request)
    try:
        bid = await call(broadcasts.create, r(request), data.get("title", ""), data.get("official", ""),
                         data.get("tz", "Europe/Moscow") or "Europe/Moscow", data.get("start", ""),
                         data.get("end", ""), s.username)
    except BadRequest as exc:
        rc = r(request)
        return page(request, "broadcasts.html", status_code=400, broadcasts=broadcasts.list_all(rc),
                    error=exc.message, values=data)
    if data.get("demo"):
        await call(broadcasts.add_source, r(request), bid, {"kind": "demo"})
    return RedirectResponse(f"/b/{bid}", status_code=303)


def detail(request: Request) -> Response:
    rc = r(request)
    bid = _bid(request)
    b = broadcasts.get(rc, bid)
    s = session(request)
    host_url = ""
    if s.role == "admin":
        host_url = str(request.url_for("host_link", bid=bid, key=broadcasts.host_key(rc, bid)))
    return page(request, "broadcast.html", b=b, sources=sources.statuses(rc, bid), host_url=host_url,
                error=request.query_params.get("error", ""))


def status_fragment(request: Request) -> Response:
    rc = r(request)
    bid = _bid(request)
    return page(request, "partials/_ingest_status.html", b=broadcasts.get(rc, bid), sources=sources.statuses(rc, bid))


async def transition(request: Request) -> Response:
    await form(request)
    s = session(request)
    action = request.path_params["action"]
    fn = {"start": broadcasts.start, "end": workflows.end_broadcast, "close": broadcasts.close}.get(action)
    if fn is None:
        raise BadRequest("Неизвестное действие")
    await call(fn, r(request), _bid(request), s.username)
    return RedirectResponse(f"/b/{_bid(request)}", status_code=303)


async def add_source(request: Request) -> Response:
    data = await form(request)
    bid = _bid(request)
    try:
        await call(sources.add_from_text, r(request), bid, data.get("url", ""))
    except LivelineError as exc:
        from urllib.parse import quote

        return RedirectResponse(f"/b/{bid}?error={quote(exc.message)}", status_code=303)
    return RedirectResponse(f"/b/{bid}", status_code=303)


async def remove_source(request: Request) -> Response:
    await form(request)
    await call(broadcasts.remove_source, r(request), _bid(request), request.path_params["sid"])
    return RedirectResponse(f"/b/{_bid(request)}", status_code=303)


async def rotate_host_link(request: Request) -> Response:
    await form(request)
    await call(broadcasts.rotate_host_key, r(request), _bid(request))
    await call(auth.end_host_sessions, r(request), _bid(request))
    return RedirectResponse(f"/b/{_bid(request)}", status_code=303)
