"""Questions typed in by a moderator (phone calls to the studio): they go through the inbox like any other."""

from __future__ import annotations

import time

import redis

from liveline.errors import BadRequest
from liveline.ingest import inbox
from liveline.ingest.inbox import SourceItem
from liveline.store import keys

MAX_TEXT = 16_000


def add(r: redis.Redis, broadcast_id: int, text: str, author: str, by: str) -> str:
    """Write one manual question into the broadcast's inbox; returns its item key."""
    text = text.strip()
    if not text:
        raise BadRequest("Введите текст вопроса")
    if len(text) > MAX_TEXT:
        raise BadRequest("Слишком длинный текст (больше 16 000 символов)")
    n = int(r.incr(keys.manual_seq(broadcast_id)))
    item = SourceItem(key=f"manual:{n}", kind="new", source_id="manual", text=text,
                      author_id=f"manual:{by}:{n}", author_name=author.strip() or "Звонок в студию",
                      created_at=time.time(), via="manual", raw={"text": text, "author": author, "by": by})
    inbox.append(r, broadcast_id, [item])
    return item.key
