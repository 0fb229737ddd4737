"""Open sockets end with their access, and no one holds more than the caps (liveline/live/sockets.py,
liveline/views/live.py): logout, "log out everywhere", disabling the account, a change of role or password
and rotating the host link each close the affected sockets within 5 s, an idle socket included; a session and
an address each hold at most their cap of sockets."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import redis
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from liveline import auth
from liveline.app import create_app
from liveline.board import broadcasts
from liveline.live.sockets import CHECK_S
from liveline.settings import Settings
from liveline.views.live import RESYNC
from tests.conftest import htmx_headers, login
from tests.helpers import live_broadcast

ORIGIN = {"Origin": "http://testserver"}
WITHIN_S = 5.0


def first_within(ws: Any, seconds: float, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    """The first message from the server that is ``wanted`` within ``seconds`` (others are skipped), or None.
    A close always ends the wait."""
    found: list[dict[str, Any]] = []

    def read() -> None:
        while True:
            message = ws.receive()
            if wanted(message) or message["type"] == "websocket.close":
                found.append(message)
                return
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(seconds)
    return found[0] if found else None


def closed_within(ws: Any, seconds: float) -> int | None:
    """The close code the server sends within ``seconds``, or None."""
    message = first_within(ws, seconds, lambda m: m["type"] == "websocket.close")
    return int(message.get("code", 1000)) if message and message["type"] == "websocket.close" else None


def still_served(ws: Any) -> bool:
    """The socket is open and served: asked for a fresh snapshot, it sends one within 5 s."""
    ws.send_text(RESYNC)
    message = first_within(ws, WITHIN_S, lambda m: 'id="board"' in (m.get("text") or ""))
    return message is not None and message["type"] != "websocket.close"


@pytest.fixture
def held() -> Iterator[ExitStack]:
    """Sockets a test opens; each is left (client side) when the test ends."""
    with ExitStack() as stack:
        yield stack


def open_board(held: ExitStack, client: TestClient, bid: int) -> Any:
    ws = held.enter_context(client.websocket_connect(f"/ws/b/{bid}/board", headers=ORIGIN))
    assert 'id="board"' in ws.receive_text()  # the snapshot; after it the socket is idle
    return ws


def revoke_by(client: TestClient, r: redis.Redis, csrf: str, how: str) -> None:
    if how == "logout":
        assert client.post("/logout", headers=htmx_headers(csrf), follow_redirects=False).status_code == 303
    elif how == "logout everywhere":
        assert client.post("/logout-everywhere", headers=htmx_headers(csrf),
                           follow_redirects=False).status_code == 303
    elif how == "disable":
        auth.set_disabled(r, "anna", True)
    elif how == "role change":
        auth.set_role(r, "anna", "viewer")
    elif how == "password change":
        auth.set_password(r, "anna", "another long password")


@pytest.mark.parametrize("how", ["logout", "logout everywhere", "disable", "role change", "password change"])
def test_revoking_a_moderator_closes_their_idle_board_socket_within_5_s(client: TestClient, r: redis.Redis,
                                                                        held: ExitStack, how: str) -> None:
    csrf = login(client, r, "anna", "moderator")
    bid = live_broadcast(r)
    ws = open_board(held, client, bid)
    revoke_by(client, r, csrf, how)
    assert closed_within(ws, WITHIN_S) == 4401


def test_a_role_change_written_behind_the_app_s_back_closes_the_socket_too(client: TestClient, r: redis.Redis,
                                                                           held: ExitStack) -> None:
    from liveline.store import codec, keys

    login(client, r, "anna", "moderator")
    bid = live_broadcast(r)
    ws = open_board(held, client, bid)
    user = auth.get_user(r, "anna")
    assert user is not None
    user.role = "viewer"
    r.hset(keys.users(), "anna", codec.dumps(user.__dict__))
    assert closed_within(ws, WITHIN_S) == 4401


def test_rotating_the_host_link_closes_the_studio_socket_within_5_s(client: TestClient, r: redis.Redis,
                                                                     settings: Settings) -> None:
    bid = live_broadcast(r)
    csrf = login(client, r, "root", "admin")
    with TestClient(create_app(settings), base_url="http://testserver") as studio:
        studio.get(f"/host/{bid}/{broadcasts.host_key(r, bid)}")
        with studio.websocket_connect(f"/ws/b/{bid}/host", headers=ORIGIN) as ws:
            ws.receive_text()
            resp = client.post(f"/b/{bid}/host-link", headers=htmx_headers(csrf), follow_redirects=False)
            assert resp.status_code == 303
            assert closed_within(ws, WITHIN_S) == 4401
        assert studio.get(f"/b/{bid}/host", follow_redirects=False).status_code == 303  # to the login


def test_an_unrelated_session_s_socket_stays_open(client: TestClient, r: redis.Redis, settings: Settings,
                                                  held: ExitStack) -> None:
    login(client, r, "anna", "moderator")
    bid = live_broadcast(r)
    with TestClient(create_app(settings), base_url="http://testserver") as other:
        csrf = login(other, r, "boris", "moderator")
        ws = open_board(held, client, bid)
        other.post("/logout", headers=htmx_headers(csrf), follow_redirects=False)
        time.sleep(3 * CHECK_S)  # a few revocation checks go by
        assert still_served(ws)


def refused(connect: Callable[[], Any]) -> bool:
    try:
        with connect() as ws:
            ws.receive_text()
    except WebSocketDisconnect:
        return True
    return False


def test_a_session_holds_at_most_its_cap_of_sockets(r: redis.Redis, settings: Settings, held: ExitStack) -> None:
    settings.sockets_per_session = 3
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        login(client, r)
        bid = live_broadcast(r)
        with client.websocket_connect(f"/ws/b/{bid}/board", headers=ORIGIN) as first:
            first.receive_text()
            boards = [open_board(held, client, bid) for _ in range(2)]
            assert refused(lambda: client.websocket_connect(f"/ws/b/{bid}/board", headers=ORIGIN))
        assert all(still_served(ws) for ws in boards)  # the others stay
        deadline = time.monotonic() + WITHIN_S  # the first one's place frees up once the server has let it go
        while refused(lambda: client.websocket_connect(f"/ws/b/{bid}/board", headers=ORIGIN)):
            assert time.monotonic() < deadline
        held.close()


def test_an_address_holds_at_most_its_cap_of_sockets(r: redis.Redis, settings: Settings, held: ExitStack) -> None:
    settings.sockets_per_address = 2
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        bid = live_broadcast(r)
        login(client, r, "anna")
        open_board(held, client, bid)
        open_board(held, client, bid)
        login(client, r, "boris")  # another session from the same address ("testclient")
        assert refused(lambda: client.websocket_connect(f"/ws/b/{bid}/board", headers=ORIGIN))
        held.close()
