"""VK ingestion end to end: the simulator, the real vk_api client, a real Redis.

Every scenario ends by comparing the inbox, deduplicated by key as the triage worker does, with exactly the
comments the simulator holds (our own community replies excepted): nothing lost, nothing foreign, and no
duplicate beyond what keying collapses.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from liveline.ingest.inbox import SourceItem
from liveline.ingest.sources import status as source_status
from liveline.ingest.vk import itemkeys, tokens
from liveline.ingest.vk.client import VkClosed, VkFloodControl
from liveline.ingest.vk.scheduler import VkIngest, VkIngestSettings
from liveline.store import keys
from liveline.store.redisproc import RedisProcess
from tests.helpers import wait_for
from tests.vk_sim import VkSimulator

USER, GROUP, GID = "USER-TOKEN", "GROUP-TOKEN", 42
B = 7
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def sim() -> Iterator[VkSimulator]:
    with VkSimulator(lp_wait_cap=0.25) as s:
        s.add_token(USER, "user")
        s.add_token(GROUP, "group", group_id=GID)
        yield s


def setup_tokens(r: redis.Redis) -> None:
    tokens.set_token(r, "user", USER)
    tokens.set_token(r, "group", GROUP, group_id=GID)


def wall(post: int, owner: int = -GID, sid: str = "s1") -> dict[str, object]:
    return {"id": sid, "kind": "vk_wall", "owner_id": owner, "item_id": post, "url": "", "org": "default"}


def ingest(r: redis.Redis, sim: VkSimulator, sources: list[tuple[int, dict[str, object]]],
           **kw: object) -> VkIngest:
    options: dict[str, object] = {"api_url": sim.api_url, "lp_wait": 1, "poll_s": 0.3, "reconcile_s": 30,
                                  "backoff_s": 0.05, "rps_backoff_s": 0.1, "timeout": 3.0, "tick_s": 0.05,
                                  "env": {}}
    settings = VkIngestSettings(**{**options, **kw})  # type: ignore[arg-type]
    return VkIngest(r, settings, lambda: sources)


def inbox(r: redis.Redis, b: int = B) -> list[SourceItem]:
    return [SourceItem.from_json(f[b"item"]) for _, f in r.xrange(keys.inbox(b))]


def expected(sim: VkSimulator, own: int = -GID) -> set[str]:
    return {itemkeys.comment_key(c.kind, c.owner_id, c.item_id, c.id)
            for c in sim.created if c.from_id != own}


def new_keys(items: list[SourceItem]) -> Counter[str]:
    return Counter(i.key for i in items if i.kind in ("new", "restore"))


def assert_exact(r: redis.Redis, sim: VkSimulator, *, duplicates_allowed: bool = False) -> list[SourceItem]:
    items = inbox(r)
    got = new_keys(items)
    want = expected(sim)
    assert set(got) - want == set(), "items that VK does not hold"
    assert want - set(got) == set(), "comments lost"
    if not duplicates_allowed:
        assert [k for k, n in got.items() if n > 1] == []
    return items



def populate(sim: VkSimulator, post: int, n: int, owner: int = -GID, big_every: int = 50) -> None:
    """``n`` comments: top-level ones, every ``big_every``-th with a 13-reply thread, others with 0-2."""
    made = 0
    i = 0
    while made < n:
        root = sim.add_comment(owner, post, 1000 + i, f"Вопрос {i}", likes=i % 3)
        made += 1
        replies = 13 if i % big_every == 0 else i % 3
        for j in range(min(replies, n - made)):
            sim.add_comment(owner, post, 5000 + j, f"Ответ {j}", reply_to=root)
            made += 1
        i += 1


# ---------------------------------------------------------------------------------------------- sweeps
@pytest.mark.slow
def test_2000_comment_post_with_threads(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    post = sim.add_post(-GID)
    populate(sim, post, 2000)
    sim.add_comment(-GID, post, -GID, "Ответ сообщества: вопрос зарегистрирован")  # ours: not an item
    ing = ingest(r, sim, [(B, wall(post))])
    assert ing.poll_once(B, wall(post)) == 2000
    items = assert_exact(r, sim)
    assert len(items) == 2000
    replies = [i for i in items if i.parent_key]
    prefix = f"vk:wall:-{GID}_{post}:"
    assert replies and all(i.parent_key and i.parent_key.startswith(prefix) for i in replies)
    assert sum(1 for i in replies if i.parent_key == replies[0].parent_key) == 13
    assert all(i.via == "poll" and i.author_url.startswith("https://vk.com/id") for i in items)
    assert sim.counters["execute"] >= 1  # pages and branches batched through VkRequestsPool
    assert ing.poll_once(B, wall(post)) == 0  # a second sweep finds nothing new
    status = source_status(r, B, "s1")
    assert status["items"] == 2000 and status["state"] in ("polling", "live") and status["errors"] == 0


def test_incremental_poll_personal_page_and_likes(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    sim.add_user(77, "Анна", "Иванова")
    post = sim.add_post(77)
    first = sim.add_comment(77, post, 77, "Первый")
    src = wall(post, owner=77)
    ing = ingest(r, sim, [(B, src)])
    assert ing.poll_once(B, src) == 1
    sim.add_comment(77, post, 78, "Второй")
    sim.add_comment(77, post, 79, "Ответ на первый", reply_to=first)
    assert ing.poll_once(B, src, full=False) == 1  # incremental: from the cursor on
    assert ing.poll_once(B, src, full=True) == 1  # the reply to an old comment: found by the full sweep
    with sim._lock:  # a like arrives (the simulator has no like API)
        sim._comments[("wall", 77, first)].likes = 5
    assert ing.poll_once(B, src, full=True) == 1
    items = assert_exact(r, sim)
    likes = [i for i in items if i.kind == "likes"]
    assert len(likes) == 1 and likes[0].likes == 5
    assert items[0].author_name == "Анна Иванова"


def test_video_chat_poll(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    video = sim.add_video(77, live=True)
    src = {"id": "v1", "kind": "vk_video", "owner_id": 77, "item_id": video, "org": "default"}
    ing = ingest(r, sim, [(B, src)])
    ing.start()
    try:
        for i in range(30):
            sim.add_video_comment(77, video, 100 + i, f"Чат {i}")
        wait_for(lambda: len(inbox(r)) >= 30)
    finally:
        ing.stop()
    items = assert_exact(r, sim)
    assert all(i.key.startswith(f"vk:video:77_{video}:") for i in items)


# ---------------------------------------------------------------------------------------------- long poll
def run_live(r: redis.Redis, sim: VkSimulator, post: int, act: Callable[[], None],
             n_expected: Callable[[], int],
             **kw: object) -> VkIngest:
    ing = ingest(r, sim, [(B, wall(post))], **kw)
    ing.start()
    try:
        wait_for(lambda: source_status(r, B, "s1")["state"] == "live")
        act()
        wait_for(lambda: len(new_keys(inbox(r))) >= n_expected())
    finally:
        ing.stop()
    return ing


def test_comments_during_long_poll(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    post = sim.add_post(-GID)
    populate(sim, post, 30)

    def act() -> None:
        for i in range(40):
            c = sim.add_comment(-GID, post, 2000 + i, f"Живой вопрос {i}")
            if i % 10 == 0:
                sim.add_comment(-GID, post, 3000 + i, "ответ", reply_to=c)

    run_live(r, sim, post, act, lambda: len(expected(sim)))
    items = assert_exact(r, sim)
    assert sum(1 for i in items if i.via == "longpoll") >= 44
    assert r.hget(keys.source_state(B, "s1"), "lp_ts") is not None


def test_community_video_chat_by_push_and_poll(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    video = sim.add_video(-GID, live=True)
    src = {"id": "v1", "kind": "vk_video", "owner_id": -GID, "item_id": video, "org": "default"}
    ing = ingest(r, sim, [(B, src)])
    ing.start()
    try:
        wait_for(lambda: source_status(r, B, "v1")["state"] == "live")
        for i in range(30):
            sim.add_video_comment(-GID, video, 100 + i, f"Чат {i}")
        sim.add_video_comment(-GID, video, -GID, "Модератор сообщества")  # ours: not an item
        wait_for(lambda: len(inbox(r)) >= 30)
        time.sleep(0.5)  # a few more polls of the chat: nothing is written twice
    finally:
        ing.stop()
    items = assert_exact(r, sim)
    assert {i.via for i in items} <= {"longpoll", "poll"} and len(items) == 30


def test_edit_delete_restore(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    post = sim.add_post(-GID)
    c = sim.add_comment(-GID, post, 1001, "Исходный")

    def act() -> None:
        sim.edit_comment(-GID, c, "Исправленный")
        sim.delete_comment(-GID, c)
        sim.restore_comment(-GID, c)

    def seen() -> int:
        kinds = {i.kind for i in inbox(r)}
        return 1 if {"edit", "delete", "restore"} <= kinds else 0

    ing = ingest(r, sim, [(B, wall(post))])
    ing.start()
    try:
        wait_for(lambda: source_status(r, B, "s1")["state"] == "live" and len(inbox(r)) == 1)
        act()
        wait_for(lambda: seen() == 1)
    finally:
        ing.stop()
    items = inbox(r)
    assert [i.kind for i in items] == ["new", "edit", "delete", "restore"]
    assert items[1].text == "Исправленный" and items[3].text == "Исправленный"
    assert {i.key for i in items} == expected(sim)


def test_deleted_placeholder_is_not_a_question(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    post = sim.add_post(77)
    root = sim.add_comment(77, post, 1001, "Удалю")
    sim.add_comment(77, post, 1002, "Ответ", reply_to=root)
    sim.delete_comment(77, root)
    ing = ingest(r, sim, [(B, wall(post, owner=77))])
    assert ing.poll_once(B, wall(post, owner=77)) == 1
    assert [i.text for i in inbox(r)] == ["Ответ"]


def test_same_comment_by_push_and_poll_is_written_once(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    post = sim.add_post(-GID)
    run_live(r, sim, post, lambda: [sim.add_comment(-GID, post, 1000 + i, f"q{i}") for i in range(20)],
             lambda: 20)
    ing = ingest(r, sim, [(B, wall(post))])
    assert ing.poll_once(B, wall(post), full=True) == 0
    items = assert_exact(r, sim)
    assert len(items) == 20 and {i.via for i in items} == {"longpoll"}
    assert not [f for f in r.hkeys(keys.source_state(B, "s1")) if f.startswith(b"p:")]  # marks dropped


@pytest.mark.parametrize("failed", [1, 2, 3])
def test_long_poll_failed(r: redis.Redis, sim: VkSimulator, failed: int) -> None:
    setup_tokens(r)
    post = sim.add_post(-GID)

    def act() -> None:
        sim.lp_fail_next(failed)
        for i in range(25):
            sim.add_comment(-GID, post, 1000 + i, f"q{i}")

    ing = run_live(r, sim, post, act, lambda: 25)
    assert_exact(r, sim)
    assert ing.stats["lp_failed"] >= 1
    assert source_status(r, B, "s1")["state"] in ("live", "behind")


def test_long_poll_resumes_from_stored_ts(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    post = sim.add_post(-GID)
    run_live(r, sim, post, lambda: [sim.add_comment(-GID, post, 1, "до остановки")], lambda: 1)
    for i in range(5):  # while the worker is down
        sim.add_comment(-GID, post, 10 + i, f"пока лежали {i}")
    run_live(r, sim, post, lambda: [sim.add_comment(-GID, post, 2, "после")], lambda: 7)
    assert_exact(r, sim, duplicates_allowed=False)


def test_long_poll_transport_faults(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    post = sim.add_post(-GID)

    def act() -> None:
        sim.http_error_next("lp", 500, times=2)
        sim.fail_next("groups.getLongPollServer", 10, times=1)
        sim.lp_fail_next(2)
        for i in range(10):
            sim.add_comment(-GID, post, 1000 + i, f"q{i}")

    run_live(r, sim, post, act, lambda: 10)
    assert_exact(r, sim)


# ---------------------------------------------------------------------------------------------- API errors
@pytest.mark.parametrize("code,state", [(6, None), (10, None), (9, "error"), (5, "token_dead"),
                                        (29, "error"), (212, "closed"), (14, "captcha")])
def test_api_errors_during_a_sweep(r: redis.Redis, sim: VkSimulator, code: int, state: str | None) -> None:
    setup_tokens(r)
    post = sim.add_post(77)
    populate(sim, post, 150, owner=77)
    src = wall(post, owner=77)
    ing = ingest(r, sim, [(B, src)])
    if code == 5:
        sim.revoke_token(USER)
    else:
        sim.fail_next("wall.getComments", code, times=2 if code in (6, 10) else 1)
    ing.run_once(longpoll=False)
    status = source_status(r, B, "s1")
    if state is None:  # transient: retried within the sweep
        assert status["state"] == "polling" and status["items"] == 150
    else:
        assert status["state"] == state and status["errors"] == 1 and status["last_error"]
        assert USER not in status["last_error"]
        if code == 5:
            assert tokens.get_token(r, "user", env={}).dead  # type: ignore[union-attr]
            sim.add_token("NEW-USER", "user")
            tokens.set_token(r, "user", "NEW-USER")
        if code == 29:
            r.delete(*r.keys("ll:vk:blocked:*"))
        ing.poll_once(B, src)
    assert_exact(r, sim)


def test_flood_and_closed_raise_from_poll_once(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    post = sim.add_post(77)
    sim.add_comment(77, post, 1, "q")
    sim.fail_next("wall.getComments", 9)
    ing = ingest(r, sim, [(B, wall(post, owner=77))])
    with pytest.raises(VkFloodControl):
        ing.poll_once(B, wall(post, owner=77))
    sim.close_comments(77, post)
    with pytest.raises(VkClosed):
        ing.poll_once(B, wall(post, owner=77))
    assert inbox(r) == []


@pytest.mark.slow
def test_error_mid_sweep_keeps_what_was_written(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    post = sim.add_post(77)
    for i in range(100):  # a first page without long threads: one plain call, no execute
        sim.add_comment(77, post, 1000 + i, f"Вопрос {i}")
    populate(sim, post, 300, owner=77, big_every=7)
    src = wall(post, owner=77)
    ing = ingest(r, sim, [(B, src)])
    sim.fail_next("execute", 10, times=5)  # the batched round fails (1 try + 4 retries) after the first page
    ing.run_once(longpoll=False)
    partial = len(inbox(r))
    assert 0 < partial < 400 and source_status(r, B, "s1")["state"] == "behind"
    ing.poll_once(B, src)
    assert_exact(r, sim)


def test_http_500_and_timeouts_during_a_sweep(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    post = sim.add_post(77)
    populate(sim, post, 300, owner=77)
    sim.http_error_next("wall.getComments", 500, times=1)
    sim.http_error_next("execute", 503, times=1)
    sim.delay_next("execute", 5.0, times=1)
    src = wall(post, owner=77)
    ing = ingest(r, sim, [(B, src)], timeout=0.5)
    assert ing.poll_once(B, src) == 300
    assert_exact(r, sim)


# ---------------------------------------------------------------------------------------------- crashes
KILLABLE = """
import sys, redis
from liveline.ingest.vk.scheduler import VkIngest, VkIngestSettings
r = redis.Redis.from_url(sys.argv[1])
src = {"id": "s1", "kind": "vk_wall", "owner_id": 77, "item_id": int(sys.argv[3]), "org": "default"}
ing = VkIngest(r, VkIngestSettings(api_url=sys.argv[2], env={}), lambda: [(7, src)])
ing.poll_once(7, src)
"""


@pytest.mark.slow
def test_ingest_killed_mid_batch_resumes_exactly(r: redis.Redis, sim: VkSimulator,
                                                 redis_server: RedisProcess) -> None:
    setup_tokens(r)
    post = sim.add_post(77)
    populate(sim, post, 3000, owner=77, big_every=20)
    sim.delay_next("execute", 0.4, times=100)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", KILLABLE, redis_server.url, sim.api_url, str(post)],
                            env=env, cwd=ROOT)
    try:
        wait_for(lambda: r.xlen(keys.inbox(B)) > 0, timeout=30)
        time.sleep(0.3)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    partial = r.xlen(keys.inbox(B))
    assert 0 < partial < 3000
    ing = ingest(r, sim, [(B, wall(post, owner=77))])
    ing.poll_once(B, wall(post, owner=77))
    items = assert_exact(r, sim)
    assert len(items) == 3000  # not one written twice: items and cursors commit together


@pytest.mark.slow
def test_redis_restarted_mid_run(own_redis: RedisProcess, sim: VkSimulator) -> None:
    r = redis.Redis.from_url(own_redis.url)
    setup_tokens(r)
    post = sim.add_post(-GID)
    ing = ingest(r, sim, [(B, wall(post))])
    ing.start()
    try:
        wait_for(lambda: source_status(r, B, "s1")["state"] == "live")
        for i in range(20):
            sim.add_comment(-GID, post, 1000 + i, f"до {i}")
        wait_for(lambda: len(new_keys(inbox(r))) >= 20)
        own_redis.kill()
        for i in range(20):
            sim.add_comment(-GID, post, 2000 + i, f"пока Redis лежал {i}")
        time.sleep(1.0)
        own_redis.start()
        for i in range(20):
            sim.add_comment(-GID, post, 3000 + i, f"после {i}")
        wait_for(lambda: len(new_keys(inbox(r))) >= 60, timeout=30)
    finally:
        ing.stop()
    assert_exact(r, sim)
    r.close()


def test_user_token_renewed_on_error_5_and_ahead_of_expiry(r: redis.Redis, sim: VkSimulator) -> None:
    from tests.ingest.vk.conftest import OAuth

    oauth = OAuth()
    try:
        sim.add_token("ACCESS1", "user")
        sim.add_token("ACCESS2", "user")
        sim.revoke_token(USER)  # VK says 5: the hour is over
        tokens.set_token(r, "user", USER, refresh_token="R1", expires_at=time.time() + 3000)
        post = sim.add_post(77)
        sim.add_comment(77, post, 1, "Вопрос")
        src = wall(post, owner=77)
        ing = ingest(r, sim, [(B, src)], oauth_url=oauth.url, client_id="app1")
        assert ing.poll_once(B, src) == 1  # one renewal, then the call succeeds
        assert tokens.get_token(r, "user", env={}).token == "ACCESS1"  # type: ignore[union-attr]
        record = tokens.get_token(r, "user", env={})
        assert record is not None and record.refresh_token == "R2"
        # the renewed token is about to expire: the scheduler renews it ahead of time
        tokens.set_token(r, "user", record.token, refresh_token=record.refresh_token, expires_at=time.time() + 10)
        ing.run_once(longpoll=False)
        assert tokens.get_token(r, "user", env={}).token == "ACCESS2"  # type: ignore[union-attr]
        assert [x["refresh_token"] for x in oauth.requests] == ["R1", "R2"]
        assert_exact(r, sim)
    finally:
        oauth.server.shutdown()
        oauth.server.server_close()
