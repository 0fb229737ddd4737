"""The moderator board in Chromium: two moderators and the studio screen at once.

Merge and split seen by both boards; conflicting edits produce a visible conflict, not a lost edit; presence;
keyboard shortcuts and the help overlay; bulk selection; queue reorder (keyboard and drag and drop) reaching
the host screen; undo from the audit log; and a server restart that the board survives, resyncing to the
exact state.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import redis

from liveline import auth
from liveline.board import broadcasts, clusters, merges, questions
from liveline.store import state
from tests.e2e.conftest import LiveServer, login_page, shot
from tests.helpers import item, live_broadcast, triaged

ROOT = Path(__file__).resolve().parents[2]
HOOKS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.__errors = [];
window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
"""
QUESTIONS = [
    ("Когда отремонтируют дорогу на улице Гагарина? Ямы по колено", "roads", "Новоозёрск"),
    ("Дорога на Гагарина разбита, когда ремонт?", "roads", "Новоозёрск"),
    ("Не горят фонари на Садовой уже месяц", "lighting", "Сосновка"),
    ("Когда проведут газ в Заречное?", "gasification", "Заречное"),
    ("Автобус до Луговое ходит два раза в день, добавьте рейсы", "transport", "Луговое"),
    ("Мусор не вывозят с площадки на Мира", "waste", "Новоозёрск"),
]


def serve() -> None:
    """`liveline web` with this issue's routes added when app.py does not list them yet."""
    import uvicorn

    from liveline import settings as settings_mod
    from liveline.app import create_app
    from liveline.views import audit

    s = settings_mod.load()
    app = create_app(s)
    if not any(getattr(rt, "name", "") == "audit_undo" for rt in app.router.routes):
        app.router.routes[0:0] = audit.routes()
    uvicorn.run(app, host=s.host, port=s.port, log_level="warning", ws_ping_interval=20, ws_ping_timeout=20,
                timeout_graceful_shutdown=3)


class BoardServer(LiveServer):
    def command(self) -> list[str]:
        return [sys.executable, "-c", "import tests.e2e.test_board_browser as t; t.serve()"]


@pytest.fixture
def board_server(redis_server: Any, r: redis.Redis, tmp_path: Path) -> Any:
    server = BoardServer(redis_server, tmp_path / "var").start()
    yield server
    server.stop()


def seed(r: redis.Redis) -> tuple[int, list[str]]:
    for name in ("anna", "boris"):
        auth.add_user(r, name, "correct horse battery", "moderator")
    bid = live_broadcast(r)
    cids = []
    for n, (text, topic, place) in enumerate(QUESTIONS, start=1):
        ev = questions.ingest(r, bid, item(n, text, author_name=f"Ольга Смирнова{n}",
                                           author_url=f"https://vk.com/id{n}"),
                              triaged(text, topic=topic, place={"settlement": place}, place_label=place))
        assert ev is not None
        cids.append(ev.questions[str(n)]["cluster"])
    return bid, cids


def board(browser: Any, server: Any, user: str, bid: int) -> Any:
    page = login_page(browser, server, user)
    page.set_default_timeout(10000)
    page.add_init_script(HOOKS)
    page.goto(f"{server.url}/b/{bid}/board")
    page.wait_for_selector("#conn[data-state=online]")
    page.wait_for_selector("#board[aria-busy=false]")
    return page


def card(page: Any, cid: str) -> Any:
    return page.locator(f"#c-{cid}")


