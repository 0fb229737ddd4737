"""Fixtures of the board's tests."""

from __future__ import annotations

import pytest
import redis


@pytest.fixture
def board(r: redis.Redis) -> tuple[redis.Redis, int, list[str]]:
    """A live broadcast with four questions, each its own cluster: (redis, broadcast id, cluster ids)."""
    from liveline.board import questions
    from tests.helpers import item, live_broadcast, triaged

    bid = live_broadcast(r)
    cids = []
    for n, text in enumerate(["Когда отремонтируют дорогу на улице Ленина?", "Не горят фонари на Садовой",
                              "Будет ли газ в Сосновке?", "Уберите мусор у дома 5 по Мира"], start=1):
        ev = questions.ingest(r, bid, item(n, text), triaged(text, topic="roads"))
        assert ev is not None
        cids.append(ev.questions[str(n)]["cluster"])
    return r, bid, cids
