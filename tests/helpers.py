"""Small builders shared by tests."""

from __future__ import annotations

from typing import Any

import redis

from liveline.board import broadcasts
from liveline.board.questions import Triaged
from liveline.ingest.inbox import SourceItem


def live_broadcast(r: redis.Redis, title: str = "Прямая линия с главой района") -> int:
    bid = broadcasts.create(r, title, "Глава района Алексеев С. В.", "Europe/Volgograd",
                            "2026-11-25T18:00", "2026-11-25T19:30")
    broadcasts.start(r, bid)
    return bid


def item(n: int | str, text: str, author: str | None = None, **kw: Any) -> SourceItem:
    return SourceItem(key=kw.pop("key", f"demo:{n}"), text=text, author_id=author or f"vk:{n}",
                      author_name=kw.pop("author_name", f"Житель {n}"), created_at=kw.pop("created_at", 1.0e9 + int(str(n).split(":")[-1]) if str(n).isdigit() else 1.0e9),
                      **kw)


def triaged(text: str, **kw: Any) -> Triaged:
    return Triaged(reading_text=kw.pop("reading_text", text), safe_text=kw.pop("safe_text", text), **kw)
