"""The board's window: the first N cards of each column with the column's true count, kept honest as events
arrive. A model of what board.js does with the fragments (``Client``) is held, after every update, to what a
fresh read says a board shows."""

from __future__ import annotations

import json
import random

import redis
from bs4 import BeautifulSoup

from liveline.board import clusters, merges, questions
from liveline.live import screens
from liveline.live.window import COLUMNS, Columns
from liveline.render import thousands
from liveline.store import events, state
from liveline.store.events import Event
from tests.helpers import item, live_broadcast, triaged

N = 5


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def seed(r: redis.Redis, n: int = 12) -> tuple[int, list[str]]:
    """n new questions, each its own card; with equal support, the oldest first: cids[0] tops "new"."""
    bid = live_broadcast(r)
    cids = []
    for i in range(1, n + 1):
        text = f"Вопрос {i}: когда починят дорогу на улице {i}?"
        ev = questions.ingest(r, bid, item(i, text), triaged(text, place={"settlement": f"Посёлок {i % 3}"}))
        assert ev is not None
        cids.append(ev.questions[str(i)]["cluster"])
    return bid, cids


class Mirror:
    """A channel's mirror and its Screens, driven by hand: ``pull`` applies the new events (as the channel does
    at once), ``update`` renders what was pulled since the last update (as the channel does once per tick)."""

    def __init__(self, r: redis.Redis, bid: int, limit: int = N) -> None:
        self.r, self.bid = r, bid
        self.s = state.read(r, bid, with_questions=False)
        self.screens = screens.Screens(limit)
        self.batch: list[Event] = []

    def pull(self) -> None:
        evs = events.read_since(self.r, self.bid, self.s.cursor)
        for ev in evs:
            state.apply(self.s, ev, in_place=True)
        self.screens.follow(self.s, evs)
        self.batch += evs

    def snapshot(self) -> str:
        self.pull()
        return self.screens.render("board", self.s, None)

    def update(self) -> str:
        self.pull()
        batch, self.batch = self.batch, []
        return self.screens.render("board", self.s, batch) if batch else ""


class Client:
    """What board.js keeps of the fragments: per column the card ids in order, each card's version, the counts."""

    def __init__(self, snapshot: str) -> None:
        page = soup(snapshot)
        self.cols = {k: [a["data-id"] for a in page.select(f"#col-{k} > article.qcard, [data-rest-for={k}] > article.qcard")]
                     for k in COLUMNS}
        self.version = {a["data-id"]: a["data-version"] for a in page.select("article.qcard")}
        self.totals = {el["data-count-for"]: int(el["data-total"]) for el in page.select("[data-count-for]")}
        self.missing: list[str] = []

    def where(self, cid: str) -> str | None:
        return next((k for k, ids in self.cols.items() if cid in ids), None)

    def apply(self, update: str) -> None:
        if not update:
            return
        page = soup(update)
        box = page.select_one("div[hx-swap-oob='beforeend:#incoming']")
        assert box is not None
        for a in box.select("article.qcard"):  # place(): in place when it stays, else into its new column
            cid = a["id"].removeprefix("c-")
            was = self.where(cid)
            if a.get("data-deleted") == "1":
                if was:
                    self.cols[was].remove(cid)
                self.version.pop(cid, None)
                continue
            self.version[cid] = a["data-version"]
            if was != a["data-status"]:
                if was:
                    self.cols[was].remove(cid)
                self.cols[a["data-status"]].append(cid)
        for ol in box.select("ol.window"):  # applyWindow(): exactly the listed cards, in order
            ids = [x for x in ol["data-ids"].split(",") if x]
            self.missing += [x for x in ids if self.where(x) is None]
            self.cols[ol["data-col"]] = ids
        for el in page.select("[data-count-for]"):
            assert el["hx-swap-oob"] == "true"
            self.totals[el["data-count-for"]] = int(el["data-total"])


def truth(r: redis.Redis, bid: int, limit: int = N) -> tuple[dict[str, list[str]], dict[str, str], dict[str, int]]:
    s = state.read(r, bid, with_questions=False)
    window = screens.board_window(s, limit)
    full = screens.board_columns(s)
    return ({k: [c["id"] for c in cs] for k, cs in window.items()},
            {c["id"]: str(c["version"]) for cs in window.values() for c in cs},
            {k: len(cs) for k, cs in full.items() if k != "on_air"})


