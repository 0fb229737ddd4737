"""Exports of a broadcast's questions (and, with the follow-up work, its appeals)."""

from __future__ import annotations

import csv
import io
from typing import Any, BinaryIO

import redis

from liveline.board.questions import all_questions, raw_payload
from liveline.store import codec, keys, redis_types

QUESTION_FIELDS = ["id", "source", "author", "author_url", "text", "reading_text", "status", "cluster",
                   "support", "topic", "place", "created_at", "kind", "support_for", "deleted", "edited",
                   "author_id", "reply_to", "reply_to_text", "likes"]


def _delivered_text(q: dict[str, Any]) -> str:
    text = raw_payload(q).get("text")
    return text if isinstance(text, str) else str(q.get("text", ""))


def question_rows(r: redis.Redis, broadcast_id: int | str) -> list[dict[str, Any]]:
    """One row per comment ever ingested (deleted ones kept): ``source`` is its source item key, ``text`` the
    text as the source delivered it last (VK's, verbatim), ``reply_to`` the key of the comment it answers
    (``reply_to_text`` that comment's text, as the card reads it);
    status and support are its cluster's."""
    cs = {redis_types.text(k): codec.loads(v) for k, v in r.hgetall(keys.clusters(broadcast_id)).items()}
    rows = []
    for q in all_questions(r, broadcast_id):
        c = cs.get(q.get("cluster") or "")
        if q.get("kind") == "support":
            status, support = "support", 0
        else:
            status = c["status"] if c else "new"
            support = c["support"] if c else 0
        rows.append({
            "id": q["id"], "source": q["key"], "author": q["author_name"], "author_id": q.get("author_id", ""),
            "author_url": q["author_url"], "text": _delivered_text(q), "reading_text": (c or {}).get("reading_text", q["reading_text"])
            if c and c.get("leader") == q["id"] else q["reading_text"],
            "status": status, "cluster": q.get("cluster") or "", "support": support,
            "topic": (c or {}).get("topic", q.get("topic", "")), "place": q.get("place_label", ""),
            "created_at": q["created_at"], "kind": q["kind"], "support_for": q.get("support_for") or "",
            "reply_to": q.get("parent_key") or "", "reply_to_text": (q.get("reply_to") or {}).get("text", ""),
            "likes": int(q.get("likes") or 0),
            "deleted": q.get("deleted", False), "edited": q.get("edited", False),
        })
    return rows


def questions(r: redis.Redis, broadcast_id: int | str, fmt: str, out: BinaryIO) -> int:
    rows = question_rows(r, broadcast_id)
    if fmt == "jsonl":
        out.writelines((codec.dumps_readable(row) + "\n").encode("utf-8") for row in rows)
    elif fmt == "csv":
        from liveline.followup.cellsafe import safe_cell

        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(QUESTION_FIELDS)
        for row in rows:
            w.writerow([safe_cell(row[f]) for f in QUESTION_FIELDS])
        out.write(("\ufeff" + buf.getvalue()).encode("utf-8"))
    else:
        raise ValueError(fmt)
    return len(rows)

