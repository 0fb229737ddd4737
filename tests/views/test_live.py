"""The live board over WebSocket (liveline/views/live.py): snapshot, tail, resync, and who may connect."""

from __future__ import annotations

import pytest
import redis
from bs4 import BeautifulSoup
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from liveline.board import clusters, questions
from tests.conftest import login
from tests.helpers import item, live_broadcast, triaged


def cards(html: str) -> dict[str, BeautifulSoup]:
    soup = BeautifulSoup(html, "html.parser")
    return {a["data-id"]: a for a in soup.select("article.qcard") if not a.get("data-deleted")}


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
