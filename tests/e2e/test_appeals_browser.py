"""Appeals in Chromium: department staff see only theirs, answer one, and watch its VK replies' status."""

from __future__ import annotations

import redis

from liveline import auth
from liveline.board import broadcasts, clusters, questions
from liveline.followup import appeals
from liveline.ingest.inbox import SourceItem
from tests.e2e.conftest import login_page, shot
from tests.helpers import live_broadcast, triaged

CSP_HOOK = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def fill(r: redis.Redis) -> int:
    bid = live_broadcast(r)
    rows = [("Когда отремонтируют дорогу на Ленина? <img src=x onerror=alert(1)>", "roads", "Сосновка"),
            ("Не горят фонари на Садовой", "lighting", "Заречное"),
            ("Яма у дома 5 на Ленина", "roads", "Сосновка")]
    first = None
    for n, (text, topic, place) in enumerate(rows, start=1):
        ev = questions.ingest(r, bid, SourceItem(key=f"demo:{n}", text=text, author_id=f"vk:{n}",
                                                 author_name=f"Житель {n}", author_url=f"https://vk.com/id{n}",
                                                 created_at=1.8e9 + n),
                              triaged(text, topic=topic, place={"settlement": place},
                                      merge_into=first if topic == "roads" else None))
        assert ev is not None
        q = ev.questions[ev.note["qid"]]
        first = first or q["id"]
        clusters.approve(r, bid, q["cluster"], "anna") if clusters.get(r, bid, q["cluster"])["status"] == "new" else None
    broadcasts.end(r, bid)
    appeals.create_from_broadcast(r, bid)
    return bid


def test_staff_answer_an_appeal_in_chromium(browser, live_server, r: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    auth.add_user(r, "olga", "correct horse battery", "staff", "Отдел дорожного хозяйства")
    fill(r)
    page = login_page(browser, live_server, "olga")
    page.add_init_script(CSP_HOOK)
    page.goto(f"{live_server.url}/appeals")
    rows = page.locator("tr.appeal-row")
    assert rows.count() == 1
    shot(page, "appeals_list_staff")
    rows.first.locator("a").first.click()
    page.wait_for_selector("form[action$='/answer'] textarea")
    assert page.locator("table.questions tbody tr").count() == 2
    page.fill("form[action$='/answer'] textarea", "Ремонт дороги на Ленина запланирован на май.")
    page.click("form[action$='/answer'] button")
    page.wait_for_selector(".astatus-answered")
    assert page.locator("#appeal-replies td.reply-status").all_inner_texts() == ["не требуется", "не требуется"]
    assert page.evaluate("window.__csp") == []
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    shot(page, "appeal_answered")
