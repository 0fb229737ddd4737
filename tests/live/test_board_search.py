"""Search and filters on the server reach the cards beyond a board's window: ``search.find`` on a state, and
``GET /b/{bid}/search`` from this process's mirror (a board socket is open) or from a fresh read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from liveline.board import clusters, questions
from liveline.errors import BadRequest
from liveline.live.search import Query, find
from liveline.live.window import Columns
from liveline.settings import Settings
from liveline.store import state
from tests.conftest import login
from tests.helpers import item, live_broadcast, triaged

N = 5
TEXTS = ["Когда починят дорогу на Ленина?", "Фонари на Садовой не горят", "Когда проведут газ в Заречное?",
         "Мусор не вывозят с площадки на Мира", "Автобус до Луговое ходит редко"]


def seed(r: redis.Redis, n: int = 20) -> tuple[int, list[str]]:
    bid = live_broadcast(r)
    cids = []
    for i in range(1, n + 1):
        text = f"{TEXTS[i % 5]} (вопрос {i})"
        topic = ["roads", "lighting", "gasification", "waste", "transport"][i % 5]
        place = "Сосновка" if i % 2 else "Луговое"
        ev = questions.ingest(r, bid, item(i, text, author_name=f"Ольга Ёлкина{i}"),
                              triaged(text, topic=topic, place={"settlement": place}, place_label=place))
        assert ev is not None
        cids.append(ev.questions[str(i)]["cluster"])
    return bid, cids


def found(r: redis.Redis, bid: int, **params: str) -> dict[str, tuple[int, list[str]]]:
    s = state.read(r, bid, with_questions=False)
    return {f.column: (f.total, [c["id"] for c in f.cards])
            for f in find(s, Columns(s), Query.from_params(params), N)}


def test_search_finds_cards_beyond_the_window(r: redis.Redis) -> None:
    bid, cids = seed(r)
    # the oldest five are the window of "new"; "газ" is in questions 2, 7, 12, 17 — three of them beyond it
    total, ids = found(r, bid, q="ГАЗ")["new"]
    assert total == 4 and ids == [cids[1], cids[6], cids[11], cids[16]]
    assert found(r, bid, q="вопрос 17")["new"] == (1, [cids[16]])
    assert found(r, bid, q="№18")["new"] == (1, [cids[17]]), "a card by its number"
    assert found(r, bid, q="елкина3")["new"] == (1, [cids[2]]), "ё is read as е"
    # filters: topic, settlement, source; and the window's limit with the true total
    assert found(r, bid, topic="waste")["new"] == (4, [cids[2], cids[7], cids[12], cids[17]])
    total, ids = found(r, bid, settlement="Луговое")["new"]
    assert total == 10 and ids == cids[1:10:2]
    assert found(r, bid, source="chat")["new"] == (0, [])
    # sorted by time: the newest first
    assert found(r, bid, sort="time")["new"] == (20, cids[:-6:-1])
    clusters.approve(r, bid, cids[11], "anna")
    result = found(r, bid, q="газ")
    assert result["new"] == (3, [cids[1], cids[6], cids[16]]) and result["approved"] == (1, [cids[11]])
    assert found(r, bid, q="газ", column="approved") == {"approved": (1, [cids[11]])}


def test_a_query_is_bounded_and_checked() -> None:
    assert Query.from_params({"q": "  Газ   в  Заречное "}).text == "газ в заречное"
    with pytest.raises(BadRequest):
        Query.from_params({"q": "я" * 201})
    with pytest.raises(BadRequest):
        Query.from_params({"topic": "x" * 101})
    with pytest.raises(BadRequest):
        Query.from_params({"sort": "random"})
    with pytest.raises(BadRequest):
        Query.from_params({"column": "secret"})


@pytest.fixture
def small(r: redis.Redis, settings: Settings) -> Iterator[TestClient]:
    from liveline.app import create_app

    settings.board_cards = N
    with TestClient(create_app(settings), base_url="http://testserver") as c:
        yield c


def cards(html: str, column: str) -> list[str]:
    box = BeautifulSoup(html, "html.parser").select_one(f".found-col[data-col={column}]")
    assert box is not None
    return [a["data-id"] for a in box.select("article.qcard")]


def test_the_search_route_answers_from_a_fresh_read_and_from_the_mirror_alike(small: TestClient,
                                                                              r: redis.Redis) -> None:
    login(small, r)
    bid, cids = seed(r)
    cold = small.get(f"/b/{bid}/search", params={"q": "газ"})
    assert cold.status_code == 200 and cold.headers["cache-control"] == "no-store"
    assert cards(cold.text, "new") == [cids[1], cids[6], cids[11], cids[16]]
    with small.websocket_connect(f"/ws/b/{bid}/board", headers={"Origin": "http://testserver"}) as ws:
        snapshot = BeautifulSoup(ws.receive_text(), "html.parser")
        assert len(snapshot.select("#col-new > article.qcard")) == N
        assert snapshot.select_one("[data-count-for=new]").get_text() == "20"
        assert small.app.state.hub.running(bid) is not None  # type: ignore[attr-defined]
        warm = small.get(f"/b/{bid}/search", params={"q": "газ"})
        assert cards(warm.text, "new") == cards(cold.text, "new")
        page = BeautifulSoup(small.get(f"/b/{bid}/search", params={"settlement": "Луговое"}).text, "html.parser")
        box = page.select_one(".found-col[data-col=new]")
        assert box["data-total"] == "10" and box["data-shown"] == str(N)
        more = page.select_one(".found-more[data-more-for=new]")
        assert more.get_text() == "показаны первые 5 из 10 найденных — уточните поиск или фильтр"
        assert page.select_one(".found-more[data-more-for=approved]").has_attr("hidden"), "an empty column says nothing"
        clusters.approve(r, bid, cids[0], "anna")
        while f'id="c-{cids[0]}"' not in ws.receive_text():
            pass  # the mirror has it once the board socket was sent it
        page = BeautifulSoup(small.get(f"/b/{bid}/search", params={"q": "газ"}).text, "html.parser")
        assert page.select_one(".found-more[data-more-for=approved]").get_text() == "ничего не найдено"


def test_query_text_is_never_markup(small: TestClient, r: redis.Redis) -> None:
    login(small, r)
    bid, _ = seed(r, 3)
    resp = small.get(f"/b/{bid}/search", params={"q": '<script>alert(1)</script>"><img src=x onerror=alert(1)>'})
    assert resp.status_code == 200
    page = BeautifulSoup(resp.text, "html.parser")
    assert not page.select("script, img") and "alert" not in resp.text
    assert small.get(f"/b/{bid}/search", params={"q": "я" * 201}).status_code == 400
    assert small.get("/b/999/search", params={"q": "газ"}).status_code == 404
