"""A simulated direct line against the real `liveline worker` and `liveline ingest`: does the export converge
to VK's final truth?

    .venv/bin/python -m bench.vk_converge --seed 1 [--seconds 240] [--rate 8.6] [--reconcile 15] [--user-only]

Everything runs on loopback: the VK simulator (tests/vk_sim.py, VK's limits enforced), a private redis-server
(AOF), `liveline worker` and `liveline ingest` started as the Procfile does. The broadcast is set up through
the CLI the README documents (broadcast create, source add, vk token set, broadcast start) with three
sources: a community post, a personal-page post and a community live video. For ``--seconds`` comments keep
coming (``--rate`` a second: questions, threads of 130-230 replies, "+1", likes, edits, deletions, restores
— some within a second, restored seconds later), while VK misbehaves on a seeded schedule: errors 6/9/10,
HTTP 500, 11 s hangs, errors inside ``execute``, long-poll HTTP 500, ``failed`` 1/2/3, duplicate deliveries,
history wiped during an outage, pushes VK never makes; the user token is revoked and replaced; the worker,
the ingest (down a quarter of the run while comments keep coming) and Redis are killed with -9.

Then it waits up to 3 x ``LIVELINE_VK_RECONCILE_S`` + 30 s for the export to equal VK and prints, last, the
figures and then the parameters:

    lost=… duplicated=… stale=… unnamed=… likes_off=… comments=… seconds=… vk_calls=… seed=…

lost / duplicated / stale / unnamed / likes_off as in tests/vk_truth.py; comments: comments written (our
own excluded); seconds: from the last change on VK to the export equal to VK (or to the end of the wait);
vk_calls: API requests the simulator answered (long-poll checks not counted).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Stack
from tests.vk_sim import VkSimulator
from tests.vk_truth import compare

GID = 4242
PAGE_OWNER = 7001
USER, USER2, GROUP = "vk1.a.BENCH-USER", "vk1.a.BENCH-USER-2", "vk1.a.BENCH-GROUP"
FIRST = ["Анна", "Иван", "Мария", "Пётр", "Ольга", "Сергей", "Наталья", "Алексей", "Елена", "Дмитрий"]
LAST = ["Петрова", "Иванов", "Сидорова", "Кузнецов", "Смирнова", "Попов", "Волкова", "Соколов"]
TOPICS = ["дорогу на улице {n}", "отопление в доме {n}", "свет во дворе {n}", "мусор у дома {n}",
          "детскую площадку {n}", "автобус номер {n}", "поликлинику на {n}-й линии", "школу №{n}"]
SUPPORT = ["+1", "Поддерживаю", "тоже интересует", "+", "присоединяюсь к вопросу"]


class Run:
    """The simulated direct line: the simulator, the stack, the generator and its seeded schedule."""

    def __init__(self, seed: int, seconds: float, rate: float, reconcile_s: float, user_only: bool) -> None:
        self.rng = random.Random(seed)
        self.seed, self.seconds, self.rate, self.reconcile_s = seed, seconds, rate, reconcile_s
        self.user_only = user_only
        self.sim = VkSimulator(lp_wait_cap=25.0).start()
        self.sim.add_token(USER, "user", user_id=PAGE_OWNER)
        self.sim.add_token(GROUP, "group", group_id=GID)
        self.sim.add_group(GID, "Администрация района")
        for uid in range(100_001, 100_401):
            self.sim.add_user(uid, self.rng.choice(FIRST), self.rng.choice(LAST))
        self.post = self.sim.add_post(-GID, "Прямая линия с главой района: задайте вопрос")
        self.page = self.sim.add_post(PAGE_OWNER, "Завтра отвечаю на ваши вопросы")
        self.video = self.sim.add_video(-GID, "Прямая линия", live=True)
        self.stack = Stack(webs=0, worker=True, env={
            "LIVELINE_VK_API_URL": self.sim.api_url, "LIVELINE_VK_RECONCILE_S": str(reconcile_s),
            "LIVELINE_VK_POLL_S": "3"})
        self.roots: dict[str, list[int]] = {"post": [], "page": [], "video": []}
        self.hot: dict[str, list[int]] = {"post": [], "page": []}
        self.deleted: list[tuple[str, int]] = []
        self.pending_restores: list[tuple[float, str, int]] = []
        self.written = 0
        self.rows_n = 0
        self.last_change = time.monotonic()

    # -- set up through the CLI, as the README says --------------------------------------------------
    def cli(self, *args: str, **env: str) -> str:
        out = subprocess.run([sys.executable, "-m", "liveline.cli", *args], capture_output=True, text=True, check=False,
                             env={**self.stack.env, **env}, cwd=Path(__file__).resolve().parents[1], timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"liveline {' '.join(args)}: {out.stderr}")
        return out.stdout.strip()

    def setup(self) -> None:
        self.bid = self.cli("broadcast", "create", "--title", "Прямая линия", "--official", "Глава района",
                            "--tz", "Europe/Moscow")
        page = f"https://vk.com/id{PAGE_OWNER}?w=wall{PAGE_OWNER}_{self.page}"
        for url in (f"https://vk.com/wall-{GID}_{self.post}", page, f"https://vk.com/video-{GID}_{self.video}"):
            self.cli("source", "add", self.bid, url)
        self.cli("vk", "token", "set", "--user", "--token-env", "T", T=USER)
        if not self.user_only:
            self.cli("vk", "token", "set", "--group", "--group-id", str(GID), "--token-env", "T", T=GROUP)
        self.cli("broadcast", "start", self.bid)
        self.stack.spawn("ingest", "ingest")

    # -- what citizens do --------------------------------------------------------------------------------
    def where(self) -> str:
        return self.rng.choices(["post", "page", "video"], [45, 22, 33])[0]

    def add(self, where: str, author: int, text: str, reply_to: int | None = None) -> int:
        if where == "video":
            cid = self.sim.add_video_comment(-GID, self.video, author, text, reply_to)
        else:
            owner = -GID if where == "post" else PAGE_OWNER
            cid = self.sim.add_comment(owner, self.post if where == "post" else self.page, author, text, reply_to)
        self.written += 1
        return cid

    def owner_kind(self, where: str) -> tuple[int, str]:
        return (PAGE_OWNER if where == "page" else -GID), ("video" if where == "video" else "wall")

    def act(self) -> None:
        rng, where = self.rng, self.where()
        author = rng.randint(100_001, 100_400)
        roots = self.roots[where]
        owner, kind = self.owner_kind(where)
        roll = rng.random()
        if where != "video" and roots and roll < 0.40:
            if not self.hot[where] or rng.random() < 0.02:
                self.hot[where].append(rng.choice(roots))
            root = rng.choice(self.hot[where]) if rng.random() < 0.7 else rng.choice(roots)
            text = rng.choice(SUPPORT) if rng.random() < 0.3 else f"А ещё {rng.choice(TOPICS).format(n=rng.randint(1, 99))}"
            self.add(where, author, text, reply_to=root)
        elif roots and roll < 0.50:
            cid = rng.choice(roots)
            self.sim.set_likes(owner, cid, self.sim.comment(owner, cid, kind=kind).likes + rng.randint(1, 3),
                               kind=kind)
        elif roots and roll < 0.53:
            cid = rng.choice(roots)
            if not self.sim.comment(owner, cid, kind=kind).deleted:
                self.sim.edit_comment(owner, cid, f"Исправлено: когда починят {rng.choice(TOPICS).format(n=cid)}?",
                                      kind=kind)
        elif roots and roll < 0.555:
            cid = rng.choice(roots)
            if not self.sim.comment(owner, cid, kind=kind).deleted:
                self.sim.delete_comment(owner, cid, kind=kind)
                self.deleted.append((where, cid))
        elif self.deleted and roll < 0.565:
            w, cid = self.deleted.pop(rng.randrange(len(self.deleted)))
            o, k = self.owner_kind(w)
            self.sim.restore_comment(o, cid, kind=k)
        else:
            cid = self.add(where, author, f"Когда починят {rng.choice(TOPICS).format(n=rng.randint(1, 99))}?")
            roots.append(cid)
            if rng.random() < 0.01:  # written, deleted within a second, restored 12 s later
                self.sim.delete_comment(owner, cid, kind=kind)
                self.pending_restores.append((time.monotonic() + 12, where, cid))
        now = time.monotonic()
        for due, w, cid in [p for p in self.pending_restores if p[0] <= now]:
            self.pending_restores.remove((due, w, cid))
            o, k = self.owner_kind(w)
            self.sim.restore_comment(o, cid, kind=k)
        self.last_change = now

    # -- what VK and the machines do ---------------------------------------------------------------------
    def schedule(self) -> list[tuple[float, str, Callable[[], None]]]:
        s, sim = self.seconds, self.sim
        plan: list[tuple[float, str, Callable[[], None]]] = []

        def at(share: float, name: str, fn: Callable[[], None]) -> None:
            plan.append((share * s + self.rng.uniform(-0.02, 0.02) * s, name, fn))

        at(0.05, "error 6", lambda: sim.fail_next("wall.getComments", 6, 3))
        at(0.08, "error 10", lambda: sim.fail_next("video.getComments", 10, 2))
        at(0.10, "HTTP 500", lambda: sim.http_error_next("wall.getComments", 500, 2))
        at(0.12, "long poll HTTP 500", lambda: sim.http_error_next("lp", 500, 3))
        at(0.14, "11 s hang", lambda: sim.delay_next("execute", 11.0, 1))
        at(0.16, "error inside execute", lambda: sim.fail_next("wall.getComments", 10, 1))
        at(0.18, "failed 1", lambda: sim.lp_fail_next(1))
        at(0.20, "duplicate deliveries", lambda: sim.repeat_lp_next(3))
        at(0.22, "pushes lost", lambda: sim.lose_pushes(0.05, self.seed))
        at(0.25, "kill -9 worker", self.kill_worker)
        at(0.30, "failed 2", lambda: sim.lp_fail_next(2))
        at(0.33, "error 9", lambda: sim.fail_next("wall.getComments", 9, 1))
        at(0.36, "user token revoked", lambda: sim.revoke_token(USER))
        at(0.42, "user token replaced", self.replace_token)
        at(0.48, "kill -9 ingest (down)", self.kill_ingest)
        at(0.50, "history wiped", lambda: sim.wipe_lp_history(GID))
        at(0.73, "ingest back", lambda: self.stack.spawn("ingest", "ingest"))
        at(0.78, "failed 3", lambda: sim.lp_fail_next(3))
        at(0.85, "kill -9 redis", self.kill_redis)
        at(0.92, "pushes back", lambda: sim.lose_pushes(0.0))
        return sorted(plan, key=lambda p: p[0])

    def kill_worker(self) -> None:
        self.stack.procs["worker"].kill()
        self.stack.procs["worker"].wait()
        self.stack.spawn("worker", "worker")

    def kill_ingest(self) -> None:
        self.stack.procs["ingest"].kill()
        self.stack.procs["ingest"].wait()

    def kill_redis(self) -> None:
        self.stack.redis.kill()
        time.sleep(1.0)  # an outage of a second
        self.stack.redis.start()

    def replace_token(self) -> None:
        self.sim.add_token(USER2, "user", user_id=PAGE_OWNER)
        self.cli("vk", "token", "set", "--user", "--token-env", "T", T=USER2)

    # -- the run -----------------------------------------------------------------------------------------
    def generate(self) -> None:
        plan = self.schedule()
        start = time.monotonic()
        n = 0
        while (elapsed := time.monotonic() - start) < self.seconds:
            while plan and plan[0][0] <= elapsed:
                _, name, fn = plan.pop(0)
                print(f"{elapsed:6.1f} s: {name}", flush=True)
                fn()
            due = int(elapsed * self.rate)
            while n < due:
                self.act()
                n += 1
            time.sleep(0.02)
        for _, name, fn in plan:
            fn()
        while self.pending_restores:  # the last restores still happen
            time.sleep(0.2)
            self.act()

    def rows(self) -> list[dict[str, object]]:
        out = self.cli("export", "questions", self.bid, "--format", "jsonl")
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def settle(self) -> tuple[dict[str, int], float]:
        deadline = self.last_change + 3 * self.reconcile_s + 30
        while True:
            try:
                rows = self.rows()
                diff = compare(self.sim, rows, own={-GID})
            except RuntimeError:  # Redis or the CLI busy for a moment
                time.sleep(1.0)
                continue
            if not diff or time.monotonic() > deadline:
                self.rows_n = len(rows)
                return diff.counts(), time.monotonic() - self.last_change
            time.sleep(1.0)

    def stop(self) -> None:
        self.stack.stop()
        self.sim.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=240.0, help="how long comments keep coming")
    parser.add_argument("--rate", type=float, default=8.6, help="citizens' actions per second")
    parser.add_argument("--reconcile", type=float, default=15.0, help="LIVELINE_VK_RECONCILE_S")
    parser.add_argument("--user-only", action="store_true", help="no community token: no long poll at all")
    args = parser.parse_args(argv)
    run = Run(args.seed, args.seconds, args.rate, args.reconcile, args.user_only)
    try:
        run.setup()
        run.generate()
        print(f"generated: {run.written} comments; waiting for the export to equal VK", flush=True)
        counts, seconds = run.settle()
        calls = run.sim.counters["requests"]
        skipped = run.sim.pushes_skipped
    finally:
        run.stop()
    print(f"export: {run.rows_n} rows; pushes VK skipped: {skipped}", flush=True)
    print(" ".join(f"{k}={v}" for k, v in counts.items())
          + f" comments={run.written} seconds={seconds:.0f} vk_calls={calls} seed={args.seed}")
    print(f"run_s={args.seconds:g} rate={args.rate:g} reconcile_s={args.reconcile:g} poll_s=3 "
          f"tokens={'user' if args.user_only else 'user+group'} sources=post,page,video user_rps=3")


if __name__ == "__main__":
    main()
