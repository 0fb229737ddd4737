"""Process heartbeats: the worker and ingest processes say they are alive; /healthz reads them."""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

import redis

from liveline.store import codec, keys

TTL_S = 15


def ident() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(r: redis.Redis, role: str, info: dict[str, Any] | None = None) -> None:
    r.set(keys.heartbeat(role, ident()), codec.dumps({"at": time.time(), **(info or {})}), ex=TTL_S)


def alive(r: redis.Redis, role: str) -> list[dict[str, Any]]:
    out = []
    for key in r.scan_iter(match=keys.heartbeat_pattern(role), count=100):
        raw = r.get(key)
        if raw:
            out.append(codec.loads(raw))
    return out


def health(r: redis.Redis) -> dict[str, Any]:
    try:
        r.ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        return {"status": "degraded", "redis": f"недоступен: {type(exc).__name__}", "worker": "unknown",
                "ingest": "unknown"}
    report: dict[str, Any] = {"status": "ok", "redis": "ok"}
    for role in ("worker", "ingest"):
        n = len(alive(r, role))
        report[role] = "ok" if n else "missing"
        if not n:
            report["status"] = "degraded"
    return report


class Beater:
    """Beats every few seconds from a daemon thread until stopped; survives Redis restarts."""

    def __init__(self, r: redis.Redis, role: str, every_s: float = 3.0) -> None:
        self.r, self.role, self.every_s = r, role, every_s
        self.info: dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{role}", daemon=True)

    def start(self) -> Beater:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                beat(self.r, self.role, self.info)
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                pass
            self._stop.wait(self.every_s)

    def stop(self) -> None:
        self._stop.set()
        try:
            self.r.delete(keys.heartbeat(self.role, ident()))
        except (redis.ConnectionError, OSError):
            pass
