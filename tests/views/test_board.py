"""The moderator board's page and card actions (liveline/views/board.py): a strict page that knows its
moderator, mute from a card, a stale version answered with 409, manual questions through the inbox."""

from __future__ import annotations

import json

import redis
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from liveline.board import authors, clusters, questions
from tests.conftest import htmx_headers, login
from tests.helpers import add_card, item, live_broadcast, soup, triaged


def test_the_board_page_is_strict_and_knows_its_moderator(bclient: TestClient, r: redis.Redis) -> None:
    login(bclient, r, "anna")
    bid = live_broadcast(r)
    page = soup(bclient.get(f"/b/{bid}/board").text)
    assert page.select_one("#board-live")["data-me"] == "anna"
    assert not page.select("[style]") and all(s.get("src") for s in page.find_all("script"))
    assert page.select_one("link[href='/static/css/board.css']")
    for tpl in ("reject", "edit", "more", "topic", "merge"):
        assert page.select_one(f"template#tpl-{tpl}") is not None
    assert page.select_one("#cue-form")["hx-post"] == f"/b/{bid}/host/controls"


def test_mute_from_the_card_mutes_the_leading_author(bclient: TestClient, r: redis.Redis) -> None:
    csrf = login(bclient, r, "anna")
    bid = live_broadcast(r)
    cid = add_card(r, bid, 1, "Реклама")
    resp = bclient.post(f"/b/{bid}/c/{cid}/mute", headers=htmx_headers(csrf))
    assert resp.status_code == 200 and "заглушён" in soup(resp.text).get_text()
    assert authors.is_muted(r, bid, "vk:1")
    bclient.post(f"/b/{bid}/c/{cid}/unmute", headers=htmx_headers(csrf))
    assert not authors.is_muted(r, bid, "vk:1")


def test_a_stale_version_answers_409_with_who_changed_it(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r)
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, "Когда починят дорогу?"), triaged("Когда починят дорогу?"))
    cid = ev.questions["1"]["cluster"]
    clusters.edit_reading(r, bid, cid, "Когда отремонтируют дорогу?", "boris")
    resp = client.post(f"/b/{bid}/c/{cid}/edit", data={"text": "Моя версия", "version": "1"},
                       headers=htmx_headers(csrf))
    assert resp.status_code == 409
    assert resp.headers["HX-Retarget"] == "#flash"
    assert "boris" in BeautifulSoup(resp.text, "html.parser").get_text()


def test_manual_question_goes_through_the_inbox(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r)
    bid = live_broadcast(r)
    resp = client.post(f"/b/{bid}/questions", data={"text": "Звонок: когда откроют поликлинику?",
                                                     "author": "Ольга, Заречный"}, headers=htmx_headers(csrf))
    assert resp.status_code == 200
    from liveline.store import keys

    (entry,) = r.xrange(keys.inbox(bid))
    payload = json.loads(entry[1][b"item"])
    assert payload["key"] == "manual:1" and payload["author_name"] == "Ольга, Заречный"
