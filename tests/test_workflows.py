"""Every workflow completes: a real process SIGKILLed between its steps (``LIVELINE_FAULT``) leaves a marker of
the owed work, and a ``liveline worker`` finishes it exactly once — appeals made once, replies planned and
posted once.

Each workflow is killed at two points: right after its state change (the follow-up never started) and right
after its follow-up's work, before the marker is removed (the repair does it all again: idempotent).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from liveline import workflows
from liveline.board import broadcasts, clusters, questions
from liveline.followup import appeals, replies
from liveline.ingest.inbox import SourceItem
from liveline.ingest.vk import tokens
from liveline.ingest.vk.client import VkCaller
from liveline.store import events, keys
from liveline.store.redisproc import RedisProcess
from tests import vk_sim
from tests.helpers import live_broadcast, triaged
from tests.vk_sim import VkSimulator

ROOT = Path(__file__).resolve().parent.parent
USER, GROUP = vk_sim.USER_TOKEN, vk_sim.GROUP_TOKEN
POINTS = ("after_state", "before_done")


@pytest.fixture
def sim() -> Iterator[VkSimulator]:
    with vk_sim.with_tokens() as s:
        yield s


class Stack:
    """Processes of the real system on the test's Redis and VK simulator."""

    def __init__(self, redis_server: RedisProcess, sim: VkSimulator, tmp_path: Path) -> None:
        self.env = {**os.environ, "LIVELINE_REDIS_URL": redis_server.url, "LIVELINE_VK_API_URL": sim.api_url,
                    "LIVELINE_VK_RATE_LIMITS": "false", "LIVELINE_LOG_LEVEL": "WARNING",
                    "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        self.env.pop(workflows.FAULT_ENV, None)
        self.cwd = tmp_path

    def run(self, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], env={**self.env, **env}, cwd=self.cwd, capture_output=True,
                              text=True, timeout=120, check=False)

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return self.run(["-m", "liveline.cli", *args], **env)

    def python(self, code: str, **env: str) -> subprocess.CompletedProcess[str]:
        prelude = "import os, redis; r = redis.Redis.from_url(os.environ['LIVELINE_REDIS_URL']); "
        return self.run(["-c", prelude + code], **env)

    def killed(self, out: subprocess.CompletedProcess[str]) -> None:
        assert out.returncode == -9, (out.returncode, out.stderr[-2000:])

    def repair(self) -> None:
        """A worker that repairs what is owed at once (LIVELINE_REPAIR_S=0), then runs the queued jobs."""
        out = self.cli("worker", "--burst", LIVELINE_REPAIR_S="0")
        assert out.returncode == 0, out.stderr[-2000:]


@pytest.fixture
def stack(redis_server: RedisProcess, sim: VkSimulator, tmp_path: Path) -> Stack:
    return Stack(redis_server, sim, tmp_path)


def ours(sim: VkSimulator) -> list[Any]:
    return [c for c in sim.created if c.from_id == -42]


def vk_question(r: redis.Redis, sim: VkSimulator, bid: int, post: int, uid: int, text: str, topic: str = "roads",
                merge_into: str | None = None) -> dict[str, Any]:
    sim.add_user(uid, "Житель", str(uid))
    comment = sim.add_comment(-42, post, uid, text)
    ev = questions.ingest(r, bid, SourceItem(key=f"vk:wall:-42_{post}:{comment}", text=text, author_id=str(uid),
                                             author_name=f"Житель {uid}", created_at=1.7e9 + uid),
                          triaged(text, topic=topic, merge_into=merge_into))
    assert ev is not None
    return ev.questions[ev.note["qid"]]


def event_count(r: redis.Redis, bid: int, kind: str) -> int:
    return sum(1 for ev in events.read_since(r, bid, "0-0") if ev.type == kind)


def nothing_owed(r: redis.Redis, bid: int) -> None:
    assert workflows.owed(r, bid) == {}
    assert workflows.repair(r, 0) == []


