"""The broadcast page: each source with its ingestion state."""

from __future__ import annotations

import redis
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from liveline.board import broadcasts
from tests.conftest import login
from tests.helpers import live_broadcast


def test_the_broadcast_page_shows_each_source_with_its_state(client: TestClient, r: redis.Redis) -> None:
    login(client, r, "admin", "admin")
    bid = live_broadcast(r)
    broadcasts.add_source(r, bid, {"kind": "demo"})
    broadcasts.add_source(r, bid, {"kind": "vk_wall", "owner_id": -1, "item_id": 2, "url": "https://vk.com/wall-1_2"})
    resp = client.get(f"/b/{bid}")
    assert resp.status_code == 200
    text = BeautifulSoup(resp.text, "html.parser").select_one("#ingest-status").get_text(" ")
    assert "Ручной ввод" in text and "Демо-запись" in text and "https://vk.com/wall-1_2" in text
