"""Hostile input in Chromium: the corpus (tests/data/hostile.jsonl), posted as comments on a community post in
the VK simulator and ingested by the real VkIngest and triage worker, is shown on every screen — board, host
screen, audit log, appeals, report — and nothing executes (``alert`` and friends are hooked, CSP violations
collected) and nothing breaks the layout (no horizontal overflow of the page)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import redis

from liveline import auth
from liveline.board import broadcasts
from tests.e2e.conftest import LiveServer, login_page, shot
from tests.test_hostile import corpus, ingest_corpus
from tests.vk_sim import VkSimulator

HOOK = """
window.__hostile = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__hostile.push(name + ":" + String(args[0]).slice(0, 80)); };
}
document.addEventListener("securitypolicyviolation", (e) => {
  window.__hostile.push("csp:" + e.violatedDirective + ":" + (e.blockedURI || "") + ":" + (e.sample || ""));
});
"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def sim() -> Iterator[VkSimulator]:
    with VkSimulator(rate_limits=False, lp_wait_cap=0.5) as s:
        s.add_token("hostile-user", "user")
        s.add_token("hostile-group", "group", 42)
        s.add_group(42, "Администрация района")
        yield s


def visit(page, url: str, name: str, wait_for: str | None = None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if wait_for:
        page.wait_for_selector(wait_for, timeout=15_000)
    page.wait_for_timeout(300)  # let late handlers (if any were injected) fire
    for el in page.query_selector_all("article.qcard, tr, details")[:60]:
        with contextlib.suppress(Exception):  # hidden or detached elements are fine
            el.hover(timeout=200)  # onmouseover/onfocus payloads get their chance
    shot(page, f"hostile-{name}")
    return {"events": page.evaluate("() => window.__hostile"), "overflow": page.evaluate(OVERFLOW)}


def test_hostile_comments_execute_nothing_and_keep_the_layout(browser: object, live_server: LiveServer,
                                                              r: redis.Redis, sim: VkSimulator) -> None:
    bid, keys_to_id = ingest_corpus(r, sim, corpus())
    auth.add_user(r, "root", "correct horse battery", "admin")
    page = login_page(browser, live_server, "root")
    page.context.add_init_script(HOOK)
    results = {
        "board": visit(page, f"{live_server.url}/b/{bid}/board", "board", "article.qcard"),
        "audit": visit(page, f"{live_server.url}/b/{bid}/audit", "audit"),
        "broadcast": visit(page, f"{live_server.url}/b/{bid}", "broadcast"),
    }
    # the studio's host screen through its secret link, in its own context
    host_ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="ru-RU")  # type: ignore[attr-defined]
    host_ctx.add_init_script(HOOK)
    host = host_ctx.new_page()
    # put questions on the host screen: queue a few and put one on air
    from liveline.board import clusters

    cs = sorted((c for c in (clusters.get(r, bid, str(i)) for i in range(1, 8)) if c), key=lambda c: c["id"])
    queued = []
    for c in cs:
        # triage may have filtered some payloads (spam, profanity): bring them back, they must be inert too
        if c["status"] in ("filtered", "rejected"):
            clusters.restore(r, bid, c["id"], "root")
        if c["status"] in ("new", "approved", "filtered", "rejected"):
            clusters.enqueue(r, bid, c["id"], "root")
            queued.append(c["id"])
    if queued:
        clusters.on_air(r, bid, queued[0], "root")
    key = broadcasts.host_key(r, bid)
    results["host"] = visit(host, f"{live_server.url}/host/{bid}/{key}", "host", "#host-screen")
    # after the broadcast: appeals and the report
    broadcasts.end(r, bid)
    from liveline.followup import appeals

    appeals.create_from_broadcast(r, bid, "root")
    results["appeals"] = visit(page, f"{live_server.url}/appeals", "appeals")
    for aid in sorted(appeals.read_all(r, bid), key=int)[:5]:
        results[f"appeal {aid}"] = visit(page, f"{live_server.url}/appeals/{bid}/{aid}", f"appeal-{aid}")
    results["report"] = visit(page, f"{live_server.url}/b/{bid}/report", "report")
    host_ctx.close()
    page.context.close()

    executed = {name: res["events"] for name, res in results.items() if res["events"]}
    assert not executed, f"something executed or was blocked by CSP: {executed}"
    overflow = {name: res["overflow"] for name, res in results.items() if int(res["overflow"]) > 1}  # type: ignore[call-overload]
    assert not overflow, f"horizontal overflow (px): {overflow}"
    assert len(keys_to_id) == len(corpus())
