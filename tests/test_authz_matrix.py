"""The authorization matrix: every route and WebSocket of the app × every role, against EXPECTED below.

The routes are enumerated from ``create_app(settings).routes`` (Mounts' children too, except /static), so a
route added anywhere must be classified here before the suite passes. "Allowed" means the request got past
the permission check (any answer but 401/403 or a redirect to /login; a WebSocket is accepted or closed with
4404); "denied" means 401/403, a redirect to /login, or a WebSocket closed with 4401/4403.

Every request is made with a fresh session of the role (made directly in Redis, as a login makes it) and the
right CSRF token and Origin, so a denial can only come from authorization.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from liveline import auth
from liveline.board import broadcasts, catalog, questions
from liveline.permissions import TABLE
from tests.helpers import item, live_broadcast, triaged

ROLES = ("anonymous", "admin", "moderator", "producer", "host", "staff", "viewer")
EVERYONE = frozenset(ROLES)
STAFF_ALL = frozenset({"admin", "moderator", "producer", "staff", "viewer"})
BOARD = frozenset({"admin", "moderator"})
BOARD_READ = frozenset({"admin", "moderator", "producer", "viewer"})
HOST_SCREEN = frozenset({"admin", "moderator", "producer", "host"})
HOST_CONTROL = frozenset({"admin", "moderator", "producer"})
ADMIN = frozenset({"admin"})
APPEAL_ACT = frozenset({"admin", "moderator", "staff"})

# (route name, method) -> the roles that get past authorization. Written by hand, not read from
# permissions.TABLE: this is the specification the code is held to.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("home", "GET"): STAFF_ALL | {"host"},
    ("login_form", "GET"): EVERYONE,
    ("login", "POST"): EVERYONE,
    ("logout", "POST"): STAFF_ALL | {"host"},
    ("logout_everywhere", "POST"): STAFF_ALL,
    ("healthz", "GET"): EVERYONE,
    ("broadcasts", "GET"): BOARD_READ,
    ("broadcast_create", "POST"): ADMIN,
    ("broadcast", "GET"): BOARD_READ,
    ("ingest_status", "GET"): BOARD_READ,
    ("broadcast_transition", "POST"): ADMIN,
    ("source_add", "POST"): ADMIN,
    ("source_remove", "POST"): ADMIN,
    ("host_link_rotate", "POST"): ADMIN,
    ("audit", "GET"): BOARD,
    ("board", "GET"): BOARD,
    ("board_search", "GET"): BOARD,
    ("manual_question", "POST"): BOARD,
    ("merge", "POST"): BOARD,
    ("members", "GET"): BOARD,
    ("split", "POST"): BOARD,
    ("cluster_action", "POST"): BOARD,
    ("host", "GET"): HOST_SCREEN,
    ("host_controls", "POST"): HOST_CONTROL,
    ("host_link", "GET"): EVERYONE,  # the secret in the URL is the credential
    ("users", "GET"): ADMIN,
    ("user_add", "POST"): ADMIN,
    ("user_disable", "POST"): ADMIN,
    # follow-up appeals (staff see only their department's: see test_staff_sees_only_their_department)
    ("appeals", "GET"): STAFF_ALL,
    ("appeal", "GET"): STAFF_ALL,
    ("appeal_action", "POST"): APPEAL_ACT,
    ("appeals_export", "GET"): STAFF_ALL,
    ("appeals_review", "GET"): BOARD,
    ("appeals_create", "POST"): BOARD,
    ("appeals_review_action", "POST"): BOARD,
    ("report", "GET"): BOARD_READ,
    ("appeal_settings", "GET"): ADMIN,
    ("appeal_settings_save", "POST"): ADMIN,
    # gazetteer and topic catalogue
    ("catalog", "GET"): ADMIN,
    ("catalog_places", "POST"): ADMIN,
    ("catalog_topic", "POST"): ADMIN,
    # VK tokens (secrets: never rendered back)
    ("vk_tokens", "GET"): ADMIN,
    ("vk_token_set", "POST"): ADMIN,
    # audit log undo, the official's briefing, bulk actions and brigading waves on the board
    ("audit_undo", "POST"): BOARD,
    ("briefing", "GET"): BOARD_READ,
    ("bulk", "POST"): BOARD,
    ("wave", "POST"): BOARD,
    # sockets
    ("ws_board", "WS"): BOARD,
    ("ws_host", "WS"): HOST_SCREEN,
}

# Cells where the code is known to disagree (reported to the lead); the matrix holds every other cell.
KNOWN_BUGS: set[tuple[str, str, str]] = set()

# A value for every path parameter a route may have; a route with a parameter not listed here fails.
ACTION_FOR = {"broadcast_transition": "start", "cluster_action": "approve", "appeal_action": "take",
              "appeals_review_action": "promote"}


def enumerate_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, BaseRoute]]:
    """(full path, method or "WS", route) for every endpoint, descending into Mounts except /static."""
    for rt in routes:
        if isinstance(rt, Mount):
            if rt.path == "/static":
                continue
            yield from enumerate_routes(list(rt.routes), prefix + rt.path)
        elif isinstance(rt, WebSocketRoute):
            yield prefix + rt.path, "WS", rt
        elif isinstance(rt, Route):
            for method in sorted((rt.methods or {"GET"}) - {"HEAD"}):
                yield prefix + rt.path, method, rt
        else:  # pragma: no cover - a new kind of route must be taught to this test
            raise TypeError(f"unknown route type {type(rt).__name__} at {getattr(rt, 'path', '?')}")


class World:
    """A broadcast with a question, a cluster and an appeal, and sessions of every role made on demand."""

    def __init__(self, client: TestClient, r: redis.Redis) -> None:
        self.client, self.r = client, r
        self.bid = live_broadcast(r)
        self.other_bid = live_broadcast(r, "Другая прямая линия")
        ev = questions.ingest(r, self.bid, item(1, "Когда починят дорогу на улице Мира?"),
                              triaged("Когда починят дорогу на улице Мира?"))
        assert ev is not None
        self.qid = next(iter(ev.questions))
        self.cid = str(ev.questions[self.qid]["cluster"])
        for username, role in (("u-admin", "admin"), ("u-moderator", "moderator"), ("u-producer", "producer"),
                               ("u-viewer", "viewer")):
            auth.add_user(r, username, "correct horse battery", role)
        catalog.add_department(r, "ЖКХ")
        auth.add_user(r, "u-staff", "correct horse battery", "staff", "ЖКХ")
        self.aid = "1"
        self.crashes: list[str] = []

    def params(self, name: str, path: str) -> dict[str, str]:
        values = {"bid": str(self.bid), "cid": self.cid, "qid": self.qid, "aid": self.aid,
                  "action": ACTION_FOR.get(name, "x"), "key": broadcasts.host_key(self.r, self.bid),
                  "sid": "s1", "username": "nobody", "what": "templates", "row": "1-0"}
        out = {}
        for part in path.split("{")[1:]:
            pname = part.split("}")[0].split(":")[0]
            assert pname in values, f"route {name} ({path}): teach the matrix a value for {{{pname}}}"
            out[pname] = values[pname]
        return out

    def session_cookie(self, role: str, bid: int | None = None) -> tuple[str | None, str]:
        """(signed cookie or None, csrf) of a fresh session of ``role`` (host: bound to ``bid``)."""
        if role == "anonymous":
            return None, ""
        if role == "host":
            b = bid or self.bid
            s = auth.create_host_session(self.r, b, broadcasts.host_key(self.r, b), 3600)
        else:
            u = auth.get_user(self.r, f"u-{role}")
            assert u is not None
            s = auth.create_session(self.r, u.username, u.role, u.department, 3600)
        return self.client.app.state.signer.dumps(s.sid), s.csrf  # type: ignore[attr-defined]


def outcome(world: World, name: str, path: str, method: str, role: str, bid: int | None = None) -> str:
    """"allow" or "deny" (or "error: ..." for a crash) for one request of ``role``."""
    client = world.client
    client.cookies.clear()
    cookie, csrf = world.session_cookie(role, bid)
    if cookie:
        client.cookies.set(auth.COOKIE, cookie)
    params = world.params(name, path)
    url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: params[m.group(1)], path)
    if method == "WS":
        try:
            with client.websocket_connect(url, headers={"origin": "http://testserver"}) as ws:
                ws.receive_text()
                return "allow"
        except WebSocketDisconnect as exc:
            return "deny" if exc.code in (4401, 4403) else "allow"
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf, "Origin": "http://testserver"} if method != "GET" else {}
    data = {"csrf": csrf} if method != "GET" else None
    try:
        resp = client.request(method, url, headers=headers, data=data, follow_redirects=False)
    except Exception as exc:  # noqa: BLE001 - raised past the guard: authorization let it through
        world.crashes.append(f"{method} {url} as {role}: {exc!r}")
        return "allow"
    if name == "login":  # 401 there is a wrong password, not a refusal of the route
        return "deny" if resp.status_code == 403 else "allow"
    if resp.status_code in (401, 403):
        return "deny"
    if resp.status_code in (301, 302, 303, 307) and resp.headers.get("location", "").startswith("/login") \
            and name not in ("logout", "logout_everywhere"):
        return "deny"
    if resp.status_code == 500:
        world.crashes.append(f"{method} {url} as {role}: 500")
    return "allow"


@pytest.fixture
def world(client: TestClient, r: redis.Redis) -> World:
    return World(client, r)


def test_every_route_is_classified(world: World) -> None:
    found = {(rt.name, method) for _, method, rt in enumerate_routes(list(world.client.app.routes))}  # type: ignore[attr-defined]
    missing = sorted(found - set(EXPECTED))
    assert not missing, f"routes without an entry in EXPECTED (classify them): {missing}"
    stale = sorted(set(EXPECTED) - found)
    assert not stale, f"EXPECTED lists routes the app no longer has: {stale}"


def test_the_declared_permissions_match_the_expected_table(world: World) -> None:
    """permissions.TABLE (what the code enforces) agrees with the hand-written expectation."""
    for path, method, rt in enumerate_routes(list(world.client.app.routes)):  # type: ignore[attr-defined]
        declared = TABLE[rt.name]
        declared_roles = EVERYONE if "anonymous" in declared else frozenset(declared)
        assert declared_roles == EXPECTED[(rt.name, method)], (rt.name, method, path)


def test_authorization_matrix(world: World) -> None:
    wrong: list[str] = []
    rows: list[str] = []
    for path, method, rt in enumerate_routes(list(world.client.app.routes)):  # type: ignore[attr-defined]
        expected = EXPECTED[(rt.name, method)]
        for role in ROLES:
            got = outcome(world, rt.name, path, method, role)
            want = "allow" if role in expected else "deny"
            rows.append(f"{method:4} {path:50} {role:10} {got}")
            if got != want and (rt.name, method, role) not in KNOWN_BUGS:
                wrong.append(f"{method} {path} ({rt.name}) as {role}: expected {want}, got {got}")
    assert len(rows) >= len(EXPECTED) * len(ROLES)
    assert not wrong, "\n".join(wrong)


def test_a_host_session_can_go_home_and_log_out(world: World) -> None:
    assert outcome(world, "home", "/", "GET", "host") == "allow"
    assert outcome(world, "logout", "/logout", "POST", "host") == "allow"


def test_no_route_crashes_for_a_role_it_admits(world: World) -> None:
    for path, method, rt in enumerate_routes(list(world.client.app.routes)):  # type: ignore[attr-defined]
        for role in sorted(EXPECTED[(rt.name, method)] - {"anonymous"}) or ["anonymous"]:
            outcome(world, rt.name, path, method, role)
    assert not world.crashes, "\n".join(world.crashes)


def test_a_host_link_opens_only_its_own_broadcast(world: World) -> None:
    """A host session of another broadcast is denied on every route of this one."""
    wrong = []
    for path, method, rt in enumerate_routes(list(world.client.app.routes)):  # type: ignore[attr-defined]
        if "{bid" not in path or "host" not in EXPECTED[(rt.name, method)] or rt.name == "host_link":
            continue
        got = outcome(world, rt.name, path, method, "host", bid=world.other_bid)
        if got != "deny":
            wrong.append(f"{method} {path}: {got}")
    assert not wrong, wrong
    # and its own broadcast's screen is open (its socket: the matrix)
    assert outcome(world, "host", "/b/{bid:int}/host", "GET", "host") == "allow"


def test_a_rotated_host_link_ends_its_sessions(world: World) -> None:
    client, r, bid = world.client, world.r, world.bid
    client.cookies.clear()
    key = broadcasts.host_key(r, bid)
    resp = client.get(f"/host/{bid}/{key}", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"/b/{bid}/host"
    assert client.get(f"/b/{bid}/host", follow_redirects=False).status_code == 200
    broadcasts.rotate_host_key(r, bid)
    after = client.get(f"/b/{bid}/host", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/login")
    client.cookies.clear()
    assert client.get(f"/host/{bid}/{key}", follow_redirects=False).status_code == 403


def test_websockets_refuse_a_foreign_origin(world: World) -> None:
    for name, path in (("ws_board", "/ws/b/{bid}/board"), ("ws_host", "/ws/b/{bid}/host")):
        world.client.cookies.clear()
        cookie, _ = world.session_cookie("admin")
        assert cookie is not None
        world.client.cookies.set(auth.COOKIE, cookie)
        with pytest.raises(WebSocketDisconnect) as exc, \
                world.client.websocket_connect(path.format(bid=world.bid),
                                               headers={"origin": "http://evil.example"}) as ws:
            ws.receive_text()
        assert exc.value.code == 4403, name


def test_staff_sees_only_their_department(world: World) -> None:
    """Object-level: an appeal of another department is Forbidden to staff, visible to a moderator."""
    from liveline.store import keys

    r, bid = world.r, world.bid
    appeal: dict[str, Any] = {"id": "7", "broadcast": str(bid), "department": "Образование", "status": "new",
                              "question_ids": [], "deadline": 0}
    r.hset(keys.appeals(bid), "7", json.dumps(appeal, ensure_ascii=False))
    world.aid = "7"
    assert outcome(world, "appeal", "/appeals/{bid:int}/{aid:int}", "GET", "staff") == "deny"
    assert outcome(world, "appeal_action", "/appeals/{bid:int}/{aid:int}/{action}", "POST", "staff") == "deny"
