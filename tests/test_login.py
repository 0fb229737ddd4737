"""Logging in under attack: the throttle holds under parallel requests across web processes, the device cookie
keeps a known browser usable through a lock others caused, an unknown username costs the same argon2 work, and
the client's address behind a trusted proxy (liveline/auth.py, liveline/security.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import argon2
import httpx
import pytest
import redis
from starlette.datastructures import Headers
from starlette.testclient import TestClient

from liveline import auth
from liveline.app import create_app
from liveline.security import client_address, parse_networks
from liveline.settings import Settings
from liveline.store import keys
from liveline.store.redisproc import RedisProcess
from tests.webproc import LiveServer

PASSWORD = "correct horse battery"


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many argon2 verifications ran, by outcome."""
    seen: Counter[str] = Counter()
    original = argon2.PasswordHasher.verify

    def counting(self: argon2.PasswordHasher, hash: str, password: str) -> bool:
        try:
            ok = original(self, hash, password)
        except argon2.exceptions.VerificationError:
            seen["mismatch"] += 1
            raise
        seen["match"] += 1
        return ok
    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    return seen


@pytest.fixture
def two_webs(redis_server: RedisProcess, r: redis.Redis, tmp_path: Path) -> Iterator[list[LiveServer]]:
    """Two web processes behind one Redis, each believing X-Forwarded-For from loopback (a proxy in front)."""
    servers = [LiveServer(redis_server, tmp_path / f"var{n}", LIVELINE_TRUSTED_PROXIES="127.0.0.1").start()
               for n in range(2)]
    yield servers
    for s in servers:
        s.stop()


def post_login(url: str, username: str, password: str, address: str) -> int:
    resp = httpx.post(url + "/login", data={"username": username, "password": password},
                      headers={"X-Forwarded-For": address}, timeout=60)
    return resp.status_code


def test_parallel_guesses_for_one_account_across_two_web_processes_verify_at_most_the_limit(
        two_webs: list[LiveServer], r: redis.Redis) -> None:
    auth.add_user(r, "admin", PASSWORD, "admin")
    jobs = [(two_webs[n % 2].url, "admin", f"guess-{n}", f"203.0.113.{n}") for n in range(60)]
    with ThreadPoolExecutor(30) as pool:
        codes = Counter(pool.map(lambda job: post_login(*job), jobs))
    assert codes[401] == auth.LOGIN_LIMIT  # the only guesses whose password was checked
    assert codes[429] == 60 - auth.LOGIN_LIMIT
    assert int(r.get(keys.login_failures("user", "admin")) or 0) == auth.LOGIN_LIMIT


def test_parallel_guesses_from_one_address_verify_at_most_its_limit(two_webs: list[LiveServer],
                                                                    r: redis.Redis) -> None:
    jobs = [(two_webs[n % 2].url, f"user{n}", "guess", "198.51.100.7") for n in range(auth.ADDRESS_LIMIT + 10)]
    with ThreadPoolExecutor(15) as pool:
        codes = Counter(pool.map(lambda job: post_login(*job), jobs))
    assert codes == {401: auth.ADDRESS_LIMIT, 429: 10}


def test_a_locked_account_verifies_no_password_and_refusals_do_not_renew_the_lock(
        r: redis.Redis, verifications: Counter[str]) -> None:
    auth.add_user(r, "admin", PASSWORD, "admin")
    for n in range(auth.LOGIN_LIMIT):
        assert auth.authenticate(r, "admin", "wrong", f"10.0.0.{n}") is None
    assert verifications["mismatch"] == auth.LOGIN_LIMIT
    r.expire(keys.login_failures("user", "admin"), 100)
    for n in range(10):
        with pytest.raises(auth.TooManyRequests):
            auth.authenticate(r, "admin", PASSWORD, f"10.0.1.{n}")
    assert verifications == {"mismatch": auth.LOGIN_LIMIT}  # nothing more was checked
    assert 0 < r.ttl(keys.login_failures("user", "admin")) <= 100  # and the lock was not extended
    assert auth.LOGIN_WINDOW_S == 15 * 60


