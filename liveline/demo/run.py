"""``liveline demo``: the whole system on one machine with a believable direct line.

Starts its own redis-server (AOF, fsync always, data under ./var/redis) when LIVELINE_REDIS_URL is not set,
creates the demo accounts, the district's gazetteer and a live demo broadcast, then runs the web server, the
worker and the ingest process as child processes until Ctrl-C / SIGTERM, and stops all of them, Redis too.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import redis

from liveline import auth, labels
from liveline.board import broadcasts, catalog
from liveline.settings import Settings
from liveline.store import keys
from liveline.store.redisproc import RedisProcess

DEMO_USERS = [
    ("admin", "liveline-admin", "admin", "", "Администратор ЦУР"),
    ("moder", "liveline-moder", "moderator", "", "Модератор Анна"),
    ("moder2", "liveline-moder2", "moderator", "", "Модератор Борис"),
    ("producer", "liveline-producer", "producer", "", "Продюсер студии"),
]
DEMO_TITLE = "Прямая линия с главой Новоозёрского района"
DEMO_TZ = "Europe/Volgograd"
PLACES = Path(__file__).resolve().parent / "places.csv"


def seed(r: redis.Redis) -> int:
    """Demo accounts, gazetteer and a live demo broadcast (reused while it is live); returns its id."""
    for username, password, role, dept, name in DEMO_USERS:
        if auth.get_user(r, username) is None:
            auth.add_user(r, username, password, role, dept, name)
    if not r.exists(keys.places()):
        catalog.import_places(r, PLACES.read_text(encoding="utf-8"))
    for b in broadcasts.list_all(r):
        if b["title"] == DEMO_TITLE and b["state"] == "live":
            return int(b["id"])
    now = datetime.now(ZoneInfo(DEMO_TZ)).replace(second=0, microsecond=0)
    bid = broadcasts.create(r, DEMO_TITLE, "Глава района Алексеев Сергей Викторович", DEMO_TZ,
                            now.isoformat(), (now + timedelta(hours=1, minutes=30)).isoformat(), actor="demo")
    broadcasts.add_source(r, bid, {"kind": "demo"})
    broadcasts.start(r, bid, actor="demo")
    return bid


def main(settings: Settings) -> int:
    settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.var_dir.chmod(0o700)  # the session key, the secrets key and the AOF: no one else's to read
    redis_proc: RedisProcess | None = None
    env = dict(os.environ)
    if not settings.redis_url:
        redis_proc = RedisProcess(settings.var_dir / "redis", password=secrets.token_urlsafe(24)).start()
        settings.redis_url = redis_proc.url
        print(f"Redis: свой redis-server {redis_proc.version()} на {redis_proc.shown_url} (с паролем), данные в "
              f"{settings.var_dir / 'redis'} (AOF, fsync always)")
    env["LIVELINE_REDIS_URL"] = settings.redis_url
    env["LIVELINE_PORT"] = str(settings.port)
    env["LIVELINE_PLACES_CSV"] = settings.places_csv or str(PLACES)
    r = redis.Redis.from_url(settings.redis_url)
    bid = seed(r)
    base = f"http://{settings.host if settings.host not in ('0.0.0.0', '::') else '127.0.0.1'}:{settings.port}"
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int = 0, frame: object = None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for role in ("web", "worker", "ingest"):
            children.append(subprocess.Popen([sys.executable, "-m", "liveline.cli", role], env=env))
        print()
        print("Liveline запущен с демонстрационной прямой линией.")
        print(f"  Вход:               {base}/login")
        print(f"  Доска модератора:   {base}/b/{bid}/board")
        print(f"  Экран ведущего:     {base}/host/{bid}/{broadcasts.host_key(r, bid)}")
        print(f"  Состояние:          {base}/healthz")
        print("  Учётные записи:     " + ", ".join(f"{u} / {p} ({labels.ROLES[role]})"
                                                   for u, p, role, _, _ in DEMO_USERS))
        print("Остановить: Ctrl-C")
        sys.stdout.flush()
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    print(f"процесс {cast(list[str], child.args)[-1]} завершился с кодом {child.returncode}; останавливаюсь")
                    stopping = True
            time.sleep(0.3)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 8
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        r.close()
        if redis_proc is not None:
            redis_proc.stop()
        print("Liveline остановлен.")
    return 0
