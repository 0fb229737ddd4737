"""The board's columns in board order, kept sorted as events arrive: what a window over them is cut from.

At a million questions a column holds tens of thousands of cards; a board shows the first ``limit`` of each
(``LIVELINE_BOARD_CARDS``) and the column's true count. ``Columns`` is built once from a mirror and then
follows it: every changed cluster is re-keyed with a bisect into its column's sorted list, so a window and a
count are cheap to take on every tick. The order of each column:

* new and approved: urgent first, then pinned, then by support (or newest first, for search sorted by time),
  then the oldest first;
* queued: the host queue's order (read from the state when asked: the queue is small by nature);
* the others (on air, answered, rejected, filtered, chat): the most recently changed first.

Ties end on the cluster id, so an index that followed events and one built fresh agree card for card.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable
from typing import Any

from liveline.store.state import State

COLUMNS = ("new", "approved", "queued", "on_air", "answered", "rejected", "filtered", "chat")
RANKED = ("new", "approved")

Entry = tuple[Any, ...]  # a sort key that ends with the cluster id


def tie(cid: str) -> tuple[int, str]:
    """Ids in numeric order without parsing them: "9" before "10"."""
    return len(cid), cid


def entry(c: dict[str, Any], by_time: bool = False) -> Entry:
    """Where a cluster sorts in its column (``by_time``: new and approved newest first)."""
    cid = str(c["id"])
    if c["status"] in RANKED:
        created = float(c.get("created_at") or 0)
        return (not c.get("urgent"), not c.get("pinned"), -created if by_time else -int(c.get("support") or 0),
                created, *tie(cid))
    return (-float(c.get("updated_at") or 0), *tie(cid))


class Columns:
    """Every cluster of a broadcast by column, in board order; ``follow`` keeps it equal to a fresh build."""

    def __init__(self, s: State) -> None:
        self._sorted: dict[str, list[Entry]] = {k: [] for k in COLUMNS if k != "queued"}
        self._queued: set[str] = set()
        self._at: dict[str, tuple[str, Entry | None, str]] = {}  # cluster id -> (column, entry, settlement)
        self._places: Counter[str] = Counter()
        for cid, c in s.clusters.items():
            self._put(cid, c, sort=False)
        for items in self._sorted.values():
            items.sort()

    def follow(self, s: State, cids: Iterable[str]) -> None:
        """Re-key the clusters ``cids`` from the state (which already holds their latest version)."""
        for cid in cids:
            c = s.clusters.get(cid)
            if c is not None and self._at.get(cid) == self._where(c):
                continue
            self._drop(cid)
            if c is not None:
                self._put(cid, c)

    def count(self, column: str) -> int:
        if column == "queued":
            return len(self._queued)
        return len(self._sorted.get(column, ()))

    def ids(self, column: str, s: State) -> list[str]:
        """The column's cluster ids in board order (from copies taken in one step, so a search running in a
        thread while the event loop follows the mirror reads a consistent column)."""
        if column == "queued":
            members = set(self._queued)
            listed = [cid for cid in list(s.queue) if cid in members]
            return listed + sorted(members.difference(listed), key=tie)
        return [e[-1] for e in list(self._sorted.get(column, ()))]

    def top(self, column: str, s: State, limit: int) -> list[str]:
        """The first ``limit`` ids of the column: what a board shows of it."""
        if column == "queued":
            return self.ids(column, s)[:limit]
        return [e[-1] for e in self._sorted.get(column, [])[:limit]]

    def places(self) -> list[str]:
        """Every settlement a card of the broadcast names, sorted (the board's settlement filter)."""
        return sorted(self._places)

    # -- the sorted lists ----------------------------------------------------------------------------
    @staticmethod
    def _where(c: dict[str, Any]) -> tuple[str, Entry | None, str]:
        return c["status"], None if c["status"] == "queued" else entry(c), c.get("settlement") or ""

    def _put(self, cid: str, c: dict[str, Any], sort: bool = True) -> None:
        where = self._where(c)
        status, e, place = where
        if e is None:
            self._queued.add(cid)
        elif sort:
            insort(self._sorted.setdefault(status, []), e)
        else:
            self._sorted.setdefault(status, []).append(e)
        self._at[cid] = where
        if place:
            self._places[place] += 1

    def _drop(self, cid: str) -> None:
        was = self._at.pop(cid, None)
        if was is None:
            return
        status, e, place = was
        if e is None:
            self._queued.discard(cid)
        else:
            items = self._sorted[status]
            i = bisect_left(items, e)
            if i < len(items) and items[i] == e:
                del items[i]
        if place:
            self._places[place] -= 1
            if self._places[place] <= 0:
                del self._places[place]
