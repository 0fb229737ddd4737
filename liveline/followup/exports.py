"""Exports of a broadcast's appeals: XLSX (one formatted sheet per department) and CSV, full or public.

* FULL: every co-author's name and VK link; only for roles with the right to personal data
  (``disclosure.PERSONAL_ROLES``; staff only their department's appeals).
* PUBLIC: personal data masked in the text (``triage.pii.mask_pii``), no names, no links, no ids of people.
* POS: one row per appeal in the layout documented in ``docs/pos_export.md`` for ЦУР incident systems / ПОС;
  its address column is empty for a role without the right to personal data (``disclosure.appeal_for``).

Every export by a session, of any format, is written to the broadcast's audit log.

Citizens' text goes through ``cellsafe`` (never a formula, nothing a spreadsheet refuses).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

import redis

from liveline import labels
from liveline.board import broadcasts
from liveline.errors import BadRequest, Forbidden
from liveline.followup import appeals, disclosure, replies
from liveline.followup.cellsafe import write_csv, write_xlsx
from liveline.ingest.vk import itemkeys

FORMATS = ("xlsx", "csv", "pos")
CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "csv": "text/csv; charset=utf-8", "pos": "text/csv; charset=utf-8"}

FULL_HEADERS = ["№", "Статус", "Ведомство", "Тема", "Населённый пункт", "Адрес", "Вопрос", "В ответ на", "Соавторов",
                "Соавторы", "Ссылки на профили", "Ссылки на комментарии", "Поддержка", "Срок", "Просрочено",
                "Исполнитель", "Ответ", "Ответы в VK"]
PUBLIC_HEADERS = ["№", "Статус", "Ведомство", "Тема", "Населённый пункт", "Вопрос", "В ответ на", "Соавторов", "Поддержка",
                  "Срок", "Просрочено", "Ответ"]
POS_HEADERS = ["external_id", "created_at", "topic_code", "topic", "department", "settlement", "address",
               "text", "coauthors", "support", "deadline", "status"]


def comment_url(key: str) -> str:
    t = itemkeys.vk_comment(key)
    if t is None:
        return ""
    if t.kind == "wall":
        return f"https://vk.com/wall{t.owner_id}_{t.item_id}?reply={t.comment_id}"
    return f"https://vk.com/video{t.owner_id}_{t.item_id}"


def _local(ts: float | None, tz: str) -> datetime | None:
    return datetime.fromtimestamp(float(ts), tz=ZoneInfo(tz)).replace(tzinfo=None) if ts else None


def parent_of(a: dict[str, Any], public: bool) -> str:
    """What the appeal's question answers, when it is a reply: "Имя: «текст»" (public: the text masked, no name)."""
    p = a.get("reply_to") or {}
    if not p.get("text"):
        return ""
    if public:
        return f"«{disclosure.mask(p['text'])}»"
    return f"{p.get('author_name') or 'житель'}: «{p['text']}»"


def full_row(r: redis.Redis, a: dict[str, Any]) -> list[object]:
    d = appeals.decorate(a)
    recs = replies.of_owner(r, a["broadcast"], f"a{a['id']}")
    return [int(a["id"]), d["status_label"], a["department"], a["topic_name"], a["settlement"], a["address"],
            a["title"], parent_of(a, False), len(a["coauthors"]), "\n".join(c["author_name"] for c in a["coauthors"]),
            "\n".join(c["author_url"] for c in a["coauthors"] if c["author_url"]),
            "\n".join(u for u in (comment_url(c["key"]) for c in a["coauthors"]) if u),
            a["support"], _local(a["deadline"], a["tz"]), "да" if d["overdue"] else "нет", a["assignee"],
            a["answer"], "; ".join(f"{labels.REPLY_STATUSES[x['status']]}: {x['link'] or x['author_name']}"
                                   for x in recs)]


def public_row(a: dict[str, Any]) -> list[object]:
    d = appeals.decorate(a)
    return [int(a["id"]), d["status_label"], a["department"], a["topic_name"], a["settlement"], disclosure.mask(a["title"]),
            parent_of(a, True), len(a["coauthors"]), a["support"], _local(a["deadline"], a["tz"]),
            "да" if d["overdue"] else "нет", disclosure.mask(a["answer"])]


def pos_row(a: dict[str, Any]) -> list[object]:
    fmt = "%Y-%m-%dT%H:%M:%S%z"
    tz = ZoneInfo(a["tz"])
    return [f"LL-{a['broadcast']}-{a['id']}", datetime.fromtimestamp(a["created_at"], tz).strftime(fmt),
            a["topic"], a["topic_name"], a["department"], a["settlement"], a["address"], disclosure.mask(a["title"]),
            len(a["coauthors"]), a["support"], datetime.fromtimestamp(a["deadline"], tz).strftime(fmt), a["status"]]


def selected(r: redis.Redis, bid: int | str, session: Any | None) -> list[dict[str, Any]]:
    """The broadcast's appeals this session may see (all of them for the CLI, ``session`` None)."""
    items = sorted(appeals.read_all(r, bid).values(), key=lambda a: int(a["id"]))
    return items if session is None else appeals.visible(session, items)


def export(r: redis.Redis, bid: int | str, fmt: str, public: bool, out: IO[bytes], session: Any | None = None) -> int:
    """Write the export to ``out``; returns the number of appeals. A full export by a session is audited."""
    if fmt not in FORMATS:
        raise BadRequest("Формат выгрузки: xlsx, csv или pos")
    meta = broadcasts.get(r, bid)
    if not public and fmt != "pos" and not disclosure.sees_personal_data(session):
        raise Forbidden("Полная выгрузка с данными авторов вам недоступна: выберите публичную")
    personal = disclosure.sees_personal_data(session)
    items = [disclosure.appeal_for(a, personal) for a in selected(r, bid, session)]
    if session is not None:
        appeals.log_access(r, bid, session, "appeal.export", f"appeals:{bid}",
                           {"format": fmt, "public": public or fmt == "pos",
                            "appeals": [a["id"] for a in items]})
    if fmt == "pos":
        write_csv(out, POS_HEADERS, [pos_row(a) for a in items])
        return len(items)
    if public:
        headers, rows = PUBLIC_HEADERS, [(a["department"], public_row(a)) for a in items]
    else:
        headers, rows = FULL_HEADERS, [(a["department"], full_row(r, a)) for a in items]
    if fmt == "csv":
        write_csv(out, headers, [row for _, row in rows])
        return len(items)
    sheets: dict[str, tuple[list[str], list[Any]]] = {}
    for dept, row in rows:
        sheets.setdefault(dept or "Без ведомства", (headers, []))[1].append(row)
    write_xlsx(out, sheets or {"Обращения": (headers, [])},
               title=f"Обращения · {meta.get('title', '')}" + (" (публичная)" if public else ""))
    return len(items)


def filename(bid: int | str, fmt: str, public: bool) -> str:
    ext = "xlsx" if fmt == "xlsx" else "csv"
    kind = "pos" if fmt == "pos" else ("public" if public else "full")
    return f"appeals-{bid}-{kind}.{ext}"


def cli_export(r: redis.Redis, bid: int | str, fmt: str, public: bool, out: str | None) -> int:
    """``liveline export appeals ID --format xlsx|csv|pos [--public] [-o FILE]`` (stdout without ``-o``)."""
    if out:
        with open(out, "wb") as handle:
            return export(r, bid, fmt, public, handle)
    import sys

    buf = io.BytesIO()
    n = export(r, bid, fmt, public, buf)
    sys.stdout.buffer.write(buf.getvalue())
    sys.stdout.buffer.flush()
    return n
