"""In Chromium: chatter waits in the board's «Чат» tab, not in «Новые»; one moderator sends a card there and
another brings a misjudged one back, and both boards follow; a reply's card says what it answers."""

from __future__ import annotations

from typing import Any

import redis

from liveline import auth
from liveline.board import questions
from tests.e2e.conftest import LiveServer, login_page, shot
from tests.helpers import item, live_broadcast, triaged


def test_chatter_is_in_the_chat_tab_and_moves_back_and_forth(browser: Any, live_server: LiveServer,
                                                              r: redis.Redis) -> None:
    for name in ("anna", "boris"):
        auth.add_user(r, name, "correct horse battery", "moderator")
    bid = live_broadcast(r)

    def add(n: int, text: str, kind: str = "question") -> str:
        ev = questions.ingest(r, bid, item(n, text), triaged(text, kind=kind, topic="roads"))
        assert ev is not None
        return str(ev.questions[ev.note["qid"]]["cluster"])

    road = add(1, "Когда отремонтируют дорогу на улице Ленина?")
    parent = {"id": "1", "text": "Когда отремонтируют дорогу на улице Ленина?", "author_name": "Житель 1",
              "author_url": ""}
    reply_text = "а на Мира фонари когда повесят?"
    ev = questions.ingest(r, bid, item(4, reply_text), triaged(reply_text, topic="lighting", reply_to=parent))
    assert ev is not None
    reply = str(ev.questions[ev.note["qid"]]["cluster"])
    sound = add(2, "звука нет", kind="chatter")
    rain = add(3, "Когда уберут лужу у остановки на Мира? Опять всё залило", kind="chatter")  # triage misjudged
    pages = []
    for name in ("anna", "boris"):
        page = login_page(browser, live_server, name)
        page.set_default_timeout(10000)
        page.goto(f"{live_server.url}/b/{bid}/board")
        page.wait_for_selector("#board[aria-busy=false]")
        pages.append(page)
    anna, boris = pages
    assert anna.locator(f"#col-new #c-{road}").count() == 1
    assert anna.inner_text(f"#c-{reply} .reply-to") == "в ответ на: Житель 1 — «Когда отремонтируют дорогу на улице Ленина?»"
    assert anna.locator(f"#col-chat #c-{sound}").count() == 1 and anna.locator(f"#col-new #c-{sound}").count() == 0
    anna.click("[data-tab=chat]")
    assert anna.locator(f"#col-chat #c-{rain}").is_visible()
    assert anna.inner_text("#count-chat") == "2"
    shot(anna, "board-chat-tab")

    anna.click(f"#c-{rain} [data-act=restore]")  # it is a question after all
    boris.wait_for_selector(f"#col-new #c-{rain}")
    boris.click(f"#c-{road} [data-act=chat]")  # and this one a moderator calls chatter
    anna.wait_for_selector(f"#col-chat #c-{road}")
    assert anna.inner_text("#count-chat") == "2"
    assert anna.locator(f"#col-new #c-{rain}").count() == 1
