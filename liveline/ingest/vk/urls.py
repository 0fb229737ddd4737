"""VK links pasted by an operator -> the wall post or video whose comments a broadcast collects.

Accepted (https or http, ``www.``/``m.`` hosts, with or without the scheme):

* a post: ``vk.com/wall-12345_678``, ``vk.ru/wall704145204_12``, ``m.vk.com/wall-1_2``, a post opened over a
  page ``vk.com/club123?w=wall-123_45`` / ``vk.com/id7?w=wall7_12``, a link to a comment
  ``vk.com/wall-1_2?reply=5``;
* a video or live stream: ``vk.com/video-12345_456``, ``vk.com/video?z=video-1_2%2Fpl_cat``,
  ``vkvideo.ru/video-12345_456?list=...``, the embed player ``vk.com/video_ext.php?oid=-1&id=2``;
* a clip: ``vk.com/clip-1_2`` — clips are video objects in the API (``video.getComments``), so a video target;
* the bare object name an admin copies from VK: ``wall-12345_678``, ``video-1_2``.

Everything else raises :class:`VkUrlError` with a message for the operator (in Russian).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from liveline.ingest.vk import itemkeys

VK_HOSTS = frozenset({"vk.com", "www.vk.com", "m.vk.com", "new.vk.com", "vk.ru", "www.vk.ru", "m.vk.ru",
                      "vkvideo.ru", "www.vkvideo.ru", "m.vkvideo.ru"})
MAX_URL_LENGTH = 2000

_OBJECT = r"(wall|video|clip)(-?\d{1,19})_(\d{1,19})"
_BARE = re.compile(_OBJECT)
_IN_PATH = re.compile(r"/" + _OBJECT + r"(?:[/_?#].*)?/?")
_IN_PARAM = re.compile(_OBJECT + r"(?:\D.*)?")
_PAGE = re.compile(r"/(?:id\d+|club\d+|public\d+|event\d+|[a-z][a-z0-9_.]{1,31})/?", re.IGNORECASE)
_NOT_A_PAGE = re.compile(
    r"/(?:feed|im|video|videos|clips|music|audio|audios|friends|groups|photos|albums|market|search|settings|"
    r"docs|apps|bookmarks|login|join|services|support|dev|games|stickers|gifts|live|podcasts|"
    r"(?:photo|album|topic|market|note|doc|poll|board|product|audio|story|videos|clips|photos|albums|wall)"
    r"-?\d[\d_]*)/?", re.IGNORECASE)

MSG_EMPTY = "Вставьте ссылку на пост или видео ВКонтакте"
MSG_NOT_VK = "Это не ссылка ВКонтакте"
MSG_PAGE = "Ссылка на сообщество/профиль, а не на пост: откройте пост и скопируйте его адрес"
MSG_NOT_POST = "Это ссылка ВКонтакте, но не на пост или видео: откройте пост или видео и скопируйте его адрес"
MSG_LIVE_VKVIDEO = "live.vkvideo.ru — другая платформа, пока не поддерживается"
MSG_SHORT = "Короткие ссылки vk.cc не поддерживаются: откройте ссылку и скопируйте полный адрес из браузера"
MSG_TOO_LONG = "Слишком длинная ссылка"
MSG_BAD_ID = "В ссылке неверный номер поста или видео"


class VkUrlError(ValueError):
    """The text is not a link to a VK post or video; ``str(error)`` is a message for the operator."""


@dataclass(frozen=True)
class VkTarget:
    """A commentable VK object: a wall post or a video (live streams and clips are videos)."""

    kind: Literal["wall", "video"]
    owner_id: int
    item_id: int

    def source_key_prefix(self) -> str:
        """``vk:wall:-12345_678`` / ``vk:video:-12345_456``: the prefix of every comment key of this target."""
        return itemkeys.prefix(self.kind, self.owner_id, self.item_id)

    def url(self) -> str:
        """The canonical link, e.g. ``https://vk.com/wall-12345_678``."""
        return f"https://vk.com/{self.kind}{self.owner_id}_{self.item_id}"


def parse_vk_url(url: str) -> VkTarget:
    """The post or video a pasted VK link (or bare ``wall-1_2``) points at; VkUrlError otherwise."""
    text = (url or "").strip().strip("<>\"'«»").rstrip(".,;!)").strip()
    if not text:
        raise VkUrlError(MSG_EMPTY)
    if len(text) > MAX_URL_LENGTH:
        raise VkUrlError(MSG_TOO_LONG)
    bare = _BARE.fullmatch(text)
    if bare:
        return _target(*bare.groups())
    if "://" not in text:
        if not re.match(r"[\w.-]+\.[a-z]{2,}(?:[/?#:]|$)", text, re.IGNORECASE):
            raise VkUrlError(MSG_NOT_VK)
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        raise VkUrlError(MSG_NOT_VK) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise VkUrlError(MSG_NOT_VK)
    if host == "live.vkvideo.ru" or host.endswith(".live.vkvideo.ru"):
        raise VkUrlError(MSG_LIVE_VKVIDEO)
    if host == "vk.cc":
        raise VkUrlError(MSG_SHORT)
    if host not in VK_HOSTS:
        raise VkUrlError(MSG_NOT_VK)
    query = parse_qs(parts.query)
    for name in ("w", "z"):  # a post/video opened in a layer over another page
        for value in query.get(name, []):
            found = _IN_PARAM.fullmatch(unquote(value))
            if found:
                return _target(*found.groups())
    if query.get("w") or query.get("z"):  # a photo, an album... opened over the page
        raise VkUrlError(MSG_NOT_POST)
    path = unquote(parts.path) or "/"
    found = _IN_PATH.fullmatch(path)
    if found:
        return _target(*found.groups())
    if path.rstrip("/") == "/video_ext.php":
        return _embed(query)
    if _NOT_A_PAGE.fullmatch(path) or path == "/":
        raise VkUrlError(MSG_NOT_POST)
    if _PAGE.fullmatch(path):
        raise VkUrlError(MSG_PAGE)
    raise VkUrlError(MSG_NOT_POST)


def _target(kind: str, owner: str, item: str) -> VkTarget:
    owner_id, item_id = int(owner), int(item)
    if owner_id == 0 or item_id <= 0 or abs(owner_id) >= 2**63:
        raise VkUrlError(MSG_BAD_ID)
    return VkTarget("wall" if kind == "wall" else "video", owner_id, item_id)


def _embed(query: dict[str, list[str]]) -> VkTarget:
    """The embed player link ``video_ext.php?oid=-1&id=2&hash=...``."""
    oid, vid = query.get("oid", [""])[0], query.get("id", [""])[0]
    if not re.fullmatch(r"-?\d{1,19}", oid) or not re.fullmatch(r"\d{1,19}", vid):
        raise VkUrlError(MSG_NOT_POST)
    return _target("video", oid, vid)
