"""Replies in VK: the answer under each co-author's comment, posted once, whatever fails in between.

A reply is planned before it is posted: a record in ``keys.replies(b)`` (guid -> JSON) with the message, the
question's source key and the status. The guid is deterministic per (kind, appeal or cluster, question,
answer number), and VK gets it as ``guid``: a job killed after VK created the comment but before we recorded
it posts the same guid again and VK answers with the comment it already has. A record already "sent" is
never posted again.

Statuses: pending → sent | retrying (6, 9, 10, 223 and transport faults: the RQ job retries with backoff) |
stopped (14 captcha, 212/213 comments closed, 15/210/801 gone, a dead token, the daily quota: staff must act)
| failed (anything else) | not_required (a question from the demo or manual entry has no VK thread). On 222
(links forbidden) the reply is sent once more without its links.

Kinds: "answer" (the department's answer), "registered" (optional first reply when the appeal is made),
"on_air" (the answer was given on air: a link to the stream at the time-code).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import redis

from liveline.board import broadcasts, membership, questions
from liveline.followup import appeals
from liveline.ingest.vk.client import (
    VkCaller,
    VkCaptcha,
    VkClosed,
    VkError,
    VkFloodControl,
    VkQuota,
    VkTokenDead,
    VkTransient,
)
from liveline.ingest.vk.itemkeys import CommentKey, vk_comment
from liveline.render import first_name, local_datetime
from liveline.store import codec, keys

DONE = ("sent", "not_required", "stopped", "failed")
STOP_CODES = {14, 212, 213}
LINK_RE = re.compile(r"(?:https?://|www\.)\S+|\b(?:vk\.com|vkvideo\.ru)/\S+", re.IGNORECASE)

CallerFor = Callable[[str, str], VkCaller | None]


class RetryLater(Exception):
    """A transient VK failure: the RQ job raises it so RQ retries with backoff."""


def guid_for(b: int | str, kind: str, owner: str, qid: str, n: int = 1) -> str:
    return f"ll{b}-{kind}-{owner}-{qid}-{n}"


def fill(template: str, values: dict[str, str]) -> str:
    """The admin's template with {имя}, {ответ}, {ведомство}, {срок}, {ссылка}, {вопрос} filled in.

    Plain replacement (never ``str.format``): a template cannot reach into Python objects.
    """
    return re.sub(r"\{([а-яё]+)\}", lambda m: values.get(m.group(1), m.group(0)), template).strip()


def timecode_link(stream_url: str, timecode: int | None) -> str:
    if not stream_url:
        return ""
    if not timecode:
        return stream_url
    h, rest = divmod(int(timecode), 3600)
    m, s = divmod(rest, 60)
    t = (f"{h}h" if h else "") + f"{m:02d}m{s:02d}s"
    return f"{stream_url}{'&' if '?' in stream_url else '?'}t={t}"


# -- planning -------------------------------------------------------------------------------------------
def _record(b: int | str, guid: str, kind: str, owner: str, q: dict[str, Any], message: str) -> dict[str, Any]:
    target = vk_comment(q.get("key", ""))
    return {"guid": guid, "broadcast": str(b), "kind": kind, "owner": owner, "qid": q["qid"] if "qid" in q
            else q["id"], "key": q.get("key", ""), "author_name": q.get("author_name", ""), "message": message,
            "status": "pending" if target else "not_required", "comment_id": None, "link": "", "error": "",
            "attempts": 0, "without_link": False, "created_at": time.time(), "sent_at": None}


def _save_new(r: redis.Redis, b: int | str, records: list[dict[str, Any]]) -> list[str]:
    """Store records whose guid is new (HSETNX: planning twice changes nothing); returns all guids."""
    p = r.pipeline(transaction=True)
    for rec in records:
        p.hsetnx(keys.replies(b), rec["guid"], codec.dumps(rec))
    p.execute()
    return [rec["guid"] for rec in records]


def plan_answer(r: redis.Redis, b: int | str, aid: str) -> list[str]:
    """One reply per co-author (under their first question in the cluster) with the appeal's answer."""
    a = appeals.get(r, b, aid)
    if a["status"] not in ("answered", "closed") or not a["answer"]:
        return []
    template = appeals.get_settings(r)["reply_template"]
    recs = []
    for co in a["coauthors"]:
        msg = fill(template, {"имя": first_name(co["author_name"]) or "Здравствуйте",
                              "ответ": a["answer"], "ведомство": a["department"], "вопрос": a["title"]})
        recs.append(_record(b, guid_for(b, "answer", f"a{aid}", co["qid"], int(a["answer_no"])), "answer",
                            f"a{aid}", co, msg))
    return _save_new(r, b, recs)