def test_a_browser_that_logged_in_before_gets_past_a_lock_others_caused(client: TestClient, r: redis.Redis,
                                                                       settings: Settings) -> None:
    auth.add_user(r, "admin", PASSWORD, "admin")
    assert client.post("/login", data={"username": "admin", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    assert client.cookies.get(auth.COOKIE_DEVICE)
    client.post("/logout", headers={"Origin": "http://testserver"}, follow_redirects=False)
    with TestClient(create_app(settings), base_url="http://testserver") as attacker:
        for _ in range(auth.LOGIN_LIMIT):
            assert attacker.post("/login", data={"username": "admin", "password": "guess"}).status_code == 401
        # a sixth address, with the right password but no device cookie: locked
        assert attacker.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 429
    # the admin's own browser, with its device cookie, is not
    resp = client.post("/login", data={"username": "admin", "password": PASSWORD}, follow_redirects=False)
    assert resp.status_code == 303
    # a device cookie is for the account it was issued to only, and a forged one is none
    device = client.cookies.get(auth.COOKIE_DEVICE)
    assert auth.device_of(client.app.state.device_signer.loads(device), "admin")  # type: ignore[attr-defined]
    assert auth.device_of(client.app.state.device_signer.loads(device), "boris") == ""  # type: ignore[attr-defined]
    assert client.app.state.device_signer.loads(device[:-2] + "xx") is None  # type: ignore[attr-defined,index]


def test_an_unknown_username_costs_the_same_argon2_verification(r: redis.Redis,
                                                              verifications: Counter[str]) -> None:
    auth.add_user(r, "anna", PASSWORD, "moderator")
    auth.add_user(r, "gone", PASSWORD, "moderator")
    auth.set_disabled(r, "gone", True)
    assert auth.authenticate(r, "anna", "wrong", "10.0.0.1") is None
    assert auth.authenticate(r, "nobody", "wrong", "10.0.0.2") is None
    assert auth.authenticate(r, "gone", PASSWORD, "10.0.0.3") is None
    assert verifications == {"mismatch": 3}
    assert auth.authenticate(r, "anna", PASSWORD, "10.0.0.4") is not None
    assert verifications["match"] == 1


def scope(peer: str, forwarded: str | None = None) -> dict[str, object]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return {"type": "http", "client": (peer, 1234), "headers": Headers(raw=headers).raw}


def test_x_forwarded_for_is_believed_from_trusted_proxies_only() -> None:
    none, proxies = parse_networks(""), parse_networks("10.1.0.0/16, 127.0.0.1")
    assert client_address(scope("198.51.100.9", "1.2.3.4"), none) == "198.51.100.9"  # default: no proxy
    assert client_address(scope("198.51.100.9", "1.2.3.4"), proxies) == "198.51.100.9"  # not our proxy
    assert client_address(scope("127.0.0.1", "1.2.3.4"), proxies) == "1.2.3.4"
    # what the client wrote itself, left of what our proxies appended, is not believed
    assert client_address(scope("127.0.0.1", "6.6.6.6, 1.2.3.4, 10.1.2.3"), proxies) == "1.2.3.4"
    assert client_address(scope("127.0.0.1"), proxies) == "127.0.0.1"


def test_without_trusted_proxies_the_throttle_ignores_x_forwarded_for(r: redis.Redis,
                                                                      settings: Settings) -> None:
    settings.trusted_proxies = "testclient, 127.0.0.1"
    with pytest.raises(ValueError):  # a proxy is an address or a network, never a name: refused at start
        create_app(settings)
    settings.trusted_proxies = ""
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        for n in range(auth.ADDRESS_LIMIT):
            client.post("/login", data={"username": f"u{n}", "password": "x"},
                        headers={"X-Forwarded-For": f"1.2.3.{n}"})
    # without trusted proxies the header is ignored: every attempt counted for the peer
    assert int(r.get(keys.login_failures("addr", "testclient")) or 0) == auth.ADDRESS_LIMIT
