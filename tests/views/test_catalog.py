"""The admin's catalogue page: a gazetteer uploaded in the browser form; moderators may not open it."""

from __future__ import annotations

import io

import redis
from starlette.testclient import TestClient

from liveline.board import catalog
from tests.conftest import login
from tests.helpers import PLACES_CSV


def test_the_admin_uploads_a_gazetteer_in_the_browser_form(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r, "admin", "admin")
    resp = client.post("/admin/catalog/places", data={"csrf": csrf},
                       files={"file": ("streets.csv", io.BytesIO(PLACES_CSV.encode()), "text/csv")},
                       headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert resp.status_code == 303
    assert len(catalog.places_rows(r)) == 3
    assert "Заречный" in client.get("/admin/catalog").text


def test_a_moderator_cannot_open_the_catalogue(client: TestClient, r: redis.Redis) -> None:
    login(client, r, "anna", "moderator")
    assert client.get("/admin/catalog").status_code == 403
