"""VK ingestion figures: sweep throughput (limiter lifted and at VK's limits) and long-poll latency.

    .venv/bin/python -m bench.ingest [--comments 20000] [--lp-comments 600] [--lp-rate 60]

Everything runs on loopback: the VK simulator (tests/vk_sim.py), a private redis-server (AOF, fsync every second),
the real vk_api client. Prints one line per phase, then, last, exactly:

    comments_per_s=… limited_comments_per_s=… p50_s=… p95_s=… lost=… duplicated=… rate_limited=… <params>

* comments_per_s: one full sweep of a post with ``--comments`` comments (a fifth of them replies, every 40th
  thread longer than the 10 replies VK embeds) into the inbox, user token, limiter and simulator limits
  lifted;
* limited_comments_per_s: the same with our limiter at 3 requests/s and the simulator enforcing VK's limits;
* p50_s/p95_s: from a comment's creation in the simulator to its card's arrival on a moderator's board
  WebSocket (a real `liveline web` process, the triage worker in this process), on the Bots Long Poll path,
  ``--lp-comments`` comments at ``--lp-rate`` per second (creation → inbox is printed on its own line);
* lost / duplicated: over all phases, comments missing from the inbox / inbox entries beyond one per key;
* rate_limited: VK error 6 answers the simulator gave in the limited phase (our pacing should keep it ~0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from liveline.ingest.inbox import SourceItem
from liveline.ingest.sources import status as source_status
from liveline.ingest.vk import itemkeys, tokens
from liveline.ingest.vk.scheduler import VkIngest, VkIngestSettings
from liveline.store import keys
from liveline.store.redisproc import RedisProcess
from tests.vk_sim import SimComment, SimItem, VkSimulator

USER, GROUP, GID, B = "BENCH-USER", "BENCH-GROUP", 4242, 1


class IndexedSim(VkSimulator):
    """The simulator with an index of replies by thread root: its own lookup scans every comment of the post
    for each comment of a page, which at 20,000 comments would measure the simulator, not Liveline."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._by_root: dict[tuple[str, int, int, int], list[int]] = defaultdict(list)

    def _new_comment(self, *args: Any, **kwargs: Any) -> SimComment:
        c = super()._new_comment(*args, **kwargs)
        if c.root_id:
            self._by_root[(c.kind, c.owner_id, c.item_id, c.root_id)].append(c.id)
        return c

    def _replies(self, item: SimItem, root_id: int) -> list[SimComment]:
        out = []
        for cid in self._by_root.get((item.kind, item.owner_id, item.id, root_id), ()):
            c = self._comments[(item.kind, item.owner_id, cid)]
            if not c.deleted:
                out.append(c)
        return out


def populate(sim: VkSimulator, owner: int, post: int, n: int) -> None:
    made = i = 0
    while made < n:
        root = sim.add_comment(owner, post, 10_000 + i % 5000, f"Вопрос жителя номер {i} про дороги и ЖКХ",
                               likes=i % 4)
        made += 1
        replies = 12 if i % 40 == 0 else (1 if i % 5 == 0 else 0)
        for j in range(min(replies, n - made)):
            sim.add_comment(owner, post, 20_000 + j, f"Поддерживаю {j}", reply_to=root)
            made += 1
        i += 1


def inbox_items(r: redis.Redis) -> list[tuple[SourceItem, int]]:
    return [(SourceItem.from_json(f[b"item"]), int(f[b"t"])) for _, f in r.xrange(keys.inbox(B))]


def check(r: redis.Redis, sim: VkSimulator, own: int | None = None) -> tuple[int, int]:
    want = {itemkeys.comment_key(c.kind, c.owner_id, c.item_id, c.id)
            for c in sim.created if c.from_id != own}
    got = Counter(i.key for i, _ in inbox_items(r) if i.kind == "new")
    return len(want - set(got)), sum(n - 1 for n in got.values())


def sweep_phase(r: redis.Redis, n: int, limited: bool) -> tuple[float, int, int, int]:
    r.flushall()
    with IndexedSim(rate_limits=limited) as sim:
        sim.add_token(USER, "user")
        post = sim.add_post(777)
        populate(sim, 777, post, n)
        tokens.set_token(r, "user", USER)
        source = {"id": "s1", "kind": "vk_wall", "owner_id": 777, "item_id": post, "org": "default"}
        settings = VkIngestSettings(api_url=sim.api_url, rate_limits=limited, env={})
        ing = VkIngest(r, settings, lambda: [(B, source)])
        t0 = time.perf_counter()
        written = ing.poll_once(B, source)
        elapsed = time.perf_counter() - t0
        lost, dup = check(r, sim)
        print(f"  {'VK limits' if limited else 'limits lifted'}: {written} comments in {elapsed:.1f} s; simulator "
              f"counters (method calls, inner calls of execute included): {dict(sim.counters)}", flush=True)
        return written / elapsed, lost, dup, sim.counters["error_6"]