def plan_registered(r: redis.Redis, b: int | str, aid: str) -> list[str]:
    """The optional first reply: "ваш вопрос зарегистрирован, ответ до …"."""
    a = appeals.get(r, b, aid)
    template = appeals.get_settings(r)["register_template"]
    recs = []
    for co in a["coauthors"]:
        msg = fill(template, {"имя": first_name(co["author_name"]) or "Здравствуйте",
                              "ведомство": a["department"], "срок": local_datetime(a["deadline"], a["tz"]),
                              "вопрос": a["title"]})
        recs.append(_record(b, guid_for(b, "registered", f"a{aid}", co["qid"]), "registered", f"a{aid}", co, msg))
    return _save_new(r, b, recs)


def plan_on_air(r: redis.Redis, b: int | str) -> list[str]:
    """"Ответ прозвучал в эфире" under each author's question of every cluster answered on air."""
    meta = broadcasts.get(r, b)
    template = appeals.get_settings(r)["on_air_template"]
    cs = [codec.loads(v) for v in r.hvals(keys.clusters(b))]
    recs = []
    for c in cs:
        if c["status"] not in appeals.ON_AIR:
            continue
        timecode = c.get("timecode")
        if timecode is None and c.get("on_air_at") and meta.get("started_at"):
            timecode = int(float(c["on_air_at"]) - float(meta["started_at"]))
        link = timecode_link(meta.get("stream_url", ""), timecode)
        members = questions.many(r, b, membership.members(r, b, c["id"]))
        for co in appeals.coauthors_of([q for q in members if q.get("kind", "question") == "question"]):
            msg = fill(template, {"имя": first_name(co["author_name"]) or "Здравствуйте",
                                  "ссылка": link or "запись эфира будет опубликована в сообществе",
                                  "вопрос": c.get("reading_text", "")})
            recs.append(_record(b, guid_for(b, "on_air", f"c{c['id']}", co["qid"]), "on_air", f"c{c['id']}", co,
                                msg))
    return _save_new(r, b, recs)


# -- reading --------------------------------------------------------------------------------------------
def get(r: redis.Redis, b: int | str, guid: str) -> dict[str, Any] | None:
    raw = r.hget(keys.replies(b), guid)
    return codec.loads(raw) if raw else None


def of_owner(r: redis.Redis, b: int | str, owner: str) -> list[dict[str, Any]]:
    """Every reply record of one appeal (``a{aid}``) or on-air cluster (``c{cid}``), oldest first."""
    recs = [codec.loads(v) for v in r.hvals(keys.replies(b))]
    return sorted((x for x in recs if x["owner"] == owner), key=lambda x: (x["created_at"], x["guid"]))


def _save(r: redis.Redis, b: int | str, rec: dict[str, Any], index: bool = False,
          extra: Callable[[redis.client.Pipeline], None] | None = None) -> None:
    p = r.pipeline(transaction=True)
    p.hset(keys.replies(b), rec["guid"], codec.dumps(rec))
    if extra is not None:
        extra(p)
    if index and rec.get("comment_id") and rec["owner"].startswith("a"):
        target = vk_comment(rec["key"])
        assert target is not None
        ours = target.sibling(int(rec["comment_id"]))  # our reply, under the same post or video
        p.hset(keys.reply_index(b), str(ours), f"{rec['owner'][1:]}:{rec['qid']}")
    p.execute()


# -- posting --------------------------------------------------------------------------------------------
def _params(target: CommentKey, message: str, guid: str, caller: VkCaller) -> tuple[str, dict[str, Any]]:
    kind, owner_id, item_id, comment_id = target.kind, target.owner_id, target.item_id, target.comment_id
    params: dict[str, Any] = {"owner_id": owner_id, "message": message, "reply_to_comment": comment_id,
                              "guid": guid}
    if kind == "wall":
        params["post_id"] = item_id
        if owner_id < 0:
            params["from_group"] = abs(owner_id)
        return "wall.createComment", params
    params["video_id"] = item_id
    if owner_id < 0:
        params["from_group"] = 1
    return "video.createComment", params


