"""The board's server side: cards, presence, bulk actions, spam waves, mute, the readable audit log with undo,
and the official's briefing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from liveline.board import authors, clusters, questions
from liveline.live import screens
from liveline.settings import Settings
from liveline.store import state
from liveline.store.events import Event
from tests.conftest import htmx_headers, login
from tests.helpers import item, live_broadcast, triaged


@pytest.fixture
def bclient(r: redis.Redis, settings: Settings) -> Iterator[TestClient]:
    """The app with this module's routes, whether or not app.py lists them yet."""
    from liveline.app import create_app
    from liveline.views import audit

    app = create_app(settings)
    if not any(getattr(rt, "name", "") == "audit_undo" for rt in app.router.routes):
        app.router.routes[0:0] = audit.routes()
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def add(r: redis.Redis, bid: int, n: int, text: str, **kw: object) -> str:
    ev = questions.ingest(r, bid, item(n, text, author_name=f"Ольга Житель{n}"), triaged(text, **kw))
    assert ev is not None
    return ev.questions[ev.note["qid"]]["cluster"]


def test_cards_show_topic_names_department_and_answer_timecode(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    a = add(r, bid, 1, "Когда отремонтируют дорогу?", topic="roads", department="Отдел дорожного хозяйства")
    b = add(r, bid, 2, "Где автобус?", topic="transport")
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


def test_presence_heartbeats_announce_only_changes(r: redis.Redis) -> None:
    from liveline.board import presence

    bid = live_broadcast(r)
    presence.join(r, bid, "s1", "anna")
    n = r.xlen(f"ll:{{b{bid}}}:events")
    presence.touch(r, bid, "s1", "anna", '{"card": "5"}')
    presence.touch(r, bid, "s1", "anna", '{"card": "5"}')
    presence.touch(r, bid, "s1", "anna", '{"card": "x5"}')
    assert r.xlen(f"ll:{{b{bid}}}:events") == n + 1
    assert presence.online(r, bid) == [{"user": "anna", "cards": ["5"]}]


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


def test_bulk_approve_reports_what_it_did_and_what_conflicted(bclient: TestClient, r: redis.Redis) -> None:
    csrf = login(bclient, r, "anna")
    bid = live_broadcast(r)
    a, b, c = (add(r, bid, n, f"Вопрос {n} про дороги") for n in (1, 2, 3))
    clusters.pin(r, bid, c, True, "boris")  # c is now at version 2
    resp = bclient.post(f"/b/{bid}/bulk", data={"action": "approve", "ids": f"{a}:1,{b},{c}:1"},
                        headers=htmx_headers(csrf))
    assert resp.status_code == 200
    text = soup(resp.text).get_text()
    assert "Одобрено: 2" in text and f"№{c}" in text and "boris" in text
    st = state.read(r, bid)
    assert [st.clusters[x]["status"] for x in (a, b, c)] == ["approved", "approved", "new"]
    resp = bclient.post(f"/b/{bid}/bulk", data={"action": "reject", "ids": f"{a},{b}", "reason": "nope"},
                        headers=htmx_headers(csrf))
    assert resp.status_code == 400


def test_reject_the_whole_spam_wave(bclient: TestClient, r: redis.Redis) -> None:
    csrf = login(bclient, r, "anna")
    bid = live_broadcast(r)
    wave = [add(r, bid, n, f"Голосуйте за нашего кандидата {n}", brigade="w1") for n in (1, 2, 3)]
    other = add(r, bid, 4, "Где автобус?")
    spam = [add(r, bid, n, f"Купите {n}", filter_reason="spam") for n in (5, 6)]
    resp = bclient.post(f"/b/{bid}/wave", data={"brigade": "w1"}, headers=htmx_headers(csrf))
    assert "Отклонено: 3" in soup(resp.text).get_text()
    resp = bclient.post(f"/b/{bid}/wave", data={"filter": "spam"}, headers=htmx_headers(csrf))
    assert "Отклонено: 2" in soup(resp.text).get_text()
    st = state.read(r, bid)
    assert {st.clusters[x]["status"] for x in wave + spam} == {"rejected"}
    assert {st.clusters[x]["reject_reason"] for x in wave + spam} == {"spam"}
    assert st.clusters[other]["status"] == "new"


def test_mute_from_the_card_mutes_the_leading_author(bclient: TestClient, r: redis.Redis) -> None:
    csrf = login(bclient, r, "anna")
    bid = live_broadcast(r)
    cid = add(r, bid, 1, "Реклама")
    resp = bclient.post(f"/b/{bid}/c/{cid}/mute", headers=htmx_headers(csrf))
    assert resp.status_code == 200 and "заглушён" in soup(resp.text).get_text()
    assert authors.is_muted(r, bid, "vk:1")
    bclient.post(f"/b/{bid}/c/{cid}/unmute", headers=htmx_headers(csrf))
    assert not authors.is_muted(r, bid, "vk:1")


def test_the_audit_log_is_readable_and_undoes(bclient: TestClient, r: redis.Redis) -> None:
    csrf = login(bclient, r, "anna")
    bid = live_broadcast(r)
    a = add(r, bid, 1, "Дорога на Ленина", topic="roads")
    b = add(r, bid, 2, "Ямы на Ленина", topic="roads")
    clusters.reject(r, bid, a, "boris", "offtopic")
    clusters.set_topic(r, bid, b, "lighting", "Отдел благоустройства", "boris")
    page = soup(bclient.get(f"/b/{bid}/audit").text)
    rows = page.select("tbody tr")
    assert [row.select("td")[2].get_text() for row in rows] == ["Тема и отдел", "Отклонён"]
    topic_row, reject_row = rows
    assert topic_row.select_one("td a")["href"] == f"/b/{bid}/board#c-{b}"
    changes = [[s.get_text() for s in ch.select("span")] for ch in topic_row.select(".change")]
    assert ["Тема", "Дороги", "Уличное освещение"] in changes
    assert ["Отдел", "—", "Отдел благоустройства"] in changes
    assert "version" not in topic_row.get_text()
    assert ["Состояние", "Новые", "Отклонённые"] in [[s.get_text() for s in ch.select("span")]
                                                    for ch in reject_row.select(".change")]
    form = reject_row.select_one("form")
    resp = bclient.post(form["action"], data={"csrf": csrf}, follow_redirects=False)
    assert resp.status_code == 303 and "ok=" in resp.headers["location"]
    assert clusters.get(r, bid, a)["status"] == "new"
    again = bclient.post(form["action"], data={"csrf": csrf}, follow_redirects=False)
    assert "error=" in again.headers["location"]
    only_a = soup(bclient.get(f"/b/{bid}/audit?c={a}").text)
    assert {row.select("td")[3].get_text() for row in only_a.select("tbody tr")} == {f"Вопрос №{a}"}


def test_the_briefing_lists_top_clusters_fairly_with_samples(bclient: TestClient, r: redis.Redis) -> None:
    pytest.importorskip("liveline.triage.pii")
    login(bclient, r, "anna")
    bid = live_broadcast(r)
    town = {"settlement": "Новоозёрск"}
    village = {"settlement": "Сосновка"}
    for n in range(1, 13):
        questions.ingest(r, bid, item(n, f"Дороги в городе, вопрос {n}", author=f"vk:t{n}"),
                         triaged(f"Дороги в городе {n}", place=town))
    first = add(r, bid, 20, "Когда проведут газ в Сосновку?", place=village)
    leader = clusters.get(r, bid, first)["leader"]
    for n in range(21, 26):
        questions.ingest(r, bid, item(n, "Газ в Сосновку когда?", author=f"vk:v{n}"),
                         triaged("Газ в Сосновку когда? Звоните 8 905 123-45-67", merge_into=leader, place=village))
    for n in range(30, 40):
        c = add(r, bid, n, f"Фонари в городе {n}", place=town)
        for k in range(3):
            questions.ingest(r, bid, item(f"{n}{k}", "+1", author=f"vk:s{n}{k}", parent_key=f"demo:{n}"),
                             triaged("+1"))
        clusters.approve(r, bid, c, "anna")
    clusters.reject(r, bid, add(r, bid, 50, "Спам спам", place=town), "anna", "spam")
    page = soup(bclient.get(f"/b/{bid}/briefing?top=5").text)
    items = page.select("ol.topq > li")
    assert len(items) == 5
    assert f"brief-{first}" in [li["id"] for li in items], "the village's best question gets a place"
    village_item = page.select_one(f"#brief-{first}")
    assert "Сосновка" in village_item.select_one(".places").get_text()
    assert "поддержали 6" in village_item.get_text()
    assert "123-45-67" not in page.get_text(), "personal data masked"
    assert page.select_one("link[href='/static/css/board.css']")
