"""Replies in VK through the simulator: once per co-author, even when the job is killed and retried."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from liveline import workflows
from liveline.board import broadcasts, clusters, questions
from liveline.followup import appeals, replies
from liveline.ingest.inbox import SourceItem
from liveline.ingest.vk import tokens
from liveline.ingest.vk.client import VkCaller
from liveline.store import keys
from tests import vk_sim
from tests.helpers import live_broadcast, triaged
from tests.vk_sim import VkSimulator

USER, GROUP = vk_sim.USER_TOKEN, vk_sim.GROUP_TOKEN
AUTHORS = [(1001, "Иван Петров"), (1002, "Мария Соколова"), (1003, "Олег Титов")]


@pytest.fixture
def sim() -> Iterator[VkSimulator]:
    with vk_sim.with_tokens() as s:
        yield s


def caller_for(r: redis.Redis, sim: VkSimulator) -> replies.CallerFor:
    def make(kind: str, org: str) -> VkCaller | None:
        record = tokens.get_token(r, kind, org, env={})
        return VkCaller(r, record, sim.api_url, None, timeout=5.0, sleep=lambda s: None) if record else None
    return make


class Thread:
    """A broadcast whose one approved cluster has three VK co-authors and one demo question."""

    def __init__(self, r: redis.Redis, sim: VkSimulator, kind: str = "wall") -> None:
        tokens.set_token(r, "group", GROUP, group_id=42)
        tokens.set_token(r, "user", USER)
        self.bid = live_broadcast(r)
        if kind == "wall":
            self.post = sim.add_post(-42, "Прямая линия с главой района")
        else:
            self.post = sim.add_video(-42, "Прямая линия", live=True)
        self.comments: list[int] = []
        first_qid = ""
        for n, (uid, name) in enumerate(AUTHORS, start=1):
            sim.add_user(uid, *name.split())
            if kind == "wall":
                cid = sim.add_comment(-42, self.post, uid, f"Когда починят дорогу? ({n})")
            else:
                cid = sim.add_video_comment(-42, self.post, uid, f"Когда починят дорогу? ({n})")
            self.comments.append(cid)
            ev = questions.ingest(r, self.bid, SourceItem(
                key=f"vk:{kind}:-42_{self.post}:{cid}", text="Когда починят дорогу?", author_id=str(uid),
                author_name=name, author_url=f"https://vk.com/id{uid}", created_at=1.7e9 + n),
                triaged("Когда починят дорогу?", topic="roads", merge_into=first_qid or None))
            assert ev is not None
            first_qid = first_qid or ev.note["qid"]
        ev = questions.ingest(r, self.bid, SourceItem(key="demo:77", text="И про дорогу", author_id="demo:77",
                                                      author_name="Гость", created_at=1.7e9 + 9),
                              triaged("И про дорогу", topic="roads", merge_into=first_qid))
        assert ev is not None
        self.cid = questions.get(r, self.bid, first_qid)["cluster"]  # type: ignore[index]
        clusters.approve(r, self.bid, self.cid, "anna")
        broadcasts.end(r, self.bid)
        (self.aid,) = appeals.create_from_broadcast(r, self.bid)["created"]
        appeals.answer(r, self.bid, self.aid, "Ремонт дороги — в мае. Подробнее: https://example.ru/roads", "ivan")
        self.guids = replies.plan_answer(r, self.bid, self.aid)


def ours(sim: VkSimulator) -> list[Any]:
    return [c for c in sim.created if c.from_id == -42]


def test_an_answer_is_posted_once_under_each_coauthors_comment(r: redis.Redis, sim: VkSimulator) -> None:
    t = Thread(r, sim)
    assert len(t.guids) == 4 and len(set(t.guids)) == 4
    assert replies.plan_answer(r, t.bid, t.aid) == t.guids        # planning twice changes nothing
    counts = replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim))
    assert counts == {"sent": 3}
    posted = ours(sim)
    assert sorted(c.reply_to for c in posted) == sorted(t.comments)
    assert all(c.item_id == t.post and c.guid in t.guids for c in posted)
    assert all(c.text.startswith(("Иван", "Мария", "Олег")) and "Ремонт дороги" in c.text for c in posted)
    recs = replies.of_owner(r, t.bid, f"a{t.aid}")
    assert sorted(x["status"] for x in recs) == ["not_required", "sent", "sent", "sent"]
    assert all(x["link"].startswith(f"https://vk.com/wall-42_{t.post}?reply=") for x in recs if x["status"] == "sent")
    # a re-run (the job enqueued twice, or retried) calls VK no more
    calls = sim.counters["wall.createComment"]
    replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim))
    assert sim.counters["wall.createComment"] == calls and len(ours(sim)) == 3
    # our replies are indexed so a citizen's answer under them finds the appeal
    sent = [x for x in recs if x["status"] == "sent"]
    assert r.hget(keys.reply_index(t.bid), f"vk:wall:-42_{t.post}:{sent[0]['comment_id']}") is not None


class Killed(BaseException):
    """Stands for the worker dying (SIGKILL, OOM) right after VK answered, before Redis was written."""


def test_a_job_killed_after_vk_created_the_comment_posts_nothing_twice(r: redis.Redis, sim: VkSimulator) -> None:
    t = Thread(r, sim)
    seen: list[str] = []

    def die_on_second(rec: dict[str, Any]) -> None:
        seen.append(rec["guid"])
        if len(seen) == 2:
            raise Killed()

    with pytest.raises(Killed):
        replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim), after_call=die_on_second)
    assert len(ours(sim)) == 2
    assert replies.summary(replies.of_owner(r, t.bid, f"a{t.aid}"))["sent"] == 1   # the second was never recorded
    replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim))                  # the retry
    assert len(ours(sim)) == 3                                                    # once per co-author
    assert sorted(c.reply_to for c in ours(sim)) == sorted(t.comments)
    assert replies.summary(replies.of_owner(r, t.bid, f"a{t.aid}")) == {"sent": 3, "not_required": 1}


def test_a_worker_process_killed_mid_call_then_the_rq_job_retried(r: redis.Redis, sim: VkSimulator,
                                                                   redis_server: Any, monkeypatch: Any) -> None:
    """A real process is SIGKILLed while its createComment is in flight; VK still creates the comment; the
    RQ job run again (burst worker) completes without a second comment for anyone."""
    from rq import SimpleWorker

    t = Thread(r, sim)
    first = next(g for g in t.guids if replies.get(r, t.bid, g)["status"] == "pending")  # type: ignore[index]
    replies.post_one(r, t.bid, first, caller_for(r, sim))                  # one sent before the crash
    sim.delay_next("wall.createComment", 1.0)                             # the next call hangs a moment
    env = dict(os.environ, LIVELINE_REDIS_URL=redis_server.url, LIVELINE_VK_API_URL=sim.api_url)
    proc = subprocess.Popen([sys.executable, "-c", f"from liveline import jobs; jobs.send_replies({t.bid}, 'a{t.aid}')"],
                            env=env)
    try:
        while sim._delays["wall.createComment"] and proc.poll() is None:   # until the call is in flight
            time.sleep(0.01)
        proc.kill()
    finally:
        proc.wait()
    while len(ours(sim)) < 2:                                               # VK finishes the hung call
        time.sleep(0.02)
    assert replies.summary(replies.of_owner(r, t.bid, f"a{t.aid}")).get("sent") == 1
    monkeypatch.setenv("LIVELINE_REDIS_URL", redis_server.url)
    monkeypatch.setenv("LIVELINE_VK_API_URL", sim.api_url)
    workflows.enqueue_replies(r, t.bid, f"a{t.aid}")
    SimpleWorker([workflows.queue(r)], connection=r).work(burst=True)
    assert len(ours(sim)) == 3
    assert sorted(c.reply_to for c in ours(sim)) == sorted(t.comments)
    assert replies.summary(replies.of_owner(r, t.bid, f"a{t.aid}")) == {"sent": 3, "not_required": 1}


@pytest.mark.parametrize("code", [9, 223])
def test_flood_control_means_retry_later_and_the_retry_sends(r: redis.Redis, sim: VkSimulator, code: int) -> None:
    t = Thread(r, sim)
    sim.fail_next("wall.createComment", code)
    with pytest.raises(replies.RetryLater):
        replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim))
    assert "retrying" in replies.summary(replies.of_owner(r, t.bid, f"a{t.aid}"))
    replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim))
    assert replies.summary(replies.of_owner(r, t.bid, f"a{t.aid}")) == {"sent": 3, "not_required": 1}
    assert len(ours(sim)) == 3


@pytest.mark.parametrize("code", [6, 10])
def test_transient_errors_are_retried_with_backoff_by_the_caller(r: redis.Redis, sim: VkSimulator, code: int) -> None:
    t = Thread(r, sim)
    sim.fail_next("wall.createComment", code)
    assert replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim)) == {"sent": 3}
    assert sim.counters[f"error_{code}"] == 1 and len(ours(sim)) == 3


def test_links_forbidden_sends_once_more_without_the_link(r: redis.Redis, sim: VkSimulator) -> None:
    t = Thread(r, sim)
    sim.fail_next("wall.createComment", 222)
    replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim))
    posted = sorted(ours(sim), key=lambda c: c.id)
    assert len(posted) == 3
    assert "https://" not in posted[0].text and "Ремонт дороги" in posted[0].text
    assert all("https://example.ru/roads" in c.text for c in posted[1:])
    recs = [x for x in replies.of_owner(r, t.bid, f"a{t.aid}") if x["without_link"]]
    assert len(recs) == 1 and recs[0]["status"] == "sent"


@pytest.mark.parametrize("code", [14, 212, 213])
def test_captcha_and_closed_comments_stop_and_show_staff(r: redis.Redis, sim: VkSimulator, code: int) -> None:
    t = Thread(r, sim)
    sim.fail_next("wall.createComment", code, times=3)
    replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim))
    recs = [x for x in replies.of_owner(r, t.bid, f"a{t.aid}") if x["status"] != "not_required"]
    assert [x["status"] for x in recs] == ["stopped"] * 3
    assert all(f"[{code}]" in x["error"] for x in recs)
    assert ours(sim) == []
    replies.reset(r, t.bid, recs[0]["guid"], f"a{t.aid}")                 # staff: "Повторить"
    replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim))
    assert len(ours(sim)) == 1


def test_closed_comments_in_the_simulator_stop_the_reply(r: redis.Redis, sim: VkSimulator) -> None:
    t = Thread(r, sim)
    sim.close_comments(-42, t.post)
    replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim))
    assert {x["status"] for x in replies.of_owner(r, t.bid, f"a{t.aid}")} == {"stopped", "not_required"}


def test_video_chat_questions_get_replies_through_video_create_comment(r: redis.Redis, sim: VkSimulator) -> None:
    t = Thread(r, sim, kind="video")
    assert replies.post_all(r, t.bid, f"a{t.aid}", caller_for(r, sim)) == {"sent": 3}
    made = [c for c in sim.created if c.kind == "video" and c.guid]
    assert len(made) == 3 and sim.counters["video.createComment"] == 3


def test_answered_on_air_gets_the_stream_link_at_the_timecode(r: redis.Redis, sim: VkSimulator) -> None:
    tokens.set_token(r, "group", GROUP, group_id=42)
    bid = live_broadcast(r)
    broadcasts.update(r, bid, stream_url="https://vk.com/video-42_456")
    post = sim.add_post(-42, "Прямая линия")
    cid = sim.add_comment(-42, post, 1001, "Когда откроют поликлинику?")
    ev = questions.ingest(r, bid, SourceItem(key=f"vk:wall:-42_{post}:{cid}", text="Когда откроют поликлинику?",
                                             author_id="1001", author_name="Иван Петров"),
                          triaged("Когда откроют поликлинику?", topic="healthcare"))
    assert ev is not None
    c = ev.questions[ev.note["qid"]]["cluster"]
    clusters.on_air(r, bid, c, "anna")
    clusters.answered(r, bid, c, "anna")
    answered = clusters.get(r, bid, c)
    answered["timecode"] = 3725                                            # 1:02:05 into the stream
    r.hset(keys.clusters(bid), c, json.dumps(answered, ensure_ascii=False))
    broadcasts.end(r, bid)
    guids = replies.plan_on_air(r, bid)
    assert len(guids) == 1
    replies.post_all(r, bid, f"c{c}", caller_for(r, sim))
    (posted,) = ours(sim)
    assert "прозвучал в эфире" in posted.text and "https://vk.com/video-42_456?t=1h02m05s" in posted.text
    assert posted.reply_to == cid


def test_broadcast_ended_job_makes_appeals_and_queues_on_air_and_registration_replies(
        r: redis.Redis, sim: VkSimulator, redis_server: Any, monkeypatch: Any) -> None:
    from rq import SimpleWorker

    monkeypatch.setenv("LIVELINE_REDIS_URL", redis_server.url)
    monkeypatch.setenv("LIVELINE_VK_API_URL", sim.api_url)
    appeals.set_settings(r, register_reply="1")
    tokens.set_token(r, "group", GROUP, group_id=42)
    bid = live_broadcast(r)
    post = sim.add_post(-42, "Прямая линия")
    for n in (1, 2):
        cid = sim.add_comment(-42, post, 1000 + n, f"Вопрос {n}")
        ev = questions.ingest(r, bid, SourceItem(key=f"vk:wall:-42_{post}:{cid}", text=f"Вопрос {n} про дорогу",
                                                 author_id=str(1000 + n), author_name=f"Житель {n}"),
                              triaged(f"Вопрос {n} про дорогу", topic="roads"))
        assert ev is not None
        clusters.approve(r, bid, ev.questions[ev.note["qid"]]["cluster"], "anna")
    workflows.end_broadcast(r, bid)
    workflows.enqueue_broadcast_ended(r, bid)                              # twice: still one of everything
    SimpleWorker([workflows.queue(r)], connection=r).work(burst=True)
    assert len(appeals.read_all(r, bid)) == 2
    registered = [c for c in ours(sim) if "зарегистрирован" in c.text]
    assert len(registered) == 2 and len(ours(sim)) == 2
