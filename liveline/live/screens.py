"""What each kind of screen shows, rendered from a broadcast's state: board and host.

``render(kind, state, events)`` is the hub's renderer: ``events=None`` renders the snapshot a socket starts
from; otherwise the fragments that bring a screen from the state before ``events`` to ``state``. Fragments
are keyed by stable DOM ids, so a replayed one is harmless.
"""

from __future__ import annotations

import time
from typing import Any

from markupsafe import Markup

from liveline.render import render_fragment
from liveline.store.events import Event
from liveline.store.state import State
from liveline.triage.topics import DEFAULT_TAXONOMY

BOARD_COLUMNS = ("new", "approved", "queued", "on_air", "answered", "rejected", "filtered")
TOPIC_NAMES = {t.slug: t.name for t in DEFAULT_TAXONOMY}


def masked(text: str) -> str:
    """Reading text with personal data masked (host screen, public exports)."""
    from liveline.triage.pii import mask_pii

    return mask_pii(text)


# -- board ----------------------------------------------------------------------------------------------
def board_columns(s: State) -> dict[str, list[dict[str, Any]]]:
    cols: dict[str, list[dict[str, Any]]] = {k: [] for k in BOARD_COLUMNS}
    for c in s.clusters.values():
        cols.setdefault(c["status"], []).append(c)
    for status, items in cols.items():
        if status == "queued":
            order = {cid: i for i, cid in enumerate(s.queue)}
            items.sort(key=lambda c: order.get(c["id"], 1 << 30))
        elif status in ("new", "approved"):
            items.sort(key=lambda c: (not c.get("urgent"), not c.get("pinned"), -c["support"],
                                      float(c["created_at"])))
        else:
            items.sort(key=lambda c: -float(c.get("updated_at") or 0))
    return cols


# Rendered cards of each broadcast: cluster id -> (what the card depends on, html). A card renders again only
# when its cluster changed (every change bumps its version), so a snapshot of thousands of cards, needed on
# every (re)connect, is mostly a join of strings. The html comes from the autoescaped _card.html template.
_CARDS: dict[str, dict[str, tuple[tuple[Any, ...], Markup]]] = {}


def card_html(bid: str, c: dict[str, Any], tz: str) -> Markup:
    cache = _CARDS.setdefault(bid, {})
    key = (c["version"], c.get("updated_at"), c.get("created_at"), c["status"], c.get("taken_by"), tz)
    hit = cache.get(c["id"])
    if hit is not None and hit[0] == key:
        return hit[1]
    html = Markup(render_fragment("partials/_card.html", c=c, tz=tz, topic_names=TOPIC_NAMES))
    cache[c["id"]] = (key, html)
    return html


def render_board(s: State, events: list[Event] | None) -> str:
    """The snapshot, or what a batch of events changed: cards (into ``#incoming``, where board.js places
    them), the queue order, the broadcast's state, the cue line, and who is online with which card open."""
    tz = s.broadcast.get("tz", "Europe/Moscow")
    bid = str(s.broadcast.get("id", ""))
    if events is None:
        columns = board_columns(s)
        html = {k: Markup("".join([str(card_html(bid, c, tz)) for c in items])) for k, items in columns.items()}
        cache = _CARDS.get(bid, {})
        for gone in set(cache) - set(s.clusters):
            del cache[gone]
        return render_fragment("partials/_board.html", columns=columns, cards=html, b=s.broadcast, tz=tz,
                               queue=s.queue, host=s.host)
    changed: dict[str, dict[str, Any] | None] = {}
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
    # the latest state of each changed cluster (the mirror already holds it)
    latest = {cid: (card_html(bid, c, tz) if c is not None else None)
              for cid, c in ((cid, s.clusters.get(cid)) for cid in changed)}
    return render_fragment("partials/_board_update.html", cards=latest, b=s.broadcast, tz=tz,
                           queue=s.queue if queue_changed else None, host=s.host if host_changed else None,
                           broadcast_changed=broadcast_changed,
                           pv=presence_view(online) if online is not None else None)


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
        return {"id": c["id"], "text": text, "first_name": first_name(c.get("author_name") or ""),
                "settlement": c.get("settlement") or "",
                "support": c["support"], "size": c["size"], "topic": c.get("topic", "")}

    started = float(s.broadcast.get("started_at") or 0) or None
    return {"on_air": card(on_air), "since": h.get("since"), "upcoming": [card(c) for c in upcoming],
            "queue_len": len(s.queue), "cue": h.get("cue", ""), "cue_at": h.get("cue_at"),
            "blank": h.get("blank", False), "paused": h.get("paused", False), "font": h.get("font", 100),
            "started_at": started, "end": s.broadcast.get("end", ""), "title": s.broadcast.get("title", ""),
            "official": s.broadcast.get("official", ""), "state": s.broadcast.get("state", ""),
            "now": time.time()}


def first_name(full: str) -> str:
    """The asker's first name only (the studio never shows a surname): "Ольга Смирнова" -> "Ольга"."""
    words = full.replace(",", " ").split()
    return words[0] if words else ""


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


def render(kind: str, s: State, events: list[Event] | None) -> str:
    if kind == "board":
        return render_board(s, events)
    if kind == "host":
        return render_host(s, events)
    raise ValueError(kind)
