"""What VK shows of a comment against what was written of it: the difference as ordinary items."""

from __future__ import annotations

from liveline.ingest.inbox import SourceItem
from liveline.ingest.vk import compare
from liveline.ingest.vk.cursor import Seen, text_hash

T = compare.Target("wall", -42, 7, "s1", 42)


def comment(cid: int = 501, text: str = "Когда починят дорогу?", likes: int = 0, **kw: object) -> dict[str, object]:
    return {"id": cid, "from_id": 1001, "date": 1, "text": text, "post_id": 7, "owner_id": -42,
            "parents_stack": [], "likes": {"count": likes}, **kw}


def kinds(items: list[SourceItem]) -> list[str]:
    return [i.kind for i in items]


def test_an_unknown_comment_is_new_whatever_its_id_and_a_placeholder_is_nothing() -> None:
    items, seen = compare.observe(T, comment(likes=2), None, {1001: "Анна Петрова"})
    assert kinds(items) == ["new"] and items[0].author_name == "Анна Петрова"
    assert seen == Seen(2, False, text_hash("Когда починят дорогу?"), 0, True)
    assert compare.observe(T, comment(deleted=True, text=""), None, {}) == ([], None)


def test_each_difference_becomes_its_own_change() -> None:
    before = Seen(0, False, text_hash("Когда починят дорогу?"), 0, False)
    items, seen = compare.observe(T, comment(text="Когда починят дорогу на Лесной?", likes=3), before,
                                  {1001: "Анна Петрова"})
    assert kinds(items) == ["edit", "likes", "author"]
    assert seen is not None and seen.likes == 3 and seen.named
    assert compare.observe(T, comment(text="Когда починят дорогу на Лесной?", likes=3), seen,
                           {1001: "Анна Петрова"}) == ([], None)


def test_deleted_placeholders_and_restores() -> None:
    held = Seen(0, False, text_hash("Когда починят дорогу?"), 0, True)
    items, gone = compare.observe(T, comment(deleted=True, text=""), held, {})
    assert kinds(items) == ["delete"] and gone is not None and gone.deleted
    items, back = compare.observe(T, comment(), gone, {})
    assert kinds(items) == ["restore"] and back is not None and not back.deleted


def test_a_comment_missing_from_a_level_read_whole_is_deleted() -> None:
    seen = {1: Seen(root=0), 2: Seen(root=1), 3: Seen(root=9), 4: Seen(root=8), 5: Seen(deleted=True)}
    items, change = compare.vanished(T, seen, read={1}, roots_read={1, 9}, threads_whole={1})
    # 2: its thread was read whole; 4: its root is gone altogether; 3: its thread was not read whole
    assert sorted(i.key for i in items) == [T.key(2), T.key(4)] and set(change) == {2, 4}


def test_long_poll_events_against_what_was_written() -> None:
    restore = SourceItem(key=T.key(501), kind="restore", text="Когда починят дорогу?", author_id="1001",
                         raw=comment(), via="longpoll")
    items, seen = compare.on_event(T, restore, None)
    assert kinds(items) == ["new"] and seen is not None  # a restore of a comment never seen is the comment
    new = SourceItem(key=T.key(501), kind="new", text="Когда починят дорогу?", raw=comment(), via="longpoll")
    assert compare.on_event(T, new, seen) == ([], None)  # written already
    delete = SourceItem(key=T.key(502), kind="delete", via="longpoll")
    assert compare.on_event(T, delete, None) == ([], None)
