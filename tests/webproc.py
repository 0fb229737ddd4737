"""A real ``liveline web`` process on a free port, for tests that need the server's own protocol layer or more
than one web process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from liveline.store.redisproc import RedisProcess, free_port


class LiveServer:
    """``liveline web`` as a subprocess with these settings (``env``: more ``LIVELINE_*`` values)."""

    def __init__(self, redis_proc: RedisProcess, var_dir: Path, **env: str) -> None:
        self.redis_proc = redis_proc
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, LIVELINE_REDIS_URL=redis_proc.url, LIVELINE_PORT=str(self.port),
                        LIVELINE_SECRET_KEY="e2e-secret", LIVELINE_VAR_DIR=str(var_dir),
                        LIVELINE_LOG_LEVEL="WARNING", **env)
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "liveline.cli", "web"]

    def start(self) -> LiveServer:
        self.proc = subprocess.Popen(self.command(), env=self.env, cwd=Path(__file__).resolve().parents[1])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/login", timeout=0.5)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("web server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
