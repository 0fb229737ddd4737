"""The demo broadcast's replay: a source like the others.

It walks ``liveline/demo/direct_line.jsonl`` at the recorded pace; its position is a cursor in Redis
written in the same transaction as the items, so a restarted ingest process goes on from exactly where it
stopped.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import redis

from liveline.ingest import inbox
from liveline.ingest.inbox import SourceItem
from liveline.store import codec, keys, redis_types

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "direct_line.jsonl"


@lru_cache(maxsize=1)
def lines() -> tuple[dict[str, Any], ...]:
    with open(DEMO_FILE, encoding="utf-8") as fh:
        return tuple(codec.loads(line) for line in fh if line.strip())


def item(line: dict[str, Any], source_id: str, now: float) -> SourceItem:
    author = int(line["author_id"])
    return SourceItem(
        key=f"demo:{line['n']}", kind="new", source_id=source_id, text=line["text"],
        author_id=f"vk:{author}", author_name=line["author_name"], author_url=f"https://vk.com/id{author}",
        created_at=now, parent_key=f"demo:{line['reply_to']}" if line.get("reply_to") else None,
        likes=int(line.get("likes") or 0), via="demo", raw=line,
    )


def step(r: redis.Redis, broadcast_id: int, source: dict[str, Any], speed: float, now: float) -> int:
    """Write the demo lines that are due; returns how many."""
    all_lines = lines()
    skey = keys.source_state(broadcast_id, source["id"])
    st = redis_types.hash_text(r.hgetall(skey))
    nxt = int(st.get("next", "0"))
    due_at = float(st.get("next_at", "0") or 0)
    if nxt >= len(all_lines):
        if st.get("state") != "done":
            r.hset(skey, mapping={"state": "done", "updated_at": f"{now:.3f}"})
        return 0
    items: list[SourceItem] = []
    while nxt < len(all_lines) and due_at <= now and len(items) < 50:
        items.append(item(all_lines[nxt], source["id"], now))
        nxt += 1
        if nxt < len(all_lines):
            due_at = (due_at or now) + float(all_lines[nxt].get("delay_s", 2.0)) / max(speed, 0.01)
    if not items:
        return 0
    inbox.append(r, broadcast_id, items, cursor={skey: {
        "next": nxt, "next_at": f"{due_at:.3f}", "state": "live", "last_item_at": f"{now:.3f}",
        "items": int(st.get("items", "0")) + len(items), "updated_at": f"{now:.3f}",
    }})
    return len(items)
