"""The web app: login, pages behind it, CSP, and the live board over WebSocket (snapshot, tail, resync)."""

from __future__ import annotations

import json

import pytest
import redis
from bs4 import BeautifulSoup
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from liveline.board import broadcasts, clusters, questions
from liveline.security import CSP
from tests.conftest import htmx_headers, login
from tests.helpers import item, live_broadcast, triaged


def cards(html: str) -> dict[str, BeautifulSoup]:
    soup = BeautifulSoup(html, "html.parser")
    return {a["data-id"]: a for a in soup.select("article.qcard") if not a.get("data-deleted")}


def test_every_page_needs_a_login(client: TestClient, r: redis.Redis) -> None:
    bid = live_broadcast(r)
    for path in ["/", "/broadcasts", f"/b/{bid}", f"/b/{bid}/board", f"/b/{bid}/host", "/admin/users"]:
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/login"), path
    assert client.get("/login").status_code == 200


def test_pages_carry_a_strict_csp_without_inline_scripts(client: TestClient, r: redis.Redis) -> None:
    login(client, r)
    bid = live_broadcast(r)
    resp = client.get(f"/b/{bid}/board")
    assert resp.status_code == 200
    assert resp.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    soup = BeautifulSoup(resp.text, "html.parser")
    assert all(s.get("src") for s in soup.find_all("script")), "no inline script"
    config = json.loads(soup.find("meta", attrs={"name": "htmx-config"})["content"])
    assert config["allowEval"] is False
    assert not soup.select("[style]"), "no inline style attributes"


def test_wrong_password_is_refused_and_throttled(client: TestClient, r: redis.Redis) -> None:
    login(client, r, "boris")
    client.cookies.clear()
    for _ in range(5):
        assert client.post("/login", data={"username": "boris", "password": "wrong"}).status_code == 401
    resp = client.post("/login", data={"username": "boris", "password": "correct horse battery"})
    assert resp.status_code == 429


def test_a_moderator_action_needs_the_csrf_token(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r)
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, "Когда починят дорогу?"), triaged("Когда починят дорогу?"))
    cid = ev.questions["1"]["cluster"]
    bad = client.post(f"/b/{bid}/c/{cid}/approve", headers={"HX-Request": "true", "X-CSRF-Token": "nope"})
    assert bad.status_code == 403
    ok = client.post(f"/b/{bid}/c/{cid}/approve", headers=htmx_headers(csrf))
    assert ok.status_code == 204
    assert clusters.get(r, bid, cid)["status"] == "approved"


def test_a_stale_version_answers_409_with_who_changed_it(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r)
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, "Когда починят дорогу?"), triaged("Когда починят дорогу?"))
    cid = ev.questions["1"]["cluster"]
    clusters.edit_reading(r, bid, cid, "Когда отремонтируют дорогу?", "boris")
    resp = client.post(f"/b/{bid}/c/{cid}/edit", data={"text": "Моя версия", "version": "1"},
                       headers=htmx_headers(csrf))
    assert resp.status_code == 409
    assert resp.headers["HX-Retarget"] == "#flash"
    assert "boris" in BeautifulSoup(resp.text, "html.parser").get_text()


def test_board_socket_sends_a_snapshot_then_live_fragments(client: TestClient, r: redis.Redis) -> None:
    login(client, r)
    bid = live_broadcast(r)
    questions.ingest(r, bid, item(1, "Когда починят дорогу на Ленина?"), triaged("Когда починят дорогу на Ленина?"))
    with client.websocket_connect(f"/ws/b/{bid}/board", headers={"Origin": "http://testserver"}) as ws:
        snapshot = ws.receive_text()
        assert 'id="board"' in snapshot and list(cards(snapshot)) == ["1"]
        ev = questions.ingest(r, bid, item(2, "Фонари на Садовой не горят"), triaged("Фонари на Садовой не горят"))
        cid = ev.questions["2"]["cluster"]
        update = ws.receive_text()
        while cid not in cards(update):
            update = ws.receive_text()
        card = cards(update)[cid]
        assert card["data-status"] == "new" and "Фонари на Садовой" in card.get_text()
        clusters.approve(r, bid, cid, "boris")
        update = ws.receive_text()
        while cid not in cards(update):
            update = ws.receive_text()
        assert cards(update)[cid]["data-status"] == "approved"


