"""The audit log (readable, with undo), the official's briefing, and the board's bulk actions.

``routes()`` is added to the app's routes by ``app.py``. Bulk actions apply one verb per card, so every card
still gets its versioned write, its event and its audit row; the answer is one flash that sums them up.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liveline.board import broadcasts, clusters, undo
from liveline.board.clusters import REJECT_REASONS, STATUS_LABELS
from liveline.errors import BadRequest, LivelineError
from liveline.live import briefing
from liveline.live.screens import TOPIC_NAMES
from liveline.permissions import BOARD, BOARD_READ, route
from liveline.store import state
from liveline.store.events import read_audit
from liveline.views.common import call, form, fragment, page, r, session

ACTION_LABELS = {
    "approve": "Одобрен", "restore": "Возвращён в новые", "reject": "Отклонён", "queue": "В очередь ведущего",
    "unqueue": "Убран из очереди", "move": "Перестановка в очереди", "on_air": "Выведен в эфир",
    "answered": "Отмечен отвеченным", "return": "Возвращён в очередь", "edit": "Правка формулировки",
    "topic": "Тема и отдел", "pin": "Закреплён", "unpin": "Откреплён", "take": "Взят в работу",
    "release": "Отпущен", "host": "Экран ведущего", "merge": "Объединение", "split": "Разделение",
    "unmerge": "Отмена объединения", "revert": "Возврат состояния", "mute": "Автор заглушён",
    "unmute": "Автору вернули голос",
}
FIELD_LABELS = {
    "status": "Состояние", "reject_reason": "Причина", "reading_text": "Формулировка", "topic": "Тема",
    "department": "Отдел", "pinned": "Закреплён", "members": "Вопросы группы", "cue": "Подсказка",
    "blank": "Затемнён", "paused": "Пауза", "font": "Размер шрифта, %", "muted": "Заглушён",
}
# filter reasons of triage -> the reject reason a whole wave gets
WAVE_REASONS = {"spam": "spam", "flood": "spam", "brigade": "spam", "muted": "spam", "profanity": "profanity",
                "repeat": "duplicate"}
BULK = ("approve", "reject", "queue")


def _bid(request: Request) -> int:
    return int(request.path_params["bid"])


# -- audit log -------------------------------------------------------------------------------------------
def _value(field: str, v: Any) -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, bool):
        return "да" if v else "нет"
    if field == "status":
        return STATUS_LABELS.get(str(v), str(v))
    if field == "reject_reason":
        return REJECT_REASONS.get(str(v), str(v))
    if field == "topic":
        return TOPIC_NAMES.get(str(v), str(v))
    if field == "members" and isinstance(v, list):
        return ", ".join(f"№{x}" for x in v)
    text = str(v)
    return text if len(text) <= 300 else text[:300] + "…"


def _changes(before: Any, after: Any) -> list[dict[str, str]]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    out = []
    for k, label in FIELD_LABELS.items():
        if (k in before or k in after) and before.get(k) != after.get(k):
            out.append({"field": label, "before": _value(k, before.get(k)), "after": _value(k, after.get(k))})
    return out


def readable(row: dict[str, Any]) -> dict[str, Any]:
    """An audit row as the page shows it: Russian action, the object, what changed, whether it can be undone."""
    kind, _, ident = str(row["target"]).partition(":")
    before, after, action = row["before"], row["after"], row["action"]
    obj: dict[str, Any] = {"label": row["target"], "cid": None}
    if kind == "cluster":
        obj = {"label": f"Вопрос №{ident}", "cid": ident}
    elif kind == "author":
        name = (before or {}).get("name") if isinstance(before, dict) else ""
        obj = {"label": f"Автор {name or ident}", "cid": None}
    elif kind == "host":
        obj = {"label": "Экран ведущего", "cid": None}
    summary = ""
    changes: list[dict[str, str]] = []
    if action == "merge" and isinstance(before, dict):
        src = before.get("source") or {}
        summary = (f"Присоединены вопросы {_value('members', src.get('members'))} "
                   f"(группа была: «{_value('reading_text', src.get('reading_text'))}»)")
        changes = _changes(before.get("target") or {}, after.get("target") or {})
    elif action in ("split", "unmerge") and isinstance(after, dict):
        new = after.get("new") or {}
        summary = f"Отделены вопросы {_value('members', new.get('members'))} в новую группу"
        changes = _changes(before, after.get("left") or {})
    else:
        changes = _changes(before, after)
    return {**row, "action_label": ACTION_LABELS.get(action, action), "object": obj, "summary": summary,
            "changes": changes, "undoable": undo.can_undo(row)}


def audit_page(request: Request) -> Response:
    rc = r(request)
    bid = _bid(request)
    cid = request.query_params.get("c", "")
    rows = [readable(x) for x in read_audit(rc, bid)]
    if cid.isdigit():
        rows = [x for x in rows if x["object"]["cid"] == cid]
    return page(request, "audit.html", b=broadcasts.get(rc, bid), rows=rows, cid=cid if cid.isdigit() else "",
                ok=request.query_params.get("ok", ""), error=request.query_params.get("error", ""))


async def undo_action(request: Request) -> Response:
    await form(request)
    s = session(request)
    bid = _bid(request)
    row_id = request.path_params["row"]
    back = f"/b/{bid}/audit"
    try:
        await call(undo.undo, r(request), bid, row_id, s.username)
    except LivelineError as exc:
        return RedirectResponse(f"{back}?error={quote(exc.message)}", status_code=303)
    return RedirectResponse(f"{back}?ok={quote('Действие отменено')}", status_code=303)


# -- briefing --------------------------------------------------------------------------------------------
def briefing_page(request: Request) -> Response:
    rc = r(request)
    bid = _bid(request)
    top = request.query_params.get("top", "20")
    data = briefing.build(rc, bid, top=max(3, min(60, int(top))) if top.isdigit() else 20)
    return page(request, "briefing.html", b=broadcasts.get(rc, bid), data=data)


# -- bulk actions ----------------------------------------------------------------------------------------
def _apply_many(rc: Any, bid: int, targets: list[tuple[str, int | None]], action: str, reason: str,
                by: str) -> tuple[int, list[str]]:
    done, failed = 0, []
    for cid, version in targets:
        try:
            if action == "approve":
                clusters.approve(rc, bid, cid, by, version)
            elif action == "reject":
                clusters.reject(rc, bid, cid, by, reason, version)
            elif action == "queue":
                clusters.enqueue(rc, bid, cid, by, version)
            done += 1
        except LivelineError as exc:
            failed.append(f"№{cid}: {exc.message}")
    return done, failed


def _summary(done: int, failed: list[str], verb: str) -> Response:
    from liveline.render import _plural

    msg = f"{verb}: {done} {_plural(done, 'карточка', 'карточки', 'карточек')}."
    if failed:
        msg += f" Не удалось {len(failed)}: " + "; ".join(failed[:5]) + ("…" if len(failed) > 5 else "")
    return fragment("partials/_flash.html", kind="error" if failed else "ok", message=msg, current=None)


def parse_targets(raw: str) -> list[tuple[str, int | None]]:
    """"12:3,14:5" (card:version, version optional) -> [("12", 3), ("14", 5)]."""
    out: list[tuple[str, int | None]] = []
    for part in raw.split(","):
        cid, _, version = part.strip().partition(":")
        if not cid:
            continue
        if not cid.isdigit() or (version and not version.isdigit()):
            raise BadRequest("Неверный список карточек")
        out.append((cid, int(version) if version else None))
    if not out:
        raise BadRequest("Не выбрано ни одной карточки")
    if len(out) > 2000:
        raise BadRequest("Слишком много карточек за раз (не больше 2000)")
    return out


async def bulk(request: Request) -> Response:
    data = await form(request)
    s = session(request)
    action = data.get("action", "")
    if action not in BULK:
        raise BadRequest("Неизвестное действие")
    reason = data.get("reason", "")
    if action == "reject" and reason not in REJECT_REASONS:
        raise BadRequest("Укажите причину отклонения")
    targets = parse_targets(data.get("ids", ""))
    done, failed = await call(_apply_many, r(request), _bid(request), targets, action, reason, s.username)
    verb = {"approve": "Одобрено", "reject": "Отклонено", "queue": "В очередь"}[action]
    return _summary(done, failed, verb)


def wave_targets(rc: Any, bid: int, brigade: str, filter_reason: str) -> list[tuple[str, int | None]]:
    """Cards of one brigading wave, or filtered with one reason, that are still to be decided."""
    st = state.read(rc, bid, with_questions=False)
    out = []
    for c in st.clusters.values():
        if c["status"] not in ("new", "approved", "filtered"):
            continue
        if brigade and c.get("brigade") == brigade or filter_reason and c["status"] == "filtered" and c.get("filter_reason") == filter_reason:
            out.append((c["id"], int(c["version"])))
    return sorted(out, key=lambda t: int(t[0]))


async def wave(request: Request) -> Response:
    """"Reject the whole spam wave": every undecided card of a brigade, or of a filter reason."""
    data = await form(request)
    s = session(request)
    brigade, filter_reason = data.get("brigade", "").strip(), data.get("filter", "").strip()
    if not brigade and filter_reason not in WAVE_REASONS:
        raise BadRequest("Укажите волну или причину фильтра")
    bid = _bid(request)
    targets = await call(wave_targets, r(request), bid, brigade, filter_reason if not brigade else "")
    if not targets:
        return fragment("partials/_flash.html", kind="ok", message="Таких карточек больше нет", current=None)
    reason = "spam" if brigade else WAVE_REASONS[filter_reason]
    done, failed = await call(_apply_many, r(request), bid, targets, "reject", reason, s.username)
    return _summary(done, failed, "Отклонено")


def routes() -> list[Route]:
    P = ["POST"]
    return [
        route("/b/{bid:int}/audit", audit_page, "audit", BOARD),
        route("/b/{bid:int}/audit/{row}/undo", undo_action, "audit_undo", BOARD, P),
        route("/b/{bid:int}/briefing", briefing_page, "briefing", BOARD_READ),
        route("/b/{bid:int}/bulk", bulk, "bulk", BOARD, P),
        route("/b/{bid:int}/wave", wave, "wave", BOARD, P),
    ]
