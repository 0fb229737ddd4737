"""Sessions, CSRF, Origin, login throttling, pages behind the login and their CSP: the guarantees of
liveline/auth.py and liveline/security.py."""

from __future__ import annotations

import json
import time

import pytest
import redis
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from liveline import auth
from liveline.app import create_app
from liveline.board import clusters, questions
from liveline.errors import TooManyRequests
from liveline.security import CSP
from liveline.settings import Settings
from liveline.store import keys
from tests.conftest import htmx_headers, login
from tests.helpers import item, live_broadcast, triaged


def sid_of(client: TestClient) -> str:
    raw = client.cookies.get(auth.COOKIE)
    assert raw
    sid = client.app.state.signer.loads(raw)  # type: ignore[attr-defined]
    assert sid
    return sid


def logged_in(client: TestClient) -> bool:
    resp = client.get("/broadcasts", follow_redirects=False)
    if resp.status_code == 200:
        return True
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login")
    return False


def test_the_cookie_is_httponly_samesite_and_signed(client: TestClient, r: redis.Redis) -> None:
    auth.add_user(r, "anna", "correct horse battery", "moderator")
    resp = client.post("/login", data={"username": "anna", "password": "correct horse battery"},
                       follow_redirects=False)
    header = resp.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "path=/" in header
    sid = sid_of(client)
    assert r.exists(keys.session(sid))
    assert logged_in(client)
    # the bare session id, or a signature over another id, is not a session
    for forged in (sid, client.cookies.get(auth.COOKIE)[:-2] + "xx"):  # type: ignore[index]
        client.cookies.clear()
        client.cookies.set(auth.COOKIE, forged)
        assert not logged_in(client)


def test_the_session_lives_in_redis_with_an_idle_timeout(r: redis.Redis, settings: Settings) -> None:
    settings.session_idle_s = 600
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        login(client, r)
        sid = sid_of(client)
        assert 0 < r.ttl(keys.session(sid)) <= 600
        r.expire(keys.session(sid), 5)
        assert logged_in(client)  # a request restarts the idle timer
        assert r.ttl(keys.session(sid)) > 5
        r.pexpire(keys.session(sid), 1)  # the idle time runs out
        deadline = time.monotonic() + 5
        while r.exists(keys.session(sid)) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not logged_in(client)


def test_logout_ends_this_session_only(client: TestClient, r: redis.Redis, settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="http://testserver") as other:
        login(other, r, "anna")
        csrf = login(client, r, "anna")
        resp = client.post("/logout", headers=htmx_headers(csrf), follow_redirects=False)
        assert resp.status_code == 303
        assert not logged_in(client)
        assert logged_in(other)


def test_logout_everywhere_ends_every_session_of_the_user(client: TestClient, r: redis.Redis,
                                                          settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="http://testserver") as phone, \
            TestClient(create_app(settings), base_url="http://testserver") as colleague:
        login(phone, r, "anna")
        login(colleague, r, "boris")
        csrf = login(client, r, "anna")
        assert client.post("/logout-everywhere", headers=htmx_headers(csrf),
                           follow_redirects=False).status_code == 303
        assert not logged_in(client) and not logged_in(phone)
        assert logged_in(colleague)
        assert not r.smembers(keys.user_sessions("anna"))


@pytest.mark.parametrize("change", ["password", "disable", "role"])
def test_an_account_change_ends_its_sessions(client: TestClient, r: redis.Redis, change: str) -> None:
    login(client, r, "anna")
    assert logged_in(client)
    if change == "password":
        auth.set_password(r, "anna", "another long password")
    elif change == "disable":
        auth.set_disabled(r, "anna", True)
    else:
        u = auth.get_user(r, "anna")
        assert u is not None
        u.role = "viewer"
        r.hset(keys.users(), "anna", json.dumps(u.__dict__, ensure_ascii=False))
    assert not logged_in(client)
    if change == "disable":
        resp = client.post("/login", data={"username": "anna", "password": "correct horse battery"})
        assert resp.status_code == 401


