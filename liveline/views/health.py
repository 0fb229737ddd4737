"""GET /healthz: Redis, and the worker and ingest processes by their heartbeats."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from liveline.store import heartbeat
from liveline.views.common import call, r


async def healthz(request: Request) -> JSONResponse:
    report = await call(heartbeat.health, r(request))
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)