def statuses(page: Any) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries(Array.from(document.querySelectorAll('#board article.qcard'))
        .map(c => [c.dataset.id, c.dataset.status]))""")


def test_two_moderators_and_the_studio_work_one_board(browser: Any, board_server: Any, r: redis.Redis) -> None:
    bid, cids = seed(r)
    anna = board(browser, board_server, "anna", bid)
    boris = board(browser, board_server, "boris", bid)
    host = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    host.add_init_script(HOOKS)
    host.goto(f"{board_server.url}/host/{bid}/{broadcasts.host_key(r, bid)}")
    host.wait_for_selector("#host-screen .host-label")
    assert host.locator(".host-controls, #cue-form").count() == 0, "the studio link shows no controls"

    # the card: topic by name, author link, place
    c1 = card(anna, cids[0])
    assert c1.locator(".topic").inner_text() == "Дороги"
    assert c1.locator(".meta a").get_attribute("href") == "https://vk.com/id1"

    # presence: who is online, and which card the other has open
    boris.wait_for_selector("#presence .who-on[data-user=anna]")
    c1.focus()
    boris.wait_for_selector(f"#c-{cids[0]} .seen-by:has-text('anna')")

    # merge from the card ("объединить с…"), seen by both
    c2 = card(anna, cids[1])
    c2.locator("button[data-tool=more]").click()
    c2.locator("button[data-tool=merge]").click()
    c2.locator("input[name=other]").fill(cids[0])
    c2.locator("form[data-form=merge] button.primary").click()
    for page in (anna, boris):
        page.wait_for_selector(f"#c-{cids[1]}", state="detached")
        page.wait_for_selector(f"#c-{cids[0]} details.members summary:has-text('ещё 1 похожий')")
    # split from the members list, seen by both
    card(boris, cids[0]).locator("details.members summary").click()
    boris.locator(f"#c-{cids[0]} .member-list li#m-2 button:has-text('отделить')").click()
    for page in (anna, boris):
        page.wait_for_function(f"() => !document.querySelector('#c-{cids[0]} details.members')")
        page.wait_for_function("() => document.querySelectorAll('#col-new article.qcard').length === 6")

    # conflicting edits: Anna's unsaved wording survives, her save shows who changed the card
    c3a = card(anna, cids[2])
    c3a.focus()
    anna.keyboard.press("e")
    anna.locator(f"#c-{cids[2]} form[data-form=edit] textarea").fill("Анна: когда заменят фонари на Садовой?")
    c3b = card(boris, cids[2])
    c3b.locator("button[data-tool=edit]").click()
    boris.locator(f"#c-{cids[2]} form[data-form=edit] textarea").fill("Борис: фонари на Садовой")
    boris.locator(f"#c-{cids[2]} form[data-form=edit] button.primary").click()
    anna.wait_for_selector(f"#c-{cids[2]} .text:has-text('Борис: фонари на Садовой')")
    anna.wait_for_selector(f"#c-{cids[2]} form[data-form=edit] .stale-note")
    anna.locator(f"#c-{cids[2]} form[data-form=edit] button.primary").click()
    anna.wait_for_selector("#flash .flash.error:has-text('boris')")
    assert anna.locator(f"#c-{cids[2]} textarea").input_value() == "Анна: когда заменят фонари на Садовой?"
    assert clusters.get(r, bid, cids[2])["reading_text"] == "Борис: фонари на Садовой"
    shot(anna, "board-conflict")
    anna.keyboard.press("Escape")

    # keyboard: help overlay, j/k, approve (a), queue (q), take (t) — in the Russian layout too
    anna.locator("#f-text").focus()
    anna.keyboard.press("Escape")
    anna.keyboard.press("?")
    anna.wait_for_selector("dialog#help[open]")
    anna.keyboard.press("Escape")
    anna.wait_for_selector("dialog#help", state="hidden")
    card(anna, cids[3]).focus()
    anna.keyboard.press("KeyA")
    boris.wait_for_selector(f"#col-approved #c-{cids[3]}")
    card(anna, cids[3]).focus()
    anna.keyboard.press("q")
    card(anna, cids[4]).focus()
    anna.keyboard.press("q")
    card(anna, cids[5]).focus()
    anna.keyboard.press("q")
    host.wait_for_function("() => document.querySelectorAll('#host-screen .host-next li[id]').length === 3")
    before = host.eval_on_selector_all("#host-screen .host-next li[id]", "els => els.map(e => e.id)")
    assert before == [f"host-next-{c}" for c in (cids[3], cids[4], cids[5])]
    # Alt+↑ moves the focused queued card up; the studio sees the new order
    anna.wait_for_selector(f"#col-queued #c-{cids[5]}")
    card(anna, cids[5]).focus()
    anna.keyboard.press("Alt+ArrowUp")
    host.wait_for_function(f"() => document.querySelector('#host-screen .host-next li[id]:nth-child(2)').id === 'host-next-{cids[5]}'")
    # drag and drop: Boris drags the last one to the top
    boris.wait_for_function(f"() => document.querySelector('#col-queued').lastElementChild.id === 'c-{cids[4]}'")
    boris.locator(f"#c-{cids[4]}").drag_to(boris.locator(f"#c-{cids[3]}"))
    host.wait_for_function(f"() => document.querySelector('#host-screen .host-next li[id]').id === 'host-next-{cids[4]}'")
    anna.wait_for_function(f"() => document.querySelector('#col-queued').firstElementChild.id === 'c-{cids[4]}'")
    # take: Boris takes a card, Anna sees who
    card(boris, cids[0]).focus()
    boris.keyboard.press("t")
    anna.wait_for_selector(f"#c-{cids[0]} .badge.taken:has-text('boris')")

    # bulk: select two cards and reject them as off-topic in one request
    new_ids = [c for c, s in statuses(anna).items() if s == "new"][:2]
    for cid in new_ids:
        card(anna, cid).locator("input.pick").check()
    anna.wait_for_selector("#bulk-bar:not([hidden]) #bulk-count:has-text('Выбрано: 2')")
    anna.select_option("#bulk-reason", "offtopic")
    anna.locator("[data-bulk=reject]").click()
    anna.wait_for_selector("#flash .flash.ok:has-text('Отклонено: 2')")
    for cid in new_ids:
        boris.wait_for_selector(f"#col-rejected #c-{cid}", state="attached")

    # on air from the card; the studio shows first name and settlement only
    anna.locator(f"#col-queued #c-{cids[4]} button[data-act=on_air]").click()
    host.wait_for_selector("#host-screen .host-question:has-text('Автобус до Луговое')")
    who = host.inner_text(".host-now .host-who")
    assert "Ольга" in who and "Луговое" in who and "Смирнова" not in host.inner_text("#host-screen")

    # cue line from the board reaches the studio, and every board shows it
    anna.fill("#cue-input", "Следующий вопрос — про газ, 2 минуты")
    anna.locator("#cue-form button:not([type=button])").click()
    host.wait_for_selector(".host-cue:has-text('про газ')")
    boris.wait_for_selector("#board-cue:has-text('про газ')")

    # undo from the audit log: Boris's split is merged back, both boards see it
    audit = anna.context.new_page()
    audit.goto(f"{board_server.url}/b/{bid}/audit")
    row = audit.locator("tbody tr[data-action=split]").first
    assert "Разделение" in row.inner_text()
    shot(audit, "audit-log")
    row.locator("button:has-text('Отменить')").click()
    audit.wait_for_selector(".notice.ok")
    for page in (anna, boris):
        page.wait_for_selector(f"#c-{cids[0]} details.members summary:has-text('ещё 1 похожий')", state="attached")
    # the official's briefing, printable
    audit.goto(f"{board_server.url}/b/{bid}/briefing")
    assert audit.locator("ol.topq > li").count() >= 3
    audit.emulate_media(media="print")
    assert audit.locator(".print-btn").is_hidden()
    shot(audit, "briefing-print")
    audit.close()
    anna.locator(".tabs .tab[data-tab=rejected]").click()
    anna.wait_for_selector(f"#col-rejected #c-{cids[0]}")

    # per-moderator filters, in the browser only: Boris's search does not touch Anna's board
    boris.fill("#f-text", "мусор")
    boris.wait_for_selector(f"#c-{cids[3]}", state="hidden")
    assert boris.locator(f"#c-{cids[5]}").is_visible()
    assert "из" in boris.inner_text("[data-count-for=queued]")
    assert anna.locator(f"#c-{cids[3]}").is_visible()
    boris.fill("#f-text", "")
    boris.wait_for_selector(f"#c-{cids[3]}")

    for page in (anna, boris, host):
        assert page.evaluate("window.__csp") == [] and page.evaluate("window.__errors") == []
    host.wait_for_timeout(300)
    shot(anna, "board-anna")
    shot(boris, "board-boris")
    shot(host, "host-screen")


def test_a_server_restart_is_survived_and_the_board_resyncs_exactly(browser: Any, board_server: Any,
                                                                     r: redis.Redis) -> None:
    bid, cids = seed(r)
    anna = board(browser, board_server, "anna", bid)
    board_server.stop()
    anna.wait_for_selector("#conn[data-state=offline]")
    # while the board is away: approved, rejected, merged away, queued, and a brand-new question
    clusters.approve(r, bid, cids[0], "boris")
    clusters.reject(r, bid, cids[1], "boris", "duplicate")
    merges.merge(r, bid, cids[2], cids[3], "boris")
    clusters.enqueue(r, bid, cids[4], "boris")
    ev = questions.ingest(r, bid, item(99, "Новый вопрос: когда откроют поликлинику?"),
                          triaged("Новый вопрос: когда откроют поликлинику?"))
    assert ev is not None
    shot(anna, "board-offline")
    board_server.start()
    anna.wait_for_selector("#conn[data-state=online]", timeout=30000)
    anna.wait_for_selector(f"#c-{ev.questions[ev.note['qid']]['cluster']}")
    fresh = {cid: c["status"] for cid, c in state.read(r, bid).clusters.items()}
    assert statuses(anna) == fresh
    assert anna.locator(f"#c-{cids[2]} details.members summary").inner_text().startswith("ещё 1")
    # and it is live again
    clusters.approve(r, bid, cids[5], "boris")
    anna.wait_for_selector(f"#col-approved #c-{cids[5]}")
