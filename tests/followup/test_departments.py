"""Routing (liveline/followup/departments.py): the admin's table, topic × settlement → department, and the
department an appeal is given."""

from __future__ import annotations

import pytest
import redis

from liveline.board import catalog
from liveline.errors import BadRequest
from liveline.followup import appeals
from liveline.followup import departments as routing
from tests.helpers import ended_broadcast


def test_routing_table_topic_by_settlement_then_topic_then_taxonomy(r: redis.Redis) -> None:
    assert routing.department_for(r, "roads", "Сосновка") == "Отдел дорожного хозяйства"
    for name in ("Управление дорог района", "Администрация Сосновского поселения"):
        catalog.add_department(r, name)
    routing.set_route(r, "roads", "", "Управление дорог района")
    routing.set_route(r, "roads", "Сосновка", "Администрация Сосновского поселения")
    assert routing.department_for(r, "roads", "сосновка") == "Администрация Сосновского поселения"
    assert routing.department_for(r, "roads", "Заречное") == "Управление дорог района"
    assert routing.department_for(r, "roads", None) == "Управление дорог района"
    bid, c = ended_broadcast(r)
    appeals.create_from_broadcast(r, bid)
    roads = next(x for x in appeals.read_all(r, bid).values() if x["cluster"] == c["roads"])
    assert roads["department"] == "Администрация Сосновского поселения"
    routing.set_route(r, "roads", "Сосновка", "")
    assert routing.department_for(r, "roads", "Сосновка") == "Управление дорог района"
    with pytest.raises(BadRequest):
        routing.set_route(r, "astrology", "", "Звездочёты")
