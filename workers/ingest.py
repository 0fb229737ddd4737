"""The ingest loop: every source of every live broadcast writes its items into the broadcast's inbox.

The demo replay (``liveline.ingest.demo``) is stepped here; VK sources run in their own threads
(``liveline.ingest.vk.scheduler``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis

from liveline.ingest import demo, sources

log = logging.getLogger("liveline.ingest")


class Ingest:
    """Runs every source of every live broadcast until stopped."""

    def __init__(self, r: redis.Redis, demo_speed: float = 1.0, vk: Any | None = None) -> None:
        self.r = r
        self.demo_speed = demo_speed
        self.vk = vk

    def active_sources(self) -> list[tuple[int, dict[str, Any]]]:
        return sources.active(self.r)

    def step(self) -> int:
        now = time.time()
        n = 0
        for bid, src in self.active_sources():
            if src["kind"] == "demo":
                n += demo.step(self.r, bid, src, self.demo_speed, now)
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