def test_every_state_change_needs_csrf_and_our_origin(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r)
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, "Когда починят дорогу?"), triaged("Когда починят дорогу?"))
    assert ev is not None
    cid = ev.questions["1"]["cluster"]
    url = f"/b/{bid}/c/{cid}/approve"
    # htmx header with a wrong token; a plain form without the field; a foreign Origin with the right token
    assert client.post(url, headers={"HX-Request": "true", "X-CSRF-Token": "nope"}).status_code == 403
    assert client.post(url, data={"x": "1"}).status_code == 403
    assert client.post(url, data={"csrf": "nope"}).status_code == 403
    evil = {**htmx_headers(csrf), "Origin": "http://evil.example"}
    assert client.post(url, headers=evil).status_code == 403
    from liveline.board import clusters

    assert clusters.get(r, bid, cid)["status"] == "new"
    assert client.post(url, data={"csrf": csrf}).status_code in (204, 303)  # the form field works too
    assert clusters.get(r, bid, cid)["status"] == "approved"


def test_login_from_a_foreign_origin_is_refused(client: TestClient, r: redis.Redis) -> None:
    auth.add_user(r, "anna", "correct horse battery", "moderator")
    resp = client.post("/login", data={"username": "anna", "password": "correct horse battery"},
                       headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert resp.status_code == 403
    assert client.cookies.get(auth.COOKIE) is None


def test_login_is_throttled_per_account_across_addresses(r: redis.Redis) -> None:
    auth.add_user(r, "anna", "correct horse battery", "moderator")
    for n in range(auth.LOGIN_LIMIT):
        assert auth.authenticate(r, "anna", "wrong", f"10.0.0.{n}") is None
    with pytest.raises(TooManyRequests):
        auth.authenticate(r, "anna", "correct horse battery", "10.0.0.200")
    assert r.ttl(keys.login_failures("user", "anna")) > 0  # the lock ends by itself


def test_login_is_throttled_per_address_across_accounts(client: TestClient, r: redis.Redis) -> None:
    auth.add_user(r, "anna", "correct horse battery", "moderator")
    for n in range(auth.ADDRESS_LIMIT):
        assert client.post("/login", data={"username": f"guess{n}", "password": "x"}).status_code == 401
    resp = client.post("/login", data={"username": "anna", "password": "correct horse battery"})
    assert resp.status_code == 429
    assert client.cookies.get(auth.COOKIE) is None


def test_login_never_redirects_off_site(client: TestClient, r: redis.Redis) -> None:
    auth.add_user(r, "anna", "correct horse battery", "moderator")
    for nxt in ("//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil.example"):
        client.cookies.clear()
        resp = client.post("/login", data={"username": "anna", "password": "correct horse battery", "next": nxt},
                           follow_redirects=False)
        assert resp.status_code == 303
        loc = resp.headers["location"]
        assert loc.startswith("/") and not loc.startswith("//") and "evil" not in loc.split("?")[0].lstrip("/\\")[:4]


def test_every_page_has_the_csp_and_no_inline_script(client: TestClient, r: redis.Redis) -> None:
    login(client, r, "root", "admin")
    bid = live_broadcast(r)
    for path in ("/login", "/broadcasts", f"/b/{bid}/board", f"/b/{bid}/host", "/admin/users", "/appeals"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["content-security-policy"] == CSP
        assert resp.headers["x-frame-options"] == "DENY"
        soup = BeautifulSoup(resp.text, "html.parser")
        assert all(s.get("src") for s in soup.find_all("script")), f"inline script on {path}"
        on_attrs = [a for tag in soup.find_all(True) for a in tag.attrs if a.lower().startswith("on")]
        assert not on_attrs, f"inline event handlers on {path}: {on_attrs}"
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP and "script-src 'self'" in CSP


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


def test_no_account_name_reaches_the_host_link_sessions(client: TestClient, r: redis.Redis,
                                                        settings: Settings) -> None:
    from liveline.board import broadcasts
    from liveline.errors import BadRequest

    bid = live_broadcast(r)
    with TestClient(create_app(settings), base_url="http://testserver") as studio:
        assert studio.get(f"/host/{bid}/{broadcasts.host_key(r, bid)}", follow_redirects=False).status_code == 303
        assert studio.get(f"/b/{bid}/host").status_code == 200
        csrf = login(client, r, f"host-{bid}", "moderator")  # an account with the old host sessions' name
        assert client.post("/logout-everywhere", headers=htmx_headers(csrf),
                           follow_redirects=False).status_code == 303
        assert studio.get(f"/b/{bid}/host", follow_redirects=False).status_code == 200
        with pytest.raises(BadRequest):  # the host sessions' own name is no account name
            auth.add_user(r, auth.host_name(bid), "correct horse battery", "moderator")
