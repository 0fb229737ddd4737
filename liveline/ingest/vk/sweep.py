"""Cursor sweeps of a VK post's or video's comments (``*.getComments`` with the organisation's user token).

The top level is read with ``start_comment_id`` = the last top-level id seen, ascending, 100 a page, 10
replies embedded. An incremental sweep (every ``poll_s``: personal pages, live chat) starts at the cursor and
fetches a branch (``comment_id``) when a thread grew beyond what was embedded. A full, reconciling sweep (on
start, after a loss signal or downtime, every ``reconcile_s``) reads everything: the whole top level and every
thread whole. Each comment it reads is compared with what was written of it (``compare.observe``: text,
deleted placeholders, restores, likes, the author's name) and the difference goes out as ordinary items; a
comment it holds that a level read whole no longer shows is deleted (VK drops a deleted comment without live
replies from its pages). Whatever push delivered or missed, the inbox converges on VK's state.

Cost, with a user token (3 requests/s): a page is 100 top-level comments with up to 10 replies each, and one
``execute`` carries 25 pages (2,500 top-level comments) or 25 branches of 100 replies. A 20,000-comment post
of 16,000 top-level comments and 4,050 replies in 150 long threads takes 15 requests (measured against the
simulator: 8 for the top level, the first page alone, then 25 pages an ``execute``; 7 for the branches):
about 5 s of the token's budget per reconciling sweep, 11% of it at the default 45 s.
A service token cannot ``execute``: 160 + 150 requests, so give the organisation a user token.

Every round's items and its cursor change are one Redis transaction: a killed process re-reads at most the
round it was in, and resumes where the inbox stands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis

from liveline.ingest import inbox
from liveline.ingest.inbox import SourceItem
from liveline.ingest.vk import compare, itemkeys
from liveline.ingest.vk import items as vk_items
from liveline.ingest.vk import names as vk_names
from liveline.ingest.vk.client import VkCaller, VkCaptcha, VkError, VkTokenDead, VkTransient
from liveline.ingest.vk.cursor import CursorChange, SourceCursor, seen_field
from liveline.store import keys, redis_types
from liveline.store.txn import transact

PAGE = 100
POOL = 25
Source = dict[str, Any]


def api_kind(source: Source) -> str:
    """"wall" or "video": the VK object a source's comments hang on."""
    return "wall" if source["kind"] == "vk_wall" else "video"


def comment_id(item: SourceItem) -> int:
    return itemkeys.parse(item.key).comment_id


@dataclass
class Reading:
    """What one sweep read, for telling deletions by absence once it has read everything."""
    read: set[int] = field(default_factory=set)            # every comment id on its pages
    roots: set[int] = field(default_factory=set)           # top-level ids
    threads_whole: set[int] = field(default_factory=set)   # roots whose every reply was read


def target(source: Source, group_id: int | None) -> compare.Target:
    owner = int(source["owner_id"])
    return compare.Target(api_kind(source), owner, int(source["item_id"]), source["id"],
                          group_id or (-owner if owner < 0 else None))


