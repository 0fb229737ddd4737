"""The ingest process: every source of every live broadcast writes its items into the broadcast's inbox.

The demo replay is a source like the others: it walks ``liveline/demo/direct_line.jsonl`` at the recorded
pace, and its position is a cursor in Redis written in the same transaction as the items, so a restarted
ingest process goes on from exactly where it stopped. VK sources are run by ``liveline.sources.vk_ingest``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis

from liveline import broadcasts, inbox, keys
from liveline.inbox import SourceItem

log = logging.getLogger("liveline.ingest")
DEMO_FILE = Path(__file__).resolve().parent.parent / "liveline" / "demo" / "direct_line.jsonl"


@lru_cache(maxsize=1)
def demo_lines() -> tuple[dict[str, Any], ...]:
    with open(DEMO_FILE, encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh if line.strip())


def demo_item(line: dict[str, Any], source_id: str, now: float) -> SourceItem:
    author = int(line["author_id"])
    return SourceItem(
        key=f"demo:{line['n']}", kind="new", source_id=source_id, text=line["text"],
        author_id=f"vk:{author}", author_name=line["author_name"], author_url=f"https://vk.com/id{author}",
        created_at=now, parent_key=f"demo:{line['reply_to']}" if line.get("reply_to") else None,
        likes=int(line.get("likes") or 0), via="demo", raw=line,
    )


def demo_step(r: redis.Redis, broadcast_id: int, source: dict[str, Any], speed: float, now: float) -> int:
    """Write the demo lines that are due; returns how many."""
    lines = demo_lines()
    skey = keys.source_state(broadcast_id, source["id"])
    st = {k.decode(): v.decode() for k, v in r.hgetall(skey).items()}
    nxt = int(st.get("next", "0"))
    due_at = float(st.get("next_at", "0") or 0)
    if nxt >= len(lines):
        if st.get("state") != "done":
            r.hset(skey, mapping={"state": "done", "updated_at": f"{now:.3f}"})
        return 0
    items: list[SourceItem] = []
    while nxt < len(lines) and due_at <= now and len(items) < 50:
        items.append(demo_item(lines[nxt], source["id"], now))
        nxt += 1
        if nxt < len(lines):
            due_at = (due_at or now) + float(lines[nxt].get("delay_s", 2.0)) / max(speed, 0.01)
    if not items:
        return 0
    inbox.append(r, broadcast_id, items, cursor={skey: {
        "next": nxt, "next_at": f"{due_at:.3f}", "state": "live", "last_item_at": f"{now:.3f}",
        "items": int(st.get("items", "0")) + len(items), "updated_at": f"{now:.3f}",
    }})
    return len(items)


class Ingest:
    """Runs every source of every live broadcast until stopped."""

    def __init__(self, r: redis.Redis, demo_speed: float = 1.0, vk: Any | None = None) -> None:
        self.r = r
        self.demo_speed = demo_speed
        self.vk = vk

    def active_sources(self) -> list[tuple[int, dict[str, Any]]]:
        """Sources of live broadcasts, and of ended ones while citizens may still answer our replies."""
        from liveline import appeals

        now = time.time()
        out = []
        for b in broadcasts.list_all(self.r):
            bid = int(b["id"])
            watching = b["state"] == "ended" and now < appeals.watch_until(self.r, bid)
            if b["state"] != "live" and not watching:
                continue
            for src in broadcasts.sources(self.r, bid):
                if src["kind"] == "demo" and b["state"] != "live":
                    continue
                out.append((bid, src))
        return out

    def step(self) -> int:
        now = time.time()
        n = 0
        for bid, src in self.active_sources():
            if src["kind"] == "demo":
                n += demo_step(self.r, bid, src, self.demo_speed, now)
        return n

    def run(self, stop: threading.Event) -> None:
        if self.vk is not None:
            self.vk.start()
        backoff = 0.2
        try:
            while not stop.is_set():
                try:
                    self.step()
                    backoff = 0.2
                    stop.wait(0.2)
                except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                    log.warning("Redis unavailable (%s); retrying", exc)
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 3.0)
        finally:
            if self.vk is not None:
                self.vk.stop()
