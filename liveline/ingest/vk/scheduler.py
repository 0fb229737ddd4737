"""VK ingestion: Bots Long Poll where VK pushes, cursor sweeps always; nothing lost, nothing doubled.

A source is ``{"id": "s2", "kind": "vk_wall"|"vk_video", "owner_id": -12345, "item_id": 678, "org": ...}``.
``VkIngest`` schedules the work: one long-poll loop per community token (``longpoll.LongPoll``), and a sweep
of every source when it is due (``sweep.Sweeper``): every ``poll_s`` for sources without push (personal
pages, live chat), every ``reconcile_s`` (a full, reconciling sweep: ``sweep``) for every source, at once
after a loss signal. Every source kind converges on VK's state within about two ``reconcile_s`` of VK's
last change, whatever push delivered or missed.
A source's cursor is ``cursor.SourceCursor``; its status, ``status``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

from liveline.ingest.vk import status, tokens
from liveline.ingest.vk.client import (
    VK_API_BASE,
    VkCaller,
    VkCaptcha,
    VkClosed,
    VkError,
    VkQuota,
    VkTokenDead,
)
from liveline.ingest.vk.cursor import SourceCursor
from liveline.ingest.vk.longpoll import LongPoll, LongPollHooks
from liveline.ingest.vk.status import Misconfigured
from liveline.ingest.vk.sweep import Sweeper
from liveline.store import keys, redis_types

log = logging.getLogger("liveline.ingest.vk")
Source = dict[str, Any]
SourceKey = tuple[int | str, str]


@dataclass
class VkIngestSettings:
    api_url: str = VK_API_BASE
    poll_s: float = 5.0
    reconcile_s: float = 45.0
    rate_limits: bool = True
    lp_wait: int = 25
    oauth_url: str = "https://id.vk.com"
    client_id: str = ""
    timeout: float = 10.0
    retries: int = 4
    backoff_s: float = 0.5
    rps_backoff_s: float = 1.0
    tick_s: float = 0.2
    env: Mapping[str, str] | None = None

    @classmethod
    def from_settings(cls, s: Any) -> VkIngestSettings:
        """From ``liveline.settings.Settings``."""
        return cls(api_url=s.vk_api_url, poll_s=s.vk_poll_s, reconcile_s=s.vk_reconcile_s,
                   rate_limits=s.vk_rate_limits, oauth_url=s.vk_oauth_url, client_id=s.vk_client_id)


class VkIngest:
    def __init__(self, r: redis.Redis, settings: VkIngestSettings,
                 active_sources: Callable[[], list[tuple[int, Source]]]) -> None:
        self.r = r
        self.settings = settings
        self.active_sources = active_sources
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._callers: dict[tuple[str, str], VkCaller] = {}
        self._threads: dict[Any, threading.Thread] = {}
        self._longpolls: dict[tuple[str, int], LongPoll] = {}
        self._due: dict[SourceKey, float] = {}
        self._full_due: dict[SourceKey, float] = {}
        self._need_full: set[SourceKey] = set()
        self._renew_due: dict[str, float] = {}
        self._misconfigured: set[SourceKey] = set()
        self.stats: dict[str, int] = {"sweeps": 0, "lp_checks": 0, "lp_failed": 0, "written": 0}
        self.sweeper = Sweeper(r, lambda: self._stop.is_set(), self.stats)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._stop = threading.Event()  # a long-poll loop of a previous run, still waiting, keeps its own
        t = threading.Thread(target=self._scheduler, name="vk-poll", daemon=True)
        self._threads["poll"] = t
        t.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop and wait for the scheduler; a long-poll loop inside its wait ends when that returns, and
        writes nothing after ``stop``."""
        self._stop.set()
        for name, t in list(self._threads.items()):
            t.join(timeout if name == "poll" else min(timeout, 2.0))
        self._threads.clear()

    # ------------------------------------------------------------------ tokens and callers
    def _caller(self, kind: str, org: str) -> VkCaller:
        record = tokens.get_token(self.r, kind, org, self.settings.env)
        if record is None and kind == "user":
            raise VkTokenDead("нет пользовательского токена VK для чтения комментариев", 5)
        if record is None:
            raise VkTokenDead("нет токена сообщества VK", 5)
        if record.dead:
            raise VkTokenDead(record.dead_reason or "токен недействителен", 5)
        cache_key = (kind, org)
        with self._lock:
            caller = self._callers.get(cache_key)
            if caller is None or caller.record.token != record.token:
                renew = None
                if kind == "user" and record.refresh_token and self.settings.client_id:
                    def renew(org: str = org, seen: str = record.token) -> tokens.TokenRecord:
                        return tokens.refresh(self.r, org, self.settings.oauth_url, self.settings.client_id,
                                              seen_token=seen, timeout=self.settings.timeout)
                caller = VkCaller(self.r, record, self.settings.api_url,
                                  "default" if self.settings.rate_limits else None,
                                  timeout=self.settings.timeout, retries=self.settings.retries,
                                  backoff_s=self.settings.backoff_s,
                                  rps_backoff_s=self.settings.rps_backoff_s, renew=renew, sleep=self._sleep)
                self._callers[cache_key] = caller
            return caller

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def _group_of(self, source: Source) -> int | None:
        """The community id whose token covers this source (a community-owned post/video), else None."""
        owner = int(source["owner_id"])
        if owner >= 0:
            return None
        record = tokens.get_token(self.r, "group", source.get("org", "default"), self.settings.env)
        if record is None or record.group_id != -owner:
            return None
        return record.group_id

    # ------------------------------------------------------------------ sweeps
    def poll_once(self, broadcast_id: int | str, source: Source, full: bool | None = None) -> int:
        """One sweep of one source; returns the number of items written. Raises ``VkError`` on failure."""
        cursor = SourceCursor.read(redis_types.hash_text(self.r.hgetall(keys.source_state(broadcast_id, source["id"]))))
        group_id = self._group_of(source)
        if full is None:
            full = not cursor.swept or source["kind"] == "vk_wall" and group_id is not None
        org = source.get("org", "default")
        written = self.sweeper.sweep(self._caller("user", org), broadcast_id, source, cursor, full, group_id)
        self.stats["sweeps"] += 1
        status.set_state(self.r, broadcast_id, source["id"], "polling")
        return written

    def request_sweep(self, broadcast_id: int | str, source_id: str) -> None:
        with self._lock:
            self._need_full.add((broadcast_id, source_id))
            self._due[(broadcast_id, source_id)] = 0.0

    def _sweep_pending(self, broadcast_id: int | str, source_id: str) -> bool:
        return (broadcast_id, source_id) in self._need_full

    def run_once(self, longpoll: bool = True) -> None:
        """One scheduler pass: start missing long-poll loops, sweep every source that is due (errors are
        recorded in the source's status, not raised)."""
        sources = self.active_sources()
        self._renew_tokens({s.get("org", "default") for _, s in sources})
        if longpoll:
            self._ensure_longpolls(sources)
        for b, source in sources:
            if self._stop.is_set():
                break
            self._maybe_sweep(b, source)

    def _renew_tokens(self, orgs: set[str]) -> None:
        """VK ID user tokens live an hour: renew ahead of expiry (checked at most every 30 s per org)."""
        if not self.settings.client_id:
            return
        now = time.monotonic()
        for org in orgs:
            if now < self._renew_due.get(org, 0.0):
                continue
            self._renew_due[org] = now + 30.0
            try:
                tokens.refresh_if_needed(self.r, org, self.settings.oauth_url, self.settings.client_id,
                                         timeout=self.settings.timeout)
            except tokens.TokenRefreshError as exc:
                log.warning("org %s: %s", org, exc)

    def _scheduler(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except redis.RedisError:
                log.warning("redis unavailable; retrying")
            except Exception:  # never let the scheduler die
                log.exception("vk scheduler")
            self._stop.wait(self.settings.tick_s)

    def _maybe_sweep(self, b: int | str, source: Source) -> None:
        k = (b, source["id"])
        now = time.monotonic()
        with self._lock:
            if now < self._due.get(k, 0.0):
                return
            full = k in self._need_full or now >= self._full_due.get(k, 0.0)
            self._need_full.discard(k)
        community = self._group_of(source) is not None
        swept_slowly = community and source["kind"] == "vk_wall"
        interval = self.settings.reconcile_s if swept_slowly else self.settings.poll_s
        try:
            self.poll_once(b, source, full=full)
            with self._lock:
                self._due[k] = time.monotonic() + interval
                if full:
                    self._full_due[k] = time.monotonic() + self.settings.reconcile_s
        except VkError as exc:
            status.record_failure(self.r, b, source, exc)
            slow = isinstance(exc, (VkClosed, VkTokenDead, VkCaptcha, VkQuota))
            with self._lock:
                pause = self.settings.reconcile_s if slow else self.settings.poll_s
                self._due[k] = time.monotonic() + pause
                if full:
                    self._need_full.add(k)
        except redis.RedisError:
            with self._lock:
                self._due[k] = time.monotonic() + 0.5
                if full:
                    self._need_full.add(k)
            raise

    def _check_group(self, b: int | str, source: Source) -> None:
        """A community post or video while the organisation's community token is another community's: no
        push reaches it (only polling); shown as "misconfigured" so the admin sees why."""
        owner = int(source["owner_id"])
        if owner >= 0:
            return
        record = tokens.get_token(self.r, "group", source.get("org", "default"), self.settings.env)
        if record is None or record.group_id == -owner:
            return
        k = (b, source["id"])
        if k in self._misconfigured:
            return
        self._misconfigured.add(k)
        status.record_failure(self.r, b, source, Misconfigured(
            f"источник принадлежит сообществу {-owner}, а ключ сообщества сохранён для сообщества "
            f"{record.group_id}: комментарии приходят только опросом; проверьте --group-id", 0), channel="lp")

    def _ensure_longpolls(self, sources: list[tuple[int, Source]]) -> None:
        for b, source in sources:
            group_id = self._group_of(source)
            if group_id is None:
                self._check_group(b, source)
                continue
            org = source.get("org", "default")
            tkey = ("lp", org, group_id)
            t = self._threads.get(tkey)
            if t is None or not t.is_alive():
                lp = self._longpolls.get((org, group_id))
                if lp is None:
                    hooks = LongPollHooks(caller=self._caller, sources=self.active_sources,
                                          request_sweep=self.request_sweep, sweep_pending=self._sweep_pending)
                    lp = LongPoll(self.r, org, group_id, hooks, wait=self.settings.lp_wait,
                                  timeout=self.settings.timeout, backoff_s=self.settings.backoff_s,
                                  stats=self.stats)
                    self._longpolls[(org, group_id)] = lp
                t = threading.Thread(target=lp.run, args=(self._stop,), daemon=True, name=f"vk-lp:{group_id}")
                self._threads[tkey] = t
                t.start()