def assert_shows_truth(client: Client, r: redis.Redis, bid: int) -> None:
    cols, versions, totals = truth(r, bid)
    assert client.missing == [], "a listed card the board did not have: it would have to resync"
    assert client.cols == cols
    assert {cid: client.version[cid] for ids in client.cols.values() for cid in ids} == versions
    assert client.totals == totals


def test_a_snapshot_shows_the_first_cards_of_each_column_and_its_true_count(r: redis.Redis) -> None:
    bid, cids = seed(r)
    for cid in cids[:7]:
        clusters.approve(r, bid, cid, "anna")
    clusters.pin(r, bid, cids[11], True, "anna")
    page = soup(Mirror(r, bid).snapshot())
    assert [a["data-id"] for a in page.select("#col-new > article.qcard")] == [cids[11], *cids[7:11]]
    assert [a["data-id"] for a in page.select("#col-approved > article.qcard")] == cids[:5], "oldest first"
    assert page.select_one("[data-count-for=new]").get_text() == "5"
    assert page.select_one("[data-count-for=approved]").get_text() == "7"
    assert page.select_one("#more-new").has_attr("hidden"), "every card of the column is shown"
    more = page.select_one("#more-approved")
    assert not more.has_attr("hidden")
    assert more.get_text() == "показаны первые 5 из 7 — уточните поиск или фильтр"
    assert page.select_one("[data-count-for=queued]").get_text() == "0"
    assert thousands(48210) == "48\u00a0210" and thousands(7) == "7"
    assert json.loads(page.select_one("#board")["data-places"]) == ["Посёлок 0", "Посёлок 1", "Посёлок 2"]


def test_a_snapshot_puts_the_first_cards_of_each_column_before_the_rest(r: redis.Redis) -> None:
    bid, cids = seed(r, 80)
    html = Mirror(r, bid, limit=70).snapshot()
    head, rest = html.split("<!--ll:rest-->")
    assert len(soup(head).select("#col-new > article.qcard")) == screens.SNAPSHOT_FIRST
    assert [a["data-id"] for a in soup(rest).select("[data-rest-for=new] > article.qcard")] == \
        cids[screens.SNAPSHOT_FIRST:70]
    assert Client(html).cols["new"] == cids[:70]
    assert "<!--ll:rest-->" not in Mirror(r, bid, limit=N).snapshot(), "nothing beyond the first cards"


def test_the_card_below_the_window_enters_when_one_above_it_leaves(r: redis.Redis) -> None:
    bid, cids = seed(r)
    mirror = Mirror(r, bid)
    board = Client(mirror.snapshot())
    assert board.cols["new"] == cids[:N] and board.totals["new"] == 12
    clusters.reject(r, bid, cids[0], "anna", "offtopic")
    update = mirror.update()
    page = soup(update)
    sent = {a["data-id"] for a in page.select("article.qcard")}
    assert sent == {cids[0], cids[N]}, "the rejected card and the one that entered, nothing else"
    assert {ol["data-col"]: ol["data-ids"] for ol in page.select("ol.window")} == {
        "new": ",".join(cids[1:N + 1]), "rejected": cids[0]}
    board.apply(update)
    assert_shows_truth(board, r, bid)
    assert page.select_one("#count-new").get_text() == "11"
    assert "из 11" in page.select_one("#more-new").get_text()


def test_a_card_that_falls_out_of_the_window_leaves_the_board_and_one_inside_changes_in_place(
        r: redis.Redis) -> None:
    bid, cids = seed(r)
    mirror = Mirror(r, bid)
    board = Client(mirror.snapshot())
    clusters.pin(r, bid, cids[8], True, "anna")        # from below the window to its top
    board.apply(mirror.update())
    assert board.cols["new"] == [cids[8], *cids[:N - 1]]
    assert_shows_truth(board, r, bid)
    clusters.edit_reading(r, bid, cids[1], "Новая формулировка", "anna")  # stays where it is
    update = mirror.update()
    assert not soup(update).select("ol.window"), "nothing moved: no window is sent"
    assert [a["data-id"] for a in soup(update).select("article.qcard")] == [cids[1]]
    board.apply(update)
    assert_shows_truth(board, r, bid)
    clusters.set_topic(r, bid, cids[10], "transport", "", "anna")  # below the window: nothing to send
    update = mirror.update()
    assert not soup(update).select("article.qcard") and not soup(update).select("ol.window")
    assert soup(update).select_one("#count-new")["data-total"] == "12"


