"""Load: 100 board sockets and 10 host screens, comments at 200/s through the VK simulator's long poll, and
moderators acting at 2 actions/s, against ``liveline web`` (one, or ``--webs 2`` behind the same Redis with the
sockets split between them), ``worker`` and ``ingest``.

    python -m bench.load [--seconds 300] [--rate 200] [--boards 100] [--hosts 10] [--actions 2] [--webs 1]

Comment-to-board latency: creation in the simulator (our own clock when we add the comment; every comment
carries a token ``[kN]``) → the first appearance of its card on each board socket. A comment that triage
groups into an existing card makes no card of its own and is not measured (their number is printed).
Action-to-board: the moderator's POST is sent → the card shows the new status on each board socket.
The load generator is several processes so that it measures Liveline, not itself: one runs the VK simulator
and the comment producer, this one the moderator bot, and ``--clients`` processes (``bench/loadclient.py``)
hold the sockets, each parsing a message once for all its sockets. The table shows RSS and CPU of every
process, the load generator's included.
Last line: ``comment_p95_ms=… action_p95_ms=… errors=… web_rss_mb=… webs=N``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import random
import sys
import time
from collections import Counter
from typing import Any

import httpx
import psutil

from bench import loadclient
from bench.harness import Stack, figures, moderator_cookie, percentile
from liveline import auth
from liveline.board import broadcasts
from liveline.store import keys
from tests.vk_sim import VkSimulator

GROUP = 42
WORDS = ["дорогу", "освещение", "площадку", "мусор", "автобус", "водопровод", "тротуар", "поликлинику",
         "школу", "парк", "мост", "остановку", "газ", "канализацию", "детсад", "стадион", "баню", "рынок"]
PLACES = ["Мира", "Ленина", "Садовой", "Заречной", "Школьной", "Молодёжной", "Речной", "Полевой", "Лесной",
          "Новой", "Central", "Гагарина", "Кирова", "Победы"]


class Meter:
    def __init__(self) -> None:
        self.created: dict[int, float] = {}       # token -> creation time
        self.action_sent: dict[str, tuple[float, str]] = {}  # cluster id -> (sent, wanted status)
        self.errors: Counter[str] = Counter()


def producer(sim: VkSimulator, post: int, rate: float, seconds: float) -> dict[int, float]:
    """Comments at ``rate`` per second for ``seconds``; returns token -> creation time."""
    rnd = random.Random(7)
    created: dict[int, float] = {}
    n = 0
    t0 = time.monotonic()
    total = int(rate * seconds)
    while n < total:
        # every comment that is due now, then a short sleep: the rate holds even when a sleep overshoots
        due = min(total, int((time.monotonic() - t0) * rate) + 1)
        while n < due:
            text = (f"Когда сделают {rnd.choice(WORDS)} и {rnd.choice(WORDS)} на {rnd.choice(PLACES)} "
                    f"{rnd.randint(1, 200)}, {rnd.choice(WORDS)}? [k{n}]")
            created[n] = time.time()
            sim.add_comment(-GROUP, post, 300_000 + rnd.randint(0, 50_000), text)
            n += 1
        time.sleep(0.002)
    return created


def vk_process(ready: Any, go: Any, done: Any, rate: float, seconds: float) -> None:
    """Process entry: the VK simulator and the comment producer, away from the sockets and the moderators."""
    sys.setswitchinterval(0.001)  # the producer thread must not wait 5 ms for the server thread's GIL
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)  # long polls cut at shutdown are expected
    sim = VkSimulator(rate_limits=False, lp_wait_cap=1.0).start()
    sim.add_token("load-user", "user")
    sim.add_token("load-group", "group", GROUP)
    sim.add_group(GROUP, "Администрация")
    post = sim.add_post(-GROUP, "Прямая линия")
    ready.put((sim.api_url, post))
    go.wait()
    done.put(producer(sim, post, rate, seconds))
    go.clear()
    go.wait(60)  # keep serving VK until the parent is done
    sim.stop()


async def moderators(stack: Stack, bid: int, cookie: str, csrf: str, rate: float, seconds: float, meter: Meter,
                     stop: asyncio.Event) -> int:
    """Approve new cards at ``rate`` per second; new cards are learnt from the newest events (a bounded read)."""
    import redis

    rc = redis.Redis.from_url(stack.redis.url)
    headers = {"Cookie": cookie, "X-CSRF-Token": csrf, "HX-Request": "true", "Origin": stack.url()}
    done = 0
    rnd = random.Random(11)
    async with httpx.AsyncClient(base_url=stack.url(), headers=headers, timeout=10) as http:
        t0 = time.monotonic()
        while not stop.is_set() and time.monotonic() - t0 < seconds:
            await asyncio.sleep(1 / rate)
            entries = await asyncio.to_thread(rc.xrevrange, keys.events(bid), "+", "-", 20)
            new: dict[str, dict[str, Any]] = {}
            for _eid, fields in entries:
                for cid, c in json.loads(fields[b"e"]).get("clusters", {}).items():
                    if c and c["status"] == "new" and cid not in meter.action_sent:
                        new[cid] = c
            if not new:
                continue
            cid = rnd.choice(sorted(new))
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


def processes(stack: Stack, clients: list[Any], vk: Any) -> dict[str, psutil.Process]:
    procs = {name: psutil.Process(p.pid) for name, p in stack.procs.items() if p.poll() is None}
    if stack.redis.proc:
        procs["redis"] = psutil.Process(stack.redis.proc.pid)
    procs["loadgen"] = psutil.Process()
    procs["vksim"] = psutil.Process(vk.pid)
    for i, c in enumerate(clients):
        procs[f"loadclient{i}"] = psutil.Process(c.pid)
    return procs


def proc_stats(procs: dict[str, psutil.Process], t_cpu0: dict[str, float], wall: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, p in procs.items():
        t = p.cpu_times()
        cpu = t.user + t.system - t_cpu0.get(name, 0.0)
        out[name] = (p.memory_info().rss / 2**20, 100 * cpu / wall)
    return out


def cpu_now(procs: dict[str, psutil.Process]) -> dict[str, float]:
    out = {}
    for name, p in procs.items():
        t = p.cpu_times()
        out[name] = t.user + t.system
    return out


async def run(args: argparse.Namespace) -> None:
    last = ""
    ctx = mp.get_context("spawn")
    ready, go, done = ctx.Queue(), ctx.Event(), ctx.Queue()
    vk = ctx.Process(target=vk_process, args=(ready, go, done, args.rate, args.seconds), daemon=True)
    vk.start()
    api_url, post = ready.get(timeout=60)
    env = {"LIVELINE_VK_API_URL": api_url, "LIVELINE_VK_USER_TOKEN": "load-user",
           "LIVELINE_VK_GROUP_TOKEN": "load-group", "LIVELINE_VK_GROUP_ID": str(GROUP),
           "LIVELINE_VK_RATE_LIMITS": "false"}
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
        sockets: list[list[loadclient.Socket]] = [[] for _ in range(args.clients)]
        for i in range(args.boards):
            port = stack.ports[i % args.webs]
            sockets[i % args.clients].append(loadclient.Socket(
                f"ws://127.0.0.1:{port}/ws/b/{bid}/board", f"http://127.0.0.1:{port}", cookie, i, "board"))
        for i in range(args.hosts):
            port = stack.ports[i % args.webs]
            sockets[i % args.clients].append(loadclient.Socket(
                f"ws://127.0.0.1:{port}/ws/b/{bid}/host", f"http://127.0.0.1:{port}", hcookie, 1000 + i, "host"))
        client_stop, results = ctx.Event(), ctx.Queue()
        clients = [ctx.Process(target=loadclient.run, args=(share, client_stop, results), daemon=True)
                   for share in sockets]
        for c in clients:
            c.start()
        await asyncio.sleep(5)  # sockets connected, snapshots in
        procs = processes(stack, clients, vk)
        cpu0 = cpu_now(procs)
        t0 = time.monotonic()
        go.set()
        mods = asyncio.create_task(moderators(stack, bid, cookie, csrf, args.actions, args.seconds, meter, stop))
        meter.created = await asyncio.to_thread(done.get, True, args.seconds + 120)
        created = len(meter.created)
        acted = await mods
        await asyncio.sleep(5)  # the tail reaches the boards
        wall = time.monotonic() - t0
        stats = proc_stats(procs, cpu0, wall)
        client_stop.set()
        sightings: list[loadclient.Sightings] = [await asyncio.to_thread(results.get, True, 120) for _ in clients]
        for c in clients:
            c.join(10)
        comment_lat: list[float] = []
        action_lat: list[float] = []
        to_inbox: list[float] = []
        inbox_to_board: list[float] = []
        measured: set[int] = set()
        for sg in sightings:
            meter.errors.update(sg.errors)
            for token, _sock, seen, inbox_ms in sg.comments:
                if token in meter.created:
                    comment_lat.append((seen - meter.created[token]) * 1000)
                    measured.add(token)
                    if inbox_ms:
                        to_inbox.append(inbox_ms - meter.created[token] * 1000)
                        inbox_to_board.append(seen * 1000 - inbox_ms)
            for cid, _sock, seen in sg.statuses:
                if cid in meter.action_sent:
                    action_lat.append((seen - meter.action_sent[cid][0]) * 1000)
        messages = sum(sg.messages for sg in sightings)
        resyncs = sum(sg.snapshots for sg in sightings) - args.boards
        unmeasured = created - len(measured)
        print(f"comments created={created} ({created / args.seconds:.0f}/s) measured={len(measured)} "
              f"(grouped into existing cards or not yet shown: {unmeasured}); actions acknowledged={acted}; "
              f"socket messages={messages}; snapshot resyncs={resyncs}; errors={dict(meter.errors)}")
        for name, (rss, cpu) in sorted(stats.items()):
            print(f"  {name:8} rss={rss:7.1f} MB cpu={cpu:5.1f}%")
        print(figures(comment_p50_ms=percentile(comment_lat, 50),
                      comment_p95_ms=percentile(comment_lat, 95),
                      comment_p99_ms=percentile(comment_lat, 99),
                      action_p50_ms=percentile(action_lat, 50), action_p95_ms=percentile(action_lat, 95),
                      action_p99_ms=percentile(action_lat, 99)))
        print("  breakdown p50/p95 ms: creation->inbox "
              f"{percentile(to_inbox, 50):.0f}/{percentile(to_inbox, 95):.0f}, inbox->board "
              f"{percentile(inbox_to_board, 50):.0f}/{percentile(inbox_to_board, 95):.0f}")
        from liveline.board.questions import all_questions

        qs = await asyncio.to_thread(all_questions, r, bid)
        triage_lag = [float(q["received_at"]) * 1000 - float(q["stream_ms"]) for q in qs if q.get("stream_ms")]
        windows: dict[int, float] = {}
        first_ms = min((float(q["stream_ms"]) for q in qs if q.get("stream_ms")), default=0.0)
        for q in qs:
            if q.get("stream_ms"):
                w = int((float(q["stream_ms"]) - first_ms) / 10_000)
                windows[w] = max(windows.get(w, 0.0), float(q["received_at"]) * 1000 - float(q["stream_ms"]))
        print("  triage lag, worst per 10 s (ms): " + " ".join(f"{v:.0f}" for _, v in sorted(windows.items())))
        print(f"  triage (inbox write -> question written) p50/p95 ms: {percentile(triage_lag, 50):.0f}/"
              f"{percentile(triage_lag, 95):.0f} over {len(triage_lag)} questions")
        web_rss = max(stats[n][0] for n in stats if n.startswith("web"))
        errors = sum(meter.errors.values())
        last = figures(comment_p95_ms=percentile(comment_lat, 95), action_p95_ms=percentile(action_lat, 95),
                       errors=errors, web_rss_mb=web_rss, webs=args.webs)
    finally:
        stop.set()
        stack.stop()
        go.set()
        vk.join(10)
        if vk.is_alive():
            vk.terminate()
    sys.stderr.flush()
    await asyncio.sleep(0.5)  # the stopped processes' last words come before the figures line
    print(last, flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--boards", type=int, default=100)
    p.add_argument("--hosts", type=int, default=10)
    p.add_argument("--actions", type=float, default=2)
    p.add_argument("--webs", type=int, default=1)
    p.add_argument("--clients", type=int, default=2, help="processes holding the sockets")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
