"""One process of the load generator's screens: a share of the board and host WebSockets, on its own event loop.

Every socket of one kind on one web process receives the same bytes, so a message is parsed once per process
(cached by its text) and each socket only records when it arrived. What is recorded, with ``time.time()``
(all processes share one clock):

* comment sightings: the first time a card carrying the token ``[kN]`` appears on a board socket, after the
  socket's snapshot (cards in a snapshot are not new);
* status sightings: the first time a card shows status ``approved`` on a board socket.

The parent joins them with the comments' creation times and the moderators' POST times.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import websockets

ARTICLE = re.compile(r'<article id="c-(\d+)"[^>]*?data-status="(\w+)"(.*?)</article>', re.DOTALL)
TOKEN = re.compile(r"\[k(\d+)\]")
DATA_T = re.compile(r'data-t="(\d+)"')  # when the card's first question was written to the inbox (ms)
WATCHED_STATUS = "approved"


@dataclass
class Socket:
    url: str
    origin: str
    cookie: str
    sock: int
    kind: str  # board | host


@dataclass
class Sightings:
    comments: list[tuple[int, int, float, int]] = field(default_factory=list)  # (token, socket, seen, inbox ms)
    statuses: list[tuple[str, int, float]] = field(default_factory=list)  # (cluster id, socket, seen)
    errors: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    snapshots: int = 0


class Parser:
    """Cards of a message: [(cluster id, status, token or None, inbox ms)], parsed once per distinct message."""

    def __init__(self) -> None:
        self._cache: dict[str, list[tuple[str, str, int | None, int]]] = {}

    def cards(self, html: str) -> list[tuple[str, str, int | None, int]]:
        found = self._cache.get(html)
        if found is None:
            found = []
            for m in ARTICLE.finditer(html):
                t, dt = TOKEN.search(m.group(3)), DATA_T.search(m.group(0))
                found.append((m.group(1), m.group(2), int(t.group(1)) if t else None, int(dt.group(1)) if dt else 0))
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[html] = found
        return found


async def watch(s: Socket, parser: Parser, out: Sightings, stop: asyncio.Event) -> None:
    seen: set[str] = set()        # cards this socket has shown
    approved: set[str] = set()    # cards this socket has shown approved
    while not stop.is_set():
        try:
            async with websockets.connect(s.url, additional_headers={"Cookie": s.cookie, "Origin": s.origin},
                                          max_size=2**27, open_timeout=30, compression=None) as ws:
                first = True
                while not stop.is_set():
                    try:
                        msg = await asyncio.wait_for(ws.recv(), 1.0)
                    except TimeoutError:
                        continue
                    now = time.time()
                    out.messages += 1
                    if s.kind != "board":
                        continue
                    html = msg if isinstance(msg, str) else msg.decode()
                    # a snapshot (the first message, or a resync) replaces the whole board
                    snapshot = first or html.lstrip().startswith('<section id="board"')
                    for cid, status, token, inbox_ms in parser.cards(html):
                        if cid not in seen:
                            seen.add(cid)
                            if token is not None and not snapshot:
                                out.comments.append((token, s.sock, now, inbox_ms))
                        if status == WATCHED_STATUS and cid not in approved:
                            approved.add(cid)
                            if not snapshot:
                                out.statuses.append((cid, s.sock, now))
                    if snapshot:
                        out.snapshots += 1
                    first = False
        except Exception as exc:  # noqa: BLE001 - a dropped socket is an error to count, then reconnect
            if not stop.is_set():
                out.errors[f"{s.kind}_socket:{type(exc).__name__}"] += 1
                await asyncio.sleep(0.5)


async def _main(sockets: list[Socket], stop_flag: Any) -> Sightings:
    parser = Parser()
    out = Sightings()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(watch(s, parser, out, stop)) for s in sockets]
    while not stop_flag.is_set():
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return out


def run(sockets: list[Socket], stop_flag: Any, results: Any) -> None:
    """Process entry: watch ``sockets`` until ``stop_flag`` is set, then put the sightings on ``results``."""
    out = asyncio.run(_main(sockets, stop_flag))
    results.put(out)
