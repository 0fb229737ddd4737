"""GET /healthz: Redis, and the worker and ingest processes by their heartbeats."""

from __future__ import annotations

import redis
from starlette.testclient import TestClient


def test_healthz_reports_redis_and_heartbeats(client: TestClient, r: redis.Redis) -> None:
    from liveline.store import heartbeat

    resp = client.get("/healthz")
    assert resp.status_code == 503 and resp.json() == {"status": "degraded", "redis": "ok", "worker": "missing",
                                                       "ingest": "missing"}
    heartbeat.beat(r, "worker")
    heartbeat.beat(r, "ingest")
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json()["status"] == "ok"
