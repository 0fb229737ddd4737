"""The appeals screens: department staff see and touch ONLY their department's appeals (list, page, actions,
exports); page views are audited; answering plans the VK replies; the report and settings render."""

from __future__ import annotations

import io
import json

import redis
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from rq import Queue
from starlette.testclient import TestClient

from liveline import workflows
from liveline.followup import appeals, replies
from liveline.followup import departments as routing
from liveline.store import events, keys
from tests.conftest import login
from tests.helpers import ended_broadcast

ROADS = "Отдел дорожного хозяйства"
LIGHT = "Отдел благоустройства"


def setup(r: redis.Redis) -> tuple[int, dict[str, str], dict[str, str]]:
    bid, c = ended_broadcast(r)
    appeals.create_from_broadcast(r, bid)
    by_dept = {a["department"]: a["id"] for a in appeals.read_all(r, bid).values()}
    return bid, c, by_dept


def soup(resp: object) -> BeautifulSoup:
    return BeautifulSoup(resp.text, "html.parser")  # type: ignore[attr-defined]


def test_department_staff_see_only_their_department(client: TestClient, r: redis.Redis) -> None:
    bid, _, by_dept = setup(r)
    login(client, r, "olga", "staff", ROADS)
    page = soup(client.get("/appeals"))
    rows = page.select("table.appeals tbody tr.appeal-row")
    assert [row["id"] for row in rows] == [f"appeal-{bid}-{by_dept[ROADS]}"]
    assert page.select_one("select[name=department]") is None
    # someone else's appeal: page, actions and a filter by hand are all refused
    other = by_dept[LIGHT]
    assert client.get(f"/appeals/{bid}/{other}").status_code == 403
    csrf = login(client, r, "olga", "staff", ROADS)
    resp = client.post(f"/appeals/{bid}/{other}/take", data={"csrf": csrf}, follow_redirects=False)
    assert resp.status_code == 403 and appeals.get(r, bid, other)["status"] == "new"
    assert client.get(f"/appeals?department={LIGHT}").status_code == 200
    assert not soup(client.get(f"/appeals?department={LIGHT}")).select("tr.appeal-row")
    # exports carry only their department too
    xlsx = client.get(f"/b/{bid}/appeals/export?format=xlsx")
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.content)).sheetnames == [ROADS]
    assert client.get(f"/b/{bid}/appeals/export?format=csv").text.count("\r\n") == 2  # header + 1 row


def test_staff_page_shows_every_question_and_author_and_the_view_is_audited(client: TestClient,
                                                                            r: redis.Redis) -> None:
    bid, _, by_dept = setup(r)
    login(client, r, "olga", "staff", ROADS)
    page = soup(client.get(f"/appeals/{bid}/{by_dept[ROADS]}"))
    authors = [td.get_text(strip=True) for td in page.select("table.questions tbody tr td:first-child")]
    assert authors == ["Житель 1", "Житель 2", "Житель 3", "Житель 4"]
    assert page.select_one(".deadline") is not None and page.select_one("form[action$='/answer']") is not None
    log = [e for e in events.read_audit(r, bid) if e["action"] == "appeal.view"]
    assert log[0]["actor"] == "olga" and log[0]["target"] == f"appeal:{by_dept[ROADS]}"
    assert log[0]["after"]["department"] == ROADS


def test_answering_in_the_ui_plans_a_reply_per_coauthor_and_queues_the_job(client: TestClient,
                                                                          r: redis.Redis) -> None:
    bid, _, by_dept = setup(r)
    aid = by_dept[ROADS]
    csrf = login(client, r, "olga", "staff", ROADS)
    assert client.post(f"/appeals/{bid}/{aid}/take", data={"csrf": csrf}).status_code == 200
    resp = client.post(f"/appeals/{bid}/{aid}/answer", data={"csrf": csrf, "answer": "Ремонт в мае"},
                       follow_redirects=False)
    assert resp.status_code == 303
    a = appeals.get(r, bid, aid)
    assert a["status"] == "answered" and a["assignee"] == "olga"
    recs = replies.of_owner(r, bid, f"a{aid}")
    assert len(recs) == 3 and {x["status"] for x in recs} == {"not_required"}   # demo questions: no VK thread
    assert f"replies-{bid}-a{aid}-1" in Queue(workflows.QUEUE, connection=r).job_ids
    page = soup(client.get(f"/appeals/{bid}/{aid}"))
    assert [td.get_text(strip=True) for td in page.select("#appeal-replies td.reply-status")] == ["не требуется"] * 3


