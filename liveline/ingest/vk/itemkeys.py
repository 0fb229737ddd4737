"""The keys of VK comments as inbox items, built here and read here, nowhere else.

``vk:wall:{owner_id}_{post_id}:{comment_id}`` is a comment under a wall post,
``vk:video:{owner_id}_{video_id}:{comment_id}`` one under a video (a live stream's chat is its video's
comments); ``owner_id`` is negative for a community: ``vk:wall:-12345_678:100001``. ``prefix`` is the part
every comment key of one post or video shares. Items of other sources have other keys (``demo:{n}``,
``manual:{id}``): ``vk_comment`` reads them as None, ``parse`` refuses them with ``ItemKeyError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal, cast

Kind = Literal["wall", "video"]
KINDS: tuple[Kind, ...] = ("wall", "video")

_KEY = re.compile(r"vk:(wall|video):(-?\d+)_(\d+):(\d+)", re.ASCII)


class ItemKeyError(ValueError):
    """A key that is not a VK comment's."""


def prefix(kind: str, owner_id: int, item_id: int) -> str:
    """``vk:wall:-12345_678``: the beginning of every comment key of one post or video."""
    if kind not in KINDS:
        raise ItemKeyError(f"a VK comment hangs on a wall post or a video, not on {kind!r}")
    return f"vk:{kind}:{int(owner_id)}_{int(item_id)}"


def comment_key(kind: str, owner_id: int, item_id: int, comment_id: int) -> str:
    """``vk:wall:-12345_678:100001``: the key of comment ``comment_id`` under a post or video."""
    return f"{prefix(kind, owner_id, item_id)}:{int(comment_id)}"


@dataclass(frozen=True)
class CommentKey:
    """A VK comment, as its item key names it; ``str()`` is the key."""

    kind: Kind
    owner_id: int
    item_id: int      # the post's or the video's id
    comment_id: int

    def __str__(self) -> str:
        return comment_key(self.kind, self.owner_id, self.item_id, self.comment_id)

    def sibling(self, comment_id: int) -> CommentKey:
        """Another comment under the same post or video (our reply to this one, say)."""
        return replace(self, comment_id=comment_id)


def parse(key: str) -> CommentKey:
    """The comment a VK comment key names; ``ItemKeyError`` for anything else."""
    m = _KEY.fullmatch(key) if isinstance(key, str) else None
    if m is None:
        raise ItemKeyError(f"not a VK comment key: {key!r} (expected vk:wall:OWNER_POST:COMMENT or "
                           "vk:video:OWNER_VIDEO:COMMENT)")
    return CommentKey(cast(Kind, m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)))


def vk_comment(key: str | None) -> CommentKey | None:
    """The comment a key names, or None when it is no VK comment's (a demo or manual question's)."""
    try:
        return parse(key or "")
    except ItemKeyError:
        return None
