"""The VK client against the simulator through the real vk_api: pacing, bounded retries, classified errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from liveline.ingest.vk import tokens
from liveline.ingest.vk.client import (
    VkCaller,
    VkCaptcha,
    VkClosed,
    VkError,
    VkFloodControl,
    VkQuota,
    VkTokenDead,
    VkTransient,
    make_session,
    next_day_msk,
)
from liveline.store import keys
from tests import vk_sim
from tests.vk_sim import VkSimulator

USER, GROUP = vk_sim.USER_TOKEN, vk_sim.GROUP_TOKEN


@pytest.fixture
def sim() -> Iterator[VkSimulator]:
    with vk_sim.with_tokens() as s:
        yield s


@pytest.fixture
def post(sim: VkSimulator) -> int:
    post_id = sim.add_post(-42, "Прямая линия")
    sim.add_user(1001, "Иван", "Петров")
    sim.add_comment(-42, post_id, 1001, "Когда починят дорогу?")
    return post_id


def caller(r: redis.Redis, sim: VkSimulator, kind: str = "user", **kw: object) -> VkCaller:
    record = tokens.set_token(r, kind, USER if kind == "user" else GROUP,  # type: ignore[arg-type]
                              group_id=42 if kind == "group" else None)
    kw.setdefault("sleep", lambda s: None)
    kw.setdefault("retries", 3)
    return VkCaller(r, record, sim.api_url, None, timeout=2.0, **kw)  # type: ignore[arg-type]


def test_make_session_goes_to_api_url_with_version(sim: VkSimulator, post: int) -> None:
    session = make_session(USER, sim.api_url)
    answer = session.method("wall.getComments", {"owner_id": -42, "post_id": post, "extended": 1})
    assert answer["count"] == 1 and answer["profiles"][0]["first_name"] == "Иван"
    assert session.api_version == "5.199" and 14 not in session.error_handlers


def test_call_returns_the_response(r: redis.Redis, sim: VkSimulator, post: int) -> None:
    c = caller(r, sim)
    answer = c.call("wall.getComments", owner_id=-42, post_id=post)
    assert answer["items"][0]["text"] == "Когда починят дорогу?"
    assert c.stats["calls"] == 1


@pytest.mark.parametrize("code", [1, 6, 10, 36])
def test_transient_errors_are_retried(r: redis.Redis, sim: VkSimulator, post: int, code: int) -> None:
    sim.fail_next("wall.getComments", code, times=2)
    c = caller(r, sim)
    assert c.call("wall.getComments", owner_id=-42, post_id=post)["count"] == 1
    assert sim.counters["wall.getComments"] == 3 and c.stats["retries"] == 2


def test_error_6_retries_are_bounded(r: redis.Redis, sim: VkSimulator, post: int) -> None:
    sim.fail_next("wall.getComments", 6, times=50)
    c = caller(r, sim, retries=3)
    with pytest.raises(VkTransient) as info:
        c.call("wall.getComments", owner_id=-42, post_id=post)
    assert info.value.code == 6
    assert sim.counters["wall.getComments"] == 4 and c.stats["rate_limited"] == 4


def test_http_500_and_timeouts_are_transient(r: redis.Redis, sim: VkSimulator, post: int) -> None:
    c = VkCaller(r, tokens.set_token(r, "user", USER), sim.api_url, None, timeout=0.5, retries=3,
                 sleep=lambda s: None)
    sim.http_error_next("wall.getComments", 500, times=1)
    assert c.call("wall.getComments", owner_id=-42, post_id=post)["count"] == 1
    assert sim.counters["http_500"] == 1 and c.stats["retries"] == 1
    sim.delay_next("wall.getComments", 2.0, times=1)  # longer than the 0.5 s timeout
    assert c.call("wall.getComments", owner_id=-42, post_id=post)["count"] == 1
    assert c.stats["retries"] == 2
    sim.http_error_next("wall.getComments", 502, times=10)
    with pytest.raises(VkTransient) as info:
        c.call("wall.getComments", owner_id=-42, post_id=post)
    assert info.value.code == -502 and "HTTP 502" in str(info.value)


@pytest.mark.parametrize("code,exc", [(9, VkFloodControl), (223, VkFloodControl), (212, VkClosed),
                                      (15, VkClosed), (801, VkClosed), (210, VkClosed), (14, VkCaptcha),
                                      (17, VkTokenDead), (18, VkTokenDead), (100, VkError)])
def test_errors_are_classified_and_not_retried(r: redis.Redis, sim: VkSimulator, post: int, code: int,
                                               exc: type[VkError]) -> None:
    sim.fail_next("wall.getComments", code)
    c = caller(r, sim)
    with pytest.raises(exc) as info:
        c.call("wall.getComments", owner_id=-42, post_id=post)
    assert type(info.value) is exc and info.value.code == code
    assert USER not in str(info.value) and "SECRET" not in repr(info.value.args)
    assert sim.counters["wall.getComments"] == 1


def test_new_style_captcha_does_not_crash_vk_api(r: redis.Redis, sim: VkSimulator, post: int) -> None:
    sim.fail_next("wall.createComment", 14)
    c = caller(r, sim, "group")
    with pytest.raises(VkCaptcha) as info:
        c.call("wall.createComment", owner_id=-42, post_id=post, message="Ответ", from_group=42)
    assert "капчу" in str(info.value)


def test_quota_blocks_the_method_for_the_token_until_tomorrow(r: redis.Redis, sim: VkSimulator,
                                                              post: int) -> None:
    sim.fail_next("wall.getComments", 29)
    c = caller(r, sim)
    with pytest.raises(VkQuota):
        c.call("wall.getComments", owner_id=-42, post_id=post)
    key = keys.vk_method_blocked(c.record.id, "wall.getComments")
    assert r.exists(key) and 0 < r.ttl(key) <= 24 * 3600
    with pytest.raises(VkQuota):  # blocked locally: VK is not asked again
        c.call("wall.getComments", owner_id=-42, post_id=post)
    assert sim.counters["wall.getComments"] == 1
    assert c.call("video.get", owner_id=-42)["count"] == 0  # other methods still work
    assert next_day_msk(0) == 21 * 3600


def test_wrong_token_kind_is_token_dead_but_not_marked(r: redis.Redis, sim: VkSimulator, post: int) -> None:
    c = caller(r, sim, "group")
    with pytest.raises(VkTokenDead) as info:
        c.call("wall.getComments", owner_id=-42, post_id=post)
    assert info.value.code == 27
    assert not tokens.get_token(r, "group", env={}).dead  # type: ignore[union-attr]


def test_error_5_renews_once_then_succeeds(r: redis.Redis, sim: VkSimulator, post: int) -> None:
    sim.add_token("RENEWED", "user")
    sim.revoke_token(USER)
    renewals: list[int] = []

    def renew() -> tokens.TokenRecord:
        renewals.append(1)
        return tokens.set_token(r, "user", "RENEWED")

    c = caller(r, sim, renew=renew)
    assert c.call("wall.getComments", owner_id=-42, post_id=post)["count"] == 1
    assert renewals == [1] and c.record.token == "RENEWED"


def test_error_5_after_renewal_marks_the_token_dead(r: redis.Redis, sim: VkSimulator, post: int) -> None:
    sim.revoke_token(USER)
    c = caller(r, sim, renew=lambda: tokens.set_token(r, "user", "ALSO-BAD"))
    with pytest.raises(VkTokenDead) as info:
        c.call("wall.getComments", owner_id=-42, post_id=post)
    assert info.value.code == 5 and "SECRET" not in str(info.value)
    assert tokens.get_token(r, "user", env={}).dead  # type: ignore[union-attr]


def test_call_many_batches_in_one_execute(r: redis.Redis, sim: VkSimulator, post: int) -> None:
    other = sim.add_post(-42)
    sim.add_comment(-42, other, 1002, "Второй вопрос")
    c = caller(r, sim)
    results = c.call_many("wall.getComments", [{"owner_id": -42, "post_id": p} for p in (post, other, 9999)])
    assert [x["items"][0]["text"] for x in results[:2]] == ["Когда починят дорогу?", "Второй вопрос"]
    assert isinstance(results[2], VkError) and results[2].code == 100
    assert sim.counters["execute"] == 1 and c.stats["calls"] == 1


def test_shared_bucket_paces_calls(r: redis.Redis, sim: VkSimulator, post: int) -> None:
    waits: list[float] = []
    record = tokens.set_token(r, "user", USER)
    a = VkCaller(r, record, sim.api_url, 0.5, sleep=waits.append)
    b = VkCaller(r, record, sim.api_url, 0.5, sleep=waits.append)
    a.call("wall.getComments", owner_id=-42, post_id=post)
    b.call("wall.getComments", owner_id=-42, post_id=post)
    assert len(waits) == 1 and 1.0 < waits[0] <= 2.0  # b reserved the slot after a's, 2 s later
