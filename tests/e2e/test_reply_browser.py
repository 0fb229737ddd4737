"""In Chromium, a reply is read with what it answers wherever it is read: its card says so; the studio sees the
parent above the question once a moderator includes it (and no longer once they take it off); the follow-up
appeal's page shows it to the department's staff."""

from __future__ import annotations

from typing import Any

import redis

from liveline import auth
from liveline.board import broadcasts, clusters, questions
from liveline.followup import appeals
from tests.e2e.conftest import LiveServer, login_page, shot
from tests.helpers import item, live_broadcast, triaged

PARENT = "Когда отремонтируют дорогу на улице Ленина? Звоните мне: +7 916 123-45-67"
REPLY = "а у моста там ещё и яма, когда засыплют?"


def test_a_reply_reads_with_its_parent_on_the_card_the_host_screen_and_the_appeal(
        browser: Any, live_server: LiveServer, r: redis.Redis) -> None:
    auth.add_user(r, "anna", "correct horse battery", "moderator")
    auth.add_user(r, "olga", "correct horse battery", "staff", "Отдел дорожного хозяйства")
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, PARENT, author_name="Ольга Смирнова"), triaged(PARENT, topic="roads"))
    assert ev is not None
    road = str(ev.questions[ev.note["qid"]]["cluster"])
    parent = {"id": "1", "text": PARENT, "author_name": "Ольга Смирнова", "author_url": "https://vk.com/id1"}
    ev = questions.ingest(r, bid, item(2, REPLY, author_name="Пётр Иванов", parent_key="demo:1"),
                          triaged(REPLY, topic="roads", reply_to=parent))
    assert ev is not None
    reply = str(ev.questions[ev.note["qid"]]["cluster"])
    assert reply != road

    board = login_page(browser, live_server, "anna")
    board.set_default_timeout(10000)
    board.goto(f"{live_server.url}/b/{bid}/board")
    board.wait_for_selector("#board[aria-busy=false]")
    assert board.inner_text(f"#c-{reply} .reply-to").startswith("в ответ на: Ольга Смирнова — «Когда отремонтируют")
    assert board.locator(f"#c-{road} [data-act=parent]").count() == 0, "a question that answers nothing has no switch"
    board.click(f"#c-{reply} [data-act=queue]")
    board.wait_for_selector(f"#col-queued #c-{reply}")
    board.click(f"#c-{reply} [data-act=on_air]")
    board.wait_for_selector(f"#col-on_air #c-{reply}")

    studio = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    studio.set_default_timeout(10000)
    studio.goto(f"{live_server.url}/host/{bid}/{broadcasts.host_key(r, bid)}")
    studio.wait_for_selector(f"#host-q-{reply}")
    assert studio.locator(".host-parent").count() == 0, "the parent is shown only when a moderator includes it"

    board.click(f"#c-{reply} [data-act=parent][data-shown='1']")
    studio.wait_for_selector(".host-now .host-parent")
    shown = studio.inner_text(".host-now .host-parent")
    assert shown.startswith("В ответ на: Ольга — «Когда отремонтируют дорогу на улице Ленина?")
    assert "916" not in shown and "Смирнова" not in studio.inner_text("body"), "no phone, no surname in the studio"
    assert studio.inner_text(f"#host-q-{reply}") == REPLY
    shot(studio, "host-reply-with-parent")
    board.wait_for_selector(f"#c-{reply} [data-act=parent][data-shown='0']")
    board.click(f"#c-{reply} [data-act=parent][data-shown='0']")
    studio.wait_for_selector(".host-now .host-parent", state="detached")

    board.click(f"#c-{reply} [data-act=return]")
    board.wait_for_selector(f"#col-queued #c-{reply}")
    broadcasts.end(r, bid)
    appeals.create_from_broadcast(r, bid)
    aid = next(a["id"] for a in appeals.read_all(r, bid).values() if a["cluster"] == reply)
    staff = login_page(browser, live_server, "olga")
    staff.goto(f"{live_server.url}/appeals/{bid}/{aid}")
    staff.wait_for_selector("table.questions")
    assert staff.inner_text("table.questions .reply-to").startswith("в ответ на: Ольга Смирнова — «Когда отремонтируют")
    assert clusters.get(r, bid, reply)["parent_on_host"] is False
