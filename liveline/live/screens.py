"""What each kind of screen shows, rendered from a broadcast's state: board and host.

Each channel keeps a ``Screens``: ``render(kind, state, events)`` with ``events=None`` renders the snapshot
a socket starts from; otherwise the fragments that bring a screen from the state before ``events`` to
``state``. Fragments are keyed by stable DOM ids, so a replayed one is harmless. The board shows a window of
each column (its first ``LIVELINE_BOARD_CARDS`` cards) and the column's true count; ``BoardView`` keeps the
windows honest as events arrive, and search reaches past them (``search.py``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from markupsafe import Markup

from liveline.board import catalog
from liveline.live.search import Found, Haystacks, Query, find
from liveline.live.window import COLUMNS, Columns
from liveline.render import first_name, render_fragment
from liveline.store.events import Event
from liveline.store.state import State

log = logging.getLogger("liveline.live.screens")
BOARD_COLUMNS = COLUMNS
BOARD_CARDS = 500  # cards a board shows per column unless LIVELINE_BOARD_CARDS says otherwise
SNAPSHOT_FIRST = 60  # cards per column in the part of a snapshot a board paints first


def masked(text: str) -> str:
    """Reading text with personal data masked (host screen, public exports)."""
    from liveline.triage.pii import mask_pii

    return mask_pii(text)


# -- board ----------------------------------------------------------------------------------------------
def board_columns(s: State) -> dict[str, list[dict[str, Any]]]:
    """Every card of every column, in board order (what a board would show with no window at all)."""
    cols = Columns(s)
    return {k: [s.clusters[cid] for cid in cols.ids(k, s)] for k in BOARD_COLUMNS}


def board_window(s: State, limit: int = BOARD_CARDS) -> dict[str, list[dict[str, Any]]]:
    """The cards a board shows: the first ``limit`` of each column."""
    cols = Columns(s)
    return {k: [s.clusters[cid] for cid in cols.top(k, s, limit)] for k in BOARD_COLUMNS}


# Rendered cards of each broadcast: cluster id -> (what the card depends on, html). A card renders again only
# when its cluster changed (every change bumps its version) or the admin's topics did (another ``Topics``), so
# a snapshot of thousands of cards, needed on every (re)connect, is mostly a join of strings. The html comes
# from the autoescaped _card.html template.
_CARDS: dict[str, dict[str, tuple[tuple[Any, ...], Markup]]] = {}


def card_html(bid: str, c: dict[str, Any], tz: str, topics: catalog.Topics) -> Markup:
    """One card; its topic shown by the name ``topics`` (the admin's taxonomy) gives it."""
    cache = _CARDS.setdefault(bid, {})
    key = (c["version"], c.get("updated_at"), c.get("created_at"), c["status"], c.get("taken_by"), tz, topics)
    hit = cache.get(c["id"])
    if hit is not None and hit[0] == key:
        return hit[1]
    html = Markup(render_fragment("partials/_card.html", c=c, tz=tz, topic_names=topics.names))
    cache[c["id"]] = (key, html)
    return html


class BoardView:
    """One mirror's board: its columns (following every batch as it is applied, watched or not) and the
    windows every board socket holds, so that an update carries what brings each of them to the new windows.

    A board holds the first ``limit`` cards of each column. An update fragment carries the changed cards that
    are in a window, the cards that entered a window, and for every column whose window changed the ids of
    the whole window in order (board.js removes what is not listed and orders the rest). What every socket
    holds is the window of the last update (``sent``); a snapshot rendered since may hold another, so its
    columns are sent in full next time and only the cards both hold count as known.
    """

    def __init__(self, limit: int = BOARD_CARDS, topics: catalog.Topics | None = None) -> None:
        self.limit = limit
        self.topics = topics or catalog.default_topics()
        self.hay = Haystacks(self.topics)
        self._cols: Columns | None = None
        self._sent: dict[str, list[str]] | None = None
        self._known: dict[str, set[str]] = {}
        self._unsure: set[str] = set()

    def set_topics(self, topics: catalog.Topics) -> None:
        """The admin's topics changed: cards and search texts follow them (the channel sends fresh snapshots)."""
        self.topics = topics
        self.hay = Haystacks(topics)

    def columns(self, s: State) -> Columns:
        if self._cols is None:
            self._cols = Columns(s)
        return self._cols

    def follow(self, s: State, events: list[Event]) -> None:
        changed = {cid for ev in events for cid in ev.clusters}
        gone = [cid for cid in changed if cid not in s.clusters]  # merged away: their cached html goes too
        if gone:
            cache = _CARDS.get(str(s.broadcast.get("id", "")), {})
            for cid in gone:
                cache.pop(cid, None)
            self.hay.drop(gone)
        if self._cols is None:
            return
        try:
            self._cols.follow(s, changed)
        except Exception:  # never let one batch stop the channel: build the columns afresh when next needed
            log.exception("board columns of broadcast %s lost track; rebuilding", s.broadcast.get("id"))
            self._cols = None

    def windows(self, s: State) -> dict[str, list[str]]:
        cols = self.columns(s)
        return {k: cols.top(k, s, self.limit) for k in BOARD_COLUMNS}

    def counts(self, s: State, windows: dict[str, list[str]]) -> dict[str, dict[str, int]]:
        cols = self.columns(s)
        return {k: {"total": cols.count(k), "shown": len(windows[k])} for k in BOARD_COLUMNS}

    def render(self, s: State, events: list[Event] | None) -> str:
        return self.snapshot(s) if events is None else self.update(s, events)

    def snapshot(self, s: State) -> str:
        tz = s.broadcast.get("tz", "Europe/Moscow")
        bid = str(s.broadcast.get("id", ""))
        windows = self.windows(s)

        def join(ids: list[str]) -> Markup:
            return Markup("".join([str(card_html(bid, s.clusters[cid], tz, self.topics)) for cid in ids]))

        # the first cards of each column, then the rest after a marker: board.js paints the first part before
        # it parses the rest (half a snapshot's cards are in tabs not shown)
        html = {k: join(ids[:SNAPSHOT_FIRST]) for k, ids in windows.items()}
        rest = {k: join(ids[SNAPSHOT_FIRST:]) for k, ids in windows.items() if len(ids) > SNAPSHOT_FIRST}
        if self._sent is None:  # the first snapshot of this view; later, follow() drops what goes
            cache = _CARDS.get(bid, {})
            for gone in set(cache) - set(s.clusters):
                del cache[gone]
            self._sent = windows
            self._known = {k: set(ids) for k, ids in windows.items()}
        else:  # this socket holds these windows, the others what was sent last
            for k, ids in windows.items():
                if ids != self._sent.get(k):
                    self._unsure.add(k)
                self._known[k] = self._known.get(k, set()) & set(ids)
        return render_fragment("partials/_board.html", cards=html, rest=rest, counts=self.counts(s, windows),
                               places=self.columns(s).places(), b=s.broadcast, tz=tz, queue=s.queue,
                               host=s.host)

    def update(self, s: State, events: list[Event]) -> str:
        """What a batch of events changed: cards (into ``#incoming``, where board.js places them), the
        windows that changed, every column's count, the queue order, the broadcast's state, the cue line, and
        who is online with which card open."""
        changed: set[str] = set()
        queue_changed = broadcast_changed = host_changed = False
        online: list[dict[str, Any]] | None = None
        for ev in events:
            changed.update(ev.clusters)
            queue_changed = queue_changed or ev.queue is not None
            broadcast_changed = broadcast_changed or ev.broadcast is not None
            host_changed = host_changed or ev.host is not None
            if ev.type == "presence":
                online = list(ev.note.get("online") or [])
        if not (changed or queue_changed or broadcast_changed or host_changed or online is not None):
            return ""
        tz = s.broadcast.get("tz", "Europe/Moscow")
        bid = str(s.broadcast.get("id", ""))
        windows = self.windows(s)
        if self._sent is None:  # no history (a render outside a channel): every window is news
            self._sent, self._unsure = {}, set(BOARD_COLUMNS)
            self._known = {k: set(ids) - changed for k, ids in windows.items()}
        lists = {k: ids for k, ids in windows.items() if k in self._unsure or ids != self._sent.get(k)}
        shown = {cid for ids in windows.values() for cid in ids}
        send = [cid for cid in changed if cid in shown or cid not in s.clusters]
        for k, ids in lists.items():
            known = self._known.get(k, set())
            send += [cid for cid in ids if cid not in known]
        cards = {cid: (card_html(bid, s.clusters[cid], tz, self.topics) if cid in s.clusters else None)
                 for cid in dict.fromkeys(send)}
        self._sent, self._unsure = windows, set()
        self._known = {k: set(ids) for k, ids in windows.items()}
        return render_fragment("partials/_board_update.html", cards=cards, lists=lists,
                               counts=self.counts(s, windows), b=s.broadcast, tz=tz,
                               queue=s.queue if queue_changed else None, host=s.host if host_changed else None,
                               broadcast_changed=broadcast_changed,
                               pv=presence_view(online) if online is not None else None)


def render_board(s: State, events: list[Event] | None, limit: int = BOARD_CARDS,
                 topics: catalog.Topics | None = None) -> str:
    """The board of a state with no history behind it (a channel keeps a ``BoardView`` instead)."""
    return BoardView(limit, topics).render(s, events)


def presence_view(online: list[dict[str, Any]]) -> dict[str, Any]:
    """Who is online, and card id -> who has it open (board.js marks those cards, leaving out the viewer)."""
    from liveline.board.presence import open_cards

    return {"online": online, "open": open_cards(online)}


# -- host -----------------------------------------------------------------------------------------------
def host_view(s: State) -> dict[str, Any]:
    h = s.host or {}
    on_air = s.clusters.get(h.get("on_air") or "")
    upcoming = [s.clusters[cid] for cid in s.queue if cid in s.clusters][:3]

    def card(c: dict[str, Any] | None) -> dict[str, Any] | None:
        if c is None:
            return None
        text = masked(c["reading_text"])
        text = text if len(text) <= 700 else text[:700] + "…"
        parent = c.get("reply_to") if c.get("parent_on_host") else None
        if parent:
            ptext = masked(parent.get("text") or "")
            parent = {"text": ptext if len(ptext) <= 300 else ptext[:300] + "…",
                      "first_name": first_name(parent.get("author_name") or "")}
        return {"id": c["id"], "text": text, "first_name": first_name(c.get("author_name") or ""), "parent": parent,
                "settlement": c.get("settlement") or "",
                "support": c["support"], "size": c["size"], "topic": c.get("topic", "")}

    started = float(s.broadcast.get("started_at") or 0) or None
    return {"on_air": card(on_air), "since": h.get("since"), "upcoming": [card(c) for c in upcoming],
            "queue_len": len(s.queue), "cue": h.get("cue", ""), "cue_at": h.get("cue_at"),
            "blank": h.get("blank", False), "paused": h.get("paused", False), "font": h.get("font", 100),
            "started_at": started, "end": s.broadcast.get("end", ""), "title": s.broadcast.get("title", ""),
            "official": s.broadcast.get("official", ""), "state": s.broadcast.get("state", ""),
            "now": time.time()}


def _host_relevant(s: State, events: list[Event]) -> bool:
    shown = set(s.queue[:3]) | {(s.host or {}).get("on_air") or ""}
    for ev in events:
        if ev.host is not None or ev.queue is not None or ev.broadcast is not None:
            return True
        if shown & set(ev.clusters):
            return True
    return False


def render_host(s: State, events: list[Event] | None) -> str:
    if events is not None and not _host_relevant(s, events):
        return ""
    return render_fragment("partials/_host.html", v=host_view(s), oob=events is not None)


class Screens:
    """What one channel shows of its mirror, kind by kind: a ``BoardView`` that follows every batch, and the
    host screen (a pure function of the state). The channel renders each batch once per kind.

    Topics are shown by the names of the admin's taxonomy (``catalog.topics``), which the channel reads when
    it starts and every few seconds after (``set_topics``); until then, the built-in names."""

    def __init__(self, board_cards: int = BOARD_CARDS, topics: catalog.Topics | None = None) -> None:
        self.board = BoardView(board_cards, topics)

    @property
    def topics(self) -> catalog.Topics:
        return self.board.topics

    def set_topics(self, topics: catalog.Topics) -> bool:
        """Show ``topics`` from now on; True when their names changed (what is on screen is then stale)."""
        if topics.names == self.board.topics.names:
            return False
        self.board.set_topics(topics)
        return True

    def follow(self, s: State, events: list[Event]) -> None:
        self.board.follow(s, events)

    def reset(self) -> None:
        """The mirror was read afresh (the log was trimmed past it): what was followed so far is forgotten."""
        self.board = BoardView(self.board.limit, self.board.topics)

    def render(self, kind: str, s: State, events: list[Event] | None) -> str:
        if kind == "board":
            return self.board.render(s, events)
        if kind == "host":
            return render_host(s, events)
        raise ValueError(kind)

    def find(self, s: State, query: Query) -> list[Found]:
        """Search beyond the window. ``columns`` must have been built (on the event loop) before a thread
        runs this: the index is then only read."""
        return find(s, self.board.columns(s), query, self.board.limit, self.board.hay)


def render(kind: str, s: State, events: list[Event] | None, topics: catalog.Topics | None = None) -> str:
    """A screen of a state with no history behind it."""
    return Screens(topics=topics).render(kind, s, events)
