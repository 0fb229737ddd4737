"""A loopback VK API simulator: the methods Liveline uses, VK's JSON, VK's errors, a Bots Long Poll server.

Built from tests/vk/NOTES.md and the official schema (API 5.199, tests/vk/schema). Every payload it answers
validates against that schema (see tests/vk_schema.py and tests/test_vk_schema.py).

    with VkSimulator() as sim:
        sim.add_token("u1", "user")
        post = sim.add_post(-42, "Прямая линия")
        sim.add_comment(-42, post, 1001, "Когда починят дорогу?")
        sim.api_url   # "http://127.0.0.1:PORT"; POST {api_url}/method/wall.getComments

Behaviour where VK's docs are silent (documented choices, see NOTES §10):
* ids: posts and wall comments share one increasing counter per owner (as VK does); videos have their own
  per-owner counter, video comments another one.
* ``thread.items`` holds the *first* ``thread_items_count`` replies of a branch, oldest first.
* ``start_comment_id``: the position of the comment with the greatest id <= start_comment_id in the list as
  sorted; with none such, position 0 for ``asc`` and the end of the list for ``desc``; ``offset`` is added
  (may be negative) and the result is returned as ``real_offset``.
* A deleted leaf comment disappears; a deleted top-level comment with live replies stays as a placeholder
  ``{"deleted": true, "text": ""}``. ``count`` counts the live comments of the post (or of the branch).
* ``wall.getComment`` on a deleted/unknown comment answers 211; an unknown post 100; an unknown video 15.
* Long poll: ``ts`` is the number of the next event; ``a_check`` returns events numbered >= ts. Events carry
  ``from_id`` and no names (as VK's); ``skip_pushes``/``lose_pushes`` make VK not push some changes at all
  (delivery is not promised), which only a sweep then shows. Likes change without any event.
* ``users.get`` answers every id (unknown ones as «Пользователь <id>»).

Standalone: ``python -m tests.vk_sim --port 8765 --token user:TOKEN --token group:42:GTOKEN`` adds a small
JSON control API under ``/_sim/`` (see ``control_routes``).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import hashlib
import itertools
import json
import random
import secrets
import socket
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Self

import requests
import uvicorn
import vk_api
from jconfig.memory import MemoryConfig
from requests.adapters import HTTPAdapter
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

API_VERSION = "5.199"
VK_API_BASE = "https://api.vk.ru"  # vk_api 11.10.1 hard-codes https://api.vk.ru/method/<name>
Kind = Literal["wall", "video"]
TokenKind = Literal["user", "group", "service"]
CommentKey = tuple[str, int, int, int]  # (kind, owner_id, post_or_video_id, comment_id)

ERROR_MESSAGES: dict[int, str] = {
    1: "Unknown error occurred",
    3: "Unknown method passed",
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    7: "Permission to perform this action is denied",
    8: "Invalid request: v (version) is required",
    9: "Flood control",
    10: "Internal server error",
    12: "Unable to compile code",
    13: "Runtime error occurred during code invocation",
    14: "Captcha needed",
    15: "Access denied",
    17: "Validation required",
    18: "User was deleted or banned",
    27: "Group authorization failed: method is unavailable with group auth.",
    28: "Application authorization failed: method is unavailable with service token.",
    29: "Rate limit reached",
    30: "This profile is private",
    32: "Need wait",
    36: "Method execution was interrupted due to timeout",
    100: "One of the parameters specified was missing or invalid",
    104: "Not found",
    113: "Invalid user id",
    200: "Access denied",
    203: "Access to group denied",
    204: "Access denied",
    210: "Access to wall's post denied",
    211: "Access to wall's comment denied",
    212: "Access to post comments denied",
    213: "Access to status replies denied",
    222: "Hyperlinks are forbidden",
    223: "Too many replies",
    243: "Comment has not been deleted",
    801: "Comments for this video are closed",
    3610: "User is deactivated",
}

# NOTES §1: which token types may call which method.
METHOD_TOKENS: dict[str, frozenset[str]] = {
    "wall.getComments": frozenset({"user", "service"}),
    "wall.getComment": frozenset({"user"}),
    "wall.createComment": frozenset({"user", "group"}),
    "video.get": frozenset({"user"}),
    "video.getComments": frozenset({"user"}),
    "video.createComment": frozenset({"user"}),
    "groups.getLongPollServer": frozenset({"user", "group"}),
    "groups.getById": frozenset({"user", "group", "service"}),
    "users.get": frozenset({"user", "group", "service"}),
    "execute": frozenset({"user", "group"}),
}

# The VKScript shapes vk_api 11.10.1 sends (requests_pool.py: vk_one_method, vk_one_param, vk_many_methods).
ONE_METHOD_HEAD = "var values = "
ONE_METHOD_TAIL = (",i = 0,result = [];while(i < values.length) {result.push(API.%s(values[i]));"
                   "i = i + 1;}return result;")
ONE_PARAM_HEAD = "var def_values = "
ONE_PARAM_MID = ",values = "
ONE_PARAM_TAIL = (",result = [],i = 0;while(i < values.length) {def_values.%s = values[i];"
                  "result.push(API.%s(def_values));i = i + 1;}return result;")
MANY_HEAD = "return ["
EXECUTE_MAX_CALLS = 25


class RedirectAdapter(HTTPAdapter):
    """Rewrites https://api.vk.ru to ``base`` (the simulator) before sending."""

    def __init__(self, base: str, **kwargs: Any) -> None:
        self.base = base
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        request.url = (request.url or "").replace(VK_API_BASE, self.base, 1)
        return super().send(request, *args, **kwargs)