def _link(target: CommentKey, comment_id: int) -> str:
    kind, owner_id, item_id, root = target.kind, target.owner_id, target.item_id, target.comment_id
    if kind == "wall":
        return f"https://vk.com/wall{owner_id}_{item_id}?reply={comment_id}&thread={root}"
    return f"https://vk.com/video{owner_id}_{item_id}"


def post_one(r: redis.Redis, b: int | str, guid: str, caller_for: CallerFor,
             after_call: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Post one planned reply unless it is done. Raises ``RetryLater`` on a transient failure.

    ``caller_for(token_kind, org)`` gives a ``VkCaller`` (None when no token). ``after_call`` runs between
    VK's answer and our record of it (tests use it to kill the job exactly there).
    """
    rec = get(r, b, guid)
    if rec is None or rec["status"] in DONE:
        return rec or {}
    target = vk_comment(rec["key"])
    if target is None:
        rec["status"] = "not_required"
        _save(r, b, rec)
        return rec
    caller = caller_for("group" if target.kind == "wall" else "user", "default")
    if caller is None and target.kind == "wall":
        caller = caller_for("user", "default")
    if caller is None:
        rec.update(status="stopped", error="нет ключа доступа VK для ответа: добавьте его (liveline vk token set)")
        _save(r, b, rec)
        return rec
    rec["attempts"] += 1
    message = rec["message"] if not rec["without_link"] else strip_links(rec["message"])
    try:
        try:
            method, params = _params(target, message, guid, caller)
            resp = caller.call(method, **params)
        except VkError as exc:
            if exc.code != 222 or rec["without_link"]:
                raise
            rec["without_link"] = True  # links are forbidden in this community: once more, without them
            method, params = _params(target, strip_links(rec["message"]), guid, caller)
            resp = caller.call(method, **params)
    except (VkFloodControl, VkTransient) as exc:
        rec.update(status="retrying", error=str(exc))
        _save(r, b, rec)
        raise RetryLater(str(exc)) from None
    except (VkCaptcha, VkClosed, VkTokenDead, VkQuota) as exc:
        rec.update(status="stopped", error=str(exc))
        _save(r, b, rec)
        return rec
    except VkError as exc:
        rec.update(status="stopped" if exc.code in STOP_CODES else "failed", error=str(exc))
        _save(r, b, rec)
        return rec
    if after_call is not None:
        after_call(rec)
    comment_id = int(resp["comment_id"]) if isinstance(resp, dict) else int(resp)
    rec.update(status="sent", comment_id=comment_id, link=_link(target, comment_id), error="", sent_at=time.time())
    _save(r, b, rec, index=True)
    return rec


def strip_links(text: str) -> str:
    return re.sub(r"[ \t]{2,}", " ", LINK_RE.sub("", text)).strip()


def post_all(r: redis.Redis, b: int | str, owner: str, caller_for: CallerFor,
             after_call: Callable[[dict[str, Any]], None] | None = None) -> dict[str, int]:
    """Post every not-yet-done reply of an appeal/cluster, in order; the first transient failure stops the
    run with ``RetryLater`` (the job is retried; what was sent stays sent)."""
    counts: dict[str, int] = {}
    for rec in of_owner(r, b, owner):
        if rec["status"] in DONE:
            continue
        out = post_one(r, b, rec["guid"], caller_for, after_call)
        counts[out.get("status", "")] = counts.get(out.get("status", ""), 0) + 1
    return counts


def summary(recs: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for rec in recs:
        out[rec["status"]] = out.get(rec["status"], 0) + 1
    return out


def reset(r: redis.Redis, b: int | str, guid: str, owner: str,
          extra: Callable[[redis.client.Pipeline, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Staff's "try again" for a stopped or failed reply (same guid: VK still posts it at most once).

    ``extra`` queues more writes with the record: ``workflows.resend_reply`` (what views call) records there
    that the posting job is owed."""
    from liveline.errors import BadRequest

    rec = get(r, b, guid)
    if rec is None or rec["owner"] != owner:
        raise BadRequest("Нет такого ответа")
    if rec["status"] not in ("stopped", "failed", "retrying"):
        raise BadRequest("Этот ответ не нужно отправлять снова")
    rec.update(status="pending", error="")
    _save(r, b, rec, extra=(lambda p: extra(p, rec)) if extra is not None else None)
    return rec
