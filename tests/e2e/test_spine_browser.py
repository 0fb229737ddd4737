"""The spine in a real browser: two moderators and the studio screen see one question's whole path."""

from __future__ import annotations

import redis

from liveline import auth
from liveline.board import broadcasts
from liveline.ingest import inbox
from liveline.ingest.inbox import SourceItem
from tests.e2e.conftest import login_page, shot
from tests.helpers import live_broadcast

HOOKS = """
window.__alerts = [];
window.alert = (m) => window.__alerts.push(String(m));
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

HOSTILE = [
    "<script>alert(1)</script> Когда починят дорогу на Ленина?",
    "<img src=x onerror=alert(2)> фонари на Садовой не горят",
    "Вопрос \u202eпро отопление\u202c и \u200bноль\u200d-ширина 😀👨‍👩‍👧",
    "Стена текста " + "Когда будет ремонт? " * 800,
    "Когда уберут управляющие \x07символы\x00 и одинокий \ud800 суррогат у школы?",
]


def inject(r: redis.Redis, bid: int, n: int, text: str, name: str = "Ольга Смирнова") -> None:
    inbox.append(r, bid, [SourceItem(key=f"demo:{n}", text=text, author_id=f"vk:{100 + n}", author_name=name,
                                     author_url=f"https://vk.com/id{100 + n}", created_at=1.7e9 + n)])


def test_two_moderators_and_the_host_screen_follow_a_question(browser, live_server, triage_worker,
                                                              r: redis.Redis) -> None:
    for name in ("anna", "boris"):
        auth.add_user(r, name, "correct horse battery", "moderator")
    bid = live_broadcast(r)
    anna = login_page(browser, live_server, "anna")
    boris = login_page(browser, live_server, "boris")
    host_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    host = host_ctx.new_page()
    for page in (anna, boris, host):
        page.add_init_script(HOOKS)
    anna.goto(f"{live_server.url}/b/{bid}/board")
    boris.goto(f"{live_server.url}/b/{bid}/board")
    host.goto(f"{live_server.url}/host/{bid}/{broadcasts.host_key(r, bid)}")
    for page in (anna, boris):
        page.wait_for_selector("#conn[data-state=online]")
    host.wait_for_selector("#host-screen .host-label")

    inject(r, bid, 1, "Здравствуйте! Когда отремонтируют дорогу на улице Гагарина? Ямы по колено")
    for page in (anna, boris):
        page.wait_for_selector("#col-new article.qcard >> text=дорогу на улице Гагарина")
    card = anna.locator("#col-new article.qcard").first
    card.locator("button", has_text="В очередь").click()
    for page in (anna, boris):
        page.wait_for_selector("#col-queued article.qcard >> text=Гагарина")
    host.wait_for_selector("#host-screen .host-next >> text=Гагарина")

    anna.locator("#col-queued article.qcard").first.locator("button", has_text="В эфир").click()
    host.wait_for_selector("#host-screen .host-question >> text=Гагарина")
    assert "Ольга" in host.inner_text(".host-now .host-who")
    assert "Смирнова" not in host.inner_text("#host-screen"), "no surname on the studio screen"

    # hostile text through the whole path: inert on the boards and on the host screen
    for n, text in enumerate(HOSTILE, start=10):
        inject(r, bid, n, text, name="<b>Хакер</b>")
    anna.locator("#board article.qcard", has_text="Стена текста").first.wait_for(timeout=20000)
    anna.locator("#board article.qcard", has_text="суррогат").first.wait_for(timeout=20000)
    last = anna.locator("#col-new article.qcard", has_text="Стена текста").first
    last.locator("button", has_text="В очередь").click()
    anna.locator("#col-queued article.qcard", has_text="Стена текста").locator("button", has_text="В эфир").click()
    host.wait_for_selector("#host-screen .host-question >> text=Стена текста")
    for page in (anna, boris, host):
        assert page.evaluate("window.__alerts") == []
        assert page.evaluate("window.__csp") == []
        assert page.locator("#board img, #host-screen img, #board script, #host-screen script").count() == 0
    text = anna.inner_text("#board")
    assert "alert(1)</script>" in text and "<b>Хакер</b>" in text
    width = anna.evaluate("document.documentElement.scrollWidth")
    assert width <= 1600 + 2, "a wall of text does not break the layout"
    shot(anna, "spine-board")
    shot(host, "spine-host")
