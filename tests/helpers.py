"""Small builders shared by tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
from bs4 import BeautifulSoup

from liveline.board import broadcasts, clusters, questions
from liveline.board.questions import Triaged
from liveline.ingest.inbox import SourceItem
from liveline.store import events, state


def live_broadcast(r: redis.Redis, title: str = "Прямая линия с главой района") -> int:
    bid = broadcasts.create(r, title, "Глава района Алексеев С. В.", "Europe/Volgograd",
                            "2026-11-25T18:00", "2026-11-25T19:30")
    broadcasts.start(r, bid)
    return bid


def item(n: int | str, text: str, author: str | None = None, **kw: Any) -> SourceItem:
    return SourceItem(key=kw.pop("key", f"demo:{n}"), text=text, author_id=author or f"vk:{n}",
                      author_name=kw.pop("author_name", f"Житель {n}"), created_at=kw.pop("created_at", 1.0e9 + int(str(n).split(":")[-1]) if str(n).isdigit() else 1.0e9),
                      **kw)


def triaged(text: str, **kw: Any) -> Triaged:
    return Triaged(reading_text=kw.pop("reading_text", text), safe_text=kw.pop("safe_text", text), **kw)


def wait_for(cond: Callable[[], bool], timeout: float = 20.0) -> None:
    """A bounded wait: poll ``cond`` until it holds, failing after ``timeout`` seconds (not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


def replay_equals_fresh(r: redis.Redis, bid: int, action: Callable[[], object]) -> list[events.Event]:
    """Run ``action``; the snapshot before it plus the events it wrote must equal a fresh snapshot. Returns
    those events."""
    before = state.read(r, bid)
    action()
    evs = events.read_since(r, bid, before.cursor)
    after = before
    for ev in evs:
        after = state.apply(after, ev)
    fresh = state.read(r, bid)
    assert after.comparable() == fresh.comparable()
    assert after.cursor == fresh.cursor
    return evs


# -- the board's cards and pages ------------------------------------------------------------------------
def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def add_card(r: redis.Redis, bid: int, n: int, text: str, **kw: object) -> str:
    """Ingest one question as a card of its own (its author "Ольга Житель{n}"); returns the card's id."""
    ev = questions.ingest(r, bid, item(n, text, author_name=f"Ольга Житель{n}"), triaged(text, **kw))
    assert ev is not None
    return ev.questions[ev.note["qid"]]["cluster"]


# -- appeals: a broadcast that ends with every kind of cluster ------------------------------------------
SOSNOVKA = {"settlement": "Сосновка", "street": "Ленина", "street_type": "ул", "house": "5"}


def ask(r: redis.Redis, bid: int, n: int, text: str, author: str | None = None, **kw: Any) -> dict[str, Any]:
    t_kw = {k: kw.pop(k) for k in ("topic", "merge_into", "place", "place_label", "filter_reason", "kind", "reply_to")
            if k in kw}
    ev = questions.ingest(r, bid, item(n, text, author, **kw), triaged(text, **t_kw))
    assert ev is not None
    return ev.questions[ev.note["qid"]]


def ended_broadcast(r: redis.Redis) -> tuple[int, dict[str, str]]:
    """A broadcast with every kind of cluster at its end; returns (bid, cluster id by role)."""
    bid = live_broadcast(r)
    roads = ask(r, bid, 1, "Когда отремонтируют дорогу на Ленина в Сосновке?", "vk:1", topic="roads",
                place=SOSNOVKA, place_label="Сосновка, ул. Ленина, 5")
    ask(r, bid, 2, "Ленина в Сосновке вся в ямах", "vk:2", topic="roads", merge_into=roads["id"])
    ask(r, bid, 3, "И когда уже Ленина сделают?", "vk:3", topic="roads", merge_into=roads["id"])
    ask(r, bid, 4, "Ещё раз про Ленина: ямы!", "vk:1", topic="roads", merge_into=roads["id"])  # same author again
    ask(r, bid, 5, "+1, тоже интересует", "vk:9", parent_key="demo:1")                        # a supporter
    light = ask(r, bid, 6, "Не горят фонари на Садовой", "vk:6", topic="lighting")
    gas = ask(r, bid, 7, "Будет ли газ в Заречном?", "vk:7", topic="gasification")
    unseen = ask(r, bid, 8, "Когда вывезут мусор с Полевой?", "vk:8", topic="waste")
    spam = ask(r, bid, 10, "Купите слона", "vk:10", topic="other")
    aired = ask(r, bid, 11, "Когда откроют поликлинику?", "vk:11", topic="healthcare")
    filtered = ask(r, bid, 12, "***", "vk:12", filter_reason="profanity")
    roads_c, light_c, gas_c = roads["cluster"], light["cluster"], gas["cluster"]
    clusters.approve(r, bid, roads_c, "anna")
    clusters.enqueue(r, bid, light_c, "anna")
    clusters.approve(r, bid, gas_c, "anna")
    clusters.reject(r, bid, spam["cluster"], "anna", "spam")
    clusters.on_air(r, bid, aired["cluster"], "anna")
    clusters.answered(r, bid, aired["cluster"], "anna")
    meta = broadcasts.end(r, bid)
    return bid, {"roads": roads_c, "light": light_c, "gas": gas_c, "unseen": unseen["cluster"],
                 "spam": spam["cluster"], "aired": aired["cluster"], "filtered": filtered["cluster"],
                 "ended_at": meta["ended_at"]}


# -- the admin's catalogue: a gazetteer as CSV ----------------------------------------------------------
PLACES_CSV = ("settlement;street_type;street\nНовоозёрск;улица;Ленина\nНовоозёрск;проспект;Металлургов\n"
              "Заречный;улица;Лесная\n")