class VkError(Exception):
    """An API error answered in VK's envelope (NOTES §5.2)."""

    def __init__(self, code: int, msg: str | None = None, **extra: Any) -> None:
        self.code = code
        self.msg = msg or ERROR_MESSAGES.get(code, "Unknown error occurred")
        self.extra = extra
        super().__init__(f"[{code}] {self.msg}")

    def envelope(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        request_params = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
        request_params += [{"key": k, "value": str(v)} for k, v in params.items() if k != "access_token"]
        error: dict[str, Any] = {"error_code": self.code, "error_msg": self.msg, "request_params": request_params}
        error.update(self.extra)
        return {"error": error}


@dataclass
class SimToken:
    token: str
    kind: TokenKind
    group_id: int | None = None
    user_id: int = 1
    revoked: bool = False


@dataclass
class SimComment:
    kind: Kind
    owner_id: int
    item_id: int
    id: int
    from_id: int
    text: str
    date: int
    reply_to: int | None = None
    root_id: int | None = None
    reply_to_user: int | None = None
    likes: int = 0
    deleted: bool = False
    guid: str | None = None

    @property
    def key(self) -> CommentKey:
        return (self.kind, self.owner_id, self.item_id, self.id)


@dataclass
class SimItem:
    """A wall post or a video."""

    kind: Kind
    owner_id: int
    id: int
    text: str
    date: int
    live: bool = False
    comments_closed: bool = False
    comment_ids: list[int] = field(default_factory=list)
    replies: dict[int, list[int]] = field(default_factory=dict)  # thread root id -> its replies' ids
    top_ids: list[int] = field(default_factory=list)  # top-level comment ids, ascending
    not_deleted: int = 0  # comments not deleted
    deleted_top: bool = False  # some top-level comment was ever deleted (then pages are computed the slow way)


def _int(params: dict[str, str], name: str, default: int | None = None, *, lo: int | None = None,
         hi: int | None = None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        if default is None:
            raise VkError(100, f"One of the parameters specified was missing or invalid: {name} is undefined")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise VkError(100, f"One of the parameters specified was missing or invalid: {name} not integer") from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise VkError(100, f"One of the parameters specified was missing or invalid: {name} out of range")
    return value


def _bool(params: dict[str, str], name: str) -> bool:
    return params.get(name, "0").strip().lower() in {"1", "true", "yes"}


def _param_str(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(_param_str(v) for v in value)
    return str(value)



def _vk_json(payload: Any) -> Response:
    """JSON as VK sends it: ASCII escapes, so text that is not valid UTF-8 (lone surrogates) still travels."""
    return Response(json.dumps(payload, ensure_ascii=True), media_type="application/json")

class VkSimulator:
    """A VK API + Bots Long Poll server on 127.0.0.1 in a background thread; thread-safe content API."""

    def __init__(self, *, port: int = 0, lp_wait_cap: float = 1.0, lp_history: int = 100_000,
                 rate_limits: bool = True, control: bool = False, validate: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.port = port
        self.clock = clock  # the rate limiter's clock; tests pass a fake one
        self.lp_wait_cap = lp_wait_cap
        self.validate = validate
        self.schema_violations: list[str] = []
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._lp_history = lp_history
        self._reset_state(rate_limits)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = Starlette(routes=self._routes(control))

    def _reset_state(self, rate_limits: bool) -> None:
        self._epoch = threading.Event()  # set by reset()/stop(): requests in flight give up
        self._tokens: dict[str, SimToken] = {}
        self._limits: dict[str, float | None] = {"user": 3, "group": 20, "service": 3}
        if not rate_limits:
            self._limits = {"user": None, "group": None, "service": None}
        self._calls: dict[str, deque[float]] = defaultdict(deque)
        self._next_id: dict[tuple[str, int], int] = defaultdict(lambda: 1)
        self._items: dict[tuple[str, int, int], SimItem] = {}
        self._comments: dict[tuple[str, int, int], SimComment] = {}  # (kind, owner, comment_id)
        self._guids: dict[tuple[str, int, int, str], int] = {}
        self._users: dict[int, tuple[str, str]] = {}
        self._groups: dict[int, str] = {}
        self._served: set[CommentKey] = set()
        self._counters: Counter[str] = Counter()
        self._faults: dict[str, deque[VkError]] = defaultdict(deque)
        self._http_faults: dict[str, deque[int]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)
        self._lp_faults: deque[int] = deque()
        self._push_skips = 0  # the next pushes VK does not make (the change itself happens)
        self._lp_repeats = 0  # the next long-poll answers that keep ``ts``: their events come again
        self._push_loss = 0.0  # the share of pushes VK does not make, drawn from ``_push_random``
        self._push_random = random.Random(0)
        self.pushes_skipped = 0
        self._lp_keys: dict[int, str] = {}
        self._lp_next: dict[int, int] = defaultdict(lambda: 1)
        self._lp_log: dict[int, deque[tuple[int, dict[str, Any]]]] = defaultdict(
            lambda: deque(maxlen=self._lp_history))

    def reset(self, *, rate_limits: bool = True) -> None:
        """Forget content, tokens, faults, records and long-poll state; requests in flight are abandoned."""
        with self._changed:
            self._epoch.set()
            self._changed.notify_all()
            self._reset_state(rate_limits)
            self.schema_violations.clear()

    # ----------------------------------------------------------------- lifecycle
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off", timeout_graceful_shutdown=2, access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"vk-sim:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("VK simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        with self._changed:
            self._epoch.set()
            self._changed.notify_all()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- content API
    def add_token(self, token: str, kind: TokenKind, group_id: int | None = None, *, user_id: int = 1) -> None:
        if kind == "group" and not group_id:
            raise ValueError("a group token needs group_id")
        with self._lock:
            self._tokens[token] = SimToken(token, kind, group_id, user_id)

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self._tokens[token].revoked = True

    def add_user(self, id: int, first_name: str, last_name: str) -> None:
        with self._lock:
            self._users[id] = (first_name, last_name)

    def add_group(self, id: int, name: str) -> None:
        with self._lock:
            self._groups[abs(id)] = name

    def add_post(self, owner_id: int, text: str = "", *, date: int | None = None) -> int:
        with self._lock:
            post_id = self._take_id("wall", owner_id)
            self._items[("wall", owner_id, post_id)] = SimItem("wall", owner_id, post_id, text, date or _now())
            return post_id

    def add_video(self, owner_id: int, title: str = "", live: bool = True, *, date: int | None = None) -> int:
        with self._lock:
            video_id = self._take_id("video", owner_id)
            self._items[("video", owner_id, video_id)] = SimItem("video", owner_id, video_id, title,
                                                                  date or _now(), live=live)
            return video_id

    def add_comment(self, owner_id: int, post_id: int, from_id: int, text: str, reply_to: int | None = None,
                    likes: int = 0, *, date: int | None = None) -> int:
        with self._lock:
            return self._new_comment("wall", owner_id, post_id, from_id, text, reply_to, likes, date).id

    def add_video_comment(self, owner_id: int, video_id: int, from_id: int, text: str,
                          reply_to: int | None = None, likes: int = 0, *, date: int | None = None) -> int:
        with self._lock:
            return self._new_comment("video", owner_id, video_id, from_id, text, reply_to, likes, date).id

    def edit_comment(self, owner_id: int, comment_id: int, text: str, *, kind: Kind = "wall") -> None:
        with self._lock:
            c = self._comments[(kind, owner_id, comment_id)]
            c.text = text
            self._emit(c, "edit")

    def delete_comment(self, owner_id: int, comment_id: int, *, kind: Kind = "wall",
                       deleter_id: int | None = None) -> None:
        with self._lock:
            c = self._comments[(kind, owner_id, comment_id)]
            item = self._items[(kind, owner_id, c.item_id)]
            item.not_deleted -= not c.deleted
            item.deleted_top = item.deleted_top or c.root_id is None
            c.deleted = True
            self._emit(c, "delete", deleter_id=deleter_id)

    def restore_comment(self, owner_id: int, comment_id: int, *, kind: Kind = "wall") -> None:
        with self._lock:
            c = self._comments[(kind, owner_id, comment_id)]
            self._items[(kind, owner_id, c.item_id)].not_deleted += c.deleted
            c.deleted = False
            self._emit(c, "restore")

    def set_likes(self, owner_id: int, comment_id: int, likes: int, *, kind: Kind = "wall") -> None:
        """People like a comment (VK pushes no comment event for a like: only a sweep sees it)."""
        with self._lock:
            self._comments[(kind, owner_id, comment_id)].likes = likes

    def skip_pushes(self, times: int = 1) -> None:
        """VK does not push the next ``times`` comment events (NOTES §3.3: delivery is not promised); the
        changes themselves happen and every ``*.getComments`` shows them."""
        with self._lock:
            self._push_skips += times

    def lose_pushes(self, share: float, seed: int = 0) -> None:
        """From now on VK skips about ``share`` of the comment events (a seeded draw)."""
        with self._lock:
            self._push_loss, self._push_random = share, random.Random(seed)

    def repeat_lp_next(self, times: int = 1) -> None:
        """The next long-poll answers with events keep the ``ts`` asked for: the same events are delivered
        again (VK's at-least-once delivery)."""
        with self._lock:
            self._lp_repeats += times

    def wipe_lp_history(self, group_id: int) -> None:
        """VK forgets the community's event history (an outage): a check with an older ``ts`` answers
        ``failed: 1``."""
        with self._lock:
            self._lp_log[group_id].clear()

    def close_comments(self, owner_id: int, item_id: int, *, kind: Kind = "wall", closed: bool = True) -> None:
        with self._lock:
            self._items[(kind, owner_id, item_id)].comments_closed = closed

    def set_live(self, owner_id: int, video_id: int, live: bool) -> None:
        with self._lock:
            self._items[("video", owner_id, video_id)].live = live

    def comment(self, owner_id: int, comment_id: int, *, kind: Kind = "wall") -> SimComment:
        with self._lock:
            return replace(self._comments[(kind, owner_id, comment_id)])

    @property
    def served(self) -> set[CommentKey]:
        """Every comment handed out by getComments/getComment or a long-poll event."""
        with self._lock:
            return set(self._served)

    @property
    def created(self) -> list[SimComment]:
        """Copies of every comment the simulator holds (deleted ones too), oldest first."""
        with self._lock:
            return [replace(c) for c in sorted(self._comments.values(), key=lambda c: (c.date, c.id))]

    @property
    def counters(self) -> Counter[str]:
        """Calls per method (``lp`` for long-poll checks, inner execute calls too) and ``error_<code>``."""
        with self._lock:
            return Counter(self._counters)

    def reset_counters(self) -> None:
        with self._lock:
            self._counters.clear()

    def lp_events(self, group_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(json.dumps(e)) for _, e in self._lp_log[group_id]]

    # ----------------------------------------------------------------- faults and limits
    def fail_next(self, method: str, code: int, times: int = 1, *, message: str | None = None) -> None:
        """The next ``times`` calls of ``method`` answer VK error ``code`` (14 in the new captcha style)."""
        extra: dict[str, Any] = {}
        if code == 14:
            extra = {"redirect_uri": "https://id.vk.com/not_robot_captcha?domain=vk.com&session_token="
                     + secrets.token_urlsafe(16) + "&variant=popup&blank=1",
                     "remixstlid": secrets.randbits(62)}
        with self._lock:
            self._faults[method].extend(VkError(code, message, **extra) for _ in range(times))

    def http_error_next(self, method: str, status: int = 500, times: int = 1) -> None:
        """The next calls of ``method`` (``"lp"`` for the long-poll server) answer a bare HTTP ``status``."""
        with self._lock:
            self._http_faults[method].extend([status] * times)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        with self._lock:
            self._delays[method].extend([seconds] * times)

    def lp_fail_next(self, code: int, times: int = 1) -> None:
        """The next long-poll checks answer ``{"failed": code}`` (1 skips to the newest ts: events lost)."""
        if code not in (1, 2, 3):
            raise ValueError("long poll failures are 1, 2 or 3")
        with self._lock:
            self._lp_faults.extend([code] * times)

    def set_rate_limits(self, user: float | None = 3, group: float | None = 20,
                        service: float | None | Literal["user"] = "user") -> None:
        """Requests per second per token; None lifts the limit."""
        with self._lock:
            self._limits = {"user": user, "group": group, "service": user if service == "user" else service}

    # ----------------------------------------------------------------- internals: content
    def _take_id(self, namespace: str, owner_id: int) -> int:
        value = self._next_id[(namespace, owner_id)]
        self._next_id[(namespace, owner_id)] = value + 1
        return value

    def _new_comment(self, kind: Kind, owner_id: int, item_id: int, from_id: int, text: str,
                     reply_to: int | None, likes: int, date: int | None, guid: str | None = None) -> SimComment:
        item = self._items[(kind, owner_id, item_id)]
        root_id = reply_to_user = None
        if reply_to is not None:
            parent = self._comments.get((kind, owner_id, reply_to))
            if parent is None or parent.item_id != item_id:
                raise KeyError(f"no comment {reply_to} under {kind} {owner_id}_{item_id}")
            root_id = parent.root_id or parent.id
            reply_to_user = parent.from_id
        namespace = "wall" if kind == "wall" else "video_comment"
        c = SimComment(kind, owner_id, item_id, self._take_id(namespace, owner_id), from_id, text,
                       date or _now(), reply_to, root_id, reply_to_user, likes, guid=guid)
        self._comments[(kind, owner_id, c.id)] = c
        item.comment_ids.append(c.id)
        if root_id is not None:
            item.replies.setdefault(root_id, []).append(c.id)
        else:
            item.top_ids.append(c.id)
        item.not_deleted += 1
        self._emit(c, "new")
        return c

    def _emit(self, c: SimComment, action: str, deleter_id: int | None = None) -> None:
        """Queue the Bots Long Poll event for a community-owned post/video (NOTES §3.3)."""
        if c.owner_id >= 0:
            return
        if self._push_skips or (self._push_loss and self._push_random.random() < self._push_loss):
            self._push_skips = max(0, self._push_skips - 1)
            self.pushes_skipped += 1
            return
        group_id = -c.owner_id
        prefix = "wall_reply_" if c.kind == "wall" else "video_comment_"
        item_key = "post_id" if c.kind == "wall" else "video_id"
        if action == "delete":
            deleter = deleter_id if deleter_id is not None else max(c.from_id, 0)
            obj: dict[str, Any] = {"owner_id": c.owner_id, "id": c.id, "deleter_id": deleter,
                                   "user_id": deleter, item_key: c.item_id}
        else:
            obj = self._render(c, event=True)
        seq = self._lp_next[group_id]
        self._lp_next[group_id] = seq + 1
        event_id = hashlib.sha1(f"{group_id}:{seq}:{prefix}{action}".encode()).hexdigest()
        self._lp_log[group_id].append(
            (seq, {"type": prefix + action, "event_id": event_id, "v": API_VERSION, "object": obj,
                   "group_id": group_id}))
        self._changed.notify_all()

    def _render(self, c: SimComment, *, event: bool = False, need_likes: bool = False,
                preview_length: int = 0) -> dict[str, Any]:
        text = "" if c.deleted else c.text
        if preview_length > 0:
            text = text[:preview_length]
        out: dict[str, Any] = {"id": c.id, "from_id": c.from_id, "date": c.date, "text": text}
        if c.kind == "wall":
            out.update(post_id=c.item_id, owner_id=c.owner_id)
            if event:
                out["post_owner_id"] = c.owner_id
        elif event:
            out.update(owner_id=c.owner_id, video_owner_id=c.owner_id, video_id=c.item_id)
        out["parents_stack"] = [c.root_id] if c.root_id else []
        if c.reply_to is not None:
            out.update(reply_to_user=c.reply_to_user, reply_to_comment=c.reply_to)
        if need_likes:
            out["likes"] = {"can_like": 1, "count": c.likes, "user_likes": 0, "can_publish": 1}
        if c.deleted:
            out["deleted"] = True
        elif not event:
            self._served.add(c.key)
        return out

    def _replies(self, item: SimItem, root_id: int) -> list[SimComment]:
        out = []
        for cid in item.replies.get(root_id, ()):
            c = self._comments[(item.kind, item.owner_id, cid)]
            if not c.deleted:
                out.append(c)
        return out

    def _owners_extended(self, owner_ids: Iterable[int]) -> dict[str, list[dict[str, Any]]]:
        profiles, groups = [], []
        for oid in sorted(set(owner_ids)):
            if oid > 0:
                first, last = self._users.get(oid, ("Пользователь", str(oid)))
                profiles.append({"id": oid, "first_name": first, "last_name": last,
                                 "can_access_closed": True, "is_closed": False})
            elif oid < 0:
                groups.append(self._group_object(-oid))
        return {"profiles": profiles, "groups": groups}

    def _group_object(self, group_id: int) -> dict[str, Any]:
        return {"id": group_id, "name": self._groups.get(group_id, f"Сообщество {group_id}"),
                "screen_name": f"club{group_id}", "is_closed": 0, "type": "page"}

    # ----------------------------------------------------------------- internals: methods
    def _item(self, kind: Kind, params: dict[str, str], token: SimToken) -> SimItem:
        default_owner = -token.group_id if token.kind == "group" and token.group_id else token.user_id
        owner_id = _int(params, "owner_id", default_owner)
        item_id = _int(params, "post_id" if kind == "wall" else "video_id", lo=0)
        item = self._items.get((kind, owner_id, item_id))
        if item is None:
            if kind == "video":
                raise VkError(15, "Access denied: video not found")
            raise VkError(100, "One of the parameters specified was missing or invalid: post_id is invalid")
        return item

    def _get_comments(self, kind: Kind, params: dict[str, str], token: SimToken) -> dict[str, Any]:
        item = self._item(kind, params, token)
        if item.comments_closed:
            raise VkError(212 if kind == "wall" else 801)
        count = min(_int(params, "count", 10 if kind == "wall" else 20, lo=0), 100)
        offset = _int(params, "offset", 0)
        sort = params.get("sort") or "asc"
        if sort not in ({"asc", "desc", "smart"} if kind == "wall" else {"asc", "desc", "interest"}):
            raise VkError(100, "One of the parameters specified was missing or invalid: sort is invalid")
        thread_items = _int(params, "thread_items_count", 0, lo=0, hi=10)
        preview = _int(params, "preview_length", 90, lo=0) if kind == "wall" else 0
        need_likes, extended = _bool(params, "need_likes"), _bool(params, "extended")
        branch = _int(params, "comment_id", 0, lo=0)  # 0 = no branch: the top level
        if branch:
            root = self._comments.get((kind, item.owner_id, branch))
            if root is None or root.item_id != item.id:
                raise VkError(100, "One of the parameters specified was missing or invalid: comment_id is invalid")
            level = self._replies(item, root.root_id or root.id)
            total = len(level)
        elif sort != "desc" and not item.deleted_top:
            # the common case, kept O(page) for big posts: every top-level comment is on the level, in id order
            level, total = [], item.not_deleted
            position = 0
            if params.get("start_comment_id"):
                position = max(bisect.bisect_right(item.top_ids, _int(params, "start_comment_id", lo=0)) - 1, 0)
            first = max(position + offset, 0)
            page = [self._comments[(kind, item.owner_id, cid)] for cid in item.top_ids[first:first + count]]
            return self._comments_response(item, page, total, len(item.top_ids), first, branch, thread_items,
                                           need_likes, preview, extended, params)
        else:
            level, total = [], 0
            for cid in item.comment_ids:
                c = self._comments[(kind, item.owner_id, cid)]
                if c.root_id is None and (not c.deleted or self._replies(item, c.id)):
                    level.append(c)
                total += not c.deleted
        ordered = level if sort != "desc" else level[::-1]
        position = 0
        if params.get("start_comment_id"):
            start_id = _int(params, "start_comment_id", lo=0)
            earlier = [i for i, c in enumerate(ordered) if c.id <= start_id]
            if earlier:
                position = max(earlier, key=lambda i: ordered[i].id)
            elif sort == "desc":
                position = len(ordered)
        first = max(position + offset, 0)
        return self._comments_response(item, ordered[first:first + count], total, len(level), first, branch,
                                       thread_items, need_likes, preview, extended, params)

    def _comments_response(self, item: SimItem, page: list[SimComment], total: int, level_count: int,
                           first: int, branch: int, thread_items: int, need_likes: bool, preview: int,
                           extended: bool, params: dict[str, str]) -> dict[str, Any]:
        kind = item.kind
        items = []
        for c in page:
            rendered = self._render(c, need_likes=need_likes, preview_length=preview)
            if not branch:
                replies = self._replies(item, c.id)
                rendered["thread"] = {
                    "count": len(replies),
                    "items": [self._render(r, need_likes=need_likes, preview_length=preview)
                              for r in replies[:thread_items]],
                    "can_post": not item.comments_closed, "show_reply_button": True, "groups_can_post": True,
                    "author_replied": any(r.from_id == item.owner_id for r in replies)}
            items.append(rendered)
        response: dict[str, Any] = {"count": total, "items": items, "current_level_count": level_count,
                                    "can_post": True, "show_reply_button": True, "groups_can_post": True}
        if params.get("start_comment_id"):
            response["real_offset"] = first
        if extended:
            authors = [i["from_id"] for i in items] + [t["from_id"] for i in items
                                                       for t in i.get("thread", {}).get("items", [])]
            response.update(self._owners_extended(authors))
            if kind == "wall":
                response["post_author_id"] = item.owner_id
        return response

    def _get_comment(self, params: dict[str, str], token: SimToken) -> dict[str, Any]:
        owner_id = _int(params, "owner_id", token.user_id)
        c = self._comments.get(("wall", owner_id, _int(params, "comment_id", lo=0)))
        if c is None or c.deleted:
            raise VkError(211)
        rendered = self._render(c)
        response: dict[str, Any] = {"items": [rendered], "can_post": True, "show_reply_button": True,
                                    "groups_can_post": True}
        if _bool(params, "extended"):
            response.update(self._owners_extended([c.from_id]))
            response["post_author_id"] = owner_id
        return response

    def _create_comment(self, kind: Kind, params: dict[str, str], token: SimToken) -> Any:
        item = self._item(kind, params, token)
        if item.comments_closed:
            raise VkError(213 if kind == "wall" else 801)
        message = params.get("message", "")
        if not message.strip() and not params.get("attachments") and not params.get("sticker_id"):
            raise VkError(100, "One of the parameters specified was missing or invalid: message is empty")
        reply_to = _int(params, "reply_to_comment", 0, lo=0) or None
        if reply_to is not None:
            parent = self._comments.get((kind, item.owner_id, reply_to))
            if parent is None or parent.item_id != item.id or parent.deleted:
                raise VkError(100, "One of the parameters specified was missing or invalid: "
                                   "reply_to_comment is invalid")
        if token.kind == "group" and token.group_id:
            from_id = -token.group_id
        else:
            from_group = _int(params, "from_group", 0)
            if kind == "video" or from_group == 1:
                from_id = item.owner_id if from_group and item.owner_id < 0 else token.user_id
            else:
                from_id = -abs(from_group) if from_group else token.user_id
        guid = params.get("guid") or None
        guid_key = (kind, item.owner_id, item.id, guid or "")
        if guid and guid_key in self._guids:
            c = self._comments[(kind, item.owner_id, self._guids[guid_key])]
        else:
            c = self._new_comment(kind, item.owner_id, item.id, from_id, message, reply_to, 0, None, guid)
            if guid:
                self._guids[guid_key] = c.id
        if kind == "video":
            return c.id
        return {"comment_id": c.id, "parents_stack": [c.root_id] if c.root_id else []}

    def _video_get(self, params: dict[str, str], token: SimToken) -> dict[str, Any]:
        owner_id = _int(params, "owner_id", token.user_id)
        wanted = None
        if params.get("videos"):
            wanted = {tuple(int(p) for p in v.rsplit("_", 1)) for v in params["videos"].split(",") if "_" in v}
        videos = [i for k, i in self._items.items() if k[0] == "video" and
                  (((i.owner_id, i.id) in wanted) if wanted is not None else i.owner_id == owner_id)]
        videos.sort(key=lambda v: v.id, reverse=True)
        offset, count = _int(params, "offset", 0, lo=0), min(_int(params, "count", 100, lo=0), 200)
        items = []
        for v in videos[offset:offset + count]:
            obj: dict[str, Any] = {
                "id": v.id, "owner_id": v.owner_id, "title": v.text, "description": "", "date": v.date,
                "duration": 0, "views": 0, "can_comment": 0 if v.comments_closed else 1,
                "comments": sum(not self._comments[("video", v.owner_id, c)].deleted for c in v.comment_ids),
                "type": "live" if v.live else "video",
                "player": f"https://vk.com/video_ext.php?oid={v.owner_id}&id={v.id}"}
            if v.live:
                obj.update(live=1, spectators=0)
            items.append(obj)
        response: dict[str, Any] = {"count": len(videos), "items": items}
        if _bool(params, "extended"):
            response.update(self._owners_extended(v["owner_id"] for v in items))
        return response

    def _get_lp_server(self, params: dict[str, str], token: SimToken) -> dict[str, Any]:
        group_id = _int(params, "group_id", lo=1)
        if token.kind == "group" and token.group_id != group_id:
            raise VkError(15, "Access denied: no access to this group")
        key = self._lp_keys.get(group_id) or self._rotate_lp_key(group_id)
        return {"key": key, "server": f"{self.api_url}/lp", "ts": str(self._lp_next[group_id])}

    def _rotate_lp_key(self, group_id: int) -> str:
        self._lp_keys[group_id] = secrets.token_hex(20)
        return self._lp_keys[group_id]

    def _groups_get_by_id(self, params: dict[str, str], token: SimToken) -> dict[str, Any]:
        raw = params.get("group_ids") or params.get("group_id") or str(token.group_id or "")
        ids = [int(x) for x in raw.split(",") if x.strip().lstrip("-").isdigit()]
        if not ids:
            raise VkError(100, "One of the parameters specified was missing or invalid: group_ids is undefined")
        return {"groups": [self._group_object(abs(i)) for i in ids], "profiles": []}

    def _users_get(self, params: dict[str, str], token: SimToken) -> list[dict[str, Any]]:
        raw = params.get("user_ids") or str(token.user_id)
        ids = [int(x) for x in raw.split(",") if x.strip().isdigit()]
        if len(ids) > 1000:
            raise VkError(100, "One of the parameters specified was missing or invalid: user_ids is too long")
        out = []
        for uid in ids:
            first, last = self._users.get(uid, ("Пользователь", str(uid)))
            out.append({"id": uid, "first_name": first, "last_name": last, "can_access_closed": True,
                        "is_closed": False})
        return out

    def _handlers(self) -> dict[str, Callable[[dict[str, str], SimToken], Any]]:
        return {
            "wall.getComments": lambda p, t: self._get_comments("wall", p, t),
            "wall.getComment": self._get_comment,
            "wall.createComment": lambda p, t: self._create_comment("wall", p, t),
            "video.getComments": lambda p, t: self._get_comments("video", p, t),
            "video.createComment": lambda p, t: self._create_comment("video", p, t),
            "video.get": self._video_get,
            "groups.getLongPollServer": self._get_lp_server,
            "groups.getById": self._groups_get_by_id,
            "users.get": self._users_get,
        }

    # ----------------------------------------------------------------- internals: dispatch
    def _call(self, method: str, params: dict[str, str], token: SimToken) -> Any:
        """One method under the lock: token type, injected fault, handler."""
        handler = self._handlers().get(method)
        if handler is None:
            raise VkError(3)
        allowed = METHOD_TOKENS[method]
        if token.kind not in allowed:
            raise VkError(27 if token.kind == "group" else 28)
        if self._faults[method]:
            raise self._faults[method].popleft()
        return handler(params, token)

    def _auth(self, params: dict[str, str]) -> SimToken:
        raw = params.get("access_token")
        if not raw:
            raise VkError(5, "User authorization failed: no access_token passed.")
        token = self._tokens.get(raw)
        if token is None or token.revoked:
            raise VkError(5)
        return token

    def _rate_limit(self, token: SimToken) -> None:
        limit = self._limits.get(token.kind)
        if limit is None:
            return
        now, window = self.clock(), self._calls[token.token]
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            raise VkError(6)
        window.append(now)

    def _pop_transport(self, name: str) -> tuple[int | None, float]:
        with self._lock:
            status = self._http_faults[name].popleft() if self._http_faults[name] else None
            delay = self._delays[name].popleft() if self._delays[name] else 0.0
        return status, delay

    def handle_method(self, method: str, params: dict[str, str]) -> tuple[int, Any]:
        """Answer one API call: (HTTP status, JSON payload or error text). Blocking; runs in a worker thread."""
        epoch = self._epoch
        status, delay = self._pop_transport(method)
        if delay:
            epoch.wait(delay)
        if epoch.is_set():
            return 503, "simulator reset or stopped"
        if status is not None:
            with self._lock:
                self._counters[method] += 1
                self._counters[f"http_{status}"] += 1
            return status, f"<html><body>{status} simulated</body></html>"
        with self._lock:
            self._counters[method] += 1
            self._counters["requests"] += 1
            try:
                token = self._auth(params)
                if not params.get("v"):
                    raise VkError(8)
                self._rate_limit(token)
                if method == "execute":
                    if token.kind not in METHOD_TOKENS["execute"]:
                        raise VkError(28)
                    if self._faults[method]:
                        raise self._faults[method].popleft()
                    payload: dict[str, Any] = self._execute(params.get("code", ""), token)
                else:
                    payload = {"response": self._call(method, params, token)}
            except VkError as error:
                self._counters[f"error_{error.code}"] += 1
                payload = error.envelope(method, params)
        if self.validate:
            self._check_schema(method, payload, params)
        return 200, payload

    def _execute(self, code: str, token: SimToken) -> dict[str, Any]:
        calls = parse_execute(code)
        if len(calls) > EXECUTE_MAX_CALLS:
            raise VkError(13, "Runtime error occurred during code invocation: Too many API calls")
        results: list[Any] = []
        errors: list[dict[str, Any]] = []
        for method, values in calls:
            params = {k: _param_str(v) for k, v in values.items()}
            self._counters[method] += 1
            try:
                if method == "execute":
                    raise VkError(13, "Runtime error occurred during code invocation: execute in execute")
                results.append(self._call(method, params, token))
            except VkError as error:
                self._counters[f"error_{error.code}"] += 1
                results.append(False)
                errors.append({"method": method, "error_code": error.code, "error_msg": error.msg})
        payload: dict[str, Any] = {"response": results}
        if errors:
            payload["execute_errors"] = errors
        return payload

    def handle_lp(self, params: dict[str, str]) -> tuple[int, Any]:
        """Answer one Bots Long Poll check (NOTES §3.1); holds until an event or min(wait, lp_wait_cap)."""
        epoch = self._epoch
        status, delay = self._pop_transport("lp")
        with self._lock:
            self._counters["lp"] += 1
        if delay:
            epoch.wait(delay)
        if epoch.is_set():
            return 503, "simulator reset or stopped"
        if status is not None:
            return status, f"<html><body>{status} simulated</body></html>"
        with self._changed:
            group_id = next((g for g, k in self._lp_keys.items() if k == params.get("key")), None)
            if params.get("act") != "a_check" or group_id is None:
                return 200, {"failed": 2}
            if self._lp_faults:
                code = self._lp_faults.popleft()
                if code == 1:
                    return 200, {"failed": 1, "ts": str(self._lp_next[group_id])}
                self._rotate_lp_key(group_id)
                return 200, {"failed": code}
            try:
                ts = int(params.get("ts", ""))
                wait = min(max(float(params.get("wait", "25")), 0.0), 90.0, self.lp_wait_cap)
            except ValueError:
                return 200, {"failed": 1, "ts": str(self._lp_next[group_id])}
            log = self._lp_log[group_id]
            oldest = log[0][0] if log else self._lp_next[group_id]
            if ts < oldest or ts > self._lp_next[group_id]:
                return 200, {"failed": 1, "ts": str(self._lp_next[group_id])}
            self._changed.wait_for(lambda: self._lp_next[group_id] > ts or epoch.is_set(), wait)
            if epoch.is_set():
                return 503, "simulator reset or stopped"
            # the log is in seq order and seqs are consecutive: the first wanted entry is at ts - oldest
            start = max(ts - (log[0][0] if log else ts), 0)
            updates = [json.loads(json.dumps(e)) for _seq, e in itertools.islice(log, start, None)]
            for e in updates:
                if not e["type"].endswith("_delete"):
                    o = e["object"]
                    kind = "wall" if e["type"].startswith("wall") else "video"
                    self._served.add((kind, o["owner_id"], o.get("post_id", o.get("video_id", 0)), o["id"]))
            if updates and self._lp_repeats:
                self._lp_repeats -= 1
                return 200, {"ts": str(ts), "updates": updates}
            return 200, {"ts": str(self._lp_next[group_id]), "updates": updates}

    def _check_schema(self, method: str, payload: dict[str, Any], params: dict[str, str]) -> None:
        from tests.vk_schema import SchemaError, validate_execute, validate_response  # a test asset

        try:
            if method == "execute" and "response" in payload:
                validate_execute(payload, parse_execute(params.get("code", "")))
            else:
                validate_response(method, payload, extended=_bool(params, "extended"))
        except (SchemaError, KeyError, TypeError) as exc:  # recorded, the caller asserts on it
            with self._lock:
                self.schema_violations.append(f"{method}: {exc}")

    def _check_lp_schema(self, payload: dict[str, Any]) -> None:
        from tests.vk_schema import SchemaError, validate_lp_answer

        try:
            validate_lp_answer(payload)
        except (SchemaError, KeyError, TypeError) as exc:
            with self._lock:
                self.schema_violations.append(f"lp: {exc}")

    # ----------------------------------------------------------------- clients
    def http_session(self) -> requests.Session:
        """A requests session whose https://api.vk.ru/ (vk_api's hard-coded base) goes to this simulator."""
        session = requests.Session()
        session.mount(VK_API_BASE + "/", RedirectAdapter(self.api_url))
        return session

    def vk_session(self, token: str, *, api_version: str = API_VERSION,
                   rps_delay: float | None = None) -> vk_api.VkApi:
        """The real vk_api client pointed at the simulator (NOTES §7.2), with the captcha handler removed.

        ``rps_delay`` overrides vk_api's own pacing (0.34 s between calls); tests pass 0 to stay fast.
        """
        session = vk_api.VkApi(token=token, api_version=api_version, config=MemoryConfig,
                               session=self.http_session())
        session.error_handlers.pop(14, None)
        if rps_delay is not None:
            session.RPS_DELAY = rps_delay
        return session

    # ----------------------------------------------------------------- HTTP
    def _routes(self, control: bool) -> list[Route]:
        routes = [Route("/method/{name}", self._method_endpoint, methods=["GET", "POST"]),
                  Route("/lp", self._lp_endpoint, methods=["GET", "POST"])]
        if control:
            routes += control_routes(self)
        return routes

    async def _method_endpoint(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            form = await request.form()
            params.update({k: str(v) for k, v in form.items()})
        auth = request.headers.get("authorization", "")
        if "access_token" not in params and auth.lower().startswith("bearer "):
            params["access_token"] = auth[7:].strip()
        status, payload = await run_in_threadpool(self.handle_method, request.path_params["name"], params)
        if status != 200:
            return PlainTextResponse(payload, status_code=status)
        return _vk_json(payload)

    async def _lp_endpoint(self, request: Request) -> Response:
        status, payload = await run_in_threadpool(self.handle_lp, dict(request.query_params))
        if status == 200 and self.validate:
            self._check_lp_schema(payload)
        if status != 200:
            return PlainTextResponse(payload, status_code=status)
        return _vk_json(payload)


def parse_execute(code: str) -> list[tuple[str, dict[str, Any]]]:
    """The (method, params) calls of one of vk_api's VkRequestsPool code shapes; anything else is error 12."""
    decoder = json.JSONDecoder()
    try:
        if code.startswith(ONE_METHOD_HEAD):
            values, end = decoder.raw_decode(code, len(ONE_METHOD_HEAD))
            method = _method_in(code[end:], ONE_METHOD_TAIL % "\0")
            if isinstance(values, list) and all(isinstance(v, dict) for v in values):
                return [(method, v) for v in values]
        elif code.startswith(ONE_PARAM_HEAD):
            defaults, end = decoder.raw_decode(code, len(ONE_PARAM_HEAD))
            if code.startswith(ONE_PARAM_MID, end) and isinstance(defaults, dict):
                values, end = decoder.raw_decode(code, end + len(ONE_PARAM_MID))
                tail = code[end:]
                key, method = _two_names_in(tail)
                if tail == ONE_PARAM_TAIL % (key, method) and isinstance(values, list):
                    return [(method, {**defaults, key: v}) for v in values]
        elif code.startswith(MANY_HEAD) and code.endswith("];"):
            calls, pos = [], len(MANY_HEAD)
            while True:
                if not code.startswith("API.", pos):
                    break
                paren = code.index("(", pos)
                method = code[pos + 4:paren]
                values, pos = decoder.raw_decode(code, paren + 1)
                if not _is_method_name(method) or not isinstance(values, dict) or code[pos] != ")":
                    break
                calls.append((method, values))
                pos += 1
                if code[pos:] == "];":
                    return calls
                if code[pos] != ",":
                    break
                pos += 1
    except (ValueError, IndexError):
        pass
    raise VkError(12, "Unable to compile code: only vk_api VkRequestsPool shapes are simulated")


def _is_method_name(name: str) -> bool:
    section, _, action = name.partition(".")
    return section.isalpha() and action.isalnum()


def _method_in(tail: str, template: str) -> str:
    head, _, rest = template.partition("\0")
    if tail.startswith(head) and tail.endswith(rest):
        method = tail[len(head):len(tail) - len(rest)]
        if _is_method_name(method):
            return method
    raise ValueError("not the one-method shape")


def _two_names_in(tail: str) -> tuple[str, str]:
    key = tail.partition("{def_values.")[2].partition(" = ")[0]
    method = tail.partition("result.push(API.")[2].partition("(def_values)")[0]
    if not key.isidentifier() or not _is_method_name(method):
        raise ValueError("not the one-param shape")
    return key, method


def _now() -> int:
    return int(time.time())


# --------------------------------------------------------------------- standalone control API
def control_routes(sim: VkSimulator) -> list[Route]:
    """POST /_sim/<action> with a JSON body; GET /_sim/stats, /_sim/created, /_sim/served."""

    actions: dict[str, Callable[[dict[str, Any]], Any]] = {
        "token": lambda b: sim.add_token(b["token"], b["kind"], b.get("group_id"), user_id=b.get("user_id", 1)),
        "user": lambda b: sim.add_user(b["id"], b["first_name"], b["last_name"]),
        "group": lambda b: sim.add_group(b["id"], b["name"]),
        "post": lambda b: {"post_id": sim.add_post(b["owner_id"], b.get("text", ""))},
        "video": lambda b: {"video_id": sim.add_video(b["owner_id"], b.get("title", ""), b.get("live", True))},
        "comment": lambda b: {"comment_id": sim.add_comment(b["owner_id"], b["post_id"], b["from_id"], b["text"],
                                                            b.get("reply_to"), b.get("likes", 0))},
        "video_comment": lambda b: {"comment_id": sim.add_video_comment(
            b["owner_id"], b["video_id"], b["from_id"], b["text"], b.get("reply_to"), b.get("likes", 0))},
        "edit": lambda b: sim.edit_comment(b["owner_id"], b["comment_id"], b["text"], kind=b.get("kind", "wall")),
        "delete": lambda b: sim.delete_comment(b["owner_id"], b["comment_id"], kind=b.get("kind", "wall")),
        "restore": lambda b: sim.restore_comment(b["owner_id"], b["comment_id"], kind=b.get("kind", "wall")),
        "fail": lambda b: sim.fail_next(b["method"], b["code"], b.get("times", 1)),
        "http_error": lambda b: sim.http_error_next(b["method"], b.get("status", 500), b.get("times", 1)),
        "delay": lambda b: sim.delay_next(b["method"], b["seconds"], b.get("times", 1)),
        "lp_fail": lambda b: sim.lp_fail_next(b["code"], b.get("times", 1)),
        "skip_pushes": lambda b: sim.skip_pushes(b.get("times", 1)),
        "repeat_lp": lambda b: sim.repeat_lp_next(b.get("times", 1)),
        "wipe_lp_history": lambda b: sim.wipe_lp_history(b["group_id"]),
        "likes": lambda b: sim.set_likes(b["owner_id"], b["comment_id"], b["likes"], kind=b.get("kind", "wall")),
        "rate_limits": lambda b: sim.set_rate_limits(b.get("user"), b.get("group")),
    }

    async def act(request: Request) -> Response:
        action = actions.get(request.path_params["action"])
        if action is None:
            return JSONResponse({"error": "unknown action", "actions": sorted(actions)}, status_code=404)
        try:
            result = action(await request.json())
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": repr(exc)}, status_code=400)
        return JSONResponse(result or {"ok": True})

    async def stats(request: Request) -> Response:
        return JSONResponse({"counters": dict(sim.counters), "served": len(sim.served),
                             "created": len(sim.created)})

    async def created(request: Request) -> Response:
        return JSONResponse([c.__dict__ for c in sim.created])

    async def served(request: Request) -> Response:
        return JSONResponse(sorted(sim.served))

    return [Route("/_sim/stats", stats), Route("/_sim/created", created), Route("/_sim/served", served),
            Route("/_sim/{action}", act, methods=["POST"])]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="VK API simulator on 127.0.0.1 (Liveline tests/benchmarks)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", action="append", default=[],
                        help="user:TOKEN | service:TOKEN | group:GROUP_ID:TOKEN (repeatable)")
    parser.add_argument("--no-rate-limit", action="store_true")
    parser.add_argument("--lp-wait-cap", type=float, default=25.0)
    args = parser.parse_args(argv)
    sim = VkSimulator(port=args.port, control=True, rate_limits=not args.no_rate_limit,
                      lp_wait_cap=args.lp_wait_cap)
    for spec in args.token:
        kind, _, rest = spec.partition(":")
        if kind == "group":
            group, _, token = rest.partition(":")
            sim.add_token(token, "group", int(group))
        elif kind == "user":
            sim.add_token(rest, "user")
        elif kind == "service":
            sim.add_token(rest, "service")
        else:
            parser.error(f"bad --token {spec!r}")
    sim.start()
    print(f"VK simulator on {sim.api_url} (control API under /_sim/)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


if __name__ == "__main__":
    main()


USER_TOKEN = "vk1.a.USER-SECRET"
GROUP_TOKEN = "vk1.a.GROUP-SECRET"
GROUP_ID = 42


@contextlib.contextmanager
def with_tokens() -> Iterator[VkSimulator]:
    """A simulator without rate limits that knows one user token and one token of community 42."""
    with VkSimulator(rate_limits=False) as s:
        s.add_token(USER_TOKEN, "user")
        s.add_token(GROUP_TOKEN, "group", group_id=GROUP_ID)
        yield s
