"""Departments are records (liveline/board/catalog.py): the admin adds and removes them; topics, routing,
heads, staff accounts, redirects and a card's topic action accept only a department on record, with a
bounded, printable name; every admin picker lists them instead of free text."""

from __future__ import annotations

import pytest
import redis
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from liveline import auth
from liveline.board import catalog, clusters
from liveline.errors import BadRequest
from liveline.followup import appeals
from liveline.followup import departments as routing
from tests.conftest import htmx_headers, login
from tests.helpers import add_card, ended_broadcast, live_broadcast

ROADS = "Отдел дорожного хозяйства"  # a department of the built-in taxonomy: on record from the start


def test_a_redirect_to_a_department_not_on_record_is_refused_and_the_appeal_stays(client: TestClient,
                                                                                  r: redis.Redis) -> None:
    bid, c = ended_broadcast(r)
    appeals.create_from_broadcast(r, bid)
    roads = next(a for a in appeals.read_all(r, bid).values() if a["cluster"] == c["roads"])
    csrf = login(client, r, "petr", "staff", ROADS)
    for bad in ("Отдел, которого нет", "x" * 100_000, "Отдел\x00ЖКХ"):
        resp = client.post(f"/appeals/{bid}/{roads['id']}/redirect",
                           data={"department": bad, "reason": "не наш вопрос"}, headers=htmx_headers(csrf))
        assert resp.status_code == 400
    assert appeals.get(r, bid, roads["id"])["department"] == ROADS  # still in a view that staff have
    assert client.get(f"/appeals/{bid}/{roads['id']}").status_code == 200


def test_a_card_topic_action_takes_only_a_department_on_record(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r)
    bid = live_broadcast(r)
    cid = add_card(r, bid, 1, "Когда починят дорогу?")
    for bad in ({"topic": "roads", "department": "x" * 100_000}, {"topic": "roads", "department": "ЖКХ\x00"},
                {"topic": "roads", "department": "Придуманный отдел"}, {"topic": "astrology", "department": ""}):
        assert client.post(f"/b/{bid}/c/{cid}/topic", data=bad, headers=htmx_headers(csrf)).status_code == 400
    assert clusters.get(r, bid, cid)["department"] != "Придуманный отдел"
    ok = client.post(f"/b/{bid}/c/{cid}/topic", data={"topic": "roads", "department": ROADS},
                     headers=htmx_headers(csrf))
    assert ok.status_code == 204 and clusters.get(r, bid, cid)["department"] == ROADS


def test_topics_routing_heads_and_staff_accounts_choose_from_the_records(r: redis.Redis) -> None:
    new = "Комитет по благоустройству"
    for action in (lambda: catalog.update_topic(r, "roads", "Дороги", new, ""),
                   lambda: routing.set_route(r, "roads", "*", new),
                   lambda: routing.set_head(r, new, "chief"),
                   lambda: auth.add_user(r, "olga", "correct horse battery", "staff", new)):
        with pytest.raises(BadRequest, match="Нет ведомства"):
            action()
    assert catalog.add_department(r, f"  {new} ") == new
    catalog.update_topic(r, "roads", "Дороги", new, "")
    routing.set_route(r, "roads", "*", new)
    routing.set_head(r, new, "chief")
    assert auth.add_user(r, "olga", "correct horse battery", "staff", new).department == new
    with pytest.raises(BadRequest, match="ещё указано"):  # not while anything names it
        catalog.remove_department(r, new)
    with pytest.raises(BadRequest):
        catalog.add_department(r, "x" * (catalog.DEPARTMENT_MAX + 1))


def test_the_admin_manages_departments_and_every_picker_lists_them(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r, "root", "admin")
    new = "Комитет по благоустройству"
    resp = client.post("/admin/appeals/departments", data={"csrf": csrf, "action": "add", "name": new},
                       follow_redirects=False)
    assert resp.status_code == 303 and new in catalog.department_names(r)
    bid = live_broadcast(r)
    for path in ("/admin/appeals", "/admin/catalog", "/admin/users", f"/b/{bid}/board"):
        page = BeautifulSoup(client.get(path).text, "html.parser")
        # find_all, not CSS selectors: those do not look inside the board's <template> panels
        assert not page.find_all("input", attrs={"name": "department"}), path  # no free text anywhere
        pickers = page.find_all("select", attrs={"name": "department"})
        assert pickers and all(new in [str(o.string) for o in p.find_all("option")] for p in pickers), path
    client.post("/admin/appeals/departments", data={"csrf": csrf, "action": "remove", "department": new})
    assert new not in catalog.department_names(r)
