"""The board's search and filters, answered on the server: they reach every card, not only the window.

A ``Query`` is read from the board's parameters (text, topic, settlement, source, urgent, sort, column); its
text is user input: bounded, only ever compared, and rendered through the autoescaped templates. ``find``
walks each column of a ``Columns`` index in board order and answers, per column, how many cards match and
the first ``limit`` of them. The text a card is searched by is what the card shows (wording, author, source,
place, topic, department), lower-cased with ё read as е, the same as board.js does for a card it already has.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from liveline import labels
from liveline.board import catalog
from liveline.errors import BadRequest
from liveline.live.window import COLUMNS, RANKED, Columns, entry
from liveline.store.state import State

MAX_TEXT = 200   # characters of search text
MAX_VALUE = 100  # characters of a filter's value
SORTS = ("support", "time")


def fold(text: str) -> str:
    return text.lower().replace("ё", "е")


@dataclass(frozen=True)
class Query:
    text: str = ""
    topic: str = ""
    settlement: str = ""
    source: str = ""
    urgent: bool = False
    sort: str = "support"
    column: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Query:
        text = " ".join(str(params.get("q", "")).split())
        if len(text) > MAX_TEXT:
            raise BadRequest(f"Слишком длинный запрос: не больше {MAX_TEXT} символов")
        values = {}
        for name in ("topic", "settlement", "source"):
            v = str(params.get(name, "")).strip()
            if len(v) > MAX_VALUE:
                raise BadRequest("Слишком длинное значение фильтра")
            values[name] = v
        sort = str(params.get("sort", "") or "support")
        if sort not in SORTS:
            raise BadRequest("Неизвестная сортировка")
        column = str(params.get("column", ""))
        if column and column not in COLUMNS:
            raise BadRequest("Неизвестная колонка доски")
        return cls(text=fold(text), urgent=params.get("urgent", "") in ("1", "true"), sort=sort, column=column,
                   **values)

    def columns(self) -> tuple[str, ...]:
        return (self.column,) if self.column else COLUMNS

    def matches(self, c: dict[str, Any], hay: Haystacks) -> bool:
        if self.topic and c.get("topic") != self.topic:
            return False
        if self.settlement and (c.get("settlement") or "") != self.settlement:
            return False
        if self.source and c.get("source") != self.source:
            return False
        if self.urgent and not c.get("urgent"):
            return False
        if self.text:
            if self.text.lstrip("№").strip() == str(c["id"]):
                return True
            return self.text in hay.of(c)
        return True


def haystack(c: dict[str, Any], topics: catalog.Topics) -> str:
    """What a card is searched by: what it shows (its topic by the admin's name for it)."""
    parts = (c.get("reading_text") or "")[:2000], c.get("author_name") or "", \
        labels.ORIGINS.get(c.get("source") or "", c.get("source") or ""), c.get("place_label") or "", \
        topics.name(c.get("topic")), c.get("department") or ""
    return fold(" ".join(parts))


class Haystacks:
    """Each cluster's search text, kept while its version stands (a channel keeps one beside its mirror).
    ``topics``: the admin's, whose names a card shows (the built-in ones when not given)."""

    def __init__(self, topics: catalog.Topics | None = None) -> None:
        self.topics = topics or catalog.default_topics()
        self._texts: dict[str, tuple[tuple[Any, ...], str]] = {}

    def of(self, c: dict[str, Any]) -> str:
        key = (c.get("version"), c.get("updated_at"))
        hit = self._texts.get(c["id"])
        if hit is not None and hit[0] == key:
            return hit[1]
        text = haystack(c, self.topics)
        self._texts[c["id"]] = (key, text)
        return text

    def drop(self, cids: Iterable[str]) -> None:
        for cid in cids:
            self._texts.pop(cid, None)


@dataclass
class Found:
    column: str
    total: int       # cards of the column that match
    cards: list[dict[str, Any]]  # the first ``limit`` of them, in the column's order
    of: int = 0      # cards in the column


def find(s: State, cols: Columns, q: Query, limit: int, hay: Haystacks | None = None) -> list[Found]:
    """Per column, the cards that match ``q``: their number and the first ``limit`` in board order."""
    hay = hay if hay is not None else Haystacks()
    out = []
    for column in q.columns():
        total = 0
        cards: list[dict[str, Any]] = []
        matching = []
        ids = cols.ids(column, s)
        for cid in ids:
            c = s.clusters.get(cid)
            if c is None or not q.matches(c, hay):
                continue
            total += 1
            if q.sort == "time" and column in RANKED:
                matching.append(c)
            elif len(cards) < limit:
                cards.append(c)
        if matching:
            cards = heapq.nsmallest(limit, matching, key=lambda c: entry(c, by_time=True))
        out.append(Found(column, total, cards, len(ids)))
    return out
