"""Follow-up appeals (обращения): the staff's list and appeal pages, actions, exports, the last review, the
admin's routing and templates, and the post-broadcast report.

Department staff (role "staff") see and act on ONLY their department's appeals: every view loads appeals
through ``appeals.visible`` / ``appeals.load_for``, and exports through ``appeal_exports.selected``. Opening
an appeal page (names, VK links) and a full export are written to the broadcast's audit log.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from liveline import labels, numbers, workflows
from liveline.board import broadcasts, catalog
from liveline.errors import BadRequest, Forbidden
from liveline.followup import appeals, departments, disclosure, replies, report
from liveline.followup import exports as appeal_exports
from liveline.permissions import ADMIN, BOARD, BOARD_READ, STAFF_ALL, route
from liveline.views.common import call, form, page, r, session

ACT = frozenset({"admin", "moderator", "staff"})
FILTERS = ("department", "status", "overdue", "broadcast", "topic", "settlement")


def _ids(request: Request) -> tuple[int, str]:
    return int(request.path_params["bid"]), str(request.path_params["aid"])


def _filtered(items: list[dict[str, Any]], f: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for a in items:
        if f.get("department") and a["department"] != f["department"]:
            continue
        if f.get("status") and a["status"] != f["status"]:
            continue
        if f.get("overdue") == "1" and not a["overdue"]:
            continue
        if f.get("overdue") == "soon" and not a["due_soon"]:
            continue
        if f.get("broadcast") and a["broadcast"] != f["broadcast"]:
            continue
        if f.get("topic") and a["topic"] != f["topic"]:
            continue
        if f.get("settlement") and departments.norm(a["settlement"]) != departments.norm(f["settlement"]):
            continue
        out.append(a)
    return out


def list_page(request: Request) -> Response:
    rc, s = r(request), session(request)
    appeals.check_deadlines(rc)  # the check on read: reminders/escalations never wait for the scheduler
    remind = float(appeals.get_settings(rc)["remind_hours"])
    mine = [appeals.decorate(a, remind_hours=remind) for a in appeals.visible(s, appeals.all_appeals(rc))]
    f = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    shown = _filtered(mine, f)
    shown.sort(key=lambda a: (not a["overdue"], not a["due_soon"], a["status"] not in appeals.OPEN,
                              float(a["deadline"])))
    return page(request, "appeals/list.html", appeals=shown, counters=appeals.counters(mine),
                shown_counters=appeals.counters(shown), filters=f,
                departments=sorted({a["department"] for a in mine}),
                settlements=sorted({a["settlement"] for a in mine if a["settlement"]}),
                broadcasts=[b for b in broadcasts.list_all(rc) if any(a["broadcast"] == b["id"] for a in mine)],
                topics=catalog.taxonomy(rc), statuses=labels.APPEAL_STATUSES, notices=appeals.notices_for(rc, s),
                export_query=urlencode({k: v for k, v in f.items() if v}))


def detail(request: Request) -> Response:
    rc, s = r(request), session(request)
    bid, aid = _ids(request)
    a = appeals.load_for(rc, bid, aid, s)
    appeals.log_access(rc, bid, s, "appeal.view", f"appeal:{aid}")
    remind = float(appeals.get_settings(rc)["remind_hours"])
    from liveline.board.questions import many

    personal = disclosure.sees_personal_data(s)
    qs = disclosure.records_for(many(rc, bid, a["question_ids"]), personal)
    recs = disclosure.records_for(replies.of_owner(rc, bid, f"a{aid}"), personal)
    shown = appeals.decorate(disclosure.appeal_for(a, personal), remind_hours=remind)
    return page(request, "appeals/detail.html", a=shown, questions=qs, replies=recs, reply_labels=labels.REPLY_STATUSES, kind_labels=labels.REPLY_KINDS,
                departments=departments.departments(rc), can_act=appeals.can_act(s, a),
                comment_url=appeal_exports.comment_url, action_labels=labels.APPEAL_ACTIONS, error=request.query_params.get("error", ""))


async def act(request: Request) -> Response:
    rc, s = r(request), session(request)
    bid, aid = _ids(request)
    data = await form(request)
    action = request.path_params["action"]
    await call(appeals.load_for, rc, bid, aid, s, True)
    version = numbers.optional_whole(data.get("version"), "Версия обращения", 0)
    by = s.username
    if action == "take":
        await call(appeals.take, rc, bid, aid, by, data.get("assignee", ""), version)
    elif action == "assign":
        await call(appeals.assign, rc, bid, aid, data.get("assignee", ""), by, version)
    elif action == "answer":
        await call(workflows.answer_appeal, rc, bid, aid, data.get("answer", ""), by, version)
    elif action == "close":
        await call(appeals.close, rc, bid, aid, by, version)
    elif action == "reopen":
        await call(appeals.reopen, rc, bid, aid, by, data.get("reason", ""), version)
    elif action == "redirect":
        if s.role == "staff" and data.get("department", "") == s.department:
            raise BadRequest("Обращение уже в вашем ведомстве")
        await call(appeals.redirect, rc, bid, aid, data.get("department", ""), data.get("reason", ""), by, version)
    elif action == "resend":
        await call(workflows.resend_reply, rc, bid, aid, data.get("guid", ""))
    else:
        raise BadRequest("Неизвестное действие")
    if action == "redirect" and s.role == "staff":
        return RedirectResponse("/appeals", status_code=303)  # no longer theirs to see
    return RedirectResponse(f"/appeals/{bid}/{aid}", status_code=303)


def export(request: Request) -> Response:
    rc, s = r(request), session(request)
    bid = int(request.path_params["bid"])
    fmt = request.query_params.get("format", "xlsx")
    # ?public=1 public, ?public=0 full (refused without the right); absent: the fullest this role may have
    chosen = request.query_params.get("public", "")
    public = chosen == "1" or (chosen == "" and not disclosure.sees_personal_data(s))
    buf = io.BytesIO()
    appeal_exports.export(rc, bid, fmt, public, buf, session=s)
    ctype = appeal_exports.CONTENT_TYPES.get(fmt, "application/octet-stream")
    name = appeal_exports.filename(bid, fmt, public)
    return Response(buf.getvalue(), media_type=ctype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def review_page(request: Request) -> Response:
    rc = r(request)
    bid = int(request.path_params["bid"])
    b = broadcasts.get(rc, bid)
    return page(request, "appeals/review.html", b=b, clusters=appeals.review_list(rc, bid),
                pending=appeals.pending_triage(rc, bid), count=len(appeals.read_all(rc, bid)))


async def create_now(request: Request) -> Response:
    await form(request)
    rc, s = r(request), session(request)
    bid = int(request.path_params["bid"])
    await call(appeals.create_from_broadcast, rc, bid, s.username)
    return RedirectResponse(f"/b/{bid}/appeals/review", status_code=303)


async def review_act(request: Request) -> Response:
    await form(request)
    rc, s = r(request), session(request)
    bid, cid = int(request.path_params["bid"]), str(request.path_params["cid"])
    action = request.path_params["action"]
    if action == "promote":
        await call(appeals.promote, rc, bid, cid, s.username)
    elif action == "dismiss":
        await call(appeals.dismiss, rc, bid, cid, s.username)
    else:
        raise BadRequest("Неизвестное действие")
    return RedirectResponse(f"/b/{bid}/appeals/review", status_code=303)


def report_page(request: Request) -> Response:
    rc = r(request)
    bid = int(request.path_params["bid"])
    rep = report.build(rc, bid)
    return page(request, "report.html", rep=rep, charts=report.charts_for(rep), b=rep["broadcast"],
                fmt=lambda x: report.charts.format_number(x), pct=report.charts.format_percent)


def settings_page(request: Request) -> Response:
    rc = r(request)
    return page(request, "appeals/settings.html", settings=appeals.get_settings(rc), labels=labels.APPEAL_SETTINGS,
                rules=appeals.RULES, table=departments.table(rc), heads=departments.heads(rc),
                departments=departments.departments(rc), topics=catalog.taxonomy(rc), error="",
                department_max=catalog.DEPARTMENT_MAX)


async def settings_save(request: Request) -> Response:
    data = await form(request)
    rc = r(request)
    what = request.path_params["what"]
    if what == "templates":
        values = {k: data.get(k, "") for k in appeals.DEFAULT_SETTINGS if k != "register_reply"}
        values["register_reply"] = data.get("register_reply", "0")
        await call(appeals.set_settings, rc, **values)
    elif what == "routing":
        await call(departments.set_route, rc, data.get("topic", ""), data.get("settlement", ""),
                   data.get("department", ""))
    elif what == "heads":
        await call(departments.set_head, rc, data.get("department", ""), data.get("username", ""))
    elif what == "departments" and data.get("action") == "add":
        await call(catalog.add_department, rc, data.get("name", ""), session(request).username)
    elif what == "departments" and data.get("action") == "remove":
        await call(catalog.remove_department, rc, data.get("department", ""))
    else:
        raise Forbidden("Неизвестная настройка")
    return RedirectResponse("/admin/appeals", status_code=303)


def routes() -> list[BaseRoute]:
    P = ["POST"]
    return [
        route("/appeals", list_page, "appeals", STAFF_ALL),
        route("/appeals/{bid:int}/{aid:int}", detail, "appeal", STAFF_ALL),
        route("/appeals/{bid:int}/{aid:int}/{action}", act, "appeal_action", ACT, P),
        route("/b/{bid:int}/appeals/export", export, "appeals_export", STAFF_ALL),
        route("/b/{bid:int}/appeals/review", review_page, "appeals_review", BOARD),
        route("/b/{bid:int}/appeals/create", create_now, "appeals_create", BOARD, P),
        route("/b/{bid:int}/appeals/review/{cid:int}/{action}", review_act, "appeals_review_action", BOARD, P),
        route("/b/{bid:int}/report", report_page, "report", BOARD_READ),
        route("/admin/appeals", settings_page, "appeal_settings", ADMIN),
        route("/admin/appeals/{what}", settings_save, "appeal_settings_save", ADMIN, P),
    ]
