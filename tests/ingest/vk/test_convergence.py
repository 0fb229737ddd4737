"""VK ingestion converges to VK's truth: whatever push delivered or missed, `liveline export questions`
ends up equal to VK's final state of every comment — nothing lost, nothing stale, every author named.

Each scenario runs the real ingestion (``VkIngest``: long poll and sweeps, the real vk_api client) against
the simulator and the triage worker on a real Redis, then compares the export rows with what the simulator
holds (``tests/vk_truth.py``). Waits are bounded: "until the export equals VK, at most N seconds".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Self

import pytest
import redis

from liveline.board import exports
from liveline.ingest.sources import status as source_status
from liveline.ingest.vk import itemkeys, tokens
from liveline.ingest.vk.scheduler import VkIngest, VkIngestSettings
from liveline.store import codec, keys, redis_types
from tests.helpers import live_broadcast, wait_for
from tests.vk_sim import VkSimulator
from tests.vk_truth import Difference, compare
from workers.triage import TriageWorker

USER, GROUP, GID = "USER-TOKEN", "GROUP-TOKEN", 42
PAGE_OWNER = 77
Source = dict[str, object]


@pytest.fixture
def sim() -> Iterator[VkSimulator]:
    with VkSimulator(lp_wait_cap=0.25, validate=True) as s:
        s.add_token(USER, "user")
        s.add_token(GROUP, "group", group_id=GID)
        yield s
        assert s.schema_violations == []


def setup_tokens(r: redis.Redis, *, group: bool = True) -> None:
    tokens.set_token(r, "user", USER)
    if group:
        tokens.set_token(r, "group", GROUP, group_id=GID)


def source(kind: str, owner: int, item: int, sid: str = "s1") -> Source:
    return {"id": sid, "kind": kind, "owner_id": owner, "item_id": item, "url": "", "org": "default"}


def ingest(r: redis.Redis, sim: VkSimulator, sources: list[tuple[int, Source]], **kw: object) -> VkIngest:
    options: dict[str, object] = {"api_url": sim.api_url, "lp_wait": 1, "poll_s": 0.3, "reconcile_s": 1.0,
                                  "backoff_s": 0.05, "rps_backoff_s": 0.1, "timeout": 3.0, "tick_s": 0.05,
                                  "env": {}}
    return VkIngest(r, VkIngestSettings(**{**options, **kw}), lambda: sources)  # type: ignore[arg-type]


def rows(r: redis.Redis, bid: int) -> list[dict[str, object]]:
    return exports.question_rows(r, bid)


class Running:
    """Ingestion and a triage worker running in this process until the block ends."""

    def __init__(self, r: redis.Redis, sim: VkSimulator, bid: int, src: Source, **kw: object) -> None:
        self.r, self.sim, self.bid, self.src = r, sim, bid, src
        self.ing = ingest(r, sim, [(bid, src)], **kw)
        self.worker = TriageWorker(r)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        self.ing.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.ing.stop()
        self.stop.set()
        self.thread.join(10)

    def wait(self, cond: Callable[[], bool], timeout: float = 20.0) -> None:
        wait_for(cond, timeout)

    def state(self) -> str:
        return str(source_status(self.r, self.bid, str(self.src["id"]))["state"])

    def has(self, owner: int, item: int, cid: int, kind: str = "wall") -> bool:
        key = itemkeys.comment_key(kind, owner, item, cid)
        return any(row["source"] == key for row in rows(self.r, self.bid))

    def converged(self, timeout: float = 20.0) -> Difference:
        """The difference from VK once it is gone, or as it stands after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            diff = compare(self.sim, rows(self.r, self.bid), own={-GID})
            if not diff or time.monotonic() > deadline:
                return diff
            time.sleep(0.1)


def row_of(r: redis.Redis, bid: int, key: str) -> dict[str, object]:
    return next(row for row in rows(r, bid) if row["source"] == key)


# ------------------------------------------------------------------------------------------ 1. lost restores
@pytest.mark.parametrize("kind,owner", [("vk_wall", PAGE_OWNER), ("vk_video", PAGE_OWNER), ("vk_wall", -GID)],
                         ids=["personal page", "live video", "community post"])
