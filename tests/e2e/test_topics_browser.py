"""In Chromium: a topic the admin adds on the catalogue page is shown by its name on a moderator's board."""

from __future__ import annotations

from typing import Any

import redis

from liveline import auth
from liveline.board import questions
from tests.e2e.conftest import LiveServer, login_page
from tests.helpers import item, live_broadcast, triaged


def test_an_admin_added_topic_shows_its_name_on_the_board(browser: Any, live_server: LiveServer,
                                                          r: redis.Redis) -> None:
    auth.add_user(r, "root", "correct horse battery", "admin")
    auth.add_user(r, "anna", "correct horse battery", "moderator")
    admin = login_page(browser, live_server, "root")
    admin.goto(f"{live_server.url}/admin/catalog")
    form = admin.locator("form", has=admin.locator("input[name=slug][pattern]"))
    form.locator("input[name=slug]").fill("parks")
    form.locator("input[name=name]").fill("Парки и скверы")
    form.locator("select[name=department]").select_option("Отдел благоустройства")  # departments are records
    form.locator("button").click()
    admin.wait_for_url("**/admin/catalog?ok=*")

    bid = live_broadcast(r)
    text = "Когда поставят скамейки в сквере у школы?"
    ev = questions.ingest(r, bid, item(1, text), triaged(text, topic="parks", department="Отдел благоустройства"))
    assert ev is not None
    cid = ev.questions["1"]["cluster"]
    anna = login_page(browser, live_server, "anna")
    anna.set_default_timeout(10000)
    anna.goto(f"{live_server.url}/b/{bid}/board")
    anna.wait_for_selector("#board[aria-busy=false]")
    assert anna.inner_text(f"#c-{cid} .topic") == "Парки и скверы"
    anna.select_option("#f-topic", "parks")  # the board's topic filter offers it too
    assert anna.locator(f"#c-{cid}").is_visible()
