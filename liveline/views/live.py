"""WebSockets of the board and the host screen: snapshot on connect, then the broadcast's live fragments.

Close codes: 4401 not logged in, 4403 not allowed (role, Origin, host link of another broadcast),
4404 no such broadcast. Every socket is unsubscribed in ``finally``. A board sends which card it has open
(presence), or ``{"resync":true}`` to be sent a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.websockets import WebSocket, WebSocketDisconnect

from liveline.board import broadcasts, presence
from liveline.errors import NotFound
from liveline.permissions import TABLE
from liveline.security import same_origin

CLOSE_UNAUTHORIZED, CLOSE_FORBIDDEN, CLOSE_NOT_FOUND = 4401, 4403, 4404
RESYNC = '{"resync":true}'  # what a board sends to be started over from a fresh snapshot


async def _serve(ws: WebSocket, kind: str, route_name: str) -> None:
    s = ws.scope.get("ll_session")
    bid = int(ws.path_params["bid"])
    if s is None:
        await ws.close(CLOSE_UNAUTHORIZED)
        return
    settings = ws.app.state.settings
    if s.role not in TABLE[route_name] or not same_origin(Headers(scope=ws.scope), settings.public_origin):
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
    await ws.accept()
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
    try:
        while True:
            receive = asyncio.create_task(ws.receive())
            done, _ = await asyncio.wait({receive, sender}, return_when=asyncio.FIRST_COMPLETED)
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
