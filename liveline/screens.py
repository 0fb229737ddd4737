"""What each kind of screen shows, rendered from a broadcast's state: board and host.

``render(kind, state, events)`` is the hub's renderer: ``events=None`` renders the snapshot a socket starts
from; otherwise the fragments that bring a screen from the state before ``events`` to ``state``. Fragments
are keyed by stable DOM ids, so a replayed one is harmless.
"""

from __future__ import annotations

import time
from typing import Any

from liveline.events import Event
from liveline.render import render_fragment
from liveline.state import State

BOARD_COLUMNS = ("new", "approved", "queued", "on_air", "answered", "rejected", "filtered")


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


def render_board(s: State, events: list[Event] | None) -> str:
    tz = s.broadcast.get("tz", "Europe/Moscow")
    if events is None:
        return render_fragment("partials/_board.html", columns=board_columns(s), b=s.broadcast, tz=tz,
                               queue=s.queue, host=s.host)
    changed: dict[str, dict[str, Any] | None] = {}
    queue_changed = broadcast_changed = False
    for ev in events:
        changed.update(ev.clusters)
        queue_changed = queue_changed or ev.queue is not None
        broadcast_changed = broadcast_changed or ev.broadcast is not None
    # the latest state of each changed cluster (the mirror already holds it)
    latest = {cid: s.clusters.get(cid) for cid in changed}
    return render_fragment("partials/_board_update.html", clusters=latest, b=s.broadcast, tz=tz,
                           queue=s.queue if queue_changed else None,
                           broadcast_changed=broadcast_changed)


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
        return {"id": c["id"], "text": text, "first_name": c["author_name"].split(" ")[0]
                if c.get("author_name") else "", "settlement": c.get("settlement") or "",
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


def render(kind: str, s: State, events: list[Event] | None) -> str:
    if kind == "board":
        return render_board(s, events)
    if kind == "host":
        return render_host(s, events)
    raise ValueError(kind)
