"""The simulator's payloads fit VK's official schema, and the schema translation catches broken payloads."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.vk_schema import (
    SchemaError,
    translate,
    validate_definition,
    validate_event,
    validate_lp_answer,
    validate_response,
)
from tests.vk_sim import VkSimulator

G = 777
OWNER = -G


@pytest.fixture(scope="module")
def sim() -> Iterator[VkSimulator]:
    with VkSimulator(rate_limits=False, lp_wait_cap=0.2) as s:
        s.add_token("user", "user", user_id=5)
        s.add_token("group", "group", group_id=G)
        s.add_user(1001, "Мария", "Иванова")
        s.add_group(G, "Администрация города")
        yield s


@pytest.fixture(scope="module")
def thread(sim: VkSimulator) -> dict[str, int]:
    """A post with a question, a reply to it, a reply to the reply, a deleted root with a reply; a live video."""
    post = sim.add_post(OWNER, "Прямая линия")
    question = sim.add_comment(OWNER, post, 1001, "Когда починят лифт?", likes=3)
    reply = sim.add_comment(OWNER, post, OWNER, "Уточняем", reply_to=question)
    sim.add_comment(OWNER, post, 1002, "Спасибо", reply_to=reply)
    gone = sim.add_comment(OWNER, post, 1003, "удалён")
    sim.add_comment(OWNER, post, 1004, "ответ на удалённый", reply_to=gone)
    sim.delete_comment(OWNER, gone)
    video = sim.add_video(OWNER, "Эфир", live=True)
    sim.add_video_comment(OWNER, video, 1001, "Вопрос из чата")
    return {"post": post, "question": question, "reply": reply, "video": video}


def call(sim: VkSimulator, method: str, token: str = "user", **params: Any) -> dict[str, Any]:
    data = {"v": "5.199", "access_token": token, **{k: str(v) for k, v in params.items()}}
    return requests.post(f"{sim.api_url}/method/{method}", data=data, timeout=10).json()


# ------------------------------------------------------------------ the translation itself
def test_translate_moves_required_flags_into_arrays() -> None:
    vk = {"type": "object", "properties": {"id": {"type": "integer", "required": True},
                                           "text": {"type": "string", "required": False},
                                           "likes": {"$ref": "x.json#/definitions/l", "required": True}}}
    out = translate(vk)
    assert out["required"] == ["id", "likes"]
    assert out["properties"]["id"] == {"type": "integer"}
    assert out["properties"]["text"] == {"type": "string"}
    assert out["properties"]["likes"] == {"$ref": "x.json#/definitions/l"}


def test_translate_keeps_ref_siblings_under_all_of() -> None:
    out = translate({"type": "object", "$ref": "a.json#/definitions/b", "$schema": "../schema.json"})
    assert out == {"type": "object", "allOf": [{"$ref": "a.json#/definitions/b"}]}


def test_base_error_does_not_require_the_generator_type_tag() -> None:
    validate_definition("base/objects.json#/definitions/base_error",
                        {"error_code": 6, "error_msg": "Too many requests per second", "request_params": []})
    with pytest.raises(SchemaError, match="error_code"):
        validate_definition("base/objects.json#/definitions/base_error", {"error_msg": "no code"})


# ------------------------------------------------------------------ the simulator's answers
@pytest.mark.parametrize("extended", [0, 1])
def test_wall_get_comments(sim: VkSimulator, thread: dict[str, int], extended: int) -> None:
    payload = call(sim, "wall.getComments", owner_id=OWNER, post_id=thread["post"], extended=extended,
                   need_likes=1, thread_items_count=10, preview_length=0)
    assert len(payload["response"]["items"]) == 2 and payload["response"]["items"][1]["deleted"] is True
    validate_response("wall.getComments", payload)
    if extended:
        validate_response("wall.getComments", payload, extended=True)
        assert payload["response"]["groups"][0]["name"] == "Администрация города"


def test_wall_get_comments_branch_and_cursor(sim: VkSimulator, thread: dict[str, int]) -> None:
    branch = call(sim, "wall.getComments", owner_id=OWNER, post_id=thread["post"], comment_id=thread["question"],
                  start_comment_id=thread["reply"], count=100)
    assert [c["reply_to_comment"] for c in branch["response"]["items"]] == [thread["question"], thread["reply"]]
    validate_response("wall.getComments", branch)


def test_wall_get_comment(sim: VkSimulator, thread: dict[str, int]) -> None:
    validate_response("wall.getComment", call(sim, "wall.getComment", owner_id=OWNER,
                                              comment_id=thread["question"], extended=1))


@pytest.mark.parametrize("extended", [0, 1])
def test_video_get_comments(sim: VkSimulator, thread: dict[str, int], extended: int) -> None:
    payload = call(sim, "video.getComments", owner_id=OWNER, video_id=thread["video"], extended=extended,
                   need_likes=1, start_comment_id=1)
    assert payload["response"]["items"][0]["text"] == "Вопрос из чата"
    validate_response("video.getComments", payload, extended=bool(extended))


def test_create_comments(sim: VkSimulator, thread: dict[str, int]) -> None:
    wall = call(sim, "wall.createComment", "group", owner_id=OWNER, post_id=thread["post"], from_group=G,
                message="Обращение №5 зарегистрировано", reply_to_comment=thread["question"], guid="appeal-5")
    validate_response("wall.createComment", wall)
    video = call(sim, "video.createComment", owner_id=OWNER, video_id=thread["video"], message="Спасибо",
                 from_group=1)
    assert isinstance(video["response"], int)
    validate_response("video.createComment", video)


def test_video_get_and_groups(sim: VkSimulator, thread: dict[str, int]) -> None:
    validate_response("video.get", call(sim, "video.get", owner_id=OWNER, extended=1))
    validate_response("video.get", call(sim, "video.get", videos=f"{OWNER}_{thread['video']}"))
    server = call(sim, "groups.getLongPollServer", "group", group_id=G)
    validate_response("groups.getLongPollServer", server)
    validate_response("groups.getById", call(sim, "groups.getById", "group", group_id=G))


@pytest.mark.parametrize("code", [5, 6, 9, 10, 14, 27, 29, 212, 801])
def test_error_envelope(sim: VkSimulator, thread: dict[str, int], code: int) -> None:
    sim.fail_next("wall.getComments", code)
    payload = call(sim, "wall.getComments", owner_id=OWNER, post_id=thread["post"])
    assert payload["error"]["error_code"] == code
    validate_response("wall.getComments", payload)


def test_execute_results_validate_per_inner_method(sim: VkSimulator, thread: dict[str, int]) -> None:
    from tests.vk_schema import validate_execute
    from tests.vk_sim import parse_execute

    code = (f'return [API.wall.getComments({{"owner_id":{OWNER},"post_id":{thread["post"]},"extended":1}}),'
            f'API.wall.getComments({{"owner_id":{OWNER},"post_id":99999}})];')
    payload = call(sim, "execute", code=code)
    assert payload["response"][1] is False and payload["execute_errors"][0]["error_code"] == 100
    validate_execute(payload, parse_execute(code))
    broken = copy.deepcopy(payload)
    del broken["response"][0]["items"][0]["from_id"]
    with pytest.raises(SchemaError, match="from_id"):
        validate_execute(broken, parse_execute(code))
    with pytest.raises(SchemaError, match="execute_errors"):
        validate_execute({"response": [False]}, None)


def test_long_poll_events_fit_the_callback_definitions(sim: VkSimulator, thread: dict[str, int]) -> None:
    server = call(sim, "groups.getLongPollServer", "group", group_id=G)["response"]
    comment = sim.add_comment(OWNER, thread["post"], 1001, "Новый вопрос")
    sim.edit_comment(OWNER, comment, "Новый вопрос?")
    sim.delete_comment(OWNER, comment)
    sim.restore_comment(OWNER, comment)
    chat = sim.add_video_comment(OWNER, thread["video"], 1002, "Из эфира")
    sim.edit_comment(OWNER, chat, "Из эфира!", kind="video")
    sim.delete_comment(OWNER, chat, kind="video")
    sim.restore_comment(OWNER, chat, kind="video")
    answer = requests.get(server["server"], params={"act": "a_check", "key": server["key"], "ts": server["ts"],
                                                    "wait": 1}, timeout=10).json()
    assert [e["type"] for e in answer["updates"]] == [
        f"{prefix}_{action}" for prefix in ("wall_reply", "video_comment")
        for action in ("new", "edit", "delete", "restore")]
    validate_lp_answer(answer)
    for failed in ({"failed": 1, "ts": "30"}, {"failed": 2}, {"failed": 3}):
        validate_lp_answer(failed)


# ------------------------------------------------------------------ broken payloads must fail
COMMENT = {"id": 501, "from_id": 1001, "date": 1717000000, "text": "Вопрос", "post_id": 77, "owner_id": -12345,
           "parents_stack": []}


def _getcomments(item: dict[str, Any]) -> dict[str, Any]:
    return {"response": {"count": 1, "items": [item], "current_level_count": 1}}


def test_notes_example_payloads_validate() -> None:
    validate_response("wall.getComments", _getcomments(COMMENT))
    validate_event({"type": "wall_reply_new", "event_id": "46e87d9c", "v": "5.199", "group_id": 12345,
                    "object": {**COMMENT, "post_owner_id": -12345, "parents_stack": [500],
                               "reply_to_user": 1000, "reply_to_comment": 500}})
    validate_event({"type": "wall_reply_delete", "event_id": "e", "v": "5.199", "group_id": 12345,
                    "object": {"owner_id": -12345, "id": 502, "user_id": 1002, "deleter_id": 1002, "post_id": 77}})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c.pop("from_id"), "from_id"),
        (lambda c: c.update(id="501"), "id"),
        (lambda c: c.update(date=-5), "date"),
        (lambda c: c.update(parents_stack=["a"]), "parents_stack"),
        (lambda c: c.update(thread={"items": []}), "count"),
        (lambda c: c.update(likes={"count": 1}), "can_like"),
    ],
)
def test_broken_comment_fails(change: Any, field: str) -> None:
    item = copy.deepcopy(COMMENT)
    change(item)
    with pytest.raises(SchemaError, match=field):
        validate_response("wall.getComments", _getcomments(item))


def test_broken_envelopes_fail() -> None:
    with pytest.raises(SchemaError, match="count"):
        validate_response("wall.getComments", {"response": {"items": []}})
    with pytest.raises(SchemaError, match="response"):
        validate_response("wall.getComments", {"count": 0, "items": []})
    with pytest.raises(SchemaError, match="error_code"):
        validate_response("wall.getComments", {"error": {"error_msg": "x", "request_params": []}})
    with pytest.raises(SchemaError, match="unexpected"):
        validate_response("wall.getComments", {"error": {"error_code": 6}, "response": {}})
    with pytest.raises(SchemaError, match="key"):
        validate_response("groups.getLongPollServer", {"response": {"server": "https://x", "ts": "1"}})
    with pytest.raises(SchemaError, match="ts"):
        validate_response("groups.getLongPollServer", {"response": {"key": "k", "server": "https://x", "ts": 1}})
    with pytest.raises(SchemaError, match="not in VK's schema"):
        validate_response("wall.noSuchMethod", {"response": 1})


def test_broken_events_fail() -> None:
    good = {"type": "wall_reply_new", "event_id": "e", "v": "5.199", "group_id": 1, "object": dict(COMMENT)}
    validate_event(good)
    with pytest.raises(SchemaError, match="group_id"):
        validate_event({k: v for k, v in good.items() if k != "group_id"})
    with pytest.raises(SchemaError, match="from_id"):
        validate_event({**good, "object": {k: v for k, v in COMMENT.items() if k != "from_id"}})
    with pytest.raises(SchemaError, match="user_id"):
        validate_event({**good, "type": "wall_reply_delete",
                        "object": {"owner_id": -1, "id": 2, "deleter_id": 3, "post_id": 4}})
    with pytest.raises(SchemaError, match="type"):
        validate_event({**good, "type": "wall_reply_exploded"})
    with pytest.raises(SchemaError, match="long poll answer"):
        validate_lp_answer({"ts": 5, "updates": []})
