"""The post-broadcast report in Chromium: charts drawn, no CSP violation, printable (screenshot checked)."""

from __future__ import annotations

import redis

from liveline import auth
from liveline.board import broadcasts, clusters, questions
from liveline.followup import appeals
from liveline.ingest.inbox import SourceItem
from liveline.store import keys
from tests.e2e.conftest import login_page, shot
from tests.helpers import live_broadcast, triaged

CSP_HOOK = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""
PLACES = ["Сосновка", "Заречное", "Калиновка", "Сосновка", "Сосновка", "Заречное", "Луговое", "Калиновка"]
TOPICS = ["roads", "lighting", "waste", "roads", "housing", "water_heating", "roads", "healthcare"]


def fill(r: redis.Redis) -> int:
    bid = live_broadcast(r, "Прямая линия с главой района, ноябрь")
    t0 = 1_800_000_000.0
    r.hset(keys.broadcast(bid), "started_at", f"{t0:.3f}")
    cids = []
    for n in range(40):
        i = n % len(PLACES)
        key = f"vk:wall:-42_7:{n}" if n % 3 else f"vk:video:-42_9:{n}"
        ev = questions.ingest(r, bid, SourceItem(key=key, text=f"Вопрос {n}", author_id=str(1000 + n),
                                                 author_name="Житель", created_at=t0 + n * 37 % 1500),
                              triaged(f"Вопрос {n} <b>жирный</b>", topic=TOPICS[i], place={"settlement": PLACES[i]}))
        assert ev is not None
        cids.append(ev.questions[ev.note["qid"]]["cluster"])
    for cid in cids[:6]:
        clusters.on_air(r, bid, cid, "anna")
        clusters.answered(r, bid, cid, "anna")
    for cid in cids[6:30]:
        clusters.approve(r, bid, cid, "anna")
    broadcasts.end(r, bid)
    r.hset(keys.broadcast(bid), "ended_at", f"{t0 + 1500:.3f}")
    appeals.create_from_broadcast(r, bid)
    return bid


def test_report_renders_in_chromium(browser, live_server, r: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    auth.add_user(r, "root", "correct horse battery", "admin")
    bid = fill(r)
    page = login_page(browser, live_server, "root")
    page.add_init_script(CSP_HOOK)
    page.goto(f"{live_server.url}/b/{bid}/report")
    page.wait_for_selector("svg[role=img]")
    assert page.locator("svg[role=img]").count() == 6
    box = page.locator(".chart-wide svg").bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 150
    assert page.locator(".chart-grid svg rect.chart-bar").count() > 10
    assert page.evaluate("window.__csp") == []
    assert page.locator("text=<b>").count() == 0
    path = shot(page, "report")
    page.set_viewport_size({"width": 1600, "height": 2400})
    shot(page, "report_full")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    shot(page, "report_print")
    assert path.exists()
