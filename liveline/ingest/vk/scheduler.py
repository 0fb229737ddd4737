"""VK ingestion: Bots Long Poll where VK pushes, cursor sweeps always; nothing lost, nothing doubled.

A source is ``{"id": "s2", "kind": "vk_wall"|"vk_video", "owner_id": -12345, "item_id": 678, "org": ...}``.

* **Push** (community posts/videos): one long-poll loop per community token. Its ``ts`` is stored in every
  source's state hash and advanced only through ``inbox.append(..., cursor=...)``, in the transaction that
  writes the batch's items. ``failed:1``/``failed:3`` (events lost) trigger a sweep; ``failed:2`` renews the
  key and keeps ``ts``.
* **Sweep** (``*.getComments`` with the organisation's user token; a group token gets error 27): the top
  level with ``start_comment_id`` = last top-level id seen, ascending, 100 a page, 10 replies embedded; whole
  branches are fetched (``comment_id``) when a thread holds more than was embedded or seen. A full sweep (on
  start, after a loss signal or downtime, every ``reconcile_s``) walks the whole top level to catch replies
  to old comments and like changes; an incremental one (every ``poll_s``: personal pages, live chat) starts
  at the cursor. Several pages or branches go in one ``execute`` (``VkRequestsPool``).
* Known gaps: without push (personal pages) a reply to an old comment waits for the next full sweep, an edit
  or a restore is not seen, and a thread that lost one reply and gained another between two sweeps (same
  size) is not re-read; deletions are never inferred from absence.
* Every round's items and its cursor fields are one Redis transaction: a killed worker re-reads at most the
  round it was in, and resumes where the inbox stands.

State hash (``keys.source_state``) fields: cursors ``top``, ``t:<root>`` (thread size seen), ``r:<root>``
(last reply id), ``l:<id>`` (likes seen), ``p:<id>`` (delivered by push, not yet passed by a sweep),
``lp_ts``; status ``state``, ``last_item_at``, ``items``, ``errors``, ``last_error``, ``updated_at``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis
import requests

from liveline.ingest import inbox
from liveline.ingest.inbox import SourceItem
from liveline.ingest.vk import items as vk_items
from liveline.ingest.vk import tokens
from liveline.ingest.vk.client import (
    VK_API_BASE,
    VkCaller,
    VkCaptcha,
    VkClosed,
    VkError,
    VkQuota,
    VkTokenDead,
    VkTransient,
)
from liveline.store import keys

log = logging.getLogger(__name__)
PAGE = 100
POOL = 25
STATES = ("live", "polling", "behind", "closed", "token_dead", "captcha", "error")
Source = dict[str, Any]


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


def _kind(source: Source) -> str:
    return "wall" if source["kind"] == "vk_wall" else "video"


def _decode(h: Mapping[Any, Any]) -> dict[str, str]:
    return {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in h.items()}


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
        self._due: dict[tuple[int | str, str], float] = {}
        self._full_due: dict[tuple[int | str, str], float] = {}
        self._need_full: set[tuple[int | str, str]] = set()
        self._lp_healthy: dict[tuple[str, int], bool] = {}
        self._renew_due: dict[str, float] = {}
        self.stats: dict[str, int] = {"sweeps": 0, "lp_checks": 0, "lp_failed": 0, "written": 0}

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

    # ------------------------------------------------------------------ status
    def _status(self, b: int | str, source: Source, state: str, error: str | None = None,
                pipe: Any = None) -> None:
        key = keys.source_state(b, source["id"])
        p = pipe if pipe is not None else self.r.pipeline(transaction=True)
        fields: dict[Any, Any] = {"state": state, "updated_at": str(time.time())}
        if error is not None:
            fields["last_error"] = error
            p.hincrby(key, "errors", 1)
        p.hset(key, mapping=fields)
        if pipe is None:
            p.execute()

    def _write(self, b: int | str, source: Source, items: list[SourceItem], fields: dict[str, str],
               hdel: list[str]) -> int:
        """A round's items, cursor fields and counters in one transaction. Comments the long poll wrote
        meanwhile (``p:<id>``, read under WATCH so the two writers cannot both win) are left out."""
        key = keys.source_state(b, source["id"])
        while True:
            with self.r.pipeline(transaction=True) as p:
                try:
                    p.watch(key)
                    ids = [it.key.rsplit(":", 1)[1] for it in items if it.kind == "new"]
                    marks = p.hmget(key, [f"p:{i}" for i in ids]) if ids else []
                    pushed = {i for i, m in zip(ids, marks) if m is not None}
                    keep = [it for it in items
                            if not (it.kind == "new" and it.key.rsplit(":", 1)[1] in pushed)]
                    drop = list(hdel) + [f"p:{i}" for i in pushed]
                    now = str(time.time())
                    cursor = dict(fields, updated_at=now)
                    if keep:
                        cursor["last_item_at"] = now
                    p.multi()
                    inbox.append(self.r, b, keep, cursor={key: cursor}, pipe=p)
                    if drop:
                        p.hdel(key, *drop)
                    if keep:
                        p.hincrby(key, "items", len(keep))
                    p.execute()
                except redis.WatchError:
                    continue
            self.stats["written"] += len(keep)
            return len(keep)

    def _fail(self, b: int | str, source: Source, exc: Exception) -> None:
        if isinstance(exc, VkClosed):
            state = "closed"
        elif isinstance(exc, VkTokenDead):
            state = "token_dead"
        elif isinstance(exc, VkCaptcha):
            state = "captcha"
        elif isinstance(exc, VkTransient):
            state = "behind"
        else:
            state = "error"
        message = str(exc) if isinstance(exc, VkError) else "ошибка сбора комментариев"
        log.warning("source %s/%s: %s", b, source.get("id"), message)
        try:
            self._status(b, source, state, message)
        except redis.RedisError:
            pass

    # ------------------------------------------------------------------ sweep
    def poll_once(self, broadcast_id: int | str, source: Source, full: bool | None = None) -> int:
        """One sweep of one source; returns the number of items written. Raises ``VkError`` on failure."""
        key = keys.source_state(broadcast_id, source["id"])
        state = _decode(self.r.hgetall(key))
        if full is None:
            full = "top" not in state or source["kind"] == "vk_wall" and self._group_of(source) is not None
        org = source.get("org", "default")
        caller = self._caller("user", org)
        written = self._sweep(caller, broadcast_id, source, state, full)
        self.stats["sweeps"] += 1
        live = self._lp_healthy.get((org, self._group_of(source) or 0), False)
        self._status(broadcast_id, source, "live" if live else "polling")
        return written

    def _base_params(self, source: Source) -> dict[str, Any]:
        kind = _kind(source)
        params: dict[str, Any] = {"owner_id": int(source["owner_id"]), "sort": "asc", "count": PAGE,
                                  "extended": 1, "need_likes": 1}
        if kind == "wall":
            params.update(post_id=int(source["item_id"]), preview_length=0)
        else:
            params["video_id"] = int(source["item_id"])
        return params

    def _pages(self, caller: VkCaller, method: str, params_list: list[dict[str, Any]]) -> list[Any]:
        if caller.kind == "user" and len(params_list) > 1:
            return caller.call_many(method, params_list)
        return [caller.call(method, **p) for p in params_list]

    def _sweep(self, caller: VkCaller, b: int | str, source: Source, state: dict[str, str],
               full: bool) -> int:
        kind = _kind(source)
        method = "wall.getComments" if kind == "wall" else "video.getComments"
        owner = int(source["owner_id"])
        group_id = self._group_of(source) or (-owner if owner < 0 else None)
        base = self._base_params(source)
        top = int(state.get("top", 0))
        cursor = 0 if full else top
        rounds_full = False
        written = 0
        while not self._stop.is_set():
            n = POOL if rounds_full and caller.kind == "user" else 1
            plist = [dict(base, thread_items_count=10, offset=k * PAGE,
                          **({"start_comment_id": cursor} if cursor else {})) for k in range(n)]
            pages = self._pages(caller, method, plist)
            for page in pages:
                if isinstance(page, Exception):
                    raise page
            objs: list[dict[str, Any]] = []
            names: dict[int, str] = {}
            seen_ids: set[int] = set()
            last_short = False
            for page in pages:
                names.update(vk_items.author_names(page))
                for o in page.get("items") or []:
                    if int(o["id"]) > cursor and int(o["id"]) not in seen_ids:
                        seen_ids.add(int(o["id"]))
                        objs.append(o)
                if len(page.get("items") or []) < PAGE:
                    last_short = True
                    break
            items, fields, hdel = self._round(b, caller, method, base, source, state, objs, names, group_id,
                                              top)
            if objs:
                cursor = max(cursor, max(int(o["id"]) for o in objs))
            new_top = max(top, cursor)
            if new_top > top:
                fields["top"] = str(new_top)
            if not full:
                fields.setdefault("top", str(new_top))
            written += self._write(b, source, items, fields, hdel)
            state.update(fields)
            for f in hdel:
                state.pop(f, None)
            top = new_top
            if last_short or not objs:
                break
            rounds_full = True
        return written

    def _round(self, b: int | str, caller: VkCaller, method: str, base: dict[str, Any], source: Source,
               state: dict[str, str], objs: list[dict[str, Any]], names: dict[int, str], group_id: int | None,
               top: int) -> tuple[list[SourceItem], dict[str, str], list[str]]:
        kind = _kind(source)
        owner, item_id, sid = int(source["owner_id"]), int(source["item_id"]), source["id"]
        items: list[SourceItem] = []
        fields: dict[str, str] = {}
        hdel: list[str] = []
        emitted: set[int] = set()

        def consider(o: dict[str, Any], is_new: bool) -> None:
            cid = int(o["id"])
            if cid in emitted:
                return
            likes = vk_items.likes_of(o)
            if is_new:
                emitted.add(cid)
                it = vk_items.to_item(o, kind=kind, owner_id=owner, item_id=item_id, source_id=sid,
                                      via="poll", names=names, group_id=group_id)
                if it is not None:
                    items.append(it)
                if likes:
                    fields[f"l:{cid}"] = str(likes)
                return
            old = int(state.get(f"l:{cid}", 0))
            if likes != old and not o.get("deleted") and not vk_items.is_own(o, group_id):
                it = vk_items.to_item(o, kind=kind, owner_id=owner, item_id=item_id, source_id=sid,
                                      via="poll", names=names, group_id=group_id, item_kind="likes")
                if it is not None:
                    emitted.add(cid)
                    items.append(it)
                fields[f"l:{cid}"] = str(likes)

        branches: list[tuple[int, int, int]] = []  # (root, after, thread count)
        for o in objs:
            cid = int(o["id"])
            consider(o, cid > top)
            thread = o.get("thread") or {}
            count = int(thread.get("count") or 0)
            embedded = thread.get("items") or []
            seen_n, last_r = int(state.get(f"t:{cid}", 0)), int(state.get(f"r:{cid}", 0))
            for reply in embedded:
                consider(reply, int(reply["id"]) > last_r)
            if count > len(embedded) and count != seen_n:
                branches.append((cid, last_r, count))
                continue
            new_last = max([last_r] + [int(x["id"]) for x in embedded])
            if count != seen_n and (count or f"t:{cid}" in state):
                fields[f"t:{cid}"] = str(count)
            if new_last != last_r:
                fields[f"r:{cid}"] = str(new_last)

        queue = [(root, after, after, count) for root, after, count in branches]
        while queue and not self._stop.is_set():
            batch, queue = queue[:POOL], queue[POOL:]
            plist = [dict(base, comment_id=root, offset=0, **({"start_comment_id": pos} if pos else {}))
                     for root, _, pos, _ in batch]
            pages = self._pages_tolerant(caller, method, plist)
            for (root, after, pos, count), page in zip(batch, pages):
                if isinstance(page, VkError):
                    if isinstance(page, (VkTokenDead, VkCaptcha, VkTransient)):
                        raise page
                    continue  # root gone (deleted): its branch is re-checked by the next full sweep
                names.update(vk_items.author_names(page))
                got = [x for x in page.get("items") or [] if int(x["id"]) > pos]
                for reply in got:
                    consider(reply, int(reply["id"]) > after)
                last = max([pos] + [int(x["id"]) for x in got])
                if len(page.get("items") or []) >= PAGE and got:
                    queue.append((root, after, last, count))
                    continue
                fields[f"t:{root}"] = str(count)
                if last != after:
                    fields[f"r:{root}"] = str(last)
        for it in items:  # names learnt from branch pages
            if not it.author_name and it.author_id:
                it.author_name = names.get(int(it.author_id), "")
        return items, fields, hdel

    def _pages_tolerant(self, caller: VkCaller, method: str, plist: list[dict[str, Any]]) -> list[Any]:
        if caller.kind == "user" and len(plist) > 1:
            return caller.call_many(method, plist)
        out: list[Any] = []
        for p in plist:
            try:
                out.append(caller.call(method, **p))
            except (VkTokenDead, VkCaptcha, VkTransient):
                raise
            except VkError as exc:
                out.append(exc)
        return out

    # ------------------------------------------------------------------ scheduler
    def request_sweep(self, broadcast_id: int | str, source_id: str) -> None:
        with self._lock:
            self._need_full.add((broadcast_id, source_id))
            self._due[(broadcast_id, source_id)] = 0.0

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
            self._fail(b, source, exc)
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

    def _ensure_longpolls(self, sources: list[tuple[int, Source]]) -> None:
        for _, source in sources:
            group_id = self._group_of(source)
            if group_id is None:
                continue
            org = source.get("org", "default")
            tkey = ("lp", org, group_id)
            t = self._threads.get(tkey)
            if t is None or not t.is_alive():
                t = threading.Thread(target=self._longpoll, args=(org, group_id, self._stop), daemon=True,
                                     name=f"vk-lp:{group_id}")
                self._threads[tkey] = t
                t.start()

    # ------------------------------------------------------------------ long poll
    def _lp_sources(self, org: str, group_id: int) -> list[tuple[int, Source]]:
        return [(b, s) for b, s in self.active_sources()
                if s.get("org", "default") == org and int(s["owner_id"]) == -group_id]

    def _sweep_all(self, org: str, group_id: int) -> None:
        """Events may have been lost: every source of the community is swept soon; meanwhile it is behind."""
        for b, s in self._lp_sources(org, group_id):
            self.request_sweep(b, s["id"])
            self._status(b, s, "behind")

    def _stored_ts(self, sources: list[tuple[int, Source]]) -> int | None:
        values = []
        for b, s in sources:
            raw = self.r.hget(keys.source_state(b, s["id"]), "lp_ts")
            if raw is None:
                return None
            values.append(int(raw))
        return min(values) if values else None

    def _longpoll(self, org: str, group_id: int, stop: threading.Event) -> None:
        http = requests.Session()
        failures = 0
        server = key = None
        ts: int | None = None
        while not stop.is_set():
            try:
                sources = self._lp_sources(org, group_id)
                if not sources:
                    stop.wait(1.0)
                    continue
                if server is None:
                    caller = self._caller("group", org)
                    srv = caller.call("groups.getLongPollServer", group_id=group_id)
                    server, key = srv["server"], srv["key"]
                    if ts is None:
                        ts = self._stored_ts(sources)
                        if ts is None:  # a source never long-polled: its start sweep covers the past
                            ts = int(srv["ts"])
                resp = http.get(server, params={"act": "a_check", "key": key, "ts": ts,
                                                "wait": self.settings.lp_wait},
                                timeout=self.settings.lp_wait + self.settings.timeout)
                if stop.is_set():  # not committed: the stored ts brings these events back next time
                    break
                if resp.status_code >= 400:
                    raise VkTransient(f"long poll: HTTP {resp.status_code}", -resp.status_code)
                data = resp.json()
                self.stats["lp_checks"] += 1
                if failures:  # back after a gap: what happened meanwhile may be beyond VK's history
                    self._sweep_all(org, group_id)
                    failures = 0
                if "failed" in data:
                    self.stats["lp_failed"] += 1
                    code = int(data["failed"])
                    if code == 1:
                        ts = int(data["ts"])
                        self._sweep_all(org, group_id)
                        self._lp_commit(org, group_id, [], ts)
                    elif code == 2:
                        server = None
                    else:
                        server, ts = None, None
                        self._sweep_all(org, group_id)
                        caller = self._caller("group", org)
                        srv = caller.call("groups.getLongPollServer", group_id=group_id)
                        server, key, ts = srv["server"], srv["key"], int(srv["ts"])
                        self._lp_commit(org, group_id, [], ts)
                    continue
                ts_new = int(data["ts"])
                self._lp_commit(org, group_id, data.get("updates") or [], ts_new)
                ts = ts_new
                self._lp_healthy[(org, group_id)] = True
            except VkError as exc:
                self._lp_down(org, group_id, exc)
                failures += 1
                server = None
                stop.wait(min(30.0, self.settings.backoff_s * 2 ** min(failures, 6)))
            except (requests.RequestException, ValueError, KeyError) as exc:
                self._lp_down(org, group_id, VkTransient("long poll: нет связи с сервером событий VK"))
                failures += 1
                log.debug("long poll: %s", type(exc).__name__)
                stop.wait(min(30.0, self.settings.backoff_s * 2 ** min(failures, 6)))
            except redis.RedisError:
                failures += 1
                stop.wait(0.5)

    def _lp_down(self, org: str, group_id: int, exc: VkError) -> None:
        self._lp_healthy[(org, group_id)] = False
        try:
            for b, s in self._lp_sources(org, group_id):
                self._fail(b, s, exc)
        except redis.RedisError:
            pass

    def _lp_commit(self, org: str, group_id: int, updates: list[dict[str, Any]], ts: int) -> None:
        """Route a batch to its sources; per broadcast the items and each source's new ``lp_ts`` together."""
        by_target: dict[tuple[str, int, int], list[tuple[int, Source]]] = {}
        per_b: dict[int | str, list[Source]] = {}
        for b0, s in self._lp_sources(org, group_id):
            by_target.setdefault((_kind(s), int(s["owner_id"]), int(s["item_id"])), []).append((b0, s))
            per_b.setdefault(b0, []).append(s)
        items: dict[tuple[int | str, str], list[SourceItem]] = {}
        for event in updates:
            target = vk_items.event_target(event)
            if target is None:
                continue
            kind, owner, item_id, _, _ = target
            for bb, s in by_target.get((kind, owner, item_id), []):
                it = vk_items.from_event(event, s["id"], group_id)
                if it is None:
                    continue
                items.setdefault((bb, s["id"]), []).append(it)
        for b, srcs in per_b.items():
            state_keys = [keys.source_state(b, s["id"]) for s in srcs]
            while True:
                with self.r.pipeline(transaction=True) as p:
                    try:
                        p.watch(*state_keys)
                        batch: list[SourceItem] = []
                        cursor: dict[str, dict[str, str]] = {}
                        counts: dict[str, int] = {}
                        now = str(time.time())
                        for s, key in zip(srcs, state_keys):
                            its, marks = self._unseen(p, key, items.get((b, s["id"]), []))
                            batch += its
                            fields = {"lp_ts": str(ts), "updated_at": now, **marks}
                            if its:
                                fields["last_item_at"] = now
                                counts[key] = len(its)
                            healthy = self._lp_healthy.get((org, group_id)) is not False
                            if healthy and (b, s["id"]) not in self._need_full:
                                fields["state"] = "live"
                            cursor[key] = fields
                        p.multi()
                        for key, n in counts.items():
                            p.hincrby(key, "items", n)
                        inbox.append(self.r, b, batch, cursor=cursor, pipe=p)
                        p.execute()
                    except redis.WatchError:
                        continue
                self.stats["written"] += len(batch)
                break

    def _unseen(self, p: Any, key: str, its: list[SourceItem]) -> tuple[list[SourceItem], dict[str, str]]:
        """Drop "new" comments a sweep already wrote (a top-level id <= ``top``, a reply id <= ``r:<root>``);
        mark the others ``p:<id>`` so a sweep that meets them later skips them and drops the mark."""
        news = [it for it in its if it.kind == "new"]
        if not news:
            return its, {}
        roots = [((it.raw.get("parents_stack") or [None])[0]) for it in news]
        fields = ["top"] + [f"r:{root}" for root in roots if root]
        values = dict(zip(fields, p.hmget(key, fields)))
        top = int(values.get("top") or 0)
        drop: set[str] = set()
        marks: dict[str, str] = {}
        for it, root in zip(news, roots):
            cid = int(it.key.rsplit(":", 1)[1])
            passed = int(values.get(f"r:{root}") or 0) if root else top
            if cid <= passed:
                drop.add(it.key)
            else:
                marks[f"p:{cid}"] = "1"
        return [it for it in its if not (it.kind == "new" and it.key in drop)], marks
