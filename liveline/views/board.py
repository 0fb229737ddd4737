"""The moderator board: the page, search beyond its window, card actions, manual entry, cluster members, merge
and split.

Actions answer 204: the change reaches every board (the actor's too) through the broadcast's event stream.
A lost versioned write answers 409 with a flash that says who changed the card.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from liveline import numbers
from liveline.board import authors, broadcasts, catalog, clusters, membership, merges, questions, undo
from liveline.errors import BadRequest, NotFound
from liveline.ingest import manual
from liveline.live import screens
from liveline.live.search import Found, Haystacks, Query, find
from liveline.live.window import Columns
from liveline.render import render_fragment
from liveline.store import state
from liveline.views.common import call, form, fragment, no_content, page, r, session


def _bid(request: Request) -> int:
    return int(request.path_params["bid"])


def board_page(request: Request) -> Response:
    rc = r(request)
    bid = _bid(request)
    b = broadcasts.get(rc, bid)
    topics = catalog.taxonomy(rc)
    departments = catalog.department_names(rc)
    return page(request, "board.html", b=b, topics=topics, departments=departments,
                me=session(request).username)


async def search(request: Request) -> Response:
    """The cards that match the board's search and filters in every column (or one: ``column=``), beyond the
    window a board holds: at most LIVELINE_BOARD_CARDS per column, with how many match in all. Read from this
    process's mirror of the broadcast when it runs one, else from a fresh read of the state."""
    bid = _bid(request)
    query = Query.from_params(request.query_params)
    limit = request.app.state.settings.board_cards
    ch = request.app.state.hub.running(bid)
    if ch is not None and isinstance(ch.screens, screens.Screens):
        s, view = ch.mirror, ch.screens
        assert s is not None
        view.board.columns(s)  # built here, on the event loop, if no board has asked yet: the thread only reads
        html = await call(_found, s, lambda: view.find(s, query), view.topics)
    else:
        s = await call(state.read, r(request), bid, False)
        if not s.broadcast:
            raise NotFound("Прямая линия не найдена")
        topics = await call(catalog.topics, r(request))
        html = await call(_found, s, lambda: find(s, Columns(s), query, limit, Haystacks(topics)), topics)
    return Response(html, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})


def _found(s: state.State, run: Callable[[], list[Found]], topics: catalog.Topics) -> str:
    """Run the search and render what it found (in a worker thread: both can take a while at a million)."""
    found = run()
    tz = s.broadcast.get("tz", "Europe/Moscow")
    bid = str(s.broadcast.get("id", ""))
    cards = {f.column: Markup("".join([str(screens.card_html(bid, c, tz, topics)) for c in f.cards]))
             for f in found}
    return render_fragment("partials/_board_found.html", found=found, cards=cards)


def _mute(rc: Any, b: int, cid: str, by: str, muted: bool) -> Any:
    who = authors.leader_author(rc, b, cid)
    if muted:
        return authors.mute_author(rc, b, who["author_id"], by, who["name"])
    return authors.unmute_author(rc, b, who["author_id"], by, who["name"])


def _version(data: dict[str, str]) -> int | None:
    return numbers.optional_whole(data.get("version"), "Версия карточки", 0)


ACTIONS = {
    "approve": lambda rc, b, cid, by, d: clusters.approve(rc, b, cid, by, _version(d)),
    "reject": lambda rc, b, cid, by, d: clusters.reject(rc, b, cid, by, d.get("reason", ""), _version(d)),
    "restore": lambda rc, b, cid, by, d: clusters.restore(rc, b, cid, by, _version(d)),
    "chat": lambda rc, b, cid, by, d: clusters.to_chat(rc, b, cid, by, _version(d)),
    "queue": lambda rc, b, cid, by, d: clusters.enqueue(rc, b, cid, by, _version(d)),
    "unqueue": lambda rc, b, cid, by, d: clusters.unqueue(rc, b, cid, by, _version(d)),
    "on_air": lambda rc, b, cid, by, d: clusters.on_air(rc, b, cid, by, _version(d)),
    "answered": lambda rc, b, cid, by, d: clusters.answered(rc, b, cid, by, _version(d)),
    "return": lambda rc, b, cid, by, d: clusters.return_to_queue(rc, b, cid, by, _version(d)),
    "edit": lambda rc, b, cid, by, d: clusters.edit_reading(rc, b, cid, d.get("text", ""), by, _version(d)),
    "topic": lambda rc, b, cid, by, d: clusters.set_topic(rc, b, cid, d.get("topic", "other"),
                                                          d.get("department", ""), by, _version(d)),
    "pin": lambda rc, b, cid, by, d: clusters.pin(rc, b, cid, d.get("pinned", "1") == "1", by, _version(d)),
    "parent": lambda rc, b, cid, by, d: clusters.show_parent(rc, b, cid, d.get("shown", "1") == "1", by,
                                                             _version(d)),
    "take": lambda rc, b, cid, by, d: clusters.take(rc, b, cid, by, release=d.get("release") == "1"),
    "move": lambda rc, b, cid, by, d: clusters.move(rc, b, cid, _position(d), by),
    "unapprove": lambda rc, b, cid, by, d: undo.revert_status(rc, b, cid, "new", by, version=_version(d)),
    "mute": lambda rc, b, cid, by, d: _mute(rc, b, cid, by, True),
    "unmute": lambda rc, b, cid, by, d: _mute(rc, b, cid, by, False),
}


def _position(d: dict[str, str]) -> int:
    return numbers.optional_whole(d.get("position"), "Позиция в очереди", signed=True) or 0


async def act(request: Request) -> Response:
    data = await form(request)
    action = request.path_params["action"]
    fn = ACTIONS.get(action)
    if fn is None:
        raise BadRequest("Неизвестное действие")
    s = session(request)
    await call(fn, r(request), _bid(request), request.path_params["cid"], s.username, data)
    if action in ("mute", "unmute"):
        message = ("Автор заглушён: его новые комментарии будут приходить скрытыми" if action == "mute"
                   else "Автору вернули голос: его новые комментарии снова приходят на доску")
        return fragment("partials/_flash.html", kind="ok", message=message, current=None)
    return no_content()


async def merge(request: Request) -> Response:
    data = await form(request)
    s = session(request)
    target, source = data.get("target", "").strip(), data.get("source", "").strip()
    if not numbers.is_whole(target) or not numbers.is_whole(source):
        raise BadRequest("Укажите номера двух вопросов для объединения")
    await call(merges.merge, r(request), _bid(request), target, source, s.username,
               _version({"version": data.get("target_version", "")}),
               _version({"version": data.get("source_version", "")}))
    return no_content()


async def split(request: Request) -> Response:
    data = await form(request)
    s = session(request)
    await call(merges.split, r(request), _bid(request), request.path_params["cid"], request.path_params["qid"],
               s.username, _version(data))
    return no_content()


def members(request: Request) -> Response:
    rc = r(request)
    bid = _bid(request)
    c = clusters.get(rc, bid, request.path_params["cid"])
    ids = membership.members(rc, bid, c["id"])
    qs = questions.many(rc, bid, ids)
    supporters = questions.support_replies(rc, bid, ids) if c.get("supporters_n") else []
    b = broadcasts.get(rc, bid)
    return fragment("partials/_members.html", c=c, members=qs, supporters=supporters, b=b, tz=b["tz"])


async def manual_question(request: Request) -> Response:
    data = await form(request)
    s = session(request)
    await call(manual.add, r(request), _bid(request), data.get("text", ""), data.get("author", ""),
               s.username)
    return fragment("partials/_flash.html", kind="ok", message="Вопрос добавлен: он появится на доске после разбора")
