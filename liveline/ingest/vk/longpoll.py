"""Bots Long Poll of one community token: VK pushes new, edited, deleted and restored comments.

Its ``ts`` is stored in every covered source's state hash (``lp_ts``) and advanced only through
``inbox.append(..., cursor=...)``, in the transaction that writes the batch's items. ``failed:1`` and
``failed:3`` (events lost) ask the scheduler for a full sweep of every covered source; ``failed:2`` renews
the key and keeps ``ts``. Each event is compared with what was written of its comment (``compare.on_event``,
the cursor's ``c:<id>``), so a redelivery, or a comment a sweep wrote already, writes nothing twice, and an
edit or restore of a comment never seen arrives as the comment itself. Events carry no names: they are
looked up (``names.resolve``, through the community token's bucket) before the batch is written.
A community token that cannot open the long poll of the source's community (a wrong group id) shows the
source as "misconfigured".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
import requests

from liveline.ingest import inbox
from liveline.ingest.inbox import SourceItem
from liveline.ingest.vk import compare, status
from liveline.ingest.vk import items as vk_items
from liveline.ingest.vk import names as vk_names
from liveline.ingest.vk.client import VkCaller, VkError, VkTransient
from liveline.ingest.vk.cursor import CursorChange, Seen, seen_field
from liveline.ingest.vk.sweep import api_kind, comment_id, target
from liveline.store import keys, redis_types
from liveline.store.txn import transact

log = logging.getLogger("liveline.ingest.vk")
Source = dict[str, Any]
NOT_THIS_GROUP = {7, 15, 100, 203}  # groups.getLongPollServer with a token of another community


@dataclass
class LongPollHooks:
    """What a long-poll loop needs from the scheduler that runs it."""
    caller: Callable[[str, str], VkCaller]  # (token kind, org) -> caller
    sources: Callable[[], list[tuple[int, Source]]]  # every active source
    request_sweep: Callable[[int | str, str], None]
    sweep_pending: Callable[[int | str, str], bool]


class LongPoll:
    def __init__(self, r: redis.Redis, org: str, group_id: int, hooks: LongPollHooks, *, wait: int,
                 timeout: float, backoff_s: float, stats: dict[str, int]) -> None:
        self.r = r
        self.org = org
        self.group_id = group_id
        self.hooks = hooks
        self.wait = wait
        self.timeout = timeout
        self.backoff_s = backoff_s
        self.stats = stats
        self.healthy: bool | None = None  # None until the first answer or failure

    def covered(self) -> list[tuple[int, Source]]:
        return [(b, s) for b, s in self.hooks.sources()
                if s.get("org", "default") == self.org and int(s["owner_id"]) == -self.group_id]

    def run(self, stop: threading.Event) -> None:
        http = requests.Session()
        failures = 0
        server = key = None
        ts: int | None = None
        while not stop.is_set():
            try:
                sources = self.covered()
                if not sources:
                    stop.wait(1.0)
                    continue
                if server is None:
                    srv = self._server()
                    server, key = srv["server"], srv["key"]
                    if ts is None:
                        ts = self._stored_ts(sources)
                        if ts is None:  # a source never long-polled: its start sweep covers the past
                            ts = int(srv["ts"])
                resp = http.get(server, params={"act": "a_check", "key": key, "ts": ts, "wait": self.wait},
                                timeout=self.wait + self.timeout)
                if stop.is_set():  # not committed: the stored ts brings these events back next time
                    break
                if resp.status_code >= 400:
                    raise VkTransient(f"long poll: HTTP {resp.status_code}", -resp.status_code)
                data = resp.json()
                self.stats["lp_checks"] += 1
                if failures:  # back after a gap: what happened meanwhile may be beyond VK's history
                    self._sweep_all()
                    failures = 0
                if "failed" in data:
                    self.stats["lp_failed"] += 1
                    code = int(data["failed"])
                    if code == 1:
                        ts = int(data["ts"])
                        self._sweep_all()
                        self.commit([], ts)
                    elif code == 2:
                        server = None
                    else:
                        server, ts = None, None
                        self._sweep_all()
                        srv = self._server()
                        server, key, ts = srv["server"], srv["key"], int(srv["ts"])
                        self.commit([], ts)
                    continue
                ts_new = int(data["ts"])
                self.commit(data.get("updates") or [], ts_new)
                ts = ts_new
                self.healthy = True
            except VkError as exc:
                self._down(exc)
                failures += 1
                server = None
                stop.wait(min(30.0, self.backoff_s * 2 ** min(failures, 6)))
            except (requests.RequestException, ValueError, KeyError) as exc:
                self._down(VkTransient("long poll: нет связи с сервером событий VK"))
                failures += 1
                log.debug("long poll: %s", type(exc).__name__)
                stop.wait(min(30.0, self.backoff_s * 2 ** min(failures, 6)))
            except redis.RedisError:
                failures += 1
                stop.wait(0.5)

    def _server(self) -> dict[str, Any]:
        """``groups.getLongPollServer``; a token of another community is a configuration error."""
        try:
            answer: dict[str, Any] = self.hooks.caller("group", self.org).call("groups.getLongPollServer",
                                                                              group_id=self.group_id)
            return answer
        except VkError as exc:
            if exc.code not in NOT_THIS_GROUP:
                raise
            raise status.Misconfigured(
                f"ключ сообщества не открывает long poll сообщества {self.group_id}: проверьте --group-id "
                f"в `liveline vk token set --group` [{exc.code}]", exc.code, exc.method) from None

    def _sweep_all(self) -> None:
        """Events may have been lost: every covered source is swept soon; meanwhile it is behind."""
        for b, s in self.covered():
            self.hooks.request_sweep(b, s["id"])
            status.set_state(self.r, b, s["id"], "behind", channel="lp")

    def _stored_ts(self, sources: list[tuple[int, Source]]) -> int | None:
        values = []
        for b, s in sources:
            raw = self.r.hget(keys.source_state(b, s["id"]), "lp_ts")
            if raw is None:
                return None
            values.append(int(raw))
        return min(values) if values else None

    def _down(self, exc: VkError) -> None:
        self.healthy = False
        try:
            for b, s in self.covered():
                status.record_failure(self.r, b, s, exc, channel="lp")
        except redis.RedisError:
            pass

    def commit(self, updates: list[dict[str, Any]], ts: int) -> None:
        """Route a batch to its sources; per broadcast the items and each source's new ``lp_ts`` together."""
        by_target: dict[tuple[str, int, int], list[tuple[int, Source]]] = {}
        per_b: dict[int | str, list[Source]] = {}
        for b0, s in self.covered():
            by_target.setdefault((api_kind(s), int(s["owner_id"]), int(s["item_id"])), []).append((b0, s))
            per_b.setdefault(b0, []).append(s)
        routed: dict[tuple[int | str, str], list[SourceItem]] = {}
        for event in updates:
            aim = vk_items.event_target(event)
            if aim is None:
                continue
            kind, owner, item_id, _, _ = aim
            for bb, s in by_target.get((kind, owner, item_id), []):
                it = vk_items.from_event(event, s["id"], self.group_id)
                if it is not None:
                    routed.setdefault((bb, s["id"]), []).append(it)
        self._name(routed)
        for b, srcs in per_b.items():
            self._commit_broadcast(b, srcs, routed, ts)
        if self.healthy is not False:
            for b, srcs in per_b.items():
                for s in srcs:
                    if not self.hooks.sweep_pending(b, s["id"]):
                        status.set_state(self.r, b, s["id"], "live", channel="lp")

    def _name(self, routed: dict[tuple[int | str, str], list[SourceItem]]) -> None:
        """Fill in the authors' names (events carry none); best effort, a sweep names the rest."""
        everything = [it for its in routed.values() for it in its]
        missing = compare.unnamed(everything)
        if not missing:
            return
        try:
            found = vk_names.resolve(self.r, self.hooks.caller("group", self.org), missing)
        except VkError as exc:
            log.info("long poll: names not resolved now (%s)", exc)
            return
        for it in everything:
            if it.author_id and not it.author_name and it.kind != "delete":
                it.author_name = found.get(int(it.author_id), "")

    def _commit_broadcast(self, b: int | str, srcs: list[Source],
                          routed: dict[tuple[int | str, str], list[SourceItem]], ts: int) -> None:
        state_keys = [keys.source_state(b, s["id"]) for s in srcs]

        def step(p: redis.client.Pipeline) -> int:
            batch: list[SourceItem] = []
            cursor: dict[str, dict[str, str]] = {}
            counts: dict[str, int] = {}
            now = str(time.time())
            for s, key in zip(srcs, state_keys):
                its, change = self._unseen(p, key, target(s, self.group_id), routed.get((b, s["id"]), []))
                batch += its
                change.lp_ts = ts
                fields = {**change.fields(), "updated_at": now}
                if its:
                    fields["last_item_at"] = now
                    counts[key] = len(its)
                cursor[key] = fields
            p.multi()
            for key, n in counts.items():
                p.hincrby(key, "items", n)
            inbox.append(self.r, b, batch, cursor=cursor, pipe=p)
            return len(batch)

        self.stats["written"] += transact(self.r, state_keys, step)

    def _unseen(self, p: redis.client.Pipeline, key: str, t: compare.Target,
                its: list[SourceItem]) -> tuple[list[SourceItem], CursorChange]:
        """The batch's events against what was written of their comments (read under WATCH), in order."""
        change = CursorChange()
        if not its:
            return its, change
        cids = sorted({comment_id(it) for it in its})
        values = p.hmget(key, [seen_field(c) for c in cids])
        seen: dict[int, Seen] = {c: Seen.decode(redis_types.text(v)) for c, v in zip(cids, values) if v}
        out: list[SourceItem] = []
        for it in its:
            cid = comment_id(it)
            got, new = compare.on_event(t, it, seen.get(cid))
            out += got
            if new is not None:
                seen[cid] = change.seen[cid] = new
        return out, change
