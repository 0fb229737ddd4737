"""Follow-up appeals (Обращение): what was not answered on air becomes one appeal per cluster.

At the end of a broadcast (``create_from_broadcast``, run by the RQ job ``jobs.broadcast_ended``, or on
demand from the appeals page) every cluster that is approved or queued becomes ONE appeal holding all its
questions and, as co-authors, all their authors. "+1" supporters are counted in ``supporters`` but are not
co-authors: they asked nothing of their own, and a reply to each of them would be noise in the thread.
Clusters still "new" (triaged, never seen by a moderator) are held for a last review instead of being
dropped or turned into appeals unseen (``review_list``, ``promote``). A cluster on air at the end counts as
answered on air.

Every verb writes the appeal, one event ("appeal.<action>", the appeal in ``note``) and an audit entry in one
transaction, WATCHing the appeal's version key (``keys.appeal``). ``apply`` is the reducer the invariant test
holds against a fresh ``read_all``.

Deadlines: ``WorkCalendar(broadcast tz).deadline(end of broadcast, rule)`` with the rule from the settings
(24 working hours for a ЦУР answer by default, or 30 days under 59-ФЗ). Reminders and escalations are
computed on read (``decorate``: overdue / due soon, shown on every list and page) and recorded by
``check_deadlines``, which the periodic RQ job ``jobs.check_deadlines`` runs (and the list page runs on
read, so nothing depends on the scheduler being up): a reminder to the department once, when fewer than
``remind_hours`` working hours are left, and an escalation to the department head and the admins once,
when overdue.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import redis

from liveline import labels, numbers
from liveline.board import broadcasts, catalog, membership, questions
from liveline.errors import BadRequest, Conflict, Forbidden, NotFound
from liveline.followup import departments
from liveline.followup.workcalendar import CUR_24H, FZ59_30D, DeadlineRule, WorkCalendar
from liveline.store import codec, keys, redis_types
from liveline.store.events import Event, audit, emit
from liveline.store.txn import transact

STATUSES = ("new", "in_work", "redirected", "answered", "closed")
REASON_MAX = 1000
OPEN = ("new", "in_work", "redirected")
ALLOWED = {
    "take": OPEN,
    "assign": OPEN,
    "answer": OPEN,
    "close": ("answered",),
    "reopen": ("answered", "closed"),
    "redirect": OPEN,
    "citizen_reply": STATUSES,
    "author_named": STATUSES,
    "remind": OPEN,
    "escalate": OPEN,
}
RULES: dict[str, DeadlineRule] = {"cur_24h": CUR_24H, "fz59_30d": FZ59_30D}
APPEAL_SOURCES = ("approved", "queued")          # cluster statuses that become appeals at the end
ON_AIR = ("answered", "on_air")                  # answered on air (on air at the end counts)
NOT_SOLVED = re.compile(r"не\s*реш[её]н|не\s*решили|не\s*сделан|ничего\s+не\s+(?:сделали|изменилось)",
                        re.IGNORECASE)

DEFAULT_SETTINGS: dict[str, str] = {
    "rule": "cur_24h",
    "remind_hours": "4",
    "watch_hours": "72",
    "register_reply": "0",
    "reply_template": "{имя}, здравствуйте! Ответ на ваш вопрос, заданный на прямой линии:\n\n{ответ}\n\n"
                      "{ведомство}",
    "register_template": "{имя}, здравствуйте! Ваш вопрос зарегистрирован как обращение, ответ "
                         "подготовит {ведомство} до {срок}.",
    "on_air_template": "{имя}, здравствуйте! Ответ на ваш вопрос прозвучал в эфире: {ссылка}",
}


# -- settings -------------------------------------------------------------------------------------------
def get_settings(r: redis.Redis) -> dict[str, str]:
    out = dict(DEFAULT_SETTINGS)
    out.update(redis_types.hash_text(r.hgetall(keys.appeal_settings())))
    return out


def set_settings(r: redis.Redis, **values: str) -> dict[str, str]:
    clean: dict[str, str] = {}
    for name, value in values.items():
        if name not in DEFAULT_SETTINGS:
            raise BadRequest(f"Неизвестная настройка: {name}")
        value = value.strip() if name not in {"reply_template", "register_template", "on_air_template"} \
            else value.replace("\r\n", "\n").strip()
        if name == "rule" and value not in RULES:
            raise BadRequest("Неизвестное правило срока")
        if name in {"remind_hours", "watch_hours"} and not numbers.is_whole(value):
            raise BadRequest("Число часов — целое число")
        if name == "register_reply":
            value = "1" if value in {"1", "on", "true"} else "0"
        if name.endswith("_template") and not value:
            value = DEFAULT_SETTINGS[name]
        clean[name] = value
    if clean:
        r.hset(keys.appeal_settings(), mapping=redis_types.fields(clean))
    return get_settings(r)


def watch_until(r: redis.Redis, broadcast_id: int | str) -> float:
    """Until when ingestion keeps watching the announcement posts for citizens' replies (Unix time)."""
    meta = broadcasts.get(r, broadcast_id)
    ended = float(meta.get("ended_at") or 0) or time.time()
    return ended + int(get_settings(r)["watch_hours"]) * 3600


