"""Browser tests: a real web server process, a triage worker, and Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from liveline.store.redisproc import RedisProcess
from tests.webproc import LiveServer

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("CI: /usr/bin/chromium is missing (make test installs it with apt)")
        pytest.skip("Debian's chromium is not installed")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def live_server(redis_server: RedisProcess, r: redis.Redis, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(redis_server, tmp_path / "var").start()
    yield server
    server.stop()


@pytest.fixture
def triage_worker(r: redis.Redis) -> Iterator[object]:
    """The real triage worker in a thread of the test process."""
    from workers.triage import TriageWorker

    stop = threading.Event()
    worker = TriageWorker(r, str(Path(__file__).resolve().parents[2] / "liveline" / "demo" / "places.csv"))
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    yield worker
    stop.set()
    thread.join(5)


def login_page(browser: object, server: LiveServer, username: str, password: str = "correct horse battery"):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU")  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_load_state()
    return page


def shot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)  # type: ignore[attr-defined]
    return path
