"""The host screen's secret link (liveline/views/host.py): it opens only its own broadcast's screen, and
rotating it ends its sessions."""

from __future__ import annotations

import redis
from starlette.testclient import TestClient

from liveline.board import broadcasts
from tests.helpers import live_broadcast


def test_host_link_opens_only_its_own_screen_and_can_be_revoked(client: TestClient, r: redis.Redis) -> None:
    bid = live_broadcast(r)
    other = live_broadcast(r, "Другая линия")
    key = broadcasts.host_key(r, bid)
    resp = client.get(f"/host/{bid}/{key}", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"/b/{bid}/host"
    assert client.get(f"/b/{bid}/host").status_code == 200
    assert client.get(f"/b/{other}/host").status_code == 403
    assert client.get(f"/b/{bid}/board", follow_redirects=False).status_code == 403
    with client.websocket_connect(f"/ws/b/{bid}/host") as ws:
        assert 'id="host-screen"' in ws.receive_text()
    broadcasts.rotate_host_key(r, bid)
    assert client.get(f"/b/{bid}/host", follow_redirects=False).status_code == 303  # session gone → login
    assert client.get(f"/host/{bid}/{key}").status_code == 403
