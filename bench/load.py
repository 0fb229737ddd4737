"""Load: 100 board sockets and 10 host screens, comments at 200/s through the VK simulator's long poll, and
moderators acting at 2 actions/s, against ``liveline web`` (one, or ``--webs 2`` behind the same Redis with the
sockets split between them), ``worker`` and ``ingest``.

    python -m bench.load [--seconds 300] [--rate 200] [--boards 100] [--hosts 10] [--actions 2] [--webs 1]

Comment-to-board latency: creation in the simulator (our own clock when we add the comment; every comment
carries a token ``[kN]``) → the first appearance of its card on each board socket. A comment that triage
groups into an existing card makes no card of its own and is not measured (their number is printed).
Action-to-board: the moderator's POST is sent → the card shows the new status on each board socket.
Last line: ``comment_p95_ms=… action_p95_ms=… errors=… web_rss_mb=… webs=N``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import threading
import time
from collections import Counter
from typing import Any

import httpx
import psutil
import websockets

from bench.harness import Stack, figures, moderator_cookie, percentile
from liveline import auth, broadcasts
from tests.vk_sim import VkSimulator

GROUP = 42
ARTICLE = re.compile(r'<article id="c-(\d+)"[^>]*?data-status="(\w+)"(.*?)</article>', re.DOTALL)
DATA_T = re.compile(r'data-t="(\d+)"')
TOKEN = re.compile(r"\[k(\d+)\]")
WORDS = ["дорогу", "освещение", "площадку", "мусор", "автобус", "водопровод", "тротуар", "поликлинику",
         "школу", "парк", "мост", "остановку", "газ", "канализацию", "детсад", "стадион", "баню", "рынок"]
PLACES = ["Мира", "Ленина", "Садовой", "Заречной", "Школьной", "Молодёжной", "Речной", "Полевой", "Лесной",
          "Новой", "Central", "Гагарина", "Кирова", "Победы"]


class Meter:
    def __init__(self) -> None:
        self.created: dict[int, float] = {}       # token -> creation time
        self.seen: dict[tuple[int, str], float] = {}  # (socket, cluster id) -> first seen
        self.comment_lat: list[float] = []
        self.action_sent: dict[str, tuple[float, str]] = {}  # cluster id -> (sent, wanted status)
        self.action_seen: set[tuple[int, str, float]] = set()
        self.action_lat: list[float] = []
        self.errors: Counter[str] = Counter()
        self.messages = 0
        self.measured_tokens: set[int] = set()
        self.to_inbox: list[float] = []         # creation -> inbox write (VK long poll + ingest)
        self.inbox_to_board: list[float] = []   # inbox write -> board socket (triage + fan-out)

    def on_board(self, sock: int, html: str, now: float) -> None:
        self.messages += 1
        for m in ARTICLE.finditer(html):
            cid, status, body = m.group(1), m.group(2), m.group(3)
            if (sock, cid) not in self.seen:
                self.seen[(sock, cid)] = now
                t = TOKEN.search(body)
                if t and int(t.group(1)) in self.created:
                    created = self.created[int(t.group(1))]
                    self.comment_lat.append((now - created) * 1000)
                    self.measured_tokens.add(int(t.group(1)))
                    dt = DATA_T.search(m.group(0))
                    if dt and int(dt.group(1)):
                        self.to_inbox.append(int(dt.group(1)) - created * 1000)
                        self.inbox_to_board.append(now * 1000 - int(dt.group(1)))
            sent = self.action_sent.get(cid)
            if sent and status == sent[1] and (sock, cid, sent[0]) not in self.action_seen:
                self.action_seen.add((sock, cid, sent[0]))
                self.action_lat.append((now - sent[0]) * 1000)


async def board_socket(url: str, origin: str, cookie: str, sock: int, meter: Meter, stop: asyncio.Event,
                       kind: str) -> None:
    while not stop.is_set():
        try:
            async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": origin},
                                          max_size=2**26, open_timeout=20) as ws:
                first = True
                while not stop.is_set():
                    try:
                        msg = await asyncio.wait_for(ws.recv(), 1.0)
                    except TimeoutError:
                        continue
                    if kind == "board" and not first:
                        meter.on_board(sock, msg if isinstance(msg, str) else msg.decode(), time.time())
                    elif kind == "board":
                        # the snapshot: cards already there are not "new"
                        for m in ARTICLE.finditer(msg if isinstance(msg, str) else msg.decode()):
                            meter.seen.setdefault((sock, m.group(1)), time.time())
                    first = False
        except Exception as exc:  # noqa: BLE001 - count and reconnect
            if not stop.is_set():
                meter.errors[f"{kind}_socket:{type(exc).__name__}"] += 1
                await asyncio.sleep(0.5)


def producer(sim: VkSimulator, post: int, rate: float, seconds: float, meter: Meter, stop: threading.Event) -> int:
    rnd = random.Random(7)
    n = 0
    t0 = time.monotonic()
    while not stop.is_set() and time.monotonic() - t0 < seconds:
        due = t0 + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        text = (f"Когда сделают {rnd.choice(WORDS)} и {rnd.choice(WORDS)} на {rnd.choice(PLACES)} "
                f"{rnd.randint(1, 200)}, {rnd.choice(WORDS)}? [k{n}]")
        meter.created[n] = time.time()
        sim.add_comment(-GROUP, post, 300_000 + rnd.randint(0, 50_000), text)
        n += 1
    return n


async def moderators(stack: Stack, bid: int, cookie: str, csrf: str, rate: float, seconds: float, meter: Meter,
                     stop: asyncio.Event) -> int:
    import redis

    from liveline import state

    rc = redis.Redis.from_url(stack.redis.url)
    headers = {"Cookie": cookie, "X-CSRF-Token": csrf, "HX-Request": "true", "Origin": stack.url()}
    done = 0
    rnd = random.Random(11)
    async with httpx.AsyncClient(base_url=stack.url(), headers=headers, timeout=10) as http:
        t0 = time.monotonic()
        while not stop.is_set() and time.monotonic() - t0 < seconds:
            await asyncio.sleep(1 / rate)
            cs = (await asyncio.to_thread(state.read, rc, bid, False)).clusters
            new = [c for c in cs.values() if c["status"] == "new" and str(c["id"]) not in meter.action_sent]
            if not new:
                continue
            c = rnd.choice(new)
            cid = str(c["id"])
            meter.action_sent[cid] = (time.time(), "approved")
            try:
                resp = await http.post(f"/b/{bid}/c/{cid}/approve")
                if resp.status_code != 204:
                    meter.errors[f"action:{resp.status_code}"] += 1
                else:
                    done += 1
            except httpx.HTTPError as exc:
                meter.errors[f"action:{type(exc).__name__}"] += 1
    rc.close()
    return done


def host_cookie(stack: Stack, bid: int) -> str:
    key = broadcasts.host_key(stack.r, bid)
    with httpx.Client(base_url=stack.url()) as c:
        c.get(f"/host/{bid}/{key}")
        return f"{auth.COOKIE}={c.cookies.get(auth.COOKIE)}"


def proc_stats(stack: Stack, t_cpu0: dict[str, float], wall: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    procs = {name: psutil.Process(p.pid) for name, p in stack.procs.items() if p.poll() is None}
    if stack.redis.proc:
        procs["redis"] = psutil.Process(stack.redis.proc.pid)
    procs["loadgen"] = psutil.Process()
    for name, p in procs.items():
        t = p.cpu_times()
        cpu = t.user + t.system - t_cpu0.get(name, 0.0)
        out[name] = (p.memory_info().rss / 2**20, 100 * cpu / wall)
    return out


def cpu_now(stack: Stack) -> dict[str, float]:
    out = {}
    for name, p in stack.procs.items():
        t = psutil.Process(p.pid).cpu_times()
        out[name] = t.user + t.system
    if stack.redis.proc:
        t = psutil.Process(stack.redis.proc.pid).cpu_times()
        out["redis"] = t.user + t.system
    t = psutil.Process().cpu_times()
    out["loadgen"] = t.user + t.system
    return out


async def run(args: argparse.Namespace) -> None:
    sim = VkSimulator(rate_limits=False, lp_wait_cap=1.0).start()
    sim.add_token("load-user", "user")
    sim.add_token("load-group", "group", GROUP)
    sim.add_group(GROUP, "Администрация")
    post = sim.add_post(-GROUP, "Прямая линия")
    env = {"LIVELINE_VK_API_URL": sim.api_url, "LIVELINE_VK_USER_TOKEN": "load-user",
           "LIVELINE_VK_GROUP_TOKEN": "load-group", "LIVELINE_VK_GROUP_ID": str(GROUP),
           "LIVELINE_VK_RATE_LIMITS": "false", "LIVELINE_VK_RECONCILE_S": "30"}
    stack = Stack(webs=args.webs, worker=True, ingest=False, env=env)
    meter = Meter()
    stop = asyncio.Event()
    try:
        r = stack.r
        bid = broadcasts.create(r, "Нагрузка", "Глава", "Europe/Volgograd")
        broadcasts.add_source(r, bid, {"kind": "vk_wall", "owner_id": -GROUP, "item_id": post, "org": "default",
                                       "url": ""})
        broadcasts.start(r, bid)
        stack.spawn("ingest", "ingest")
        cookie, csrf = moderator_cookie(r, stack.url(), "load-moderator")
        hcookie = host_cookie(stack, bid)
        tasks = []
        for i in range(args.boards):
            port = stack.ports[i % args.webs]
            tasks.append(asyncio.create_task(board_socket(f"ws://127.0.0.1:{port}/ws/b/{bid}/board",
                                                          f"http://127.0.0.1:{port}", cookie, i, meter, stop,
                                                          "board")))
        for i in range(args.hosts):
            port = stack.ports[i % args.webs]
            tasks.append(asyncio.create_task(board_socket(f"ws://127.0.0.1:{port}/ws/b/{bid}/host",
                                                          f"http://127.0.0.1:{port}", hcookie, 1000 + i, meter,
                                                          stop, "host")))
        await asyncio.sleep(3)  # sockets connected, snapshots in
        cpu0 = cpu_now(stack)
        t0 = time.monotonic()
        pstop = threading.Event()
        prod = asyncio.create_task(asyncio.to_thread(producer, sim, post, args.rate, args.seconds, meter, pstop))
        mods = asyncio.create_task(moderators(stack, bid, cookie, csrf, args.actions, args.seconds, meter, stop))
        created = await prod
        acted = await mods
        await asyncio.sleep(5)  # the tail reaches the boards
        wall = time.monotonic() - t0
        stats = proc_stats(stack, cpu0, wall)
        stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        unmeasured = created - len(meter.measured_tokens)
        print(f"comments created={created} ({created / args.seconds:.0f}/s) measured={len(meter.measured_tokens)} "
              f"(grouped into existing cards or not yet shown: {unmeasured}); actions acknowledged={acted}; "
              f"board messages={meter.messages}; errors={dict(meter.errors)}")
        for name, (rss, cpu) in sorted(stats.items()):
            print(f"  {name:8} rss={rss:7.1f} MB cpu={cpu:5.1f}%")
        print(figures(comment_p50_ms=percentile(meter.comment_lat, 50),
                      comment_p95_ms=percentile(meter.comment_lat, 95),
                      comment_p99_ms=percentile(meter.comment_lat, 99),
                      action_p50_ms=percentile(meter.action_lat, 50), action_p95_ms=percentile(meter.action_lat, 95),
                      action_p99_ms=percentile(meter.action_lat, 99)))
        print("  breakdown p50/p95 ms: creation->inbox "
              f"{percentile(meter.to_inbox, 50):.0f}/{percentile(meter.to_inbox, 95):.0f}, inbox->board "
              f"{percentile(meter.inbox_to_board, 50):.0f}/{percentile(meter.inbox_to_board, 95):.0f}")
        from liveline.questions import all_questions

        qs = await asyncio.to_thread(all_questions, r, bid)
        triage_lag = [float(q["received_at"]) * 1000 - float(q["stream_ms"]) for q in qs if q.get("stream_ms")]
        print(f"  triage (inbox write -> question written) p50/p95 ms: {percentile(triage_lag, 50):.0f}/"
              f"{percentile(triage_lag, 95):.0f} over {len(triage_lag)} questions")
        web_rss = max(stats[n][0] for n in stats if n.startswith("web"))
        errors = sum(meter.errors.values())
        print(figures(comment_p95_ms=percentile(meter.comment_lat, 95), action_p95_ms=percentile(meter.action_lat, 95),
                      errors=errors, web_rss_mb=web_rss, webs=args.webs), flush=True)
    finally:
        stop.set()
        stack.stop()
        sim.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--boards", type=int, default=100)
    p.add_argument("--hosts", type=int, default=10)
    p.add_argument("--actions", type=float, default=2)
    p.add_argument("--webs", type=int, default=1)
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
