"""What the benchmarks share: a private Redis, Liveline's processes, logged-in HTTP and WebSocket clients."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import redis

from liveline import auth
from liveline.board import broadcasts
from liveline.store.redisproc import RedisProcess, free_port

ROOT = Path(__file__).resolve().parent.parent
CARD_T = re.compile(r'<article id="c-(\d+)"[^>]*?data-t="(\d+)"', re.DOTALL)
PASSWORD = "bench password 1"


class Stack:
    """redis-server + `liveline web` (one or more) + `liveline worker` (+ optional `liveline ingest`)."""

    def __init__(self, webs: int = 1, worker: bool = True, ingest: bool = False,
                 env: dict[str, str] | None = None) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="liveline-bench-"))
        self.redis = RedisProcess(self.tmp / "redis").start()
        self.r = redis.Redis.from_url(self.redis.url)
        self.ports = [free_port() for _ in range(webs)]
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.env = dict(os.environ, LIVELINE_REDIS_URL=self.redis.url, LIVELINE_SECRET_KEY="bench",
                        LIVELINE_VAR_DIR=str(self.tmp / "var"), LIVELINE_LOG_LEVEL="WARNING",
                        LIVELINE_PLACES_CSV=str(ROOT / "liveline" / "demo" / "places.csv"), **(env or {}))
        for i, port in enumerate(self.ports):
            self.spawn(f"web{i}", "web", LIVELINE_PORT=str(port))
        if worker:
            self.spawn("worker", "worker")
        if ingest:
            self.spawn("ingest", "ingest")
        for port in self.ports:
            wait_http(f"http://127.0.0.1:{port}/login")

    def spawn(self, name: str, role: str, **env: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "liveline.cli", role], env={**self.env, **env}, cwd=ROOT,
                                stdout=subprocess.DEVNULL)
        self.procs[name] = proc
        return proc

    def url(self, i: int = 0) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    def rss_mb(self, name: str) -> float:
        return psutil.Process(self.procs[name].pid).memory_info().rss / 2**20

    def cpu_s(self, name: str) -> float:
        t = psutil.Process(self.procs[name].pid).cpu_times()
        return t.user + t.system

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.redis.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)  # the run's Redis data and AOF


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def moderator_cookie(r: redis.Redis, base_url: str, username: str = "bench") -> tuple[str, str]:
    """(cookie header, csrf token) of a logged-in moderator."""
    if auth.get_user(r, username) is None:
        auth.add_user(r, username, PASSWORD, "moderator")
    with httpx.Client(base_url=base_url) as c:
        resp = c.post("/login", data={"username": username, "password": PASSWORD})
        assert resp.status_code in (200, 303), resp.text
        cookie = c.cookies.get(auth.COOKIE)
    sessions = [json.loads(r.get(k)) for k in r.scan_iter("ll:session:*")]
    csrf = next(s["csrf"] for s in sessions if s["username"] == username)
    return f"{auth.COOKIE}={cookie}", csrf


def live_broadcast(r: redis.Redis) -> int:
    bid = broadcasts.create(r, "Нагрузочный тест", "Глава", "Europe/Volgograd")
    broadcasts.start(r, bid)
    return bid


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def figures(**kv: Any) -> str:
    return " ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in kv.items())