def test_redirect_moves_the_appeal_out_of_sight_of_the_old_department(client: TestClient, r: redis.Redis) -> None:
    bid, _, by_dept = setup(r)
    aid = by_dept[ROADS]
    csrf = login(client, r, "olga", "staff", ROADS)
    resp = client.post(f"/appeals/{bid}/{aid}/redirect", data={"csrf": csrf, "department": LIGHT,
                                                               "reason": "Это освещение дороги"},
                       follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/appeals"
    assert client.get(f"/appeals/{bid}/{aid}").status_code == 403
    login(client, r, "lev", "staff", LIGHT)
    page = soup(client.get("/appeals?status=redirected"))
    assert [row["id"] for row in page.select("tr.appeal-row")] == [f"appeal-{bid}-{aid}"]


def test_admin_list_filters_counters_and_overdue_highlighting(client: TestClient, r: redis.Redis) -> None:
    bid, _, by_dept = setup(r)
    a = appeals.get(r, bid, by_dept[ROADS])
    a["deadline"] = 1.0                                                   # long overdue
    r.hset(keys.appeals(bid), a["id"], json.dumps(a, ensure_ascii=False))
    login(client, r, "root", "admin")
    page = soup(client.get("/appeals"))
    assert len(page.select("tr.appeal-row")) == 3
    assert [row["id"] for row in page.select("tr.appeal-row.overdue")] == [f"appeal-{bid}-{a['id']}"]
    assert "1 просрочено" in page.select_one(".counters .c-overdue").get_text(" ", strip=True)
    assert page.select(".notices .notice-escalation")                    # the check on read escalated it
    assert len(soup(client.get("/appeals?overdue=1")).select("tr.appeal-row")) == 1
    assert len(soup(client.get("/appeals?topic=lighting")).select("tr.appeal-row")) == 1
    assert len(soup(client.get("/appeals?settlement=Сосновка")).select("tr.appeal-row")) == 1
    assert len(soup(client.get(f"/appeals?broadcast={bid}&status=new")).select("tr.appeal-row")) == 3


def test_viewer_gets_no_full_export_and_no_actions(client: TestClient, r: redis.Redis) -> None:
    bid, _, by_dept = setup(r)
    csrf = login(client, r, "vera", "viewer")
    assert client.get(f"/b/{bid}/appeals/export?format=xlsx&public=0").status_code == 403
    assert client.post(f"/appeals/{bid}/{by_dept[ROADS]}/take", data={"csrf": csrf}).status_code == 403
    page = soup(client.get(f"/appeals/{bid}/{by_dept[ROADS]}"))
    assert page.select_one("form[action$='/answer']") is None


def test_without_the_right_an_export_falls_back_to_the_public_one(client: TestClient, r: redis.Redis) -> None:
    bid, _, _ = setup(r)
    login(client, r, "vera", "viewer")
    resp = client.get(f"/b/{bid}/appeals/export?format=csv")
    assert resp.status_code == 200 and 'filename="appeals-' + str(bid) + '-public.csv"' in resp.headers["content-disposition"]
    assert "Житель" not in resp.text


def test_last_review_and_on_demand_creation(client: TestClient, r: redis.Redis) -> None:
    bid, c, _ = setup(r)
    csrf = login(client, r, "anna", "moderator")
    page = soup(client.get(f"/b/{bid}/appeals/review"))
    assert [tr["id"] for tr in page.select("table.review tbody tr[id]")] == [f"review-{c['unseen']}"]
    client.post(f"/b/{bid}/appeals/review/{c['unseen']}/promote", data={"csrf": csrf})
    assert len(appeals.read_all(r, bid)) == 4
    assert client.post(f"/b/{bid}/appeals/create", data={"csrf": csrf}).status_code == 200


def test_admin_edits_routing_and_templates(client: TestClient, r: redis.Redis) -> None:
    csrf = login(client, r, "root", "admin")
    assert client.get("/admin/appeals").status_code == 200
    client.post("/admin/appeals/departments", data={"csrf": csrf, "action": "add",
                                                     "name": "Администрация поселения"})
    client.post("/admin/appeals/routing", data={"csrf": csrf, "topic": "roads", "settlement": "Сосновка",
                                                 "department": "Администрация поселения"})
    assert routing.department_for(r, "roads", "Сосновка") == "Администрация поселения"
    client.post("/admin/appeals/templates", data={"csrf": csrf, "rule": "fz59_30d", "remind_hours": "8",
                                                   "watch_hours": "24", "reply_template": "{имя}: {ответ}",
                                                   "register_template": "", "on_air_template": ""})
    s = appeals.get_settings(r)
    assert s["rule"] == "fz59_30d" and s["reply_template"] == "{имя}: {ответ}" and s["register_reply"] == "0"
    assert s["register_template"] == appeals.DEFAULT_SETTINGS["register_template"]
    login(client, r, "olga", "staff", ROADS)
    assert client.get("/admin/appeals").status_code == 403


def test_report_page_renders_its_charts_and_figures(client: TestClient, r: redis.Redis) -> None:
    bid, _, _ = setup(r)
    login(client, r, "anna", "moderator")
    resp = client.get(f"/b/{bid}/report")
    assert resp.status_code == 200
    page = soup(resp)
    assert len(page.select("svg[role=img]")) == 6
    figures = {f.select_one("span").get_text(strip=True): f.select_one("b").get_text(strip=True)
               for f in page.select(".figure")}
    assert figures["вопросов"] == "10" and figures["отвечено в эфире"] == "1"
    assert page.select_one("[style]") is None
    login(client, r, "olga", "staff", ROADS)
    assert client.get(f"/b/{bid}/report").status_code == 403


def test_a_reply_is_shown_on_the_appeal_page_with_the_comment_it_answers(client: TestClient, r: redis.Redis) -> None:
    from liveline.board import broadcasts, clusters
    from tests.helpers import ask, live_broadcast

    bid = live_broadcast(r)
    parent = ask(r, bid, 1, "Когда отремонтируют дорогу на Ленина?", "vk:1", topic="roads")
    reply = ask(r, bid, 2, "а на Мира когда?", "vk:2", topic="roads", parent_key="demo:1",
                reply_to={"id": parent["id"], "text": "Когда отремонтируют дорогу на Ленина?", "author_name": "Житель 1",
                          "author_url": ""})
    clusters.approve(r, bid, reply["cluster"], "anna")
    broadcasts.end(r, bid)
    appeals.create_from_broadcast(r, bid)
    aid = next(a["id"] for a in appeals.read_all(r, bid).values() if a["cluster"] == reply["cluster"])
    login(client, r, "root", "admin")
    page = soup(client.get(f"/appeals/{bid}/{aid}"))
    assert page.select_one("table.questions .reply-to").get_text(strip=True) == \
        "в ответ на: Житель 1 — «Когда отремонтируют дорогу на Ленина?»"
