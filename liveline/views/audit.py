"""The audit log of a broadcast, readable in Russian, with undo of what can be undone."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liveline import labels, numbers
from liveline.board import broadcasts, catalog, undo
from liveline.errors import LivelineError
from liveline.permissions import BOARD, route
from liveline.store.events import read_audit
from liveline.views.common import call, form, page, r, session


def _bid(request: Request) -> int:
    return int(request.path_params["bid"])


# -- audit log -------------------------------------------------------------------------------------------
def _value(field: str, v: Any, topics: catalog.Topics | None = None) -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, bool):
        return "да" if v else "нет"
    if field == "status":
        return labels.CLUSTER_STATUSES.get(str(v), str(v))
    if field == "reject_reason":
        return labels.REJECT_REASONS.get(str(v), str(v))
    if field == "topic" and topics is not None:
        return topics.name(str(v))
    if field == "members" and isinstance(v, list):
        return ", ".join(f"№{x}" for x in v)
    text = str(v)
    return text if len(text) <= 300 else text[:300] + "…"


def _changes(before: Any, after: Any, topics: catalog.Topics) -> list[dict[str, str]]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    out = []
    for k, label in labels.AUDIT_FIELDS.items():
        if (k in before or k in after) and before.get(k) != after.get(k):
            out.append({"field": label, "before": _value(k, before.get(k), topics),
                        "after": _value(k, after.get(k), topics)})
    return out


def readable(row: dict[str, Any], topics: catalog.Topics) -> dict[str, Any]:
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
        changes = _changes(before.get("target") or {}, after.get("target") or {}, topics)
    elif action in ("split", "unmerge") and isinstance(after, dict):
        new = after.get("new") or {}
        summary = f"Отделены вопросы {_value('members', new.get('members'))} в новую группу"
        changes = _changes(before, after.get("left") or {}, topics)
    else:
        changes = _changes(before, after, topics)
    return {**row, "action_label": labels.AUDIT_ACTIONS.get(action, action), "object": obj, "summary": summary,
            "changes": changes, "undoable": undo.can_undo(row)}


def audit_page(request: Request) -> Response:
    rc = r(request)
    bid = _bid(request)
    cid = request.query_params.get("c", "")
    topics = catalog.topics(rc)
    rows = [readable(x, topics) for x in read_audit(rc, bid)]
    if not numbers.is_whole(cid):
        cid = ""
    if cid:
        rows = [x for x in rows if x["object"]["cid"] == cid]
    return page(request, "audit.html", b=broadcasts.get(rc, bid), rows=rows, cid=cid,
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


def routes() -> list[Route]:
    P = ["POST"]
    return [
        route("/b/{bid:int}/audit", audit_page, "audit", BOARD),
        route("/b/{bid:int}/audit/{row}/undo", undo_action, "audit_undo", BOARD, P),
    ]
