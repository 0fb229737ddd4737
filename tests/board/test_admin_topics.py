"""A topic an admin adds (``/admin/catalog``) is a topic everywhere: its name on the live board's cards, in
search, the briefing, the report and the audit log; its department for the appeals made from it, the routing
table and the staff's lists."""

from __future__ import annotations

import pytest
import redis
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from liveline import workflows
from liveline.board import catalog, clusters
from liveline.followup import appeals, departments, report
from liveline.live import briefing, channel
from liveline.store.events import read_audit
from liveline.views.audit import readable
from tests.conftest import login
from tests.helpers import SOSNOVKA, add_card, ask, live_broadcast, soup

SLUG, NAME, DEPT = "parks", "Парки и скверы", "Отдел благоустройства"
TEXT = "Когда поставят скамейки в сквере у школы?"


def add_parks(client: TestClient, r: redis.Redis) -> None:
    """The admin adds the topic through the admin page."""
    csrf = login(client, r, "root", "admin")
    client.post("/admin/appeals/departments", data={"csrf": csrf, "action": "add", "name": DEPT})
    resp = client.post("/admin/catalog/topics", data={"csrf": csrf, "slug": SLUG, "name": NAME, "department": DEPT,
                                                      "keywords": "сквер, скамейка"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text


def cards(html: str) -> dict[str, BeautifulSoup]:
    return {a["data-id"]: a for a in BeautifulSoup(html, "html.parser").select("article.qcard")}


def test_the_live_board_and_its_search_show_an_admin_added_topic_by_its_name(client: TestClient,
                                                                            r: redis.Redis) -> None:
    add_parks(client, r)
    bid = live_broadcast(r)
    cid = add_card(r, bid, 1, TEXT, topic=SLUG, department=DEPT)
    with client.websocket_connect(f"/ws/b/{bid}/board") as ws:
        card = cards(ws.receive_text())[cid]
    assert card.select_one(".topic").get_text() == NAME and card.select_one(".dept").get_text() == DEPT
    # the search on the server (here without a running channel: the socket closed) finds it by that name
    found = cards(client.get(f"/b/{bid}/search", params={"q": "парки"}).text)
    assert list(found) == [cid] and found[cid].select_one(".topic").get_text() == NAME


def test_a_renamed_topic_reaches_a_board_that_is_open(client: TestClient, r: redis.Redis,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel, "TOPICS_S", 0.0)
    add_parks(client, r)
    bid = live_broadcast(r)
    cid = add_card(r, bid, 1, TEXT, topic=SLUG)
    with client.websocket_connect(f"/ws/b/{bid}/board") as ws:
        assert cards(ws.receive_text())[cid].select_one(".topic").get_text() == NAME
        catalog.update_topic(r, SLUG, "Скверы", DEPT, "")
        add_card(r, bid, 2, "Фонари на Садовой не горят", topic="lighting")  # the channel's next round
        for _ in range(20):
            html = ws.receive_text()
            if 'id="board"' in html:  # every socket is sent a fresh snapshot with the new names
                break
        else:
            pytest.fail("no fresh snapshot after the topic was renamed")
    assert cards(html)[cid].select_one(".topic").get_text() == "Скверы"


def test_an_appeal_about_an_admin_added_topic_goes_to_its_department(client: TestClient, r: redis.Redis) -> None:
    add_parks(client, r)
    bid = live_broadcast(r)
    q = ask(r, bid, 1, TEXT, "vk:1", topic=SLUG, place=SOSNOVKA, place_label="Сосновка, ул. Ленина, 5")
    clusters.approve(r, bid, q["cluster"], "anna")
    workflows.end_broadcast(r, bid)
    workflows.after_end(r, bid)  # what the appeals job does
    (a,) = appeals.read_all(r, bid).values()
    assert a["department"] == DEPT and a["topic_name"] == NAME
    assert DEPT in departments.departments(r)

    # its department's staff see it, and the lists offer the topic by name
    login(client, r, "olga", "staff", DEPT)
    page = soup(client.get("/appeals").text)
    assert NAME in page.get_text() and f'value="{SLUG}"' in str(page.select_one("select[name=topic]"))

    # the routing table takes the new topic, and a row for a settlement wins over the topic's department
    catalog.add_department(r, "Администрация Сосновки")
    departments.set_route(r, SLUG, "Сосновка", "Администрация Сосновки")
    assert departments.department_for(r, SLUG, "сосновка") == "Администрация Сосновки"
    assert [row["topic_name"] for row in departments.table(r)] == [NAME]
    assert departments.department_for(r, SLUG, "Заречное") == DEPT


def test_the_briefing_the_report_and_the_audit_log_name_an_admin_added_topic(client: TestClient,
                                                                              r: redis.Redis) -> None:
    add_parks(client, r)
    bid = live_broadcast(r)
    cid = add_card(r, bid, 1, TEXT)
    clusters.set_topic(r, bid, cid, SLUG, DEPT, "anna")
    assert briefing.build(r, bid)["entries"][0]["topic"] == NAME
    assert (NAME, 1) in briefing.build(r, bid)["topics"]
    assert NAME in dict(report.build(r, bid)["by_topic"])
    change = next(x for row in read_audit(r, bid) for x in readable(row, catalog.topics(r))["changes"]
                  if x["field"] == "Тема")
    assert change["after"] == NAME


def test_only_the_catalogue_reads_the_built_in_topics() -> None:
    """One way to a topic's name or department outside triage: ``catalog.topics(r)`` (or ``taxonomy(r)``)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pure = root / "liveline" / "triage"  # triage classifies by the taxonomy it is given; its default is its own
    files = [p for d in ("liveline", "workers") for p in sorted((root / d).rglob("*.py"))
             if p != root / "liveline" / "board" / "catalog.py" and pure not in p.parents]
    offenders = [str(p.relative_to(root)) for p in files
                 if any(word in p.read_text(encoding="utf-8") for word in ("DEFAULT_TAXONOMY", "topic_by_slug"))]
    assert not offenders, offenders
