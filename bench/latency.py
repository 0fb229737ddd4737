"""Inbox write → every board WebSocket: latency percentiles and the web process's memory.

Injects questions into a live broadcast's inbox at RATE per second for SECONDS with SOCKETS board sockets
connected; each card carries the time its item was written to the inbox (``data-t``), and latency is taken
at each client's receipt. Last line: ``p50_ms=… p95_ms=… p99_ms=… rss_mb=… rate=… sockets=… seconds=…``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websockets

from bench.harness import CARD_T, Stack, figures, live_broadcast, moderator_cookie, percentile
from liveline import inbox
from liveline.ingest.inbox import SourceItem

TOPICS = ["дорогу на улице {s}", "фонари на улице {s}", "мусор во дворе на {s}", "отопление в доме на {s}",
          "автобус до {v}", "детский сад в {v}", "газ в {v}", "интернет в {v}"]
STREETS = ["Ленина", "Мира", "Гагарина", "Садовой", "Школьной", "Кирова", "Пушкина", "Чапаева"]
VILLAGES = ["Заречный", "Сосновку", "Красный Яр", "Берёзовку", "Луговой", "Ольховку"]


def question(n: int) -> str:
    """A distinct question per n (its own house), so each one is a new card rather than a merge."""
    t = random.choice(TOPICS).format(s=random.choice(STREETS), v=random.choice(VILLAGES))
    return f"Когда сделают {t}? Дом {n} на улице {random.choice(STREETS)}"


async def client(url: str, cookie: str, origin: str, seen: dict[str, float], lat: list[float],
                 stop: asyncio.Event) -> None:
    async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": origin},
                                  max_size=2**26) as ws:
        while not stop.is_set():
            try:
                msg = await asyncio.wait_for(ws.recv(), 1.0)
            except TimeoutError:
                continue
            now_ms = time.time() * 1000
            for cid, t in CARD_T.findall(msg):
                if cid not in seen and int(t) > 0:
                    seen[cid] = now_ms
                    lat.append(now_ms - int(t))


async def run(rate: float, sockets: int, seconds: float) -> None:
    stack = Stack(webs=1, worker=True)
    try:
        bid = live_broadcast(stack.r)
        cookie, _ = moderator_cookie(stack.r, stack.url())
        url = stack.url().replace("http", "ws") + f"/ws/b/{bid}/board"
        stop = asyncio.Event()
        lat: list[float] = []
        tasks = [asyncio.create_task(client(url, cookie, stack.url(), {}, lat, stop)) for _ in range(sockets)]
        await asyncio.sleep(1.0)
        start = time.monotonic()
        n = 0
        while time.monotonic() - start < seconds:
            due = int((time.monotonic() - start) * rate)
            batch = []
            while n < due:
                n += 1
                batch.append(SourceItem(key=f"demo:{n}", text=question(n), author_id=f"vk:{n}",
                                        author_name=f"Житель {n}", created_at=time.time()))
            if batch:
                await asyncio.to_thread(inbox.append, stack.r, bid, batch)
            await asyncio.sleep(0.005)
        await asyncio.sleep(2.0)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        rss = stack.rss_mb("web0")
        expected = n * sockets
        print(f"questions={n} card deliveries={len(lat)} of {expected} (a question merged into an existing card "
              f"arrives as an update of that card and is not counted)")
        print(figures(p50_ms=percentile(lat, 50), p95_ms=percentile(lat, 95), p99_ms=percentile(lat, 99),
                      rss_mb=rss) + f" rate={rate:g} sockets={sockets} seconds={seconds:g}")
    finally:
        stack.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--sockets", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    a = ap.parse_args()
    asyncio.run(run(a.rate, a.sockets, a.seconds))


if __name__ == "__main__":
    main()