def test_a_reconnect_that_missed_events_resyncs_to_the_exact_state(client: TestClient, r: redis.Redis) -> None:
    login(client, r)
    bid = live_broadcast(r)
    ids = []
    for n in range(1, 4):
        ev = questions.ingest(r, bid, item(n, f"Вопрос номер {n} про дороги"), triaged(f"Вопрос номер {n} про дороги"))
        ids.append(ev.questions[str(n)]["cluster"])
    with client.websocket_connect(f"/ws/b/{bid}/board") as ws:
        assert set(cards(ws.receive_text())) == set(ids)
    # while the board is away: one approved, one rejected, one merged away, one new
    clusters.approve(r, bid, ids[0], "boris")
    clusters.reject(r, bid, ids[1], "boris", "offtopic")
    from liveline.board import merges

    merges.merge(r, bid, ids[0], ids[2], "boris")
    questions.ingest(r, bid, item(4, "Новый вопрос про газ"), triaged("Новый вопрос про газ"))
    with client.websocket_connect(f"/ws/b/{bid}/board") as ws:
        snap = cards(ws.receive_text())
    fresh = {cid: c["status"] for cid, c in __import__("liveline.store.state", fromlist=["read"]).read(r, bid).clusters.items()}
    assert {cid: c["data-status"] for cid, c in snap.items()} == fresh
    assert ids[2] not in snap and snap[ids[0]]["data-status"] == "approved"


def test_sockets_refuse_anonymous_foreign_origin_and_wrong_role(client: TestClient, r: redis.Redis) -> None:
    bid = live_broadcast(r)
    with pytest.raises(WebSocketDisconnect) as exc, client.websocket_connect(f"/ws/b/{bid}/board") as ws:
        ws.receive_text()
    assert exc.value.code == 4401
    login(client, r)
    with (pytest.raises(WebSocketDisconnect) as exc,
          client.websocket_connect(f"/ws/b/{bid}/board", headers={"Origin": "http://evil.example"}) as ws):
        ws.receive_text()
    assert exc.value.code == 4403


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


def test_healthz_reports_redis_and_heartbeats(client: TestClient, r: redis.Redis) -> None:
    from liveline.store import heartbeat

    resp = client.get("/healthz")
    assert resp.status_code == 503 and resp.json() == {"status": "degraded", "redis": "ok", "worker": "missing",
                                                       "ingest": "missing"}
    heartbeat.beat(r, "worker")
    heartbeat.beat(r, "ingest")
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json()["status"] == "ok"


def test_manual_question_goes_through_the_inbox(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r)
    bid = live_broadcast(r)
    resp = client.post(f"/b/{bid}/questions", data={"text": "Звонок: когда откроют поликлинику?",
                                                     "author": "Ольга, Заречный"}, headers=htmx_headers(csrf))
    assert resp.status_code == 200
    from liveline.store import keys

    (entry,) = r.xrange(keys.inbox(bid))
    payload = json.loads(entry[1][b"item"])
    assert payload["key"] == "manual:1" and payload["author_name"] == "Ольга, Заречный"


def test_the_broadcast_page_shows_each_source_with_its_state(client: TestClient, r: redis.Redis) -> None:
    login(client, r, "admin", "admin")
    bid = live_broadcast(r)
    broadcasts.add_source(r, bid, {"kind": "demo"})
    broadcasts.add_source(r, bid, {"kind": "vk_wall", "owner_id": -1, "item_id": 2, "url": "https://vk.com/wall-1_2"})
    resp = client.get(f"/b/{bid}")
    assert resp.status_code == 200
    text = BeautifulSoup(resp.text, "html.parser").select_one("#ingest-status").get_text(" ")
    assert "Ручной ввод" in text and "Демо-запись" in text and "https://vk.com/wall-1_2" in text
