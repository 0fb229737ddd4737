"""The pre-broadcast briefing: the top questions by rank, for the official to read before air."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from liveline import numbers
from liveline.board import broadcasts
from liveline.live import briefing
from liveline.permissions import BOARD_READ, route
from liveline.views.common import page, r


def briefing_page(request: Request) -> Response:
    rc = r(request)
    bid = int(request.path_params["bid"])
    top = numbers.optional_whole(request.query_params.get("top"), "Число вопросов", 0)
    data = briefing.build(rc, bid, top=max(3, min(60, top)) if top is not None else 20)
    return page(request, "briefing.html", b=broadcasts.get(rc, bid), data=data)


def routes() -> list[Route]:
    return [route("/b/{bid:int}/briefing", briefing_page, "briefing", BOARD_READ)]