# -- deadlines ------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=32)
def calendar(tz: str) -> WorkCalendar:
    return WorkCalendar(tz)


def deadline_for(tz: str, start_ts: float, rule: DeadlineRule) -> float:
    start = datetime.fromtimestamp(start_ts, tz=ZoneInfo(tz))
    return calendar(tz).deadline(start, rule).timestamp()


def decorate(a: dict[str, Any], now: float | None = None, remind_hours: float = 4) -> dict[str, Any]:
    """The appeal with what is computed on read: labels, overdue, due soon, working hours left."""
    now = time.time() if now is None else now
    out = dict(a)
    out["status_label"] = labels.APPEAL_STATUSES.get(a["status"], a["status"])
    is_open = a["status"] in OPEN
    out["overdue"] = is_open and now > float(a["deadline"])
    left = calendar(a["tz"]).working_hours_between(datetime.fromtimestamp(now, tz=ZoneInfo(a["tz"])),
                                                   datetime.fromtimestamp(float(a["deadline"]),
                                                                          tz=ZoneInfo(a["tz"]))) \
        if is_open else None
    out["hours_left"] = left
    out["due_soon"] = bool(is_open and not out["overdue"] and left is not None and left <= remind_hours)
    return out


# -- reading --------------------------------------------------------------------------------------------
def get(r: redis.Redis, broadcast_id: int | str, aid: str) -> dict[str, Any]:
    raw = r.hget(keys.appeals(broadcast_id), str(aid))
    if raw is None:
        raise NotFound(f"Обращение {aid} не найдено")
    return codec.loads(raw)


def read_all(r: redis.Redis, broadcast_id: int | str) -> dict[str, dict[str, Any]]:
    return {redis_types.text(k): codec.loads(v) for k, v in r.hgetall(keys.appeals(broadcast_id)).items()}


def all_appeals(r: redis.Redis) -> list[dict[str, Any]]:
    """Every appeal of every broadcast, newest broadcast first, then by appeal id."""
    out = []
    for meta in broadcasts.list_all(r):
        out.extend(sorted(read_all(r, meta["id"]).values(), key=lambda a: int(a["id"])))
    return out


def can_see(session: Any, a: dict[str, Any]) -> bool:
    """Department staff see only their department's appeals; every other staff role sees all."""
    if session is None:
        return False
    if session.role == "staff":
        return bool(session.department) and a["department"] == session.department
    return session.role in {"admin", "moderator", "producer", "viewer"}


def can_act(session: Any, a: dict[str, Any]) -> bool:
    return can_see(session, a) and session.role in {"admin", "moderator", "staff"}