def test_a_comment_restored_after_liveline_never_saw_it_becomes_a_question(
        r: redis.Redis, sim: VkSimulator, kind: str, owner: int) -> None:
    setup_tokens(r)
    bid = live_broadcast(r)
    vk = "wall" if kind == "vk_wall" else "video"
    item = sim.add_post(owner) if vk == "wall" else sim.add_video(owner, live=True)
    add = sim.add_comment if vk == "wall" else sim.add_video_comment
    gone = add(owner, item, 1001, "Когда починят дорогу на Лесной?")
    add(owner, item, 1002, "Будет ли перерасчёт за отопление?")
    sim.delete_comment(owner, gone, kind=vk)  # deleted within a second: before Liveline's first read
    with Running(r, sim, bid, source(kind, owner, item)) as run:
        run.wait(lambda: run.has(owner, item, gone + 1, vk))
        sim.restore_comment(owner, gone, kind=vk)  # restored 12 s later in the real run
        diff = run.converged()
    assert diff.counts() == {"lost": 0, "duplicated": 0, "stale": 0, "unnamed": 0, "likes_off": 0}, diff
    assert row_of(r, bid, itemkeys.comment_key(vk, owner, item, gone))["text"] == "Когда починят дорогу на Лесной?"


# ------------------------------------------------------------------------------------------ 2. personal page
def test_personal_page_edits_and_deletions_after_triage_reach_the_export(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r, group=False)
    bid = live_broadcast(r)
    post = sim.add_post(PAGE_OWNER)
    edited = sim.add_comment(PAGE_OWNER, post, 1001, "Когда отремонтируют школу №3?")
    leaf = sim.add_comment(PAGE_OWNER, post, 1002, "Где купить дрова?")
    root = sim.add_comment(PAGE_OWNER, post, 1003, "Почему нет света на Садовой?")
    sim.add_comment(PAGE_OWNER, post, 1004, "У нас тоже нет", reply_to=root)
    with Running(r, sim, bid, source("vk_wall", PAGE_OWNER, post)) as run:
        run.wait(lambda: len(rows(r, bid)) == 4)
        sim.edit_comment(PAGE_OWNER, edited, "Когда отремонтируют школу №3 на Лесной?")
        sim.delete_comment(PAGE_OWNER, leaf)  # VK drops it from its pages
        sim.delete_comment(PAGE_OWNER, root)  # VK shows a "deleted" placeholder: it has a reply
        diff = run.converged()
    assert not diff, diff
    by_key = {row["source"]: row for row in rows(r, bid)}
    key = lambda cid: itemkeys.comment_key("wall", PAGE_OWNER, post, cid)
    assert by_key[key(edited)]["edited"] is True
    assert by_key[key(edited)]["text"] == "Когда отремонтируют школу №3 на Лесной?"
    assert by_key[key(leaf)]["deleted"] is True and by_key[key(root)]["deleted"] is True
    assert len(by_key) == 4  # deleted ones are kept


