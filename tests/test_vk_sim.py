"""The VK simulator behaves as tests/vk/NOTES.md documents VK: methods, threading, tokens, limits, faults,
long poll.

Most calls go through the real vk_api client (``sim.vk_session``); error envelopes are read raw with ``call``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import vk_api
from vk_api.bot_longpoll import VkBotEventType, VkBotLongPoll
from vk_api.requests_pool import VkRequestsPool, vk_request_one_param_pool

from tests.vk_sim import METHOD_TOKENS, VkSimulator, parse_execute

G = 4242  # the community
OWNER = -G


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def sim_server() -> Iterator[VkSimulator]:
    with VkSimulator(validate=True) as s:
        yield s


@pytest.fixture
def sim(sim_server: VkSimulator, clock: FakeClock) -> Iterator[VkSimulator]:
    """The module's simulator, emptied; every payload it answers is checked against VK's schema."""
    sim_server.reset(rate_limits=False)
    sim_server.clock, sim_server.lp_wait_cap = clock, 0.3
    sim_server.add_token("user", "user", user_id=7)
    sim_server.add_token("group", "group", group_id=G)
    sim_server.add_token("service", "service")
    yield sim_server
    assert sim_server.schema_violations == []


def call(sim: VkSimulator, method: str, token: str | None = "user", **params: Any) -> dict[str, Any]:
    data = {"v": "5.199", **{k: str(v) for k, v in params.items()}}
    if token is not None:
        data["access_token"] = token
    answer = requests.post(f"{sim.api_url}/method/{method}", data=data, timeout=10)
    assert answer.status_code == 200
    return answer.json()


def error_code(payload: dict[str, Any]) -> int:
    return payload["error"]["error_code"]


# ------------------------------------------------------------------ wall.getComments
def test_top_level_with_threads_through_vk_api(sim: VkSimulator) -> None:
    sim.add_user(1001, "Иван", "Петров")
    post = sim.add_post(OWNER, "Прямая линия с главой")
    q1 = sim.add_comment(OWNER, post, 1001, "Когда отремонтируют дорогу на ул. Ленина?")
    r1 = sim.add_comment(OWNER, post, 1002, "Присоединяюсь к вопросу", reply_to=q1)
    r2 = sim.add_comment(OWNER, post, 1003, "И тротуар тоже", reply_to=r1)
    q2 = sim.add_comment(OWNER, post, OWNER, "Напоминаем: эфир в 18:00")
    vk = sim.vk_session("user", rps_delay=0).get_api()
    answer = vk.wall.getComments(owner_id=OWNER, post_id=post, thread_items_count=10, extended=1,
                                 preview_length=0, count=100)
    assert answer["count"] == 4 and answer["current_level_count"] == 2
    assert [c["id"] for c in answer["items"]] == [q1, q2]
    assert post < q1 < r1 < r2 < q2  # one increasing per-owner counter shared with posts
    first = answer["items"][0]
    assert first["parents_stack"] == [] and first["thread"]["count"] == 2
    replies = first["thread"]["items"]
    assert [(r["id"], r["parents_stack"], r["reply_to_comment"]) for r in replies] == [(r1, [q1], q1),
                                                                                      (r2, [q1], r1)]
    assert replies[1]["reply_to_user"] == 1002
    assert {"id": 1001, "first_name": "Иван", "last_name": "Петров", "can_access_closed": True,
            "is_closed": False} in answer["profiles"]
    assert [g["id"] for g in answer["groups"]] == [G]
    assert answer["post_author_id"] == OWNER


def test_thread_items_count_limits_embedded_replies_and_branch_returns_all(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    root = sim.add_comment(OWNER, post, 1, "вопрос")
    replies = [sim.add_comment(OWNER, post, 2, f"ответ {i}", reply_to=root) for i in range(12)]
    plain = call(sim, "wall.getComments", owner_id=OWNER, post_id=post)["response"]
    assert plain["items"][0]["thread"] == {"count": 12, "items": [], "can_post": True,
                                           "show_reply_button": True, "groups_can_post": True,
                                           "author_replied": False}
    embedded = call(sim, "wall.getComments", owner_id=OWNER, post_id=post, thread_items_count=10)["response"]
    assert [r["id"] for r in embedded["items"][0]["thread"]["items"]] == replies[:10]
    branch = call(sim, "wall.getComments", owner_id=OWNER, post_id=post, comment_id=root, count=100)["response"]
    assert [r["id"] for r in branch["items"]] == replies
    assert branch["count"] == branch["current_level_count"] == 12
    assert all("thread" not in r for r in branch["items"])
    top = call(sim, "wall.getComments", owner_id=OWNER, post_id=post, comment_id=0)["response"]
    assert [c["id"] for c in top["items"]] == [root]
    too_many = call(sim, "wall.getComments", owner_id=OWNER, post_id=post, thread_items_count=11)
    assert error_code(too_many) == 100


def test_preview_length_defaults_to_90_characters(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    sim.add_comment(OWNER, post, 1, "я" * 200)
    default = call(sim, "wall.getComments", owner_id=OWNER, post_id=post)["response"]["items"][0]["text"]
    full = call(sim, "wall.getComments", owner_id=OWNER, post_id=post, preview_length=0)
    assert len(default) == 90
    assert full["response"]["items"][0]["text"] == "я" * 200


def test_count_offset_sort_and_likes(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    ids = [sim.add_comment(OWNER, post, 1, f"c{i}", likes=i) for i in range(130)]
    page = call(sim, "wall.getComments", owner_id=OWNER, post_id=post, count=500)["response"]
    assert [c["id"] for c in page["items"]] == ids[:100]  # count is capped at 100
    tail = call(sim, "wall.getComments", owner_id=OWNER, post_id=post, count=100, offset=100)["response"]
    assert [c["id"] for c in tail["items"]] == ids[100:]
    newest = call(sim, "wall.getComments", owner_id=OWNER, post_id=post, sort="desc", count=3,
                  need_likes=1)["response"]
    assert [c["id"] for c in newest["items"]] == ids[:-4:-1]
    assert newest["items"][0]["likes"] == {"can_like": 1, "count": 129, "user_likes": 0, "can_publish": 1}
    assert "likes" not in page["items"][0]
    assert error_code(call(sim, "wall.getComments", owner_id=OWNER, post_id=post, sort="sideways")) == 100


def test_start_comment_id_is_the_position_of_that_comment_or_the_nearest_earlier(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    ids = [sim.add_comment(OWNER, post, 1, f"c{i}") for i in range(6)]
    sim.delete_comment(OWNER, ids[2])  # a gap: starting from it finds the nearest earlier, ids[1]

    def fetch(**params: Any) -> tuple[list[int], int]:
        answer = call(sim, "wall.getComments", owner_id=OWNER, post_id=post, count=2, **params)["response"]
        return [c["id"] for c in answer["items"]], answer["real_offset"]

    assert fetch(start_comment_id=ids[3]) == ([ids[3], ids[4]], 2)
    assert fetch(start_comment_id=ids[2]) == ([ids[1], ids[3]], 1)
    assert fetch(start_comment_id=ids[3], offset=-1) == ([ids[1], ids[3]], 1)
    assert fetch(start_comment_id=ids[5] + 1000) == ([ids[5]], 4)
    assert fetch(start_comment_id=0) == ([ids[0], ids[1]], 0)
    assert fetch(start_comment_id=ids[4], sort="desc") == ([ids[4], ids[3]], 1)
    assert fetch(start_comment_id=ids[2], sort="desc") == ([ids[1], ids[0]], 3)


def test_deleted_leaf_disappears_deleted_root_with_replies_stays_as_placeholder(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    leaf = sim.add_comment(OWNER, post, 1, "удалю")
    root = sim.add_comment(OWNER, post, 2, "вопрос с ответом")
    reply = sim.add_comment(OWNER, post, 3, "ответ", reply_to=root)
    sim.delete_comment(OWNER, leaf)
    sim.delete_comment(OWNER, root)
    answer = call(sim, "wall.getComments", owner_id=OWNER, post_id=post, thread_items_count=10)["response"]
    assert answer["count"] == 1
    [placeholder] = answer["items"]
    assert placeholder["id"] == root and placeholder["deleted"] is True and placeholder["text"] == ""
    assert [r["id"] for r in placeholder["thread"]["items"]] == [reply]
    assert error_code(call(sim, "wall.getComment", owner_id=OWNER, comment_id=leaf)) == 211
    sim.restore_comment(OWNER, leaf)
    again = call(sim, "wall.getComments", owner_id=OWNER, post_id=post)["response"]
    assert [c["id"] for c in again["items"]] == [leaf, root]
    got = call(sim, "wall.getComment", owner_id=OWNER, comment_id=leaf, extended=1)["response"]
    assert got["items"][0]["text"] == "удалю" and got["profiles"][0]["id"] == 1


def test_unknown_post_and_closed_comments(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    assert error_code(call(sim, "wall.getComments", owner_id=OWNER, post_id=post + 99)) == 100
    sim.close_comments(OWNER, post)
    assert error_code(call(sim, "wall.getComments", owner_id=OWNER, post_id=post)) == 212
    assert error_code(call(sim, "wall.createComment", "group", owner_id=OWNER, post_id=post, message="x")) == 213


# ------------------------------------------------------------------ createComment
def test_create_comment_as_community_is_idempotent_by_guid(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    question = sim.add_comment(OWNER, post, 1001, "Когда будет свет?")
    group_vk = sim.vk_session("group", rps_delay=0).get_api()
    params = {"owner_id": OWNER, "post_id": post, "from_group": G, "reply_to_comment": question,
              "message": "Ваш вопрос зарегистрирован как обращение №17", "guid": "appeal-17"}
    first = group_vk.wall.createComment(**params)
    second = group_vk.wall.createComment(**params)
    assert first == second == {"comment_id": first["comment_id"], "parents_stack": [question]}
    mine = [c for c in sim.created if c.guid == "appeal-17"]
    assert len(mine) == 1 and mine[0].from_id == OWNER and mine[0].reply_to == question
    other = group_vk.wall.createComment(**{**params, "guid": "appeal-18"})
    assert other["comment_id"] > first["comment_id"]


def test_create_comment_as_user_and_invalid_input(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    made = call(sim, "wall.createComment", owner_id=OWNER, post_id=post, message="от пользователя")["response"]
    assert sim.comment(OWNER, made["comment_id"]).from_id == 7
    as_group = call(sim, "wall.createComment", owner_id=OWNER, post_id=post, message="от имени", from_group=G)
    assert sim.comment(OWNER, as_group["response"]["comment_id"]).from_id == OWNER
    assert error_code(call(sim, "wall.createComment", owner_id=OWNER, post_id=post, message=" ")) == 100
    bad_reply = call(sim, "wall.createComment", owner_id=OWNER, post_id=post, message="x", reply_to_comment=999)
    assert error_code(bad_reply) == 100


# ------------------------------------------------------------------ video
def test_live_video_comments_and_reply(sim: VkSimulator) -> None:
    video = sim.add_video(OWNER, "Прямой эфир", live=True)
    sim.add_video(OWNER, "Запись прошлого эфира", live=False)
    first = sim.add_video_comment(OWNER, video, 1001, "Здравствуйте!")
    vk = sim.vk_session("user", rps_delay=0).get_api()
    listing = vk.video.get(owner_id=OWNER)
    live = [v for v in listing["items"] if v.get("live") == 1]
    assert [(v["id"], v["type"], v["comments"]) for v in live] == [(video, "live", 1)]
    reply_id = vk.video.createComment(owner_id=OWNER, video_id=video, message="Спасибо за вопрос",
                                      reply_to_comment=first, from_group=1, guid="appeal-3")
    assert isinstance(reply_id, int)
    assert vk.video.createComment(owner_id=OWNER, video_id=video, message="Спасибо за вопрос",
                                  reply_to_comment=first, from_group=1, guid="appeal-3") == reply_id
    chat = vk.video.getComments(owner_id=OWNER, video_id=video, sort="desc", count=1, extended=1)
    assert chat["count"] == 2 and chat["items"][0]["id"] == first  # the reply lives in the thread
    assert chat["items"][0]["thread"]["count"] == 1
    assert sim.comment(OWNER, reply_id, kind="video").from_id == OWNER
    assert error_code(call(sim, "video.getComments", owner_id=OWNER, video_id=video + 50)) == 15
    sim.close_comments(OWNER, video, kind="video")
    assert error_code(call(sim, "video.getComments", owner_id=OWNER, video_id=video)) == 801


# ------------------------------------------------------------------ tokens, envelope, limits
@pytest.mark.parametrize(
    ("method", "token", "code"),
    [
        ("wall.getComments", "group", 27),
        ("video.getComments", "group", 27),
        ("wall.getComment", "service", 28),
        ("video.getComments", "service", 28),
        ("wall.createComment", "service", 28),
        ("execute", "service", 28),
        ("wall.getComments", "nope", 5),
        ("wall.getComments", None, 5),
        ("wall.unknownMethod", "user", 3),
    ],
)
def test_token_rules(sim: VkSimulator, method: str, token: str | None, code: int) -> None:
    post = sim.add_post(OWNER)
    answer = call(sim, method, token, owner_id=OWNER, post_id=post, video_id=1)
    assert error_code(answer) == code
    params = {p["key"]: p["value"] for p in answer["error"]["request_params"]}
    assert params["method"] == method and params["v"] == "5.199" and "access_token" not in params


def test_schema_access_token_types_match_the_simulator() -> None:
    from tests.vk_schema import method_spec

    for method, kinds in METHOD_TOKENS.items():
        assert set(method_spec(method)["access_token_type"]) == kinds, method


def test_revoked_token_missing_version_and_bearer_header(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    bearer = requests.post(f"{sim.api_url}/method/wall.getComments", headers={"Authorization": "Bearer user"},
                           data={"v": "5.199", "owner_id": OWNER, "post_id": post}, timeout=10).json()
    assert bearer["response"]["count"] == 0
    by_get = requests.get(f"{sim.api_url}/method/wall.getComments", timeout=10,
                          params={"v": "5.199", "owner_id": OWNER, "post_id": post, "access_token": "user"})
    assert by_get.json()["response"]["items"] == []
    assert error_code(call(sim, "wall.getComments", owner_id=OWNER, post_id=post, v="")) == 8
    sim.revoke_token("user")
    revoked = call(sim, "wall.getComments", owner_id=OWNER, post_id=post)
    assert revoked["error"]["error_msg"] == "User authorization failed: invalid access_token (4)."


def test_rate_limits_per_token(sim: VkSimulator, clock: FakeClock) -> None:
    post = sim.add_post(OWNER)
    sim.set_rate_limits(user=3, group=20)
    answers = [call(sim, "wall.getComments", owner_id=OWNER, post_id=post) for _ in range(4)]
    assert ["error" in a for a in answers] == [False, False, False, True]
    assert answers[3]["error"]["error_msg"] == "Too many requests per second"
    assert "error" not in call(sim, "groups.getById", "service", group_id=G)  # another token, own budget
    group = [call(sim, "groups.getById", "group", group_id=G) for _ in range(21)]
    assert sum("error" in a for a in group) == 1 and error_code(group[-1]) == 6
    clock.now += 1.01
    assert "error" not in call(sim, "wall.getComments", owner_id=OWNER, post_id=post)
    sim.set_rate_limits(None, None)
    assert not any("error" in call(sim, "groups.getById", "group", group_id=G) for _ in range(30))
    assert sim.counters["error_6"] == 2


def test_vk_api_retries_error_6_and_sees_the_answer(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    sim.fail_next("wall.getComments", 6)
    vk = sim.vk_session("user", rps_delay=0)
    assert vk.method("wall.getComments", {"owner_id": OWNER, "post_id": post})["count"] == 0
    assert sim.counters["wall.getComments"] == 2 and sim.counters["error_6"] == 1


# ------------------------------------------------------------------ fault injection
@pytest.mark.parametrize("code", [9, 10, 29, 212, 801, 14])
def test_fail_next_answers_the_vk_error(sim: VkSimulator, code: int) -> None:
    post = sim.add_post(OWNER)
    sim.fail_next("wall.getComments", code, times=2)
    vk = sim.vk_session("user", rps_delay=0)
    for _ in range(2):
        with pytest.raises(vk_api.ApiError) as caught:
            vk.method("wall.getComments", {"owner_id": OWNER, "post_id": post})
        assert caught.value.code == code
    assert vk.method("wall.getComments", {"owner_id": OWNER, "post_id": post})["count"] == 0
    if code == 14:  # the new captcha: redirect_uri, no captcha_sid (NOTES §5.5)
        error = caught.value.error
        assert "captcha_sid" not in error and error["redirect_uri"].startswith("https://id.vk.com/")
        assert isinstance(error["remixstlid"], int)


def test_http_errors_and_delays(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    vk = sim.vk_session("user", rps_delay=0)
    sim.http_error_next("wall.getComments", 502)
    with pytest.raises(vk_api.ApiHttpError) as caught:
        vk.method("wall.getComments", {"owner_id": OWNER, "post_id": post})
    assert caught.value.response.status_code == 502
    sim.delay_next("wall.getComments", 3)
    with pytest.raises(requests.Timeout):
        requests.post(f"{sim.api_url}/method/wall.getComments", timeout=0.2,
                      data={"v": "5.199", "access_token": "user", "owner_id": OWNER, "post_id": post})
    assert vk.method("wall.getComments", {"owner_id": OWNER, "post_id": post})["count"] == 0


# ------------------------------------------------------------------ execute
def test_requests_pool_one_method_with_a_failed_call(sim: VkSimulator) -> None:
    posts = [sim.add_post(OWNER) for _ in range(3)]
    for i, post in enumerate(posts):
        for _ in range(i):
            sim.add_comment(OWNER, post, 1, "q")
    sim.close_comments(OWNER, posts[2])
    vk = sim.vk_session("user", rps_delay=0)
    with VkRequestsPool(vk) as pool:
        results = [pool.method("wall.getComments", {"owner_id": OWNER, "post_id": p, "count": 100})
                   for p in posts]
    assert [r.ok for r in results] == [True, True, False]
    assert [r.result["count"] for r in results[:2]] == [0, 1]
    assert results[2].error["error_code"] == 212
    assert sim.counters["execute"] == 1 and sim.counters["wall.getComments"] == 3


def test_requests_pool_many_methods_and_one_param_pool(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    sim.add_comment(OWNER, post, 1, "Про \"кавычки\"), API.wall.getComments({})")
    vk = sim.vk_session("user", rps_delay=0)
    with VkRequestsPool(vk) as pool:
        comments = pool.method("wall.getComments", {"owner_id": OWNER, "post_id": post, "preview_length": 0})
        group = pool.method("groups.getById", {"group_id": G})
    assert comments.result["items"][0]["text"].startswith("Про \"кавычки\")")
    assert group.result["groups"][0]["id"] == G
    found, errors = vk_request_one_param_pool(vk, "wall.getComments", "post_id", [post, post + 500],
                                              {"owner_id": OWNER})
    assert found[post]["count"] == 1 and errors[post + 500]["error_code"] == 100


def test_execute_obeys_token_types_and_rejects_other_code(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    group_vk = sim.vk_session("group", rps_delay=0)
    with VkRequestsPool(group_vk) as pool:
        denied = pool.method("wall.getComments", {"owner_id": OWNER, "post_id": post})
    assert denied.error["error_code"] == 27
    assert error_code(call(sim, "execute", code="return API.users.get({});")) == 12
    assert error_code(call(sim, "execute", code="return 1;")) == 12
    many = "return [" + ",".join(['API.groups.getById({"group_id":1})'] * 26) + "];"
    assert len(parse_execute(many)) == 26
    assert error_code(call(sim, "execute", code=many)) == 13


# ------------------------------------------------------------------ Bots Long Poll
def test_long_poll_delivers_comment_events(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    video = sim.add_video(OWNER)
    lp = VkBotLongPoll(sim.vk_session("group", rps_delay=0), G, wait=25)
    assert lp.server == f"{sim.api_url}/lp"
    assert lp.check() == []  # nothing yet: held for the capped wait, then an empty answer
    q = sim.add_comment(OWNER, post, 1001, "Вопрос")
    sim.edit_comment(OWNER, q, "Вопрос (исправлен)")
    sim.delete_comment(OWNER, q, deleter_id=1001)
    sim.restore_comment(OWNER, q)
    vq = sim.add_video_comment(OWNER, video, 1002, "Из чата эфира")
    sim.add_comment(5, sim.add_post(5), 1, "на личной странице событий нет")
    events = lp.check()
    assert [(e.type, e.object.id) for e in events] == [
        (VkBotEventType.WALL_REPLY_NEW, q), (VkBotEventType.WALL_REPLY_EDIT, q),
        (VkBotEventType.WALL_REPLY_DELETE, q), (VkBotEventType.WALL_REPLY_RESTORE, q),
        (VkBotEventType.VIDEO_COMMENT_NEW, vq)]
    assert events[1].object.text == "Вопрос (исправлен)" and events[0].object.post_owner_id == OWNER
    assert events[2].raw["object"] == {"owner_id": OWNER, "id": q, "deleter_id": 1001, "user_id": 1001,
                                       "post_id": post}
    assert events[4].object.video_id == video and events[4].group_id == G
    assert len({e.raw["event_id"] for e in events}) == 5
    assert ("video", OWNER, video, vq) in sim.served


def test_vk_may_skip_a_push_and_events_carry_no_names(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    sim.add_user(1001, "Анна", "Петрова")
    lp = VkBotLongPoll(sim.vk_session("group", rps_delay=0), G, wait=25)
    q = sim.add_comment(OWNER, post, 1001, "Вопрос")
    sim.skip_pushes(2)
    sim.edit_comment(OWNER, q, "Вопрос (исправлен)")  # not pushed
    sim.delete_comment(OWNER, q)  # not pushed
    sim.restore_comment(OWNER, q)
    events = lp.check()
    assert [e.type for e in events] == [VkBotEventType.WALL_REPLY_NEW, VkBotEventType.WALL_REPLY_RESTORE]
    assert sim.pushes_skipped == 2
    assert "first_name" not in str(events[0].raw) and events[0].object.from_id == 1001
    page = sim.vk_session("user", rps_delay=0).method("wall.getComments", {
        "owner_id": OWNER, "post_id": post, "need_likes": 1, "extended": 1})
    assert page["items"][0]["text"] == "Вопрос (исправлен)"  # the change itself happened


def test_long_poll_redelivers_and_forgets_its_history(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    lp = VkBotLongPoll(sim.vk_session("group", rps_delay=0), G, wait=25)
    q = sim.add_comment(OWNER, post, 1001, "Вопрос")
    sim.repeat_lp_next(1)
    first, again = lp.check(), lp.check()
    assert [e.object.id for e in first] == [q] and [e.raw for e in again] == [e.raw for e in first]
    sim.add_comment(OWNER, post, 1002, "Ещё вопрос")
    sim.wipe_lp_history(G)
    answer = requests.get(lp.server, params={"act": "a_check", "key": lp.key, "ts": lp.ts, "wait": 1}, timeout=5)
    assert answer.json()["failed"] == 1


def test_users_get_names_authors_and_likes_change_without_events(sim: VkSimulator) -> None:
    sim.add_user(1001, "Анна", "Петрова")
    users = sim.vk_session("group", rps_delay=0).method("users.get", {"user_ids": "1001,1002"})
    assert [(u["id"], u["first_name"], u["last_name"]) for u in users] == [
        (1001, "Анна", "Петрова"), (1002, "Пользователь", "1002")]
    post = sim.add_post(OWNER)
    q = sim.add_comment(OWNER, post, 1001, "Вопрос")
    before = len(sim.lp_events(G))
    sim.set_likes(OWNER, q, 5)
    assert len(sim.lp_events(G)) == before
    page = sim.vk_session("user", rps_delay=0).method("wall.getComments", {
        "owner_id": OWNER, "post_id": post, "need_likes": 1})
    assert page["items"][0]["likes"]["count"] == 5


def test_long_poll_holds_until_an_event_arrives(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    sim.lp_wait_cap = 30  # the answer must come from the event, not from the wait running out
    lp = VkBotLongPoll(sim.vk_session("group", rps_delay=0), G, wait=25)
    got: list[Any] = []
    poller = threading.Thread(target=lambda: got.extend(lp.check()))
    poller.start()
    comment = sim.add_comment(OWNER, post, 1, "живой вопрос")
    poller.join(timeout=20)
    assert not poller.is_alive()
    assert [e.object.id for e in got] == [comment]


def test_long_poll_failures(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    lp = VkBotLongPoll(sim.vk_session("group", rps_delay=0), G, wait=25)
    session = requests.Session()

    def raw_check() -> dict[str, Any]:
        return session.get(lp.server, params={"act": "a_check", "key": lp.key, "ts": lp.ts, "wait": 25},
                           timeout=10).json()

    lost = sim.add_comment(OWNER, post, 1, "потеряется")
    sim.lp_fail_next(1)
    assert raw_check() == {"failed": 1, "ts": str(int(lp.ts) + 1)}  # the event is skipped: reconcile!
    assert ("wall", OWNER, post, lost) not in sim.served
    old_key, old_ts = lp.key, lp.ts
    sim.lp_fail_next(2)
    assert lp.check() == [] and lp.key != old_key and lp.ts == old_ts  # vk_api keeps ts on failed:2
    sim.lp_fail_next(3)
    assert raw_check() == {"failed": 3}
    assert raw_check() == {"failed": 2}  # the old key is gone after failed:3
    assert session.get(lp.server, params={"act": "a_check", "key": "wrong", "ts": 1}, timeout=10).json() == {
        "failed": 2}
    sim.http_error_next("lp", 503)
    assert session.get(lp.server, params={"act": "a_check", "key": lp.key, "ts": lp.ts},
                       timeout=10).status_code == 503


def test_get_long_poll_server_checks_the_group(sim: VkSimulator) -> None:
    mine = call(sim, "groups.getLongPollServer", "group", group_id=G)["response"]
    assert set(mine) == {"key", "server", "ts"} and all(isinstance(v, str) for v in mine.values())
    assert error_code(call(sim, "groups.getLongPollServer", "group", group_id=G + 1)) == 15


# ------------------------------------------------------------------ records, control API
def test_served_created_and_counters(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    seen = sim.add_comment(OWNER, post, 1, "прочитан")
    unseen = sim.add_comment(OWNER, post, 1, "не прочитан")
    call(sim, "wall.getComments", owner_id=OWNER, post_id=post, count=1)
    assert sim.served == {("wall", OWNER, post, seen)}
    assert [c.key for c in sim.created] == [("wall", OWNER, post, seen), ("wall", OWNER, post, unseen)]
    assert sim.counters["wall.getComments"] == 1
    sim.reset_counters()
    assert sim.counters == {}


def test_reset_forgets_everything(sim: VkSimulator) -> None:
    post = sim.add_post(OWNER)
    sim.add_comment(OWNER, post, 1, "до сброса")
    sim.fail_next("wall.getComments", 10)
    sim.reset()
    assert sim.created == [] and sim.served == set()
    assert error_code(call(sim, "wall.getComments", owner_id=OWNER, post_id=post)) == 5  # tokens gone too
    sim.add_token("user", "user")
    assert sim.add_post(OWNER) == 1  # the id counter restarts
    answer = call(sim, "wall.getComments", owner_id=OWNER, post_id=1)
    assert answer["response"]["count"] == 0  # the queued fault went with the rest


def test_control_api_for_standalone_runs() -> None:
    with VkSimulator(control=True, rate_limits=False) as sim:
        base = f"{sim.api_url}/_sim"
        assert requests.post(f"{base}/token", json={"token": "t", "kind": "user"}, timeout=10).ok
        post = requests.post(f"{base}/post", json={"owner_id": OWNER}, timeout=10).json()["post_id"]
        made = requests.post(f"{base}/comment", json={"owner_id": OWNER, "post_id": post, "from_id": 3,
                                                      "text": "из бенчмарка"}, timeout=10).json()
        assert requests.post(f"{base}/fail", json={"method": "wall.getComments", "code": 10}, timeout=10).ok
        assert error_code(call(sim, "wall.getComments", "t", owner_id=OWNER, post_id=post)) == 10
        items = call(sim, "wall.getComments", "t", owner_id=OWNER, post_id=post)["response"]["items"]
        assert [c["id"] for c in items] == [made["comment_id"]]
        stats = requests.get(f"{base}/stats", timeout=10).json()
        assert stats["served"] == 1 and stats["created"] == 1 and stats["counters"]["error_10"] == 1
        assert requests.post(f"{base}/nothing", json={}, timeout=10).status_code == 404
        assert requests.post(f"{base}/comment", json={"owner_id": OWNER}, timeout=10).status_code == 400
