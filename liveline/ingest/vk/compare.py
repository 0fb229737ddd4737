"""What VK shows of a comment against what ingestion last wrote of it (``cursor.Seen``): the difference as
ordinary inbox items. Pure functions, no I/O; the sweep and the long poll both use them, so every path
converges on the same state whichever of them saw a change first.

* ``observe``: a comment as a ``*.getComments`` page shows it now. Unknown -> "new" (whatever its id, so a
  comment restored after Liveline never saw it is a new item); a deleted placeholder -> "delete"; present
  after a deletion -> "restore"; other text -> "edit"; other likes -> "likes"; a name learnt -> "author".
* ``on_event``: a Bots Long Poll event, read the same way (events carry neither likes nor names).
* ``vanished``: comments a complete read no longer shows: VK drops a deleted comment without replies from
  its pages, so a full sweep that read a level whole and misses a comment it holds reads it as deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from liveline.ingest.inbox import SourceItem
from liveline.ingest.vk import itemkeys
from liveline.ingest.vk import items as vk_items
from liveline.ingest.vk.cursor import Seen, text_hash


@dataclass(frozen=True)
class Target:
    """The post or video a comment hangs on, and who reads it."""

    kind: str  # "wall" | "video"
    owner_id: int
    item_id: int
    source_id: str
    group_id: int | None = None

    def key(self, comment_id: int) -> str:
        return itemkeys.comment_key(self.kind, self.owner_id, self.item_id, comment_id)


def root_of(obj: dict[str, Any]) -> int:
    stack = obj.get("parents_stack") or []
    return int(stack[0]) if stack else 0


def _item(t: Target, obj: dict[str, Any], kind: str, via: str, names: dict[int, str]) -> SourceItem:
    item = vk_items.to_item(obj, kind=t.kind, owner_id=t.owner_id, item_id=t.item_id, source_id=t.source_id,
                            via=via, names=names, group_id=t.group_id, item_kind=kind)
    assert item is not None  # own comments and placeholders are filtered before
    return item


def _delete(t: Target, cid: int, via: str, raw: dict[str, Any] | None = None) -> SourceItem:
    return SourceItem(key=t.key(cid), kind="delete", source_id=t.source_id, via=via, raw=raw or {"id": cid})


def author_item(t: Target, cid: int, author_id: int, name: str, via: str) -> SourceItem:
    """A name learnt after the comment went out without it."""
    return SourceItem(key=t.key(cid), kind="author", source_id=t.source_id, author_id=str(author_id),
                      author_name=name, author_url=vk_items.author_url(author_id), via=via)


def observe(t: Target, obj: dict[str, Any], seen: Seen | None, names: dict[int, str],
            via: str = "poll") -> tuple[list[SourceItem], Seen | None]:
    """The items that bring the inbox in step with ``obj`` and the new ``Seen`` (None: nothing changed)."""
    if vk_items.is_own(obj, t.group_id):
        return [], None
    cid = int(obj["id"])
    from_id = int(obj.get("from_id") or 0)
    name = names.get(from_id, "")
    if seen is None:
        if obj.get("deleted"):
            return [], None
        item = _item(t, obj, "new", via, names)
        return [item], Seen(vk_items.likes_of(obj), False, text_hash(item.text), root_of(obj), bool(name))
    if obj.get("deleted"):
        if seen.deleted:
            return [], None
        return [_delete(t, cid, via, obj)], seen.but(deleted=True)
    out: list[SourceItem] = []
    text = text_hash(str(obj.get("text") or ""))
    new = seen.but(text=text)
    if seen.deleted:
        out.append(_item(t, obj, "restore", via, names))
        new = new.but(deleted=False)
    elif seen.text and seen.text != text:
        out.append(_item(t, obj, "edit", via, names))
    if "likes" in obj and vk_items.likes_of(obj) != seen.likes:
        out.append(_item(t, obj, "likes", via, names))
        new = new.but(likes=vk_items.likes_of(obj))
    if not seen.named and name and from_id:
        out.append(author_item(t, cid, from_id, name, via))
        new = new.but(named=True)
    return out, (new if new != seen else None)


def on_event(t: Target, item: SourceItem, seen: Seen | None) -> tuple[list[SourceItem], Seen | None]:
    """A long-poll item (new/edit/restore/delete, name filled in or not) against what was written."""
    if item.kind == "delete":
        if seen is None or seen.deleted:
            return [], None  # never seen: nothing to delete; a later restore arrives as a new item
        return [item], seen.but(deleted=True)
    if seen is None:
        item.kind = "new"  # an edit or restore of a comment never seen is the comment itself
        return [item], Seen(0, False, text_hash(item.text), root_of(item.raw), bool(item.author_name))
    if item.kind == "new":
        return [], None  # a sweep (or an earlier delivery) wrote it already
    names = {int(item.author_id): item.author_name} if item.author_id and item.author_name else {}
    obj = {k: v for k, v in item.raw.items() if k != "likes"}
    return observe(t, obj, seen, names, via=item.via)


def vanished(t: Target, seen: dict[int, Seen], read: set[int], roots_read: set[int],
             threads_whole: set[int], via: str = "poll") -> tuple[list[SourceItem], dict[int, Seen]]:
    """Deletions a complete read shows by absence: a comment held and not deleted, missing from a level that
    was read whole (the top level; a thread read to its end; a thread whose root is gone altogether)."""
    out: list[SourceItem] = []
    change: dict[int, Seen] = {}
    for cid, s in seen.items():
        if s.deleted or cid in read:
            continue
        if s.root == 0 or s.root in threads_whole or s.root not in roots_read:
            out.append(_delete(t, cid, via))
            change[cid] = s.but(deleted=True)
    return out, change


def unnamed(items: Iterable[SourceItem]) -> set[int]:
    """Authors of items that carry no name."""
    return {int(i.author_id) for i in items if i.author_id and not i.author_name
            and i.kind in ("new", "edit", "restore") and i.author_id.lstrip("-").isdigit()}