def visible(session: Any, appeals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in appeals if can_see(session, a)]


def load_for(r: redis.Redis, broadcast_id: int | str, aid: str, session: Any, act: bool = False) -> dict[str, Any]:
    """The appeal, or Forbidden when ``session`` may not see (or act on) it."""
    a = get(r, broadcast_id, aid)
    if not (can_act if act else can_see)(session, a):
        raise Forbidden("Это обращение другого ведомства")
    return a


def log_access(r: redis.Redis, broadcast_id: int | str, session: Any, action: str, target: str,
               detail: dict[str, Any] | None = None) -> None:
    """Write a view or export of appeals' personal data to the broadcast's audit log."""
    p = r.pipeline(transaction=True)
    audit(p, broadcast_id, session.username, action, target, None,
          {"role": session.role, "department": session.department, **(detail or {})})
    p.execute()


# -- creation at the end of a broadcast ------------------------------------------------------------------
def coauthors_of(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per distinct author of the cluster's questions (the first question they asked)."""
    seen: dict[str, dict[str, Any]] = {}
    for q in sorted(members, key=lambda q: (float(q.get("created_at") or 0), int(q["id"]))):
        who = str(q.get("author_id") or "") or f"anon:{q['id']}"
        if who in seen:
            seen[who]["qids"].append(q["id"])
            continue
        seen[who] = {"author_id": str(q.get("author_id") or ""), "author_name": q.get("author_name") or "",
                     "author_url": q.get("author_url") or "", "qid": q["id"], "key": q["key"],
                     "source": q.get("source", ""), "qids": [q["id"]]}
    return list(seen.values())


def _build(r: redis.Redis, meta: dict[str, str], c: dict[str, Any], members: list[dict[str, Any]],
           aid: str, by: str, now: float, settings: dict[str, str]) -> dict[str, Any]:
    questions = [q for q in members if q.get("kind", "question") == "question"]
    settlement = c.get("settlement") or ((c.get("place") or {}).get("settlement") if c.get("place") else "") or ""
    topic = c.get("topic") or "other"
    topics = catalog.topics(r)  # the admin's: a topic they added has its name and its department
    start = float(meta.get("ended_at") or 0) or now
    rule = RULES[settings["rule"]]
    return {
        "id": aid, "broadcast": str(meta["id"]), "broadcast_title": meta.get("title", ""), "cluster": c["id"],
        "tz": meta.get("tz") or "Europe/Moscow", "status": "new",
        "title": c.get("reading_text") or c.get("text") or "", "text": c.get("text") or "",
        "reply_to": c.get("reply_to"),  # what the question answers when it is a reply (id, text, author)
        "topic": topic, "topic_name": topics.get(topic).name, "settlement": settlement,
        "address": c.get("place_label") or "",
        "department": departments.department_for(r, topic, settlement, topics),
        "question_ids": [q["id"] for q in questions], "coauthors": coauthors_of(questions),
        "supporters": int(c.get("supporters_n") or 0), "support": int(c.get("support") or 0),
        "likes": int(c.get("likes") or 0), "cluster_status": c["status"],
        "created_at": now, "start": start, "deadline": deadline_for(meta.get("tz") or "Europe/Moscow", start, rule),
        "rule": rule.name, "assignee": "", "answer": "", "answer_no": 0, "answered_at": None,
        "answered_by": "", "redirect_reason": "", "reopened": 0, "reminded_at": None, "escalated_at": None,
        "citizen_replies": [], "version": 1,
        "history": [{"at": now, "by": by, "action": "created", "note": ""}],
    }


def _create_one(r: redis.Redis, b: int | str, cid: str, by: str, settings: dict[str, str],
                allowed: tuple[str, ...]) -> dict[str, Any] | None:
    """One cluster -> one appeal, unless it already has one (or is not in an ``allowed`` status)."""
    by_c = keys.appeal_by_cluster(b)

    def fn(pipe: redis.client.Pipeline) -> dict[str, Any] | None:
        if pipe.hexists(by_c, cid):
            return None
        raw = pipe.hget(keys.clusters(b), cid)
        if raw is None:
            return None
        c = codec.loads(raw)
        if c["status"] not in allowed:
            return None
        meta = redis_types.hash_text(pipe.hgetall(keys.broadcast(b)))
        members = questions.many(pipe, b, membership.members(pipe, b, cid))
        aid = str(int(pipe.incr(keys.appeal_seq(b))))
        a = _build(r, meta, c, members, aid, by, time.time(), settings)
        pipe.multi()
        pipe.hset(by_c, cid, aid)
        pipe.hset(keys.appeals(b), aid, codec.dumps(a))
        pipe.incr(keys.appeal(b, aid))
        pipe.hdel(keys.appeal_review(b), cid)
        audit(pipe, b, by, "appeal.created", f"appeal:{aid}", None, _brief(a))
        emit(pipe, b, Event("appeal.created", actor=by, note={"appeal": a}))
        return a

    return transact(r, [by_c, keys.cluster_version(b, cid), keys.structure_version(b)], fn)


def create_from_broadcast(r: redis.Redis, broadcast_id: int | str, by: str = "system") -> dict[str, list[str]]:
    """Appeals for every approved/queued cluster; still-new clusters held for a last review. Idempotent.

    Returns ``{"created": [aid...], "review": [cid...], "on_air": [cid...]}``.
    """
    b = broadcast_id
    broadcasts.get(r, b)
    settings = get_settings(r)
    cs = {redis_types.text(k): codec.loads(v) for k, v in r.hgetall(keys.clusters(b)).items()}
    created, review, on_air = [], [], []
    for cid in sorted(cs, key=int):
        c = cs[cid]
        if c["status"] in APPEAL_SOURCES:
            a = _create_one(r, b, cid, by, settings, APPEAL_SOURCES)
            if a is not None:
                created.append(a["id"])
        elif c["status"] == "new" and not r.hexists(keys.appeal_by_cluster(b), cid):
            r.hsetnx(keys.appeal_review(b), cid, codec.dumps({"since": time.time()}))
            review.append(cid)
        elif c["status"] in ON_AIR:
            on_air.append(cid)
    return {"created": created, "review": review, "on_air": on_air}


def review_list(r: redis.Redis, broadcast_id: int | str) -> list[dict[str, Any]]:
    """Clusters held for a last review that are still new (a moderator may have decided on the board)."""
    held = [redis_types.text(k) for k in r.hkeys(keys.appeal_review(broadcast_id))]
    out = []
    for cid in sorted(held, key=int):
        raw = r.hget(keys.clusters(broadcast_id), cid)
        if raw:
            c = codec.loads(raw)
            if c["status"] == "new":
                out.append(c)
    return out


def pending_triage(r: redis.Redis, broadcast_id: int | str) -> int:
    """Inbox entries not yet triaged (the consumer group's lag; every entry when no group exists yet)."""
    key = keys.inbox(broadcast_id)
    try:
        groups = r.xinfo_groups(key)
    except redis.ResponseError:
        return 0
    if not groups:
        return int(r.xlen(key))
    lags = [g.get("lag") for g in groups]
    return max(int(x) for x in lags if x is not None) if any(x is not None for x in lags) else 0


def promote(r: redis.Redis, broadcast_id: int | str, cid: str, by: str) -> dict[str, Any]:
    """The last review's "make an appeal": a still-new cluster becomes an appeal."""
    a = _create_one(r, broadcast_id, cid, by, get_settings(r), ("new", "approved", "queued"))
    if a is None:
        raise Conflict("Обращение по этому вопросу уже создано или вопрос отклонён")
    return a


def dismiss(r: redis.Redis, broadcast_id: int | str, cid: str, by: str) -> None:
    """The last review's "no appeal": rejects the cluster (a domain verb of the board) and drops it."""
    from liveline.board import clusters

    clusters.reject(r, broadcast_id, cid, by, "other")
    r.hdel(keys.appeal_review(broadcast_id), cid)


# -- verbs ----------------------------------------------------------------------------------------------
def _brief(a: dict[str, Any]) -> dict[str, Any]:
    return {k: a.get(k) for k in ("status", "department", "assignee", "answer_no", "redirect_reason", "version")}


Mutator = Callable[["redis.client.Pipeline", dict[str, Any]], str | None]


def _act(r: redis.Redis, b: int | str, aid: str, action: str, by: str, mutate: Mutator,
         version: int | None = None, extra: Callable[[redis.client.Pipeline, dict[str, Any]], None] | None = None
         ) -> dict[str, Any]:
    """Watch, read, check, mutate, then the appeal + one event + an audit entry in one transaction.

    ``mutate`` returns the history note (or None to write nothing at all); ``extra`` queues more writes
    inside the MULTI (e.g. a notice).
    """
    vkey = keys.appeal(b, aid)

    def fn(pipe: redis.client.Pipeline) -> dict[str, Any]:
        raw = pipe.hget(keys.appeals(b), str(aid))
        if raw is None:
            raise NotFound(f"Обращение {aid} не найдено")
        a = codec.loads(raw)
        before = _brief(a)
        if version is not None and int(version) != int(a["version"]):
            raise Conflict("Обращение уже изменили: обновите страницу и повторите", current=None)
        if a["status"] not in ALLOWED[action]:
            raise Conflict(f"Нельзя: обращение сейчас «{labels.APPEAL_STATUSES[a['status']]}»")
        note = mutate(pipe, a)
        if note is None:
            pipe.reset()
            return a
        now = time.time()
        a["version"] += 1
        a["updated_at"], a["updated_by"] = now, by
        a["history"].append({"at": now, "by": by, "action": action, "note": note})
        pipe.multi()
        pipe.hset(keys.appeals(b), str(aid), codec.dumps(a))
        pipe.incr(vkey)
        if extra is not None:
            extra(pipe, a)
        audit(pipe, b, by, f"appeal.{action}", f"appeal:{aid}", before, _brief(a))
        emit(pipe, b, Event(f"appeal.{action}", actor=by, note={"appeal": a}))
        return a

    return transact(r, [vkey], fn)


def take(r: redis.Redis, b: int | str, aid: str, by: str, assignee: str = "", version: int | None = None
         ) -> dict[str, Any]:
    """Into work; the assignee is ``assignee`` or whoever takes it."""
    def m(pipe: Any, a: dict[str, Any]) -> str:
        a["status"], a["assignee"] = "in_work", (assignee.strip() or a["assignee"] or by)
        return f"исполнитель: {a['assignee']}"
    return _act(r, b, aid, "take", by, m, version)


def assign(r: redis.Redis, b: int | str, aid: str, assignee: str, by: str, version: int | None = None
           ) -> dict[str, Any]:
    assignee = assignee.strip()
    if not assignee:
        raise BadRequest("Укажите исполнителя")

    def m(pipe: Any, a: dict[str, Any]) -> str:
        a["assignee"] = assignee
        return f"исполнитель: {assignee}"
    return _act(r, b, aid, "assign", by, m, version)


def answer(r: redis.Redis, b: int | str, aid: str, text: str, by: str, version: int | None = None,
           extra: Callable[[redis.client.Pipeline, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """The department's answer; the replies to every co-author are planned by ``replies.plan_answer``.

    ``extra`` queues more writes in the same MULTI: ``workflows.answer_appeal`` (what views call) records
    there that the replies are owed."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise BadRequest("Напишите текст ответа")
    if len(text) > 4000:
        raise BadRequest("Ответ слишком длинный (не больше 4000 символов)")

    def m(pipe: Any, a: dict[str, Any]) -> str:
        a["status"], a["answer"], a["answered_at"], a["answered_by"] = "answered", text, time.time(), by
        a["answer_no"] = int(a["answer_no"]) + 1
        a["assignee"] = a["assignee"] or by
        return text[:200]
    return _act(r, b, aid, "answer", by, m, version, extra)


def close(r: redis.Redis, b: int | str, aid: str, by: str, version: int | None = None) -> dict[str, Any]:
    def m(pipe: Any, a: dict[str, Any]) -> str:
        a["status"] = "closed"
        return ""
    return _act(r, b, aid, "close", by, m, version)


def reopen(r: redis.Redis, b: int | str, aid: str, by: str, reason: str = "", version: int | None = None
           ) -> dict[str, Any]:
    def m(pipe: Any, a: dict[str, Any]) -> str:
        a["status"], a["reopened"] = "in_work", int(a["reopened"]) + 1
        return reason.strip()[:300]
    return _act(r, b, aid, "reopen", by, m, version)


def redirect(r: redis.Redis, b: int | str, aid: str, department: str, reason: str, by: str,
             version: int | None = None) -> dict[str, Any]:
    """To another department, with a reason; it waits there as "redirected" until someone takes it."""
    department, reason = catalog.known_department(r, department), " ".join(reason.split())
    if not reason:
        raise BadRequest("Укажите причину перенаправления")
    if len(reason) > REASON_MAX:
        raise BadRequest(f"Причина перенаправления — не длиннее {REASON_MAX} символов")

    def m(pipe: Any, a: dict[str, Any]) -> str:
        if department == a["department"]:
            raise BadRequest("Обращение уже в этом ведомстве")
        note = f"{a['department']} → {department}: {reason}"
        a["status"], a["department"], a["redirect_reason"], a["assignee"] = "redirected", department, reason, ""
        a["reminded_at"] = a["escalated_at"] = None
        return note
    return _act(r, b, aid, "redirect", by, m, version)


def attach_citizen_reply(r: redis.Redis, bid: int | str, item: Any) -> dict[str, Any] | None:
    """A citizen's comment under one of our VK replies: kept on the appeal; "не решено" reopens it.

    The lead's triage worker calls this for an item whose ``parent_key`` is one of our replies (see
    ``keys.reply_index``); returns the appeal, or None when the parent is not ours. Idempotent by item key.
    """
    parent = getattr(item, "parent_key", None)
    if not parent:
        return None
    raw = r.hget(keys.reply_index(bid), parent)
    if raw is None:
        return None
    aid, _, qid = redis_types.text(raw).partition(":")
    text = str(getattr(item, "text", "") or "")

    def m(pipe: Any, a: dict[str, Any]) -> str | None:
        if any(x["key"] == item.key for x in a["citizen_replies"]):
            return None
        a["citizen_replies"].append({"key": item.key, "qid": qid, "author_id": item.author_id,
                                     "author_name": item.author_name, "text": text[:2000],
                                     "at": float(item.created_at or time.time())})
        if NOT_SOLVED.search(text) and a["status"] in ("answered", "closed"):
            a["status"], a["reopened"] = "in_work", int(a["reopened"]) + 1
            return "житель ответил «не решено»: обращение снова в работе"
        return "ответ жителя в VK"
    return _act(r, bid, aid, "citizen_reply", "vk", m)


def name_coauthor(r: redis.Redis, bid: int | str, cid: str, author_id: str, name: str) -> dict[str, Any] | None:
    """A co-author's name VK gave after the appeal was made (a comment that arrived unnamed): written on the
    appeal of cluster ``cid``; None when the cluster has no appeal. Idempotent."""
    raw = r.hget(keys.appeal_by_cluster(bid), cid) if cid else None
    if raw is None or not author_id or not name:
        return None

    def m(pipe: Any, a: dict[str, Any]) -> str | None:
        changed = False
        for co in a["coauthors"]:
            if co["author_id"] == author_id and co["author_name"] != name:
                co["author_name"], changed = name, True
        return "имя соавтора из VK" if changed else None
    return _act(r, bid, redis_types.text(raw), "author_named", "vk", m)


# -- reminders and escalations ----------------------------------------------------------------------------
def _notice(pipe: Any, b: int | str, kind: str, a: dict[str, Any], to: list[str]) -> None:
    pipe.xadd(keys.appeal_notices(b), {"n": codec.dumps({
        "kind": kind, "broadcast": str(b), "appeal": a["id"], "department": a["department"], "to": to,
        "title": a["title"][:200], "deadline": a["deadline"], "at": time.time()})},
        maxlen=10_000, approximate=True)


def _flag(r: redis.Redis, b: int | str, aid: str, action: str, field: str, now: float, note: str,
          to: list[str]) -> dict[str, Any]:
    """Record a reminder or an escalation once: the appeal's flag, its history, and a notice, together."""
    def m(pipe: Any, a: dict[str, Any]) -> str | None:
        if a.get(field):
            return None
        a[field] = now
        return note

    def notice(pipe: Any, a: dict[str, Any]) -> None:
        _notice(pipe, b, "escalation" if action == "escalate" else "reminder", a, to)
    return _act(r, b, aid, action, "system", m, extra=notice)


def check_deadlines(r: redis.Redis, now: float | None = None) -> dict[str, int]:
    """Record a reminder (once) for appeals due soon and an escalation (once) for overdue ones."""
    now = time.time() if now is None else now
    remind_hours = float(get_settings(r)["remind_hours"])
    head_of = departments.heads(r)
    counts = {"reminded": 0, "escalated": 0}
    for a in all_appeals(r):
        d = decorate(a, now, remind_hours)
        b = a["broadcast"]
        if d["overdue"] and not a.get("escalated_at"):
            head = [f"user:{head_of[a['department']]}"] if a["department"] in head_of else []
            _flag(r, b, a["id"], "escalate", "escalated_at", now,
                  "срок истёк: эскалация руководителю ведомства и администратору",
                  [f"dept:{a['department']}", "role:admin", *head])
            counts["escalated"] += 1
        elif d["due_soon"] and not a.get("reminded_at"):
            _flag(r, b, a["id"], "remind", "reminded_at", now, "напоминание: срок ответа скоро истекает",
                  [f"dept:{a['department']}"])
            counts["reminded"] += 1
    return counts


def notices_for(r: redis.Redis, session: Any, limit: int = 20) -> list[dict[str, Any]]:
    """Reminders and escalations addressed to this user (their department, their name, admins)."""
    mine = {f"user:{session.username}", f"role:{session.role}"}
    if session.department:
        mine.add(f"dept:{session.department}")
    out = []
    for meta in broadcasts.list_all(r):
        for _, f in redis_types.entries(r.xrevrange(keys.appeal_notices(meta["id"]), count=200) or []):
            n = codec.loads(f[b"n"])
            if session.role == "staff" and n["department"] != session.department:
                continue
            if mine & set(n["to"]) or session.role == "admin":
                out.append(n)
    return sorted(out, key=lambda n: -n["at"])[:limit]


# -- events ---------------------------------------------------------------------------------------------
def apply(appeals: dict[str, dict[str, Any]], event: Event) -> dict[str, dict[str, Any]]:
    """The appeals after ``event`` (a pure function): every appeal event carries the full appeal."""
    new = dict(appeals)
    a = event.note.get("appeal") if event.type.startswith("appeal.") else None
    if a is not None:
        new[a["id"]] = a
    return new


def counters(items: list[dict[str, Any]]) -> dict[str, int]:
    out = {s: 0 for s in STATUSES}
    out.update(total=len(items), overdue=0, due_soon=0)
    for a in items:
        out[a["status"]] += 1
        out["overdue"] += int(bool(a.get("overdue")))
        out["due_soon"] += int(bool(a.get("due_soon")))
    return out