def test_a_snapshot_taken_between_updates_converges_with_the_boards_that_took_every_update(
        r: redis.Redis) -> None:
    bid, cids = seed(r)
    mirror = Mirror(r, bid)
    old = Client(mirror.snapshot())
    clusters.pin(r, bid, cids[9], True, "anna")   # cids[N - 1] leaves the window...
    late = Client(mirror.snapshot())              # ...as a board connects between two ticks
    assert cids[N - 1] not in late.cols["new"]
    clusters.pin(r, bid, cids[9], False, "anna")  # ...and comes back
    update = mirror.update()
    old.apply(update)
    late.apply(update)
    assert_shows_truth(old, r, bid)
    assert_shows_truth(late, r, bid)


def test_merged_away_cards_leave_and_counts_follow(r: redis.Redis) -> None:
    bid, cids = seed(r)
    mirror = Mirror(r, bid)
    board = Client(mirror.snapshot())
    merges.merge(r, bid, cids[0], cids[1], "anna")
    board.apply(mirror.update())
    assert_shows_truth(board, r, bid)
    assert board.totals["new"] == 11


def act(r: redis.Redis, bid: int, cid: str, verb: str, rnd: random.Random) -> None:
    if verb == "approve":
        clusters.approve(r, bid, cid, "anna")
    elif verb == "reject":
        clusters.reject(r, bid, cid, "anna", "offtopic")
    elif verb == "queue":
        clusters.enqueue(r, bid, cid, "anna")
    elif verb in ("pin", "unpin"):
        clusters.pin(r, bid, cid, verb == "pin", "anna")
    elif verb == "on_air":
        clusters.on_air(r, bid, cid, "anna")
    elif verb == "unqueue":
        clusters.unqueue(r, bid, cid, "anna")
    elif verb == "move":
        clusters.move(r, bid, cid, rnd.randint(0, 6), "anna")
    elif verb == "answered":
        clusters.answered(r, bid, cid, "anna")
    elif verb == "return":
        clusters.return_to_queue(r, bid, cid, "anna")
    else:
        clusters.restore(r, bid, cid, "anna")


def test_random_moderation_keeps_every_board_equal_to_a_fresh_read(r: redis.Redis) -> None:
    rnd = random.Random(20261125)
    bid, cids = seed(r, 30)
    mirror = Mirror(r, bid)
    boards = [Client(mirror.snapshot())]
    verbs = {
        "new": ["approve", "reject", "queue", "pin", "unpin"],
        "approved": ["queue", "reject", "pin", "unpin"],
        "queued": ["on_air", "unqueue", "move"],
        "on_air": ["answered"],
        "answered": ["return"],
        "rejected": ["restore"],
        "filtered": ["restore"],
    }
    for step in range(120):
        for _ in range(rnd.randint(1, 3)):
            cid = rnd.choice(cids)
            c = clusters.get(r, bid, cid)
            verb = rnd.choice(verbs[c["status"]])
            if verb == "on_air" and state.read(r, bid, False).host.get("on_air"):
                continue
            act(r, bid, cid, verb, rnd)
        if rnd.random() < 0.2:
            mirror.pull()  # events applied, not yet sent: a board connecting now gets a newer snapshot
            boards.append(Client(mirror.snapshot()))
        update = mirror.update()
        for board in boards:
            board.apply(update)
            assert_shows_truth(board, r, bid)
        fresh = Columns(mirror.s)
        followed = mirror.screens.board.columns(mirror.s)
        assert {k: followed.ids(k, mirror.s) for k in COLUMNS} == {k: fresh.ids(k, mirror.s) for k in COLUMNS}, step
        assert followed.places() == fresh.places()
    assert len(boards) > 5


def test_a_board_rendered_without_history_lists_every_window(r: redis.Redis) -> None:
    bid, cids = seed(r)
    s = state.read(r, bid, with_questions=False)
    ev = clusters.reject(r, bid, cids[0], "anna", "spam")
    state.apply(s, ev, in_place=True)
    page = soup(screens.render_board(s, [ev], limit=N))
    assert {ol["data-col"] for ol in page.select("ol.window")} == set(COLUMNS)
    assert [a["data-id"] for a in page.select("article.qcard")] == [cids[0]]