class Sweeper:
    """Sweeps one source at a time; ``stopped`` ends a sweep between rounds."""

    def __init__(self, r: redis.Redis, stopped: Callable[[], bool], stats: dict[str, int]) -> None:
        self.r = r
        self.stopped = stopped
        self.stats = stats

    def sweep(self, caller: VkCaller, b: int | str, source: Source, cursor: SourceCursor, full: bool,
              group_id: int | None) -> int:
        """Sweep ``source`` from ``cursor`` (advanced in place); returns the number of items written."""
        t = target(source, group_id)
        method = "wall.getComments" if t.kind == "wall" else "video.getComments"
        base = self._base_params(source)
        start = 0 if full else cursor.top
        rounds_full = False
        written = 0
        reading = Reading()
        finished = False
        while not self.stopped():
            n = POOL if rounds_full and caller.kind == "user" else 1
            plist = [dict(base, thread_items_count=10, offset=k * PAGE,
                          **({"start_comment_id": start} if start else {})) for k in range(n)]
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
                    if int(o["id"]) > start and int(o["id"]) not in seen_ids:
                        seen_ids.add(int(o["id"]))
                        objs.append(o)
                if len(page.get("items") or []) < PAGE:
                    last_short = True
                    break
            items, change = self._round(caller, method, base, t, cursor, objs, names, full, reading)
            if objs:
                start = max(start, max(int(o["id"]) for o in objs))
            new_top = max(cursor.top, start)
            if new_top > cursor.top or not full:
                change.top = new_top
            written += self.write(b, source, items, change, cursor)
            change.apply_to(cursor)
            cursor.swept = True
            if last_short or not objs:
                finished = True
                break
            rounds_full = True
        if full and finished and not self.stopped():
            gone, seen = compare.vanished(t, cursor.seen, reading.read, reading.roots, reading.threads_whole)
            if gone:
                change = CursorChange(seen=seen)
                written += self.write(b, source, gone, change, cursor)
                change.apply_to(cursor)
        return written

    def write(self, b: int | str, source: Source, items: list[SourceItem], change: CursorChange,
              cursor: SourceCursor) -> int:
        """A round's items, cursor change and counters in one transaction. A comment whose stored state
        changed since ``cursor`` was read (the long poll wrote it meanwhile; read under WATCH so the two
        writers cannot both win) is left out, items and state: the next sweep compares it again."""
        key = keys.source_state(b, source["id"])
        cids = sorted(change.seen)
        before = {c: cursor.stored.get(c) for c in cids}

        def step(p: redis.client.Pipeline) -> tuple[int, set[int]]:
            now_values = p.hmget(key, [seen_field(c) for c in cids]) if cids else []
            moved = {c for c, v in zip(cids, now_values) if (redis_types.text(v) if v else None) != before[c]}
            keep = [it for it in items if comment_id(it) not in moved]
            now = str(time.time())
            fields = {k: v for k, v in change.fields().items()
                      if not (k.startswith("c:") and int(k[2:]) in moved)}
            fields["updated_at"] = now
            if keep:
                fields["last_item_at"] = now
            p.multi()
            inbox.append(self.r, b, keep, cursor={key: fields}, pipe=p)
            if keep:
                p.hincrby(key, "items", len(keep))
            return len(keep), moved

        n, moved = transact(self.r, [key], step)
        for c in moved:
            change.seen.pop(c, None)
        self.stats["written"] += n
        return n

    # ------------------------------------------------------------------ one round
    def _base_params(self, source: Source) -> dict[str, Any]:
        params: dict[str, Any] = {"owner_id": int(source["owner_id"]), "sort": "asc", "count": PAGE,
                                  "extended": 1, "need_likes": 1}
        if api_kind(source) == "wall":
            params.update(post_id=int(source["item_id"]), preview_length=0)
        else:
            params["video_id"] = int(source["item_id"])
        return params

    def _pages(self, caller: VkCaller, method: str, params_list: list[dict[str, Any]]) -> list[Any]:
        if caller.kind == "user" and len(params_list) > 1:
            return caller.call_many(method, params_list)
        return [caller.call(method, **p) for p in params_list]

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

    def _round(self, caller: VkCaller, method: str, base: dict[str, Any], t: compare.Target,
               cursor: SourceCursor, objs: list[dict[str, Any]], names: dict[int, str], full: bool,
               reading: Reading) -> tuple[list[SourceItem], CursorChange]:
        items: list[SourceItem] = []
        change = CursorChange()

        def consider(o: dict[str, Any]) -> None:
            cid = int(o["id"])
            if cid in reading.read:
                return
            reading.read.add(cid)
            out, seen = compare.observe(t, o, cursor.seen.get(cid), names)
            items.extend(out)
            if seen is not None:
                change.seen[cid] = seen

        branches: list[tuple[int, int, int]] = []  # (root, read after, thread count)
        for o in objs:
            cid = int(o["id"])
            consider(o)
            reading.roots.add(cid)
            thread = o.get("thread") or {}
            count = int(thread.get("count") or 0)
            embedded = thread.get("items") or []
            seen_n, last_r = cursor.thread_seen.get(cid, 0), cursor.last_reply.get(cid, 0)
            for reply in embedded:
                consider(reply)
            if count > len(embedded) and (full or count != seen_n):
                branches.append((cid, 0 if full else last_r, count))  # a full sweep reads every thread whole
                continue
            reading.threads_whole.add(cid)
            new_last = max([last_r] + [int(x["id"]) for x in embedded])
            if count != seen_n and (count or cursor.knows_thread(cid)):
                change.thread_seen[cid] = count
            if new_last != last_r:
                change.last_reply[cid] = new_last

        queue = list(branches)
        while queue and not self.stopped():
            batch, queue = queue[:POOL], queue[POOL:]
            plist = [dict(base, comment_id=root, offset=0, **({"start_comment_id": pos} if pos else {}))
                     for root, pos, _ in batch]
            pages = self._pages_tolerant(caller, method, plist)
            for (root, pos, count), page in zip(batch, pages):
                if isinstance(page, VkError):
                    if isinstance(page, (VkTokenDead, VkCaptcha, VkTransient)):
                        raise page
                    continue  # root gone (deleted): its branch is re-checked by the next full sweep
                names.update(vk_items.author_names(page))
                got = [x for x in page.get("items") or [] if int(x["id"]) > pos]
                for reply in got:
                    consider(reply)
                last = max([pos] + [int(x["id"]) for x in got])
                if len(page.get("items") or []) >= PAGE and got:
                    queue.append((root, last, count))
                    continue
                reading.threads_whole.add(root)
                change.thread_seen[root] = count
                if last > cursor.last_reply.get(root, 0):
                    change.last_reply[root] = last
        self._name(caller, t, items, change)
        return items, change

    def _name(self, caller: VkCaller, t: compare.Target, items: list[SourceItem], change: CursorChange) -> None:
        """Authors the extended answer did not name (rare): asked for in one batch, best effort."""
        missing = compare.unnamed(items)
        if not missing:
            return
        try:
            found = vk_names.resolve(self.r, caller, missing)
        except VkError:
            return
        for it in items:
            if not it.author_name and it.author_id and found.get(int(it.author_id)):
                it.author_name = found[int(it.author_id)]
                cid = comment_id(it)
                if cid in change.seen:
                    change.seen[cid] = change.seen[cid].but(named=True)
