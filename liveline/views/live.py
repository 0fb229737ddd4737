"""WebSockets of the board and the host screen: snapshot on connect, then the broadcast's live fragments.

Close codes: 4401 not logged in (or the session was revoked while the socket was open), 4403 not allowed
(role, Origin, host link of another broadcast), 4404 no such broadcast, 4429 too many open sockets for the
session or the address (``live.sockets``). Every socket is unsubscribed in ``finally``. A board sends which card it has open
(presence), or ``{"resync":true}`` to be sent a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.websockets import WebSocket, WebSocketDisconnect

from liveline.auth import Session
from liveline.board import broadcasts, presence
from liveline.errors import NotFound
from liveline.permissions import TABLE
from liveline.security import same_origin

CLOSE_UNAUTHORIZED, CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_TOO_MANY = 4401, 4403, 4404, 4429
RESYNC = '{"resync":true}'  # what a board sends to be started over from a fresh snapshot


async def _serve(ws: WebSocket, kind: str, route_name: str) -> None:
    s = ws.scope.get("ll_session")
    bid = int(ws.path_params["bid"])
    if s is None:
        await ws.close(CLOSE_UNAUTHORIZED)
        return
    settings = ws.app.state.settings
    origin_ok = same_origin(Headers(scope=ws.scope), settings.public_origin, ws.scope.get("scheme", "ws"))
    if s.role not in TABLE[route_name] or not origin_ok:
        await ws.close(CLOSE_FORBIDDEN)
        return
    if s.role == "host" and s.broadcast != str(bid):
        await ws.close(CLOSE_FORBIDDEN)
        return
    rc = ws.app.state.redis
    try:
        await run_in_threadpool(broadcasts.get, rc, bid)
    except NotFound:
        await ws.close(CLOSE_NOT_FOUND)
        return
    sockets = ws.app.state.sockets
    opened = sockets.admit(s, str(ws.scope.get("ll_address", "")))
    if opened is None:
        await ws.close(CLOSE_TOO_MANY)
        return
    try:
        await ws.accept()
        await _stream(ws, kind, s, bid, opened.revoked)
    finally:
        sockets.release(opened)


async def _stream(ws: WebSocket, kind: str, s: Session, bid: int, revoked: asyncio.Event) -> None:
    rc = ws.app.state.redis
    channel = await ws.app.state.hub.channel(bid)
    sub = channel.subscribe(kind)
    sid = f"{s.sid[:8]}"
    if kind == "board":
        await run_in_threadpool(presence.join, rc, bid, sid, s.username)

    async def pump() -> None:
        while True:
            html = await sub.queue.get()
            await ws.send_text(html)

    sender = asyncio.create_task(pump())
    revocation = asyncio.create_task(revoked.wait())
    try:
        while True:
            receive = asyncio.create_task(ws.receive())
            done, _ = await asyncio.wait({receive, sender, revocation}, return_when=asyncio.FIRST_COMPLETED)
            if revocation in done:
                receive.cancel()
                await ws.close(CLOSE_UNAUTHORIZED)
                break
            if sender in done:
                receive.cancel()
                sender.result()  # re-raise a send failure
                break
            message = receive.result()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if kind == "board" and text:
                if text == RESYNC:  # a board back from its search wants the live window again
                    channel.resync(sub)
                else:
                    await run_in_threadpool(presence.touch, rc, bid, sid, s.username, text)
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        pass
    finally:
        channel.unsubscribe(sub)
        revocation.cancel()
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        if kind == "board":
            with contextlib.suppress(Exception):
                await run_in_threadpool(presence.leave, rc, bid, sid)


async def board_socket(ws: WebSocket) -> None:
    await _serve(ws, "board", "ws_board")


async def host_socket(ws: WebSocket) -> None:
    await _serve(ws, "host", "ws_host")