# -- end a broadcast ------------------------------------------------------------------------------------
@pytest.mark.parametrize("point", POINTS)
def test_a_broadcast_ended_by_a_killed_process_gets_its_appeals_and_replies_once(
        r: redis.Redis, sim: VkSimulator, stack: Stack, point: str) -> None:
    appeals.set_settings(r, register_reply="1")
    tokens.set_token(r, "group", GROUP, group_id=42)
    bid = live_broadcast(r)
    post = sim.add_post(-42, "Прямая линия")
    for uid in (1001, 1002):
        q = vk_question(r, sim, bid, post, uid, f"Когда починят дорогу у дома {uid}?")
        clusters.approve(r, bid, q["cluster"], "anna")
    aired = vk_question(r, sim, bid, post, 1003, "Когда откроют поликлинику?", topic="healthcare")
    clusters.on_air(r, bid, aired["cluster"], "anna")
    clusters.answered(r, bid, aired["cluster"], "anna")

    if point == "after_state":   # `liveline broadcast end` dies before it enqueues the appeals job
        stack.killed(stack.cli("broadcast", "end", str(bid), LIVELINE_FAULT="end_broadcast.after_state"))
        assert broadcasts.get(r, bid)["state"] == "ended"
        assert list(workflows.owed(r, bid)) == ["end"]
        assert workflows.queue(r).count == 0 and appeals.read_all(r, bid) == {}
    else:                        # the appeals job dies in its worker after its work, before it says so
        assert stack.cli("broadcast", "end", str(bid)).returncode == 0
        stack.killed(stack.cli("worker", "--burst", LIVELINE_FAULT="end_broadcast.before_done"))
        assert len(appeals.read_all(r, bid)) == 2 and list(workflows.owed(r, bid)) == ["end"]

    stack.repair()
    assert len(appeals.read_all(r, bid)) == 2
    assert event_count(r, bid, "appeal.created") == 2
    assert len(r.hgetall(keys.appeal_by_cluster(bid))) == 2
    recs = [x for x in (replies.get(r, bid, g.decode()) for g in r.hkeys(keys.replies(bid))) if x]
    assert sorted(x["kind"] for x in recs) == ["on_air", "registered", "registered"]
    assert all(x["status"] == "sent" for x in recs)
    assert len(ours(sim)) == 3 and len({c.guid for c in ours(sim)}) == 3
    nothing_owed(r, bid)


# -- answer an appeal -----------------------------------------------------------------------------------
def open_appeal(r: redis.Redis, sim: VkSimulator) -> tuple[int, str]:
    """An ended broadcast with one appeal of three VK co-authors and a demo question."""
    tokens.set_token(r, "group", GROUP, group_id=42)
    tokens.set_token(r, "user", USER)
    bid = live_broadcast(r)
    post = sim.add_post(-42, "Прямая линия")
    first = vk_question(r, sim, bid, post, 1001, "Когда починят дорогу?")
    for uid in (1002, 1003):
        vk_question(r, sim, bid, post, uid, "Когда починят дорогу?", merge_into=first["id"])
    ev = questions.ingest(r, bid, SourceItem(key="demo:77", text="И про дорогу", author_id="demo:77",
                                             author_name="Гость", created_at=1.7e9 + 9),
                          triaged("И про дорогу", topic="roads", merge_into=first["id"]))
    assert ev is not None
    clusters.approve(r, bid, first["cluster"], "anna")
    broadcasts.end(r, bid)
    (aid,) = appeals.create_from_broadcast(r, bid)["created"]
    return bid, aid


@pytest.mark.parametrize("point", POINTS)
def test_an_answer_saved_by_a_killed_process_gets_its_replies_once(
        r: redis.Redis, sim: VkSimulator, stack: Stack, point: str) -> None:
    bid, aid = open_appeal(r, sim)
    stack.killed(stack.python(f"from liveline import workflows; "
                              f"workflows.answer_appeal(r, {bid}, '{aid}', 'Ремонт дороги — в мае', 'ivan')",
                              LIVELINE_FAULT=f"answer_appeal.{point}"))
    assert appeals.get(r, bid, aid)["status"] == "answered"
    assert list(workflows.owed(r, bid)) == [f"answer:{aid}:1"]
    assert len(replies.of_owner(r, bid, f"a{aid}")) == (0 if point == "after_state" else 4)

    stack.repair()
    recs = replies.of_owner(r, bid, f"a{aid}")
    assert len(recs) == 4 and len({x["guid"] for x in recs}) == 4
    assert replies.summary(recs) == {"sent": 3, "not_required": 1}
    assert len(ours(sim)) == 3 and all("Ремонт дороги" in c.text for c in ours(sim))
    assert len({c.reply_to for c in ours(sim)}) == 3
    nothing_owed(r, bid)


