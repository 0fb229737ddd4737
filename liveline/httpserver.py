"""The web server's protocol layer: uvicorn's httptools protocol with a deadline for a request's headers.

ASGI middleware runs only once the headers are parsed, so a client that opens a connection and never
finishes its headers (or sends nothing at all) is out of its reach. Here each connection must complete a
request's headers within ``LIVELINE_HEADER_TIMEOUT_S`` of opening, and again of each response on a kept-alive
connection; otherwise it is closed. Between requests an idle connection is also closed after uvicorn's
keep-alive timeout (``LIVELINE_KEEP_ALIVE_S``). A WebSocket, once upgraded, is no longer timed here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeaderDeadlineProtocol(HttpToolsProtocol):
    header_timeout_s = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_deadline: asyncio.TimerHandle | None = None

    def arm(self) -> None:
        self.disarm()
        self.header_deadline = self.loop.call_later(self.header_timeout_s, self.headers_too_slow)

    def disarm(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def headers_too_slow(self) -> None:
        self.header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.arm()

    def on_headers_complete(self) -> None:
        self.disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # the next request's headers are timed again, unless they are in already (a pipelined request)
        if not self.transport.is_closing() and not self.pipeline and self.cycle is not None \
                and self.cycle.response_complete:
            self.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        super().connection_lost(exc)


def protocol(header_timeout_s: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class for ``uvicorn.run(http=...)`` with this header deadline."""
    return type("HeaderDeadline", (HeaderDeadlineProtocol,), {"header_timeout_s": header_timeout_s})
