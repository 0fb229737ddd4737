"""Personal data by role, one rule for appeal pages and exports (liveline/followup/disclosure.py): admin,
moderator and staff see citizens' names, VK links and addresses; producer and viewer see the same appeals with
none of it, on the page and in every export format; every export, of any format, is in the audit log."""

from __future__ import annotations

import csv
import io

import pytest
import redis
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from liveline.board import broadcasts, clusters
from liveline.followup import appeals, disclosure
from liveline.store import events
from tests.conftest import login
from tests.helpers import SOSNOVKA, ask, live_broadcast

NAME, PROFILE, PHONE = "Ольга Смирнова", "https://vk.com/id1001", "+7 912 345-67-89"
ADDRESS = "Сосновка, ул. Ленина, 5"


def appeal_with_a_person(r: redis.Redis) -> tuple[int, str]:
    bid = live_broadcast(r)
    q = ask(r, bid, 1, f"Когда отремонтируют дорогу на Ленина? Мой телефон {PHONE}", "vk:1001",
            author_name=NAME, author_url=PROFILE, key="vk:wall:-42_7:11", topic="roads", place=SOSNOVKA,
            place_label=ADDRESS)
    clusters.approve(r, bid, q["cluster"], "anna")
    broadcasts.end(r, bid)
    appeals.create_from_broadcast(r, bid)
    (aid,) = appeals.read_all(r, bid)
    assert appeals.get(r, bid, aid)["address"]  # the appeal has a street address to keep or to hide
    return bid, aid


def pos_rows(client: TestClient, bid: int) -> list[dict[str, str]]:
    body = client.get(f"/b/{bid}/appeals/export?format=pos").content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body), delimiter=";"))


PERSONAL = ["admin", "moderator", "staff"]
IMPERSONAL = ["producer", "viewer"]


@pytest.mark.parametrize("role", PERSONAL + IMPERSONAL)
def test_an_appeal_page_shows_personal_data_to_the_roles_with_the_right_only(client: TestClient, r: redis.Redis,
                                                                            role: str) -> None:
    bid, aid = appeal_with_a_person(r)
    login(client, r, f"u-{role}", role, appeals.get(r, bid, aid)["department"] if role == "staff" else "")
    resp = client.get(f"/appeals/{bid}/{aid}")
    assert resp.status_code == 200
    text = BeautifulSoup(resp.text, "html.parser").get_text(" ")
    links = [a["href"] for a in BeautifulSoup(resp.text, "html.parser").find_all("a", href=True)]
    shown = {"name": NAME in text, "profile": PROFILE in links, "phone": PHONE in text,
             "address": "Ленина, 5" in text, "comment link": any("vk.com/wall" in h for h in links)}
    if role in PERSONAL:
        assert all(shown.values()), shown
    else:
        assert not any(shown.values()), shown
    assert resp.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("role", IMPERSONAL)
def test_no_export_format_gives_personal_data_to_a_role_without_the_right(client: TestClient, r: redis.Redis,
                                                                         role: str) -> None:
    bid, _ = appeal_with_a_person(r)
    login(client, r, f"u-{role}", role)
    assert client.get(f"/b/{bid}/appeals/export?format=csv&public=0").status_code == 403
    for fmt in ("csv", "pos", "xlsx"):
        resp = client.get(f"/b/{bid}/appeals/export?format={fmt}")
        assert resp.status_code == 200, fmt
        if fmt != "xlsx":
            body = resp.content.decode("utf-8-sig")
            assert NAME not in body and PROFILE not in body and PHONE not in body, fmt
            assert "Ленина, 5" not in body, fmt
    pos = pos_rows(client, bid)
    assert pos and pos[0]["address"] == "" and pos[0]["settlement"] == "Сосновка"


def test_the_pos_export_keeps_the_address_for_a_role_with_the_right(client: TestClient, r: redis.Redis) -> None:
    bid, _ = appeal_with_a_person(r)
    login(client, r, "root", "admin")
    pos = pos_rows(client, bid)
    assert "Ленина" in pos[0]["address"]


def test_every_export_is_audited(client: TestClient, r: redis.Redis) -> None:
    bid, aid = appeal_with_a_person(r)
    login(client, r, "vera", "viewer")
    for fmt in ("csv", "pos", "xlsx"):
        assert client.get(f"/b/{bid}/appeals/export?format={fmt}").status_code == 200
    log = [e for e in events.read_audit(r, bid) if e["action"] == "appeal.export"]
    assert sorted((e["actor"], e["after"]["format"], e["after"]["appeals"]) for e in log) == [
        ("vera", fmt, [aid]) for fmt in ("csv", "pos", "xlsx")]


def test_the_rule_masks_what_a_text_says_about_a_person() -> None:
    a = {"title": f"Звоните {PHONE}", "address": ADDRESS, "answer": "",
         "coauthors": [{"author_name": NAME, "author_url": PROFILE, "author_id": "1001", "key": "vk:1"}],
         "citizen_replies": []}
    hidden = disclosure.appeal_for(a, personal=False)
    assert PHONE not in hidden["title"] and hidden["address"] == ""
    assert hidden["coauthors"] == [{"author_name": "", "author_url": "", "author_id": "", "key": ""}]
    assert disclosure.appeal_for(a, personal=True) is a
