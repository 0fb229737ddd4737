"""VK comment JSON -> ``SourceItem``: pure functions, no I/O.

Handles ``wall.getComments``/``video.getComments`` items (with ``thread.items``), Bots Long Poll event
objects (``post_owner_id`` or ``owner_id``; ``video_owner_id`` for video comments; delete events with
``deleter_id`` or ``user_id``). Comments written by the community itself (``from_id == -group_id``) are our
own replies, never questions; a deleted placeholder (``deleted: true``) is not a new question. Item keys are
``itemkeys.comment_key``'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from liveline.ingest.inbox import SourceItem
from liveline.ingest.vk import itemkeys

EVENT_KINDS = {"new": "new", "edit": "edit", "restore": "restore", "delete": "delete"}


def author_url(from_id: int) -> str:
    return f"https://vk.com/id{from_id}" if from_id > 0 else f"https://vk.com/club{-from_id}"


def author_names(response: dict[str, Any]) -> dict[int, str]:
    """from_id -> display name from an extended response's ``profiles`` and ``groups``."""
    names: dict[int, str] = {}
    for p in response.get("profiles") or []:
        names[int(p["id"])] = f"{p.get('first_name', '')} {p.get('last_name', '')}".strip()
    for g in response.get("groups") or []:
        names[-abs(int(g["id"]))] = str(g.get("name", ""))
    return names


def parent_id(obj: dict[str, Any]) -> int | None:
    """The comment this one replies to: ``reply_to_comment``, else the thread root from ``parents_stack``."""
    if obj.get("reply_to_comment"):
        return int(obj["reply_to_comment"])
    stack = obj.get("parents_stack") or []
    return int(stack[-1]) if stack else None


def likes_of(obj: dict[str, Any]) -> int:
    likes = obj.get("likes")
    if isinstance(likes, dict):
        return int(likes.get("count") or 0)
    return int(likes or 0)


def is_own(obj: dict[str, Any], group_id: int | None) -> bool:
    return bool(group_id) and int(obj.get("from_id") or 0) == -abs(int(group_id or 0))


def to_item(obj: dict[str, Any], *, kind: str, owner_id: int, item_id: int, source_id: str, via: str,
            names: dict[int, str] | None = None, group_id: int | None = None,
            item_kind: str = "new") -> SourceItem | None:
    """One comment object -> a ``SourceItem`` (None for our own comments and deleted placeholders)."""
    if is_own(obj, group_id):
        return None
    if item_kind != "delete" and obj.get("deleted"):
        return None
    from_id = int(obj.get("from_id") or 0)
    parent = parent_id(obj)
    return SourceItem(
        key=itemkeys.comment_key(kind, owner_id, item_id, int(obj["id"])),
        kind=item_kind,
        source_id=source_id,
        text=str(obj.get("text") or ""),
        author_id=str(from_id) if from_id else "",
        author_name=(names or {}).get(from_id, ""),
        author_url=author_url(from_id) if from_id else "",
        created_at=float(obj.get("date") or 0),
        parent_key=itemkeys.comment_key(kind, owner_id, item_id, parent) if parent else None,
        likes=likes_of(obj),
        via=via,
        raw=obj,
    )


def flatten(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Top-level comments followed, each, by the replies embedded in its ``thread.items``."""
    for obj in items:
        yield obj
        yield from (obj.get("thread") or {}).get("items") or []


def from_response(response: dict[str, Any], *, kind: str, owner_id: int, item_id: int, source_id: str,
                  group_id: int | None = None, via: str = "poll") -> list[SourceItem]:
    """Every comment of one ``*.getComments`` page (threads included) as "new" items."""
    names = author_names(response)
    out = []
    for obj in flatten(response.get("items") or []):
        item = to_item(obj, kind=kind, owner_id=owner_id, item_id=item_id, source_id=source_id, via=via,
                       names=names, group_id=group_id)
        if item is not None:
            out.append(item)
    return out


def event_target(event: dict[str, Any]) -> tuple[str, int, int, int, str] | None:
    """(kind, owner_id, item_id, comment_id, action) of a long-poll/callback comment event, else None."""
    etype = str(event.get("type") or "")
    obj = event.get("object") or {}
    if etype.startswith("wall_reply_"):
        kind, action = "wall", etype[len("wall_reply_"):]
        owner = obj.get("post_owner_id", obj.get("owner_id"))
        item = obj.get("post_id")
    elif etype.startswith("video_comment_"):
        kind, action = "video", etype[len("video_comment_"):]
        owner = obj.get("video_owner_id", obj.get("owner_id"))
        item = obj.get("video_id")
    else:
        return None
    if action not in EVENT_KINDS or owner is None or item is None or obj.get("id") is None:
        return None
    return kind, int(owner), int(item), int(obj["id"]), action


def from_event(event: dict[str, Any], source_id: str, group_id: int | None = None) -> SourceItem | None:
    """A long-poll event -> item (kind new/edit/restore/delete), or None for other events and our own."""
    target = event_target(event)
    if target is None:
        return None
    kind, owner, item_id, cid, action = target
    obj = event["object"]
    if action == "delete":
        deleter = obj.get("deleter_id", obj.get("user_id"))
        return SourceItem(key=itemkeys.comment_key(kind, owner, item_id, cid), kind="delete",
                          source_id=source_id, author_id=str(deleter) if deleter is not None else "",
                          via="longpoll", raw=obj)
    return to_item(obj, kind=kind, owner_id=owner, item_id=item_id, source_id=source_id, via="longpoll",
                   group_id=group_id if group_id else event.get("group_id"), item_kind=EVENT_KINDS[action])
