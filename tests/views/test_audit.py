"""The board's bulk actions and spam waves, the readable audit log with undo, and the official's briefing
(liveline/views/audit.py)."""

from __future__ import annotations

import pytest
import redis
from starlette.testclient import TestClient

from liveline.board import clusters, questions
from liveline.store import state
from tests.conftest import htmx_headers, login
from tests.helpers import add_card, item, live_broadcast, soup, triaged


def test_bulk_approve_reports_what_it_did_and_what_conflicted(bclient: TestClient, r: redis.Redis) -> None:
    csrf = login(bclient, r, "anna")
    bid = live_broadcast(r)
    a, b, c = (add_card(r, bid, n, f"Вопрос {n} про дороги") for n in (1, 2, 3))
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
    wave = [add_card(r, bid, n, f"Голосуйте за нашего кандидата {n}", brigade="w1") for n in (1, 2, 3)]
    other = add_card(r, bid, 4, "Где автобус?")
    spam = [add_card(r, bid, n, f"Купите {n}", filter_reason="spam") for n in (5, 6)]
    resp = bclient.post(f"/b/{bid}/wave", data={"brigade": "w1"}, headers=htmx_headers(csrf))
    assert "Отклонено: 3" in soup(resp.text).get_text()
    resp = bclient.post(f"/b/{bid}/wave", data={"filter": "spam"}, headers=htmx_headers(csrf))
    assert "Отклонено: 2" in soup(resp.text).get_text()
    st = state.read(r, bid)
    assert {st.clusters[x]["status"] for x in wave + spam} == {"rejected"}
    assert {st.clusters[x]["reject_reason"] for x in wave + spam} == {"spam"}
    assert st.clusters[other]["status"] == "new"


def test_the_audit_log_is_readable_and_undoes(bclient: TestClient, r: redis.Redis) -> None:
    csrf = login(bclient, r, "anna")
    bid = live_broadcast(r)
    a = add_card(r, bid, 1, "Дорога на Ленина", topic="roads")
    b = add_card(r, bid, 2, "Ямы на Ленина", topic="roads")
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
    first = add_card(r, bid, 20, "Когда проведут газ в Сосновку?", place=village)
    leader = clusters.get(r, bid, first)["leader"]
    for n in range(21, 26):
        questions.ingest(r, bid, item(n, "Газ в Сосновку когда?", author=f"vk:v{n}"),
                         triaged("Газ в Сосновку когда? Звоните 8 905 123-45-67", merge_into=leader, place=village))
    for n in range(30, 40):
        c = add_card(r, bid, n, f"Фонари в городе {n}", place=town)
        for k in range(3):
            questions.ingest(r, bid, item(f"{n}{k}", "+1", author=f"vk:s{n}{k}", parent_key=f"demo:{n}"),
                             triaged("+1"))
        clusters.approve(r, bid, c, "anna")
    clusters.reject(r, bid, add_card(r, bid, 50, "Спам спам", place=town), "anna", "spam")
    page = soup(bclient.get(f"/b/{bid}/briefing?top=5").text)
    items = page.select("ol.topq > li")
    assert len(items) == 5
    assert f"brief-{first}" in [li["id"] for li in items], "the village's best question gets a place"
    village_item = page.select_one(f"#brief-{first}")
    assert "Сосновка" in village_item.select_one(".places").get_text()
    assert "поддержали 6" in village_item.get_text()
    assert "123-45-67" not in page.get_text(), "personal data masked"
    assert page.select_one("link[href='/static/css/board.css']")


def test_the_briefing_shows_what_a_reply_answers(bclient: TestClient, r: redis.Redis) -> None:
    login(bclient, r, "anna")
    bid = live_broadcast(r)
    parent = {"id": "1", "text": "Когда отремонтируют дорогу на Ленина?", "author_name": "Житель 1", "author_url": ""}
    questions.ingest(r, bid, item(1, parent["text"]), triaged(parent["text"]))
    cid = add_card(r, bid, 2, "а на Мира фонари когда повесят?", reply_to=parent)
    clusters.approve(r, bid, cid, "anna")
    page = soup(bclient.get(f"/b/{bid}/briefing?top=5").text)
    item_of = page.select_one(f"#brief-{cid} .reply-to")
    assert item_of is not None
    assert item_of.get_text(strip=True) == "в ответ на: Житель 1 — «Когда отремонтируют дорогу на Ленина?»"
