"""Chaos: a simulated broadcast while Redis, the worker, the ingest process and the web process are SIGKILLed.

    python -m tests.chaos --duration 600 [--seed N]

What runs: the VK simulator (a thread) with a community post (Bots Long Poll + sweeps), a post on a personal
page and a live video chat (both polled); ``liveline web``, ``worker`` and ``ingest`` as subprocesses
(``bench.harness.Stack``) pointed at the simulator; two board WebSocket clients; one moderator bot that
approves, queues, puts on air, marks answered and edits through HTTP with CSRF, recording every action the
server acknowledged with 204. At moments drawn from the printed seed, each of Redis (restarted on its AOF,
same dir and port), the worker, the ingest process and the web process is SIGKILLed at least twice.

At the end, after the comments stop and the system drains: every comment the simulator created is in
``liveline export questions ID --format jsonl`` exactly once (by ``source`` = the item key), every
acknowledged action's effect is in the final state, and a fresh board WebSocket snapshot equals
``liveline.store.state.read``. The last line is the figures:

    kills_redis=… kills_worker=… kills_ingest=… kills_web=… lost=… duplicated=… actions_lost=… seed=…
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis
from bs4 import BeautifulSoup
from websockets.sync.client import connect

from bench.harness import ROOT, Stack, moderator_cookie
from liveline.board import broadcasts
from liveline.ingest.vk import itemkeys
from liveline.live import screens
from liveline.store import state
from tests.vk_sim import VkSimulator

GROUP = 42
PAGE_OWNER = 704145204
USER_TOKEN, GROUP_TOKEN = "chaos-user-token", "chaos-group-token"
KINDS = ("redis", "worker", "ingest", "web")
# the bot's progression: the status each acknowledged action implies (rank = position)
PROGRESSION = ["new", "approved", "queued", "on_air", "answered"]
NEXT_ACTION = {"new": "approve", "approved": "queue", "queued": "on_air", "on_air": "answered"}
IMPLIES = {"approve": "approved", "queue": "queued", "on_air": "on_air", "answered": "answered"}
TOPICS = ["дорогу", "освещение", "детскую площадку", "вывоз мусора", "автобус", "водопровод", "тротуар",
          "поликлинику", "школу", "парк"]
STREETS = ["Мира", "Ленина", "Садовой", "Заречной", "Школьной", "Молодёжной", "Речной", "Полевой"]


def log(msg: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {msg}", flush=True)


@dataclass
class Ack:
    cid: str
    action: str
    text: str = ""
    at: float = field(default_factory=time.monotonic)


class Producer(threading.Thread):
    """Citizens: comments (and some replies) on the three items at ``rate`` per second until stopped."""

    def __init__(self, sim: VkSimulator, items: list[tuple[str, int, int]], rate: float, rnd: random.Random,
                 stop: threading.Event) -> None:
        super().__init__(name="producer", daemon=True)
        self.sim, self.items, self.rate, self.rnd, self.stop_ev = sim, items, rate, rnd, stop
        self.count = 0

    def text(self) -> str:
        n = self.count
        return (f"Когда отремонтируют {self.rnd.choice(TOPICS)} на улице {self.rnd.choice(STREETS)}, "
                f"дом {self.rnd.randint(1, 90)}? Вопрос номер {n}")

    def run(self) -> None:
        roots: dict[tuple[str, int, int], list[int]] = {it: [] for it in self.items}
        while not self.stop_ev.is_set():
            kind, owner, item_id = it = self.rnd.choice(self.items)
            author = 100_000 + self.rnd.randint(0, 5_000)
            reply_to = self.rnd.choice(roots[it]) if roots[it] and self.rnd.random() < 0.15 else None
            if kind == "wall":
                cid = self.sim.add_comment(owner, item_id, author, self.text(), reply_to=reply_to)
            else:
                cid = self.sim.add_video_comment(owner, item_id, author, self.text(), reply_to=reply_to)
            if reply_to is None:
                roots[it].append(cid)
            self.count += 1
            self.stop_ev.wait(self.rnd.expovariate(self.rate))


class Boards(threading.Thread):
    """A board WebSocket client that reconnects whenever its socket or the web process goes away."""

    def __init__(self, url: str, cookie: str, stop: threading.Event, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.url, self.cookie, self.stop_ev = url, cookie, stop
        self.messages = 0
        self.connects = 0
        self.errors = Counter[str]()

    def run(self) -> None:
        while not self.stop_ev.is_set():
            try:
                with connect(self.url, additional_headers={"Cookie": self.cookie,
                                                            "Origin": self.url.replace("ws://", "http://")
                                                            .split("/ws/")[0]},
                             open_timeout=3, close_timeout=1, max_size=None) as ws:
                    self.connects += 1
                    while not self.stop_ev.is_set():
                        try:
                            ws.recv(timeout=1)
                            self.messages += 1
                        except TimeoutError:
                            continue
            except Exception as exc:  # noqa: BLE001 - the web process is being killed: reconnect
                self.errors[type(exc).__name__] += 1
                self.stop_ev.wait(0.5)


class Moderator(threading.Thread):
    """Moves clusters forward one step at a time and edits some; records what the server acknowledged."""

    def __init__(self, stack: Stack, bid: int, cookie: str, csrf: str, rnd: random.Random,
                 stop: threading.Event) -> None:
        super().__init__(name="moderator", daemon=True)
        self.stack, self.bid, self.cookie, self.csrf, self.rnd, self.stop_ev = stack, bid, cookie, csrf, rnd, stop
        self.acks: list[Ack] = []
        self.attempts = 0
        self.failures = Counter[str]()
        self.edited: set[str] = set()

    def clusters(self) -> dict[str, dict[str, Any]]:
        r = redis.Redis.from_url(self.stack.redis.url, socket_timeout=2, socket_connect_timeout=1)
        try:
            return state.read(r, self.bid, with_questions=False).clusters
        finally:
            r.close()

    def run(self) -> None:
        headers = {"Cookie": self.cookie, "X-CSRF-Token": self.csrf, "HX-Request": "true",
                   "Origin": self.stack.url()}
        with httpx.Client(base_url=self.stack.url(), headers=headers, timeout=5) as http:
            while not self.stop_ev.is_set():
                self.stop_ev.wait(0.25)
                try:
                    cs = self.clusters()
                except (redis.RedisError, OSError):
                    continue
                movable = [c for c in cs.values() if c["status"] in NEXT_ACTION]
                if not movable:
                    continue
                c = self.rnd.choice(movable)
                cid = str(c["id"])
                if cid not in self.edited and self.rnd.random() < 0.2:
                    action, data = "edit", {"text": f"Вопрос {cid}: отредактировано модератором {self.attempts}"}
                else:
                    action, data = NEXT_ACTION[c["status"]], {}
                if action == "on_air" and any(x["status"] == "on_air" for x in cs.values()):
                    action = "answered" if c["status"] == "on_air" else action
                self.attempts += 1
                try:
                    resp = http.post(f"/b/{self.bid}/c/{cid}/{action}", data=data)
                except httpx.HTTPError as exc:
                    self.failures[type(exc).__name__] += 1
                    continue
                if resp.status_code == 204:
                    self.acks.append(Ack(cid, action, data.get("text", "")))
                    if action == "edit":
                        self.edited.add(cid)
                else:
                    self.failures[str(resp.status_code)] += 1


def export_keys(stack: Stack, bid: int) -> list[str]:
    out = subprocess.run([sys.executable, "-m", "liveline.cli", "export", "questions", str(bid), "--format",
                          "jsonl"], env=stack.env, cwd=ROOT, capture_output=True, timeout=60, check=True)
    return [json.loads(line)["source"] for line in out.stdout.decode().splitlines() if line.strip()]


def sim_keys(sim: VkSimulator) -> list[str]:
    return [itemkeys.comment_key(c.kind, c.owner_id, c.item_id, c.id) for c in sim.created]


def board_snapshot(stack: Stack, bid: int, cookie: str) -> dict[str, tuple[str, int]]:
    with connect(f"ws://127.0.0.1:{stack.ports[0]}/ws/b/{bid}/board",
                 additional_headers={"Cookie": cookie, "Origin": stack.url()}, open_timeout=10,
                 max_size=None) as ws:
        html = ws.recv(timeout=20)
    soup = BeautifulSoup(html, "html.parser")
    return {a["data-id"]: (a["data-status"], int(a["data-version"])) for a in soup.select("article.qcard")}


def true_board(r: redis.Redis, bid: int) -> dict[str, tuple[str, int]]:
    """What a fresh board shows: the first LIVELINE_BOARD_CARDS cards of each column of a fresh read."""
    st = state.read(r, bid, with_questions=False)
    return {str(c["id"]): (c["status"], int(c["version"])) for col in screens.board_window(st).values()
            for c in col}


def kill_plan(rnd: random.Random, duration: float, per_kind: int) -> list[tuple[float, str]]:
    """When to kill what: ``per_kind`` kills of each kind spread over [8%, 72%] of the run, shuffled."""
    kinds = [k for k in KINDS for _ in range(per_kind)]
    rnd.shuffle(kinds)
    n = len(kinds)
    lo, hi = 0.08 * duration, 0.72 * duration
    slots = [lo + (hi - lo) * (i + rnd.uniform(0.1, 0.9)) / n for i in range(n)]
    return list(zip(slots, kinds))


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)


def kill(stack: Stack, kind: str, rnd: random.Random) -> None:
    if kind == "redis":
        stack.redis.kill()
        time.sleep(rnd.uniform(0.2, 2.0))
        stack.redis.start()
        return
    name = "web0" if kind == "web" else kind
    proc = stack.procs[name]
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    time.sleep(rnd.uniform(0.2, 2.0))
    if kind == "web":
        stack.spawn("web0", "web", LIVELINE_PORT=str(stack.ports[0]))
        wait_http(stack.url() + "/login")
    else:
        stack.spawn(name, kind)


def run(duration: float, seed: int, rate: float = 5.0) -> dict[str, Any]:
    rnd = random.Random(seed)
    per_kind = max(2, int(duration // 150))
    plan = kill_plan(rnd, duration, per_kind)
    log(f"seed={seed} duration={duration:.0f}s rate={rate}/s kills: "
        + ", ".join(f"{t:.0f}s:{k}" for t, k in plan))
    sim = VkSimulator(rate_limits=False, lp_wait_cap=1.0).start()
    sim.add_token(USER_TOKEN, "user")
    sim.add_token(GROUP_TOKEN, "group", GROUP)
    sim.add_group(GROUP, "Администрация Новоозёрского района")
    post = sim.add_post(-GROUP, "Прямая линия с главой района: задайте вопрос")
    page_post = sim.add_post(PAGE_OWNER, "Вопросы к прямой линии")
    video = sim.add_video(-GROUP, "Прямая линия", live=True)
    env = {"LIVELINE_VK_API_URL": sim.api_url, "LIVELINE_VK_USER_TOKEN": USER_TOKEN,
           "LIVELINE_VK_GROUP_TOKEN": GROUP_TOKEN, "LIVELINE_VK_GROUP_ID": str(GROUP),
           "LIVELINE_VK_POLL_S": "1", "LIVELINE_VK_RECONCILE_S": "5", "LIVELINE_VK_RATE_LIMITS": "false"}
    stack = Stack(webs=1, worker=True, ingest=False, env=env)
    stop_all = threading.Event()
    try:
        r = stack.r
        bid = broadcasts.create(r, "Хаос-тест", "Глава района", "Europe/Volgograd")
        for src in ({"kind": "vk_wall", "owner_id": -GROUP, "item_id": post},
                    {"kind": "vk_wall", "owner_id": PAGE_OWNER, "item_id": page_post},
                    {"kind": "vk_video", "owner_id": -GROUP, "item_id": video}):
            broadcasts.add_source(r, bid, {**src, "org": "default", "url": ""})
        broadcasts.start(r, bid)
        stack.spawn("ingest", "ingest")
        cookie, csrf = moderator_cookie(r, stack.url(), "chaos-moderator")
        ws_url = f"ws://127.0.0.1:{stack.ports[0]}/ws/b/{bid}/board"
        producing = threading.Event()
        producer = Producer(sim, [("wall", -GROUP, post), ("wall", PAGE_OWNER, page_post),
                                  ("video", -GROUP, video)], rate, rnd, producing)
        boards = [Boards(ws_url, cookie, stop_all, f"board{i}") for i in range(2)]
        bot = Moderator(stack, bid, cookie, csrf, random.Random(seed + 1), stop_all)
        for t in (producer, *boards, bot):
            t.start()
        t0 = time.monotonic()
        kills = Counter[str]()
        for at, kind in plan:
            time.sleep(max(0.0, at - (time.monotonic() - t0)))
            log(f"SIGKILL {kind}")
            try:
                kill(stack, kind, rnd)
                kills[kind] += 1
            except Exception as exc:  # noqa: BLE001 - report and go on
                log(f"restarting {kind} failed: {exc!r}")
        time.sleep(max(0.0, 0.8 * duration - (time.monotonic() - t0)))
        producing.set()
        producer.join(5)
        log(f"comments stopped: {producer.count} created; draining")
        want = Counter(sim_keys(sim))
        drain_deadline = time.monotonic() + max(60.0, 0.2 * duration)
        got: list[str] = []
        while time.monotonic() < drain_deadline:
            got = export_keys(stack, bid)
            if set(want) <= set(got):
                break
            time.sleep(2)
        time.sleep(3)  # whatever was still in flight (a re-delivery) has landed
        stop_all.set()
        bot.join(10)
        for b in boards:
            b.join(5)
        time.sleep(1)  # the last actions' events reach the channel
        got = export_keys(stack, bid)
        have = Counter(got)
        lost = sorted(k for k in want if k not in have)
        duplicated = sum(n - 1 for n in have.values() if n > 1)
        final = state.read(r, bid, with_questions=False).clusters
        actions_lost = check_actions(bot.acks, final)
        snap = board_snapshot(stack, bid, cookie)
        truth = true_board(r, bid)
        board_ok = snap == truth
        log(f"moderator: {len(bot.acks)} acknowledged of {bot.attempts} attempts; failures {dict(bot.failures)}")
        log(f"boards: {[b.connects for b in boards]} connects, {[b.messages for b in boards]} messages, "
            f"errors {[dict(b.errors) for b in boards]}")
        log(f"board snapshot == state.read: {board_ok} ({len(snap)} cards)")
        if lost:
            log(f"lost (first 10): {lost[:10]}")
        if duplicated:
            log(f"duplicated: {[k for k, n in have.items() if n > 1][:10]}")
        if not board_ok:
            diff = {k: (snap.get(k), truth.get(k)) for k in set(snap) | set(truth) if snap.get(k) != truth.get(k)}
            log(f"board differs (first 10): {list(diff.items())[:10]}")
        return {"kills_redis": kills["redis"], "kills_worker": kills["worker"], "kills_ingest": kills["ingest"],
                "kills_web": kills["web"], "lost": len(lost), "duplicated": duplicated,
                "actions_lost": len(actions_lost), "seed": seed, "created": sum(want.values()),
                "board_ok": board_ok, "acks": len(bot.acks)}
    finally:
        stop_all.set()
        stack.stop()
        sim.stop()


def check_actions(acks: list[Ack], final: dict[str, dict[str, Any]]) -> list[Ack]:
    """Acknowledged actions whose effect is not in the final state.

    A status action holds when the cluster's final status is at least the one it implied (the bot only moves
    forward; an unacknowledged later action may have moved it further). An edit holds when the final reading
    text is its text (each cluster is edited at most once).
    """
    lost = []
    rank = {s: i for i, s in enumerate(PROGRESSION)}
    for a in acks:
        c = final.get(a.cid)
        if c is None:
            lost.append(a)
        elif a.action == "edit":
            if c.get("reading_text") != a.text:
                lost.append(a)
        elif rank.get(c["status"], -1) < rank[IMPLIES[a.action]]:
            lost.append(a)
    return lost


def figures_line(res: dict[str, Any]) -> str:
    return " ".join(f"{k}={res[k]}" for k in ("kills_redis", "kills_worker", "kills_ingest", "kills_web", "lost",
                                              "duplicated", "actions_lost", "seed"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, default=600)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--rate", type=float, default=5.0, help="comments per second")
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    res = run(args.duration, seed, args.rate)
    log(f"created={res['created']} acknowledged_actions={res['acks']} board_ok={res['board_ok']}")
    print(figures_line(res), flush=True)
    ok = res["lost"] == 0 and res["duplicated"] == 0 and res["actions_lost"] == 0 and res["board_ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

