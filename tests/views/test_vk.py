"""Tokens set in the admin page are stored as secrets and never rendered back."""

from __future__ import annotations

import redis
from starlette.testclient import TestClient

from liveline.ingest.vk import tokens
from tests.conftest import login


def test_a_token_set_in_the_page_is_stored_and_never_shown(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r, "admin", "admin")
    secret = "vk1.a.SECRET-TOKEN-VALUE-123"
    resp = client.post("/admin/vk", data={"csrf": csrf, "kind": "group", "token": secret, "group_id": "12345"},
                       headers={"Origin": "http://testserver"}, follow_redirects=True)
    assert resp.status_code == 200
    assert secret not in resp.text and "работает" in resp.text and "12345" in resp.text
    record = tokens.get_token(r, "group", "default", env={})
    assert record is not None and record.token == secret and record.group_id == 12345
    assert secret not in client.get("/admin/vk").text


def test_a_group_token_without_its_group_is_refused(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r, "admin", "admin")
    resp = client.post("/admin/vk", data={"csrf": csrf, "kind": "group", "token": "x"},
                       headers={"Origin": "http://testserver"})
    assert resp.status_code == 400 and "номер сообщества" in resp.text
