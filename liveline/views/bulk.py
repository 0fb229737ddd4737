"""Bulk actions on the board: the selected cards, or a whole spam wave, in one request."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from liveline import labels
from liveline.board import bulk as bulk_actions
from liveline.errors import BadRequest
from liveline.permissions import BOARD, route
from liveline.render import plural
from liveline.views.common import call, form, fragment, r, session


def _bid(request: Request) -> int:
    return int(request.path_params["bid"])


def _summary(done: int, failed: list[str], verb: str) -> Response:
    msg = f"{verb}: {done} {plural(done, 'карточка', 'карточки', 'карточек')}."
    if failed:
        msg += f" Не удалось {len(failed)}: " + "; ".join(failed[:5]) + ("…" if len(failed) > 5 else "")
    return fragment("partials/_flash.html", kind="error" if failed else "ok", message=msg, current=None)


async def bulk(request: Request) -> Response:
    data = await form(request)
    s = session(request)
    action = data.get("action", "")
    if action not in bulk_actions.ACTIONS:
        raise BadRequest("Неизвестное действие")
    reason = data.get("reason", "")
    if action == "reject" and reason not in labels.REJECT_REASONS:
        raise BadRequest("Укажите причину отклонения")
    targets = bulk_actions.parse_targets(data.get("ids", ""))
    done, failed = await call(bulk_actions.apply_many, r(request), _bid(request), targets, action, reason, s.username)
    verb = {"approve": "Одобрено", "reject": "Отклонено", "queue": "В очередь"}[action]
    return _summary(done, failed, verb)


async def wave(request: Request) -> Response:
    """"Reject the whole spam wave": every undecided card of a brigade, or of a filter reason."""
    data = await form(request)
    s = session(request)
    brigade, filter_reason = data.get("brigade", "").strip(), data.get("filter", "").strip()
    if not brigade and filter_reason not in bulk_actions.WAVE_REASONS:
        raise BadRequest("Укажите волну или причину фильтра")
    bid = _bid(request)
    targets = await call(bulk_actions.wave_targets, r(request), bid, brigade, filter_reason if not brigade else "")
    if not targets:
        return fragment("partials/_flash.html", kind="ok", message="Таких карточек больше нет", current=None)
    reason = "spam" if brigade else bulk_actions.WAVE_REASONS[filter_reason]
    done, failed = await call(bulk_actions.apply_many, r(request), bid, targets, "reject", reason, s.username)
    return _summary(done, failed, "Отклонено")


def routes() -> list[Route]:
    P = ["POST"]
    return [
        route("/b/{bid:int}/bulk", bulk, "bulk", BOARD, P),
        route("/b/{bid:int}/wave", wave, "wave", BOARD, P),
    ]
