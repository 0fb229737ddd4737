"""The open WebSockets of one web process: caps per session and per client address, and revocation.

A socket is admitted only while its session holds fewer than ``LIVELINE_SOCKETS_PER_SESSION`` and its address
fewer than ``LIVELINE_SOCKETS_PER_ADDRESS`` open sockets here. Every ``CHECK_S`` one task re-checks, in one
batch, the sessions of every open socket (``auth.still_valid``: logged out, logged out everywhere, disabled,
role or password changed, host link rotated) and tells the sockets of a session that no longer stands to
close — an idle socket too, since the check does not wait for it to send or receive anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from liveline.auth import Session, still_valid

log = logging.getLogger("liveline.live")
CHECK_S = 1.0


@dataclass(eq=False)
class OpenSocket:
    session: Session
    address: str
    revoked: asyncio.Event = field(default_factory=asyncio.Event)


class Sockets:
    def __init__(self, redis_client: Any, per_session: int, per_address: int, check_s: float = CHECK_S) -> None:
        self.r = redis_client
        self.per_session = per_session
        self.per_address = per_address
        self.check_s = check_s
        self.open_sockets: set[OpenSocket] = set()
        self._by_session: Counter[str] = Counter()
        self._by_address: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    def admit(self, session: Session, address: str) -> OpenSocket | None:
        """A place for one more socket of ``session`` from ``address``, or None past a cap."""
        if self._by_session[session.sid] >= self.per_session or self._by_address[address] >= self.per_address:
            return None
        sock = OpenSocket(session, address)
        self.open_sockets.add(sock)
        self._by_session[session.sid] += 1
        self._by_address[address] += 1
        return sock

    def release(self, sock: OpenSocket) -> None:
        if sock in self.open_sockets:
            self.open_sockets.discard(sock)
            self._by_session[sock.session.sid] -= 1
            self._by_address[sock.address] -= 1
            self._by_session += Counter()  # drop the zeros
            self._by_address += Counter()

    async def check(self) -> int:
        """Re-check every open socket's session once; returns how many sockets were told to close."""
        sessions = list({s.session.sid: s.session for s in self.open_sockets}.values())
        if not sessions:
            return 0
        valid = await run_in_threadpool(still_valid, self.r, sessions)
        revoked = [s for s in self.open_sockets if s.session.sid not in valid and not s.revoked.is_set()]
        for s in revoked:
            s.revoked.set()
        return len(revoked)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.check_s)
            try:
                await self.check()
            except Exception:  # Redis away for a moment: the next pass checks again
                log.warning("socket revocation check failed", exc_info=True)

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
