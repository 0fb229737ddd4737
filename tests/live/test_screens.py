"""What the live screens render from a snapshot and its events: the board's cards and presence; appeal events
leave the board and the host screen as they were."""

from __future__ import annotations

import json

import pytest
import redis

from liveline import render
from liveline.board import clusters
from liveline.errors import BadRequest
from liveline.followup import appeals
from liveline.live import screens
from liveline.store import events, state
from liveline.store.events import Event
from tests.helpers import add_card, ended_broadcast, live_broadcast, soup


def test_cards_show_topic_names_department_and_answer_timecode(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    a = add_card(r, bid, 1, "Когда отремонтируют дорогу?", topic="roads",
                 department="Отдел дорожного хозяйства")
    b = add_card(r, bid, 2, "Где автобус?", topic="transport")
    clusters.on_air(r, bid, b, "anna")
    clusters.answered(r, bid, b, "anna")
    html = screens.render_board(state.read(r, bid, with_questions=False), None)
    cards = {c["data-id"]: c for c in soup(html).select("article.qcard")}
    assert cards[a].select_one(".topic").get_text() == "Дороги"
    assert cards[a].select_one(".dept").get_text() == "Отдел дорожного хозяйства"
    assert cards[b].select_one(".topic").get_text() == "Общественный транспорт"
    assert "ответ на" in cards[b].select_one(".timecode").get_text()
    assert not soup(html).select("article.qcard [hx-post], article.qcard [hx-get]"), "cards are light: no htmx"
    assert not soup(html).select("[style]")


def test_presence_events_render_who_is_online_and_which_cards_are_open(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    s = state.read(r, bid, with_questions=False)
    online = [{"user": "anna", "cards": ["3"]}, {"user": "boris", "cards": []}]
    html = screens.render_board(s, [Event("presence", note={"online": online})])
    box = soup(html).select_one("#presence")
    assert box is not None and box["hx-swap-oob"] == "true"
    assert json.loads(box["data-open"]) == {"3": ["anna"]}
    assert [w["data-user"] for w in box.select(".who-on")] == ["anna", "boris"]
    assert screens.render_board(s, [Event("author.muted", note={"author_id": "x"})]) == ""


def test_appeal_events_leave_the_live_screens_untouched(r: redis.Redis) -> None:
    bid, _ = ended_broadcast(r)
    before = state.read(r, bid)
    cursor = before.cursor
    appeals.create_from_broadcast(r, bid)
    evs = events.read_since(r, bid, cursor)
    after = before
    for ev in evs:
        after = state.apply(after, ev)
    assert after.comparable() == state.read(r, bid).comparable()
    assert screens.render("host", after, evs) == ""
    screens.render("board", after, evs)   # renders (an empty update), does not raise


def test_the_studio_and_the_vk_replies_call_people_by_their_first_name_only() -> None:
    assert render.first_name("Ольга Смирнова") == "Ольга"
    assert render.first_name("Смирнова, Ольга") == "Смирнова"
    assert render.first_name("  Иван  ") == "Иван" and render.first_name("") == render.first_name("  ") == ""


def test_the_studio_sees_a_replys_parent_only_while_a_moderator_includes_it_masked_and_by_first_name(
        r: redis.Redis) -> None:
    bid = live_broadcast(r)
    parent = {"id": "1", "text": "Когда починят дорогу на Ленина? Мой номер 8 916 123-45-67",
              "author_name": "Ольга Смирнова", "author_url": "https://vk.com/id1"}
    plain = add_card(r, bid, 1, "Когда починят дорогу на Ленина?")
    reply = add_card(r, bid, 2, "а у моста яма, когда засыплют?", reply_to=parent)
    clusters.on_air(r, bid, reply, "anna")
    assert screens.host_view(state.read(r, bid))["on_air"]["parent"] is None

    ev = clusters.show_parent(r, bid, reply, True, "anna")
    assert ev.type == "cluster.parent_shown"
    html = screens.render_host(state.read(r, bid), None)
    shown = soup(html).select_one(".host-now .host-parent").get_text()
    assert shown.startswith("В ответ на: Ольга — «Когда починят дорогу на Ленина?")
    assert "916" not in shown and "Смирнова" not in html
    card = soup(screens.render_board(state.read(r, bid, with_questions=False), None)).select_one(f"#c-{reply}")
    assert card.select_one("[data-act=parent]")["data-shown"] == "0", "the card offers to take it off again"

    clusters.show_parent(r, bid, reply, False, "anna")
    assert not soup(screens.render_host(state.read(r, bid), None)).select(".host-parent")
    with pytest.raises(BadRequest):
        clusters.show_parent(r, bid, plain, True, "anna")  # a question that answers nothing has no parent to show
