"""HTTP hardening (liveline/security.py, liveline/numbers.py, views/common.form): numbers in ASCII digits only,
security headers on every response — refusals, errors and crashes included — no caching of what is not a
static file, the Origin compared with its scheme, and a request body capped before it is read."""

from __future__ import annotations

import io

import pytest
import redis
from bs4 import BeautifulSoup
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

from liveline import numbers
from liveline.app import create_app
from liveline.errors import BadRequest
from liveline.followup import appeals
from liveline.security import CSP, same_origin
from liveline.settings import Settings
from tests.conftest import htmx_headers, login
from tests.helpers import add_card, ended_broadcast, live_broadcast

SECURITY_HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff",
                    "x-frame-options": "DENY", "referrer-policy": "same-origin"}


def has_security_headers(resp: object) -> bool:
    headers = resp.headers  # type: ignore[attr-defined]
    return all(headers.get(k) == v for k, v in SECURITY_HEADERS.items())


def test_only_ascii_digits_are_numbers() -> None:
    assert numbers.whole(" 42 ", "Число") == 42
    assert numbers.whole("-3", "Позиция", signed=True) == -3
    assert numbers.optional_whole("", "Версия") is None
    for text in ("²", "١٢", "４２", "1²", "-", "+1", "1.5", "0x10", "-1"):
        with pytest.raises(BadRequest, match="цифр 0–9"):
            numbers.whole(text, "Число")
    with pytest.raises(BadRequest, match="до 60"):
        numbers.whole("61", "Число", 0, 60)


def test_a_non_ascii_digit_anywhere_is_a_clear_400_not_a_crash(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r, "root", "admin")
    bid = live_broadcast(r)
    cid = add_card(r, bid, 1, "Когда починят дорогу?")
    client.post(f"/b/{bid}/c/{cid}/queue", headers=htmx_headers(csrf))
    ended, _ = ended_broadcast(r)
    appeals.create_from_broadcast(r, ended)
    requests = [
        ("GET", f"/b/{bid}/briefing?top=²", {}),
        ("POST", f"/b/{bid}/c/{cid}/approve", {"version": "²"}),
        ("POST", f"/b/{bid}/c/{cid}/move", {"position": "²"}),
        ("POST", f"/b/{bid}/bulk", {"action": "approve", "ids": "1:²"}),
        ("POST", f"/appeals/{ended}/1/take", {"version": "²"}),
        ("POST", f"/b/{bid}/host/controls", {"font": "²"}),
    ]
    for method, url, data in requests:
        resp = client.request(method, url, data=data, headers=htmx_headers(csrf))
        assert resp.status_code == 400, (url, resp.status_code)
        assert BeautifulSoup(resp.text, "html.parser").select_one(".flash.error").get_text(strip=True), url
        assert has_security_headers(resp), url


def test_a_crash_is_a_500_page_with_the_security_headers(r: redis.Redis, settings: Settings) -> None:
    app = create_app(settings)

    async def boom(request: Request) -> Response:
        raise RuntimeError("a bug")
    app.add_route("/boom", boom)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        resp = client.get("/boom")
    assert resp.status_code == 500
    assert has_security_headers(resp) and resp.headers["cache-control"] == "no-store"
    assert "Внутренняя ошибка" in resp.text and "a bug" not in resp.text


def test_refusals_and_errors_carry_the_security_headers(client: TestClient, r: redis.Redis) -> None:
    login(client, r, "vera", "viewer")
    bid = live_broadcast(r)
    for resp in (client.get("/no-such-page"), client.get(f"/b/{bid}/board"), client.get("/b/999"),
                 client.post(f"/b/{bid}/merge", headers={"Origin": "http://evil.example"}),
                 client.post(f"/b/{bid}/merge", headers={"X-CSRF-Token": "nope"})):
        assert resp.status_code in (403, 404), resp.request.url
        assert has_security_headers(resp), resp.request.url


def test_nothing_but_static_files_may_be_cached(client: TestClient, r: redis.Redis) -> None:
    login(client, r, "root", "admin")
    bid, _ = ended_broadcast(r)
    appeals.create_from_broadcast(r, bid)
    for path in ("/login", "/broadcasts", f"/b/{bid}/board", "/appeals", f"/appeals/{bid}/1",
                 f"/b/{bid}/appeals/export?format=csv", f"/b/{bid}/report"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["cache-control"] == "no-store", path
    static = client.get(BeautifulSoup(client.get("/login").text, "html.parser").find("script")["src"])
    assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"
    assert has_security_headers(static)


def test_the_origin_is_compared_with_its_scheme() -> None:
    host = Headers({"host": "liveline.example.ru"})
    assert same_origin(Headers({**host, "origin": "http://liveline.example.ru"}), "", "http")
    assert not same_origin(Headers({**host, "origin": "https://liveline.example.ru"}), "", "http")
    assert not same_origin(Headers({**host, "origin": "http://liveline.example.ru"}), "", "https")
    assert same_origin(Headers({**host, "origin": "https://liveline.example.ru"}), "", "wss")
    public = "https://liveline.example.ru"
    assert same_origin(Headers({**host, "origin": "https://liveline.example.ru"}), public)
    assert not same_origin(Headers({**host, "origin": "http://liveline.example.ru"}), public)


def test_a_post_from_the_same_host_over_another_scheme_is_refused(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r)
    bid = live_broadcast(r)
    cid = add_card(r, bid, 1, "Когда починят дорогу?")
    headers = {**htmx_headers(csrf), "Origin": "https://testserver"}
    assert client.post(f"/b/{bid}/c/{cid}/approve", headers=headers).status_code == 403


# -- a request's body -----------------------------------------------------------------------------------
def test_an_anonymous_body_past_its_cap_is_413_before_it_is_read(client: TestClient, r: redis.Redis) -> None:
    big = io.BytesIO(b"x" * (200 * 1024))
    resp = client.post("/login", files={"file": ("big.bin", big, "application/octet-stream")},
                       data={"username": "a", "password": "b"})
    assert resp.status_code == 413
    assert "Слишком большой запрос" in resp.text and has_security_headers(resp)


def test_the_body_limit_holds_without_a_content_length(client: TestClient, r: redis.Redis) -> None:
    def chunks() -> object:
        for _ in range(100):
            yield b"username=" + b"x" * 4096
    resp = client.post("/login", content=chunks(),  # type: ignore[arg-type]
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 413


def test_body_field_and_part_limits_of_a_session_are_the_settings(r: redis.Redis, settings: Settings) -> None:
    settings.max_body_bytes, settings.max_field_bytes, settings.max_parts = 200_000, 10_000, 20
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        csrf = login(client, r)
        bid = live_broadcast(r)
        url = f"/b/{bid}/questions"
        h = htmx_headers(csrf)
        cases = {
            "whole body": {"text": "x" * 300_000},
            "one field": {"text": "x" * 20_000},
            "parts": {f"f{n}": "1" for n in range(30)},
        }
        for what, data in cases.items():
            resp = client.post(url, data=data, headers=h)
            assert resp.status_code == 413, what
            assert "Слишком большой" in resp.text, what
        # a file where the view takes none is refused too
        resp = client.post(url, data={"text": "Вопрос"}, files={"f": ("a.txt", b"x", "text/plain")}, headers=h)
        assert resp.status_code == 413
