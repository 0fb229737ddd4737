"""VK's comments as inbox items: long-poll events in every shape, and API responses with names, likes and
placeholders."""

from __future__ import annotations

from liveline.ingest.vk import items as vk_items

GID = 42  # our community


def test_event_objects_in_every_shape() -> None:
    wall_new = {"type": "wall_reply_new", "group_id": GID, "object": {
        "id": 502, "from_id": 1002, "date": 1717000060, "text": "Присоединяюсь", "post_owner_id": -GID,
        "post_id": 77, "parents_stack": [501], "reply_to_user": 1001, "reply_to_comment": 501}}
    item = vk_items.from_event(wall_new, "s1")
    assert item is not None and item.key == f"vk:wall:-{GID}_77:502" and item.kind == "new"
    assert item.parent_key == f"vk:wall:-{GID}_77:501" and item.via == "longpoll"
    assert item.author_url == "https://vk.com/id1002" and item.raw is wall_new["object"]
    owner_only = {"type": "wall_reply_edit", "object": {"id": 9, "from_id": 5, "owner_id": -1, "post_id": 2,
                                                         "text": "x"}}
    assert vk_items.from_event(owner_only, "s1").key == "vk:wall:-1_2:9"  # type: ignore[union-attr]
    video = {"type": "video_comment_restore", "object": {"id": 3, "from_id": -7, "video_owner_id": -1,
                                                         "video_id": 4, "text": "y"}}
    restored = vk_items.from_event(video, "s1", group_id=1)
    assert restored is not None and restored.kind == "restore" and restored.key == "vk:video:-1_4:3"
    assert restored.author_url == "https://vk.com/club7"
    for deleter in ("deleter_id", "user_id"):
        gone = vk_items.from_event({"type": "wall_reply_delete",
                                    "object": {"owner_id": -1, "id": 9, deleter: 5, "post_id": 2}}, "s1")
        assert gone is not None and gone.kind == "delete" and gone.author_id == "5"
    ours = {"type": "wall_reply_new", "group_id": GID,
            "object": {"id": 10, "from_id": -GID, "owner_id": -GID, "post_id": 2, "text": "Ответ сообщества"}}
    assert vk_items.from_event(ours, "s1") is None
    assert vk_items.from_event({"type": "message_new", "object": {}}, "s1") is None


def test_response_items_names_likes_and_placeholders() -> None:
    response = {"items": [
        {"id": 501, "from_id": 1001, "date": 1, "text": "Вопрос", "likes": {"count": 4},
         "thread": {"count": 2, "items": [
             {"id": 502, "from_id": -GID, "date": 2, "text": "Ответ", "parents_stack": [501]},
             {"id": 503, "from_id": 1002, "date": 3, "text": "+1", "parents_stack": [501]}]}},
        {"id": 504, "from_id": 0, "date": 4, "text": "", "deleted": True,
         "thread": {"count": 0, "items": []}}],
        "profiles": [{"id": 1001, "first_name": "Иван", "last_name": "Петров"},
                     {"id": 1002, "first_name": "Ольга", "last_name": "Сидорова"}], "groups": []}
    items = vk_items.from_response(response, kind="wall", owner_id=-GID, item_id=77, source_id="s1",
                                   group_id=GID)
    assert [(i.key.rsplit(":", 1)[1], i.author_name, i.likes) for i in items] == [
        ("501", "Иван Петров", 4), ("503", "Ольга Сидорова", 0)]
    assert items[1].parent_key == f"vk:wall:-{GID}_77:501" and items[0].created_at == 1.0
