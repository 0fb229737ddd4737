"""A board's window in Chromium, with LIVELINE_BOARD_CARDS=5: the columns show their first five cards and
their true counts, the search finds a card beyond the window (on the server), and when a card above the
window's edge is rejected the next one enters — on this board and on another moderator's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from liveline import auth
from liveline.board import clusters, questions
from liveline.store.redisproc import RedisProcess
from tests.e2e.conftest import LiveServer, login_page, shot
from tests.helpers import item, live_broadcast, triaged

N = 5
HOOKS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.__errors = [];
window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
"""
STREETS = ["Ленина", "Мира", "Гагарина", "Садовой", "Школьной", "Кирова", "Пушкина", "Чапаева", "Лесной",
           "Полевой", "Речной", "Заводской"]


@pytest.fixture
def small_server(redis_server: RedisProcess, r: redis.Redis, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(redis_server, tmp_path / "var")
    server.env["LIVELINE_BOARD_CARDS"] = str(N)
    server.start()
    yield server
    server.stop()


def seed(r: redis.Redis) -> tuple[int, list[str]]:
    """Twelve new questions (the oldest first on the board); the tenth is the only one about a gas pipe."""
    for name in ("anna", "boris"):
        auth.add_user(r, name, "correct horse battery", "moderator")
    bid = live_broadcast(r)
    cids = []
    for n, street in enumerate(STREETS, start=1):
        text = (f"Когда проведут газопровод на улицу {street}?" if n == 10
                else f"Когда отремонтируют дорогу на улице {street}? Ямы по колено")
        place = "Сосновка" if n % 2 else "Заречное"
        ev = questions.ingest(r, bid, item(n, text, author_name=f"Ольга Смирнова{n}"),
                              triaged(text, topic="gasification" if n == 10 else "roads",
                                      place={"settlement": place}, place_label=f"{place}, ул. {street}"))
        assert ev is not None
        cids.append(ev.questions[str(n)]["cluster"])
    return bid, cids


def open_board(browser: Any, server: LiveServer, user: str, bid: int) -> Any:
    page = login_page(browser, server, user)
    page.set_default_timeout(10000)
    page.add_init_script(HOOKS)
    page.goto(f"{server.url}/b/{bid}/board")
    page.wait_for_selector("#conn[data-state=online]")
    page.wait_for_selector("#board[aria-busy=false]")
    return page


def column(page: Any, name: str) -> list[str]:
    return page.eval_on_selector_all(f"#col-{name} > article.qcard", "els => els.map(e => e.dataset.id)")


def test_the_window_counts_truly_searches_beyond_itself_and_lets_the_next_card_in(
        browser: Any, small_server: LiveServer, r: redis.Redis) -> None:
    bid, cids = seed(r)
    anna = open_board(browser, small_server, "anna", bid)
    boris = open_board(browser, small_server, "boris", bid)

    # the window: five cards, the true count, and a line that says so
    assert column(anna, "new") == cids[:N]
    assert anna.inner_text("[data-count-for=new]") == "12"
    assert anna.inner_text("#more-new") == "показаны первые 5 из 12 — уточните поиск или фильтр"
    assert anna.locator("#more-approved").is_hidden()
    shot(anna, "board-window")
    anna.screenshot(path="/tmp/board-window.png")

    # search reaches the tenth card, beyond the window (the server answers it)
    anna.fill("#f-text", "газопровод")
    anna.wait_for_selector(f"#col-new #c-{cids[9]}")
    anna.wait_for_function("() => document.querySelector('[data-count-for=new]').textContent === '1 из 12'")
    assert column(anna, "new") == [cids[9]]
    assert anna.locator("#more-new").is_hidden()
    shot(anna, "board-window-search")
    anna.screenshot(path="/tmp/board-window-search.png")
    # a filter alone reaches past the window too: the topic
    anna.fill("#f-text", "")
    anna.wait_for_function(f"() => !document.querySelector('#c-{cids[9]}')")
    assert column(anna, "new") == cids[:N], "cleared: the live window again"
    anna.select_option("#f-topic", "gasification")
    anna.wait_for_selector(f"#col-new #c-{cids[9]}")
    anna.select_option("#f-topic", "")
    anna.wait_for_function(f"() => !document.querySelector('#c-{cids[9]}')")
    # sorted by time: the newest first, from the whole column
    anna.select_option("#f-sort", "time")
    anna.wait_for_function(f"() => document.querySelector('#col-new > article.qcard').id === 'c-{cids[-1]}'")
    assert column(anna, "new") == cids[:-N - 1:-1]
    anna.wait_for_selector(".found-more[data-more-for=new]:has-text('показаны первые 5 из 12 найденных')")
    anna.select_option("#f-sort", "support")
    anna.wait_for_function(f"() => document.querySelector('#col-new > article.qcard').id === 'c-{cids[0]}'")
    assert anna.locator(".found-more").count() == 0

    # the first card is rejected from the board: the sixth enters, on both boards, and the counts follow
    anna.locator(f"#c-{cids[0]} button[data-act=reject][data-reason=spam]").click()
    for page in (anna, boris):
        page.wait_for_selector(f"#col-new #c-{cids[N]}")
        page.wait_for_selector(f"#col-rejected #c-{cids[0]}", state="attached")
        assert column(page, "new") == cids[1:N + 1]
        page.wait_for_function("() => document.querySelector('[data-count-for=new]').textContent === '11'")
        assert page.inner_text("[data-count-for=rejected]") == "1"
    # a card pinned from below the window takes the top; the last one leaves the board
    clusters.pin(r, bid, cids[10], True, "boris")
    anna.wait_for_function(f"() => document.querySelector('#col-new > article.qcard').id === 'c-{cids[10]}'")
    anna.wait_for_function(f"() => !document.querySelector('#c-{cids[N]}')")
    assert column(anna, "new") == [cids[10], *cids[1:N]]
    # a brand-new question lands below the window: only the count says so
    ev = questions.ingest(r, bid, item(99, "Новый вопрос про поликлинику"), triaged("Новый вопрос про поликлинику"))
    assert ev is not None
    anna.wait_for_function("() => document.querySelector('[data-count-for=new]').textContent === '12'")
    assert len(column(anna, "new")) == N
    assert anna.inner_text("#more-new") == "показаны первые 5 из 12 — уточните поиск или фильтр"
    # and the search finds it at once
    boris.fill("#f-text", "поликлинику")
    boris.wait_for_selector(f"#col-new #c-{ev.questions[ev.note['qid']]['cluster']}")
    # a link to a card beyond the window (the audit log's) finds it by its number
    linked = login_page(browser, small_server, "anna")
    linked.add_init_script(HOOKS)
    linked.goto(f"{small_server.url}/b/{bid}/board#c-{cids[8]}")
    linked.wait_for_selector(f"#col-new #c-{cids[8]}.flash-card")
    assert linked.input_value("#f-text") == f"№{cids[8]}"
    assert linked.evaluate("document.activeElement.id") == f"c-{cids[8]}"
    shot(anna, "board-window-after")
    anna.screenshot(path="/tmp/board-window-after.png")
    for page in (anna, boris, linked):
        assert page.evaluate("window.__csp") == [] and page.evaluate("window.__errors") == []


def test_a_board_longer_than_its_first_part_loads_whole_and_in_order(browser: Any, live_server: LiveServer,
                                                                     r: redis.Redis) -> None:
    """More cards than the snapshot's first part (60 a column): the rest is parsed and appended after the
    first paint, column by column, and the board ends up exactly as the server ordered it."""
    auth.add_user(r, "anna", "correct horse battery", "moderator")
    bid = live_broadcast(r)
    cids = []
    for n in range(1, 151):
        text = f"Вопрос {n}: когда починят дорогу на улице {STREETS[n % len(STREETS)]}?"
        ev = questions.ingest(r, bid, item(n, text), triaged(text))
        assert ev is not None
        cids.append(ev.questions[str(n)]["cluster"])
    for cid in cids[:70]:
        clusters.reject(r, bid, cid, "anna", "offtopic")
    page = open_board(browser, live_server, "anna", bid)
    page.wait_for_function("() => document.body.dataset.boardComplete")
    assert column(page, "new") == cids[70:]
    assert column(page, "rejected") == cids[69::-1], "the most recently rejected first"
    assert page.inner_text("[data-count-for=new]") == "80"
    assert page.evaluate("window.__csp") == [] and page.evaluate("window.__errors") == []