# ------------------------------------------------------------------------------------------ 3. live chat
def test_live_chat_changes_vk_did_not_push_are_reconciled(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    bid = live_broadcast(r)
    video = sim.add_video(-GID, live=True)
    src = source("vk_video", -GID, video, "v1")
    with Running(r, sim, bid, src) as run:
        run.wait(lambda: run.state() == "live")
        chat = [sim.add_video_comment(-GID, video, 2000 + i, f"Вопрос из чата {i}") for i in range(6)]
        run.wait(lambda: len(rows(r, bid)) == 6)
        sim.delete_comment(-GID, chat[2], kind="video")  # pushed
        sim.skip_pushes(3)  # VK does not promise a push for every event
        sim.edit_comment(-GID, chat[0], "Вопрос из чата 0, исправленный", kind="video")
        sim.delete_comment(-GID, chat[1], kind="video")
        sim.restore_comment(-GID, chat[2], kind="video")
        diff = run.converged()
    assert sim.pushes_skipped == 3
    assert not diff, diff


# ------------------------------------------------------------------------------------------ 4. lost events
@pytest.mark.parametrize("group", [True, False], ids=["community and user tokens", "user token only"])
def test_community_post_changes_made_while_events_were_lost_are_reconciled(
        r: redis.Redis, sim: VkSimulator, group: bool) -> None:
    setup_tokens(r, group=group)
    bid = live_broadcast(r)
    post = sim.add_post(-GID)
    ids = [sim.add_comment(-GID, post, 3000 + i, f"Вопрос {i} про дороги") for i in range(5)]
    sim.delete_comment(-GID, ids[4])
    with Running(r, sim, bid, source("vk_wall", -GID, post)) as run:
        run.wait(lambda: len(rows(r, bid)) == 4)
        sim.skip_pushes(4)  # an outage whose history VK lost
        sim.edit_comment(-GID, ids[0], "Вопрос 0 про дороги и тротуары")
        sim.delete_comment(-GID, ids[1])
        sim.restore_comment(-GID, ids[4])
        sim.edit_comment(-GID, ids[2], "Вопрос 2, уточнённый")
        if group:
            sim.lp_fail_next(1)  # and VK says so
        diff = run.converged()
    assert not diff, diff


# ------------------------------------------------------------------------------------------ 5. names
def test_comments_delivered_by_long_poll_are_named_on_the_question_and_the_board(
        r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    bid = live_broadcast(r)
    post = sim.add_post(-GID)
    sim.add_user(1001, "Анна", "Петрова")
    sim.add_group(555, "ТСЖ «Лесное»")
    with Running(r, sim, bid, source("vk_wall", -GID, post), reconcile_s=60.0) as run:
        run.wait(lambda: run.state() == "live")
        sim.add_comment(-GID, post, 1001, "Когда вывезут мусор с Лесной?")
        sim.add_comment(-GID, post, -555, "Просим отремонтировать крышу дома 5")
        diff = run.converged()
    assert not diff, diff
    got = rows(r, bid)
    assert {row["author"] for row in got} == {"Анна Петрова", "ТСЖ «Лесное»"}
    assert all(row["author_id"] in ("1001", "-555") for row in got)
    cards = [codec.loads(v) for v in r.hvals(keys.clusters(bid))]
    assert sorted(c["author_name"] for c in cards) == ["Анна Петрова", "ТСЖ «Лесное»"]
    assert sim.counters["users.get"] >= 1 and sim.counters["groups.getById"] >= 1


def test_a_name_vk_did_not_give_at_once_is_filled_in_later(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    bid = live_broadcast(r)
    post = sim.add_post(-GID)
    sim.add_user(1001, "Анна", "Петрова")
    sim.fail_next("users.get", 10, times=50)  # VK cannot name anyone for now
    with Running(r, sim, bid, source("vk_wall", -GID, post), reconcile_s=60.0) as run:
        run.wait(lambda: run.state() == "live")
        cid = sim.add_comment(-GID, post, 1001, "Когда вывезут мусор с Лесной?")
        run.wait(lambda: run.has(-GID, post, cid))
        key = itemkeys.comment_key("wall", -GID, post, cid)
        assert row_of(r, bid, key)["author"] == ""  # on the board at once, unnamed for now
        run.ing.request_sweep(bid, "s1")  # the next reconciling sweep reads the name
        diff = run.converged()
    assert not diff, diff
    card = codec.loads(next(iter(r.hvals(keys.clusters(bid)))))
    assert card["author_name"] == "Анна Петрова"
    types = [redis_types.text(f[b"t"]) for _, f in r.xrange(keys.events(bid))]
    assert "question.author" in types


# ------------------------------------------------------------------------------------------ 6. likes
def test_likes_that_change_between_the_push_and_the_first_sweep_are_counted(r: redis.Redis,
                                                                             sim: VkSimulator) -> None:
    setup_tokens(r)
    bid = live_broadcast(r)
    post = sim.add_post(-GID)
    with Running(r, sim, bid, source("vk_wall", -GID, post)) as run:
        run.wait(lambda: run.state() == "live")
        cid = sim.add_comment(-GID, post, 1001, "Когда откроют поликлинику?")
        sim.set_likes(-GID, cid, 7)  # before any sweep passed it
        diff = run.converged()
    assert not diff, diff
    assert row_of(r, bid, itemkeys.comment_key("wall", -GID, post, cid))["likes"] == 7


# ------------------------------------------------------------------------------------------ 7. status
def test_a_dead_user_token_is_not_hidden_by_long_poll_errors(r: redis.Redis, sim: VkSimulator) -> None:
    setup_tokens(r)
    bid = live_broadcast(r)
    post = sim.add_post(-GID)
    with Running(r, sim, bid, source("vk_wall", -GID, post)) as run:
        run.wait(lambda: run.state() == "live")
        sim.revoke_token(USER)
        run.wait(lambda: run.state() == "token_dead")
        checks = sim.counters["lp"]
        sim.http_error_next("lp", 500, times=1000)  # the long poll fails over and over meanwhile
        run.wait(lambda: sim.counters["lp"] >= checks + 3)
        assert run.state() == "token_dead"


def test_a_name_that_arrives_after_the_end_reaches_the_appeal(r: redis.Redis) -> None:
    from liveline.board import broadcasts, clusters
    from liveline.followup import appeals
    from liveline.ingest import inbox
    from liveline.ingest.inbox import SourceItem

    bid = live_broadcast(r)
    key = itemkeys.comment_key("wall", -GID, 7, 501)
    inbox.append(r, bid, [SourceItem(key=key, text="Когда отремонтируют дорогу на Лесной?", author_id="1001",
                                     author_url="https://vk.com/id1001", via="longpoll")])  # no name yet
    worker = TriageWorker(r)
    while worker.processed < 1:
        worker.step(block_ms=50)
    cid = str(codec.loads(next(iter(r.hvals(keys.questions(bid)))))["cluster"])
    clusters.approve(r, bid, cid, "anna")
    broadcasts.end(r, bid)
    appeals.create_from_broadcast(r, bid)
    inbox.append(r, bid, [SourceItem(key=key, kind="author", author_id="1001", author_name="Анна Петрова",
                                     author_url="https://vk.com/id1001", via="poll")])
    while worker.processed < 2:
        worker.step(block_ms=50)
    appeal = next(iter(appeals.read_all(r, bid).values()))
    assert [co["author_name"] for co in appeal["coauthors"]] == ["Анна Петрова"]
    assert row_of(r, bid, key)["author"] == "Анна Петрова"


# ------------------------------------------------------------------------------------------ 8. configuration
def test_a_wrong_group_id_is_shown_as_misconfigured_at_the_first_long_poll_call(r: redis.Redis,
                                                                                sim: VkSimulator) -> None:
    tokens.set_token(r, "user", USER)
    tokens.set_token(r, "group", GROUP, group_id=43)  # the token is community 42's
    bid = live_broadcast(r)
    post = sim.add_post(-43)
    with Running(r, sim, bid, source("vk_wall", -43, post)) as run:
        run.wait(lambda: run.state() == "misconfigured")
    st = source_status(r, bid, "s1")
    assert "--group-id" in st["last_error"] and GROUP not in st["last_error"]


def test_a_community_post_the_token_does_not_cover_is_shown_as_misconfigured(r: redis.Redis,
                                                                             sim: VkSimulator) -> None:
    tokens.set_token(r, "user", USER)
    tokens.set_token(r, "group", GROUP, group_id=43)  # saved for another community than the post's
    bid = live_broadcast(r)
    post = sim.add_post(-GID)
    sim.add_comment(-GID, post, 1001, "Когда починят дорогу?")
    with Running(r, sim, bid, source("vk_wall", -GID, post)) as run:
        run.wait(lambda: run.state() == "misconfigured")
        diff = run.converged()  # polling still collects
    assert not diff, diff
    assert "43" in source_status(r, bid, "s1")["last_error"]