# -- resend a reply -------------------------------------------------------------------------------------
@pytest.mark.parametrize("point", POINTS)
def test_a_resend_by_a_killed_process_posts_the_reply_once(
        r: redis.Redis, sim: VkSimulator, stack: Stack, point: str) -> None:
    bid, aid = open_appeal(r, sim)
    appeals.answer(r, bid, aid, "Ремонт дороги — в мае", "ivan")
    replies.plan_answer(r, bid, aid)
    sim.fail_next("wall.createComment", 14)                    # a captcha: the first reply stops for staff
    def caller_for(kind: str, org: str) -> VkCaller | None:
        record = tokens.get_token(r, kind, org, env={})
        return VkCaller(r, record, sim.api_url, None, timeout=5.0, sleep=lambda s: None) if record else None

    replies.post_all(r, bid, f"a{aid}", caller_for)
    (stopped,) = [x for x in replies.of_owner(r, bid, f"a{aid}") if x["status"] == "stopped"]
    assert len(ours(sim)) == 2

    stack.killed(stack.python(f"from liveline import workflows; "
                              f"workflows.resend_reply(r, {bid}, '{aid}', '{stopped['guid']}')",
                              LIVELINE_FAULT=f"resend_reply.{point}"))
    assert replies.get(r, bid, stopped["guid"])["status"] == "pending"  # type: ignore[index]
    assert list(workflows.owed(r, bid)) == [f"resend:a{aid}:{stopped['guid']}:1"]
    assert workflows.queue(r).count == (0 if point == "after_state" else 1)

    stack.repair()
    assert replies.get(r, bid, stopped["guid"])["status"] == "sent"    # type: ignore[index]
    assert len(replies.of_owner(r, bid, f"a{aid}")) == 4
    assert len(ours(sim)) == 3 and len({c.reply_to for c in ours(sim)}) == 3
    assert [c.guid for c in ours(sim)].count(stopped["guid"]) == 1
    nothing_owed(r, bid)


# -- the repair pass itself -----------------------------------------------------------------------------
def test_repair_leaves_fresh_markers_to_the_step_that_is_running(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    p = r.pipeline(transaction=True)
    workflows.owe(p, bid, "end")
    p.execute()
    assert workflows.repair(r, 30) == []                        # younger than LIVELINE_REPAIR_S: not yet
    assert appeals.read_all(r, bid) == {} and list(workflows.owed(r, bid)) == ["end"]
    broadcasts.end(r, bid)
    assert workflows.repair(r, 0) == [(str(bid), "end")]
    nothing_owed(r, bid)


def test_owed_work_of_a_purged_broadcast_is_dropped(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    p = r.pipeline(transaction=True)
    workflows.owe(p, bid, "answer:9:1")                         # no such appeal
    p.execute()
    assert workflows.repair(r, 0) == [(str(bid), "answer:9:1")]
    nothing_owed(r, bid)


def test_a_running_worker_repairs_what_is_owed(r: redis.Redis, stack: Stack) -> None:
    """The Procfile's `liveline worker` (not a burst) repairs every few seconds, beside triage and the jobs."""
    import time

    bid = live_broadcast(r)
    vk = questions.ingest(r, bid, SourceItem(key="demo:1", text="Яма на Ленина", author_id="demo:1",
                                             author_name="Гость", created_at=1.7e9), triaged("Яма на Ленина"))
    assert vk is not None
    clusters.approve(r, bid, vk.questions[vk.note["qid"]]["cluster"], "anna")
    stack.killed(stack.cli("broadcast", "end", str(bid), LIVELINE_FAULT="end_broadcast.after_state"))
    proc = subprocess.Popen([sys.executable, "-m", "liveline.cli", "worker"], cwd=stack.cwd,
                            env={**stack.env, "LIVELINE_REPAIR_S": "1"})
    try:
        deadline = time.monotonic() + 30
        while workflows.owed(r, bid) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(30)
    assert workflows.owed(r, bid) == {} and len(appeals.read_all(r, bid)) == 1
