"""Cursor sweeps of a VK post's or video's comments (``*.getComments`` with the organisation's user token).

The top level is read with ``start_comment_id`` = the last top-level id seen, ascending, 100 a page, 10
replies embedded; whole branches are fetched (``comment_id``) when a thread holds more than was embedded or
seen. A full sweep (on start, after a loss signal or downtime, every ``reconcile_s``) walks the whole top
level to catch replies to old comments and like changes; an incremental one (every ``poll_s``: personal
pages, live chat) starts at the cursor. Several pages or branches go in one ``execute``.

Known gaps: without push (personal pages) a reply to an old comment waits for the next full sweep, an edit
or a restore is not seen, and a thread that lost one reply and gained another between two sweeps (same
size) is not re-read; deletions are never inferred from absence.

Every round's items and its cursor change are one Redis transaction: a killed process re-reads at most the
round it was in, and resumes where the inbox stands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis

from liveline.ingest import inbox
from liveline.ingest.inbox import SourceItem
from liveline.ingest.vk import itemkeys
from liveline.ingest.vk import items as vk_items
from liveline.ingest.vk.client import VkCaller, VkCaptcha, VkError, VkTokenDead, VkTransient
from liveline.ingest.vk.cursor import CursorChange, SourceCursor
from liveline.store import keys
from liveline.store.txn import transact

PAGE = 100
POOL = 25
Source = dict[str, Any]


def api_kind(source: Source) -> str:
    """"wall" or "video": the VK object a source's comments hang on."""
    return "wall" if source["kind"] == "vk_wall" else "video"


def comment_id(item: SourceItem) -> int:
    return itemkeys.parse(item.key).comment_id


class Sweeper:
    """Sweeps one source at a time; ``stopped`` ends a sweep between rounds."""

    def __init__(self, r: redis.Redis, stopped: Callable[[], bool], stats: dict[str, int]) -> None:
        self.r = r
        self.stopped = stopped
        self.stats = stats

    def sweep(self, caller: VkCaller, b: int | str, source: Source, cursor: SourceCursor, full: bool,
              group_id: int | None) -> int:
        """Sweep ``source`` from ``cursor`` (advanced in place); returns the number of items written."""
        kind = api_kind(source)
        method = "wall.getComments" if kind == "wall" else "video.getComments"
        owner = int(source["owner_id"])
        group_id = group_id or (-owner if owner < 0 else None)
        base = self._base_params(source)
        start = 0 if full else cursor.top
        rounds_full = False
        written = 0
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
            items, change = self._round(caller, method, base, source, cursor, objs, names, group_id)
            if objs:
                start = max(start, max(int(o["id"]) for o in objs))
            new_top = max(cursor.top, start)
            if new_top > cursor.top or not full:
                change.top = new_top
            written += self.write(b, source, items, change)
            change.apply_to(cursor)
            cursor.swept = True
            if last_short or not objs:
                break
            rounds_full = True
        return written

    def write(self, b: int | str, source: Source, items: list[SourceItem], change: CursorChange) -> int:
        """A round's items, cursor change and counters in one transaction. Comments the long poll wrote
        meanwhile (``p:<id>``, read under WATCH so the two writers cannot both win) are left out."""
        key = keys.source_state(b, source["id"])
        ids = [comment_id(it) for it in items if it.kind == "new"]

        def step(p: redis.client.Pipeline) -> int:
            marks = p.hmget(key, [f"p:{i}" for i in ids]) if ids else []
            pushed = {i for i, m in zip(ids, marks) if m is not None}
            keep = [it for it in items if not (it.kind == "new" and comment_id(it) in pushed)]
            now = str(time.time())
            fields = dict(change.fields(), updated_at=now)
            if keep:
                fields["last_item_at"] = now
            drop = change.deleted() + [f"p:{i}" for i in sorted(pushed)]
            p.multi()
            inbox.append(self.r, b, keep, cursor={key: fields}, pipe=p)
            if drop:
                p.hdel(key, *drop)
            if keep:
                p.hincrby(key, "items", len(keep))
            return len(keep)

        n = transact(self.r, [key], step)
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

    def _round(self, caller: VkCaller, method: str, base: dict[str, Any], source: Source, cursor: SourceCursor,
               objs: list[dict[str, Any]], names: dict[int, str],
               group_id: int | None) -> tuple[list[SourceItem], CursorChange]:
        kind = api_kind(source)
        owner, item_id, sid = int(source["owner_id"]), int(source["item_id"]), source["id"]
        top = cursor.top
        items: list[SourceItem] = []
        change = CursorChange()
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
                    change.likes[cid] = likes
                return
            old = cursor.likes.get(cid, 0)
            if likes != old and not o.get("deleted") and not vk_items.is_own(o, group_id):
                it = vk_items.to_item(o, kind=kind, owner_id=owner, item_id=item_id, source_id=sid,
                                      via="poll", names=names, group_id=group_id, item_kind="likes")
                if it is not None:
                    emitted.add(cid)
                    items.append(it)
                change.likes[cid] = likes

        branches: list[tuple[int, int, int]] = []  # (root, after, thread count)
        for o in objs:
            cid = int(o["id"])
            consider(o, cid > top)
            thread = o.get("thread") or {}
            count = int(thread.get("count") or 0)
            embedded = thread.get("items") or []
            seen_n, last_r = cursor.thread_seen.get(cid, 0), cursor.last_reply.get(cid, 0)
            for reply in embedded:
                consider(reply, int(reply["id"]) > last_r)
            if count > len(embedded) and count != seen_n:
                branches.append((cid, last_r, count))
                continue
            new_last = max([last_r] + [int(x["id"]) for x in embedded])
            if count != seen_n and (count or cursor.knows_thread(cid)):
                change.thread_seen[cid] = count
            if new_last != last_r:
                change.last_reply[cid] = new_last

        queue = [(root, after, after, count) for root, after, count in branches]
        while queue and not self.stopped():
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
                change.thread_seen[root] = count
                if last != after:
                    change.last_reply[root] = last
        for it in items:  # names learnt from branch pages
            if not it.author_name and it.author_id:
                it.author_name = names.get(int(it.author_id), "")
        return items, change