class BoardWatcher:
    """A moderator's board WebSocket on a real `liveline web` process, recording when each card first arrives."""

    def __init__(self, redis_url: str, bid: int) -> None:
        from bench.harness import moderator_cookie, wait_http
        from liveline.store.redisproc import free_port

        self.port = free_port()
        env = dict(os.environ, LIVELINE_REDIS_URL=redis_url, LIVELINE_PORT=str(self.port),
                   LIVELINE_SECRET_KEY="bench", LIVELINE_LOG_LEVEL="WARNING")
        self.web = subprocess.Popen([sys.executable, "-m", "liveline.cli", "web"], env=env,
                                    stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{self.port}"
        wait_http(base + "/login")
        self.cookie, _ = moderator_cookie(redis.Redis.from_url(redis_url), base)
        self.url = f"ws://127.0.0.1:{self.port}/ws/b/{bid}/board"
        self.seen: dict[str, float] = {}
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()
        time.sleep(1.0)

    async def _run(self) -> None:
        import websockets

        from bench.harness import CARD_T

        async with websockets.connect(self.url, additional_headers={
                "Cookie": self.cookie, "Origin": f"http://127.0.0.1:{self.port}"}, max_size=2**26) as ws:
            while not self.stop_flag.is_set():
                try:
                    msg = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                now = time.time()
                for cid, _t in CARD_T.findall(msg):
                    self.seen.setdefault(cid, now)

    def close(self) -> None:
        self.stop_flag.set()
        self.thread.join(5)
        self.web.terminate()
        self.web.wait(10)


def longpoll_phase(r: redis.Redis, n: int, rate: float) -> tuple[list[float], list[float], int, int]:
    """Long-poll path: creation in the simulator → inbox, and → the card on a board WebSocket."""
    from liveline.board import broadcasts, questions
    from workers.triage import TriageWorker

    r.flushall()
    bid = broadcasts.create(r, "Замер long poll", "Глава", "Europe/Moscow")
    broadcasts.start(r, bid)
    assert bid == B
    stop = threading.Event()
    worker = TriageWorker(r, str(Path(__file__).resolve().parents[1] / "liveline/demo/places.csv"))
    wthread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    wthread.start()
    board = BoardWatcher(f"redis://127.0.0.1:{r.connection_pool.connection_kwargs['port']}/0", bid)
    streets = ["Ленина", "Мира", "Гагарина", "Садовой", "Кирова", "Пушкина", "Чапаева", "Советской"]
    with IndexedSim(lp_wait_cap=25.0) as sim:
        sim.add_token(USER, "user")
        sim.add_token(GROUP, "group", group_id=GID)
        post = sim.add_post(-GID)
        tokens.set_token(r, "user", USER)
        tokens.set_token(r, "group", GROUP, group_id=GID)
        source = {"id": "s1", "kind": "vk_wall", "owner_id": -GID, "item_id": post, "org": "default"}
        ing = VkIngest(r, VkIngestSettings(api_url=sim.api_url, env={}), lambda: [(B, source)])
        ing.start()
        try:
            deadline = time.monotonic() + 30
            while source_status(r, B, "s1")["state"] != "live" and time.monotonic() < deadline:
                time.sleep(0.05)
            created: dict[str, float] = {}
            t0 = time.monotonic()
            for i in range(n):
                text = f"Когда починят крышу дома {i + 1} на улице {streets[i % len(streets)]}?"
                cid = sim.add_comment(-GID, post, 30_000 + i, text)
                created[itemkeys.comment_key("wall", -GID, post, cid)] = time.time()
                pause = t0 + (i + 1) / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            deadline = time.monotonic() + 60
            while len({i.key for i, _ in inbox_items(r)}) < n and time.monotonic() < deadline:
                time.sleep(0.05)
            deadline = time.monotonic() + 60
            while len(board.seen) < n and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            ing.stop()
            board.close()
            stop.set()
            wthread.join(5)
        arrived: dict[str, float] = {}
        for item, t_ms in inbox_items(r):
            arrived.setdefault(item.key, t_ms / 1000)
        latencies = [max(0.0, arrived[k] - t) for k, t in created.items() if k in arrived]
        on_board = []
        for q in questions.all_questions(r, bid):
            c = q.get("cluster")
            if q["key"] in created and c in board.seen:
                on_board.append(max(0.0, board.seen[c] - created[q["key"]]))
        lost, dup = check(r, sim, own=-GID)
        return latencies, on_board, lost, dup


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--lp-comments", type=int, default=600)
    parser.add_argument("--lp-rate", type=float, default=60.0,
                        help="comments per second on the long-poll path")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        proc = RedisProcess(data_dir=Path(tmp)).start()
        r = redis.Redis.from_url(proc.url)
        try:
            fast, lost1, dup1, _ = sweep_phase(r, args.comments, limited=False)
            print(f"sweep, limits lifted: {fast:.0f} comments/s lost={lost1} duplicated={dup1}", flush=True)
            slow, lost2, dup2, err6 = sweep_phase(r, args.comments, limited=True)
            print(f"sweep, VK limits: {slow:.0f} comments/s lost={lost2} duplicated={dup2} error_6={err6}",
                  flush=True)
            inbox_lat, lat, lost3, dup3 = longpoll_phase(r, args.lp_comments, args.lp_rate)
        finally:
            r.close()
            proc.stop()
    lat.sort()
    p50 = statistics.median(lat) if lat else float("nan")
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))] if lat else float("nan")
    inbox_lat.sort()
    print(f"long poll → inbox: {len(inbox_lat)} comments, p50 {statistics.median(inbox_lat):.3f} s, "
          f"p95 {inbox_lat[round(0.95 * (len(inbox_lat) - 1))]:.3f} s", flush=True)
    print(f"long poll → board socket: {len(lat)} of {args.lp_comments} cards, max "
          f"{max(lat) if lat else float('nan'):.3f} s", flush=True)
    print(f"comments_per_s={fast:.0f} limited_comments_per_s={slow:.0f} p50_s={p50:.3f} p95_s={p95:.3f} "
          f"lost={lost1 + lost2 + lost3} duplicated={dup1 + dup2 + dup3} rate_limited={err6} "
          f"comments={args.comments} lp_comments={args.lp_comments} lp_rate={args.lp_rate:g} "
          f"user_rps=3 page=100 thread_items=10 execute_batch=25 redis_fsync=everysec")


if __name__ == "__main__":
    main()
