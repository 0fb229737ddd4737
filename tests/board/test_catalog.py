"""The admin's catalogue: a gazetteer imported from CSV, and an editable taxonomy that triage then uses."""

from __future__ import annotations

import pytest
import redis

from liveline.board import catalog
from liveline.errors import BadRequest
from tests.helpers import PLACES_CSV


def test_a_semicolon_csv_with_a_bom_imports(r: redis.Redis) -> None:
    assert catalog.import_places(r, "\ufeff" + PLACES_CSV) == 3
    g = catalog.gazetteer(r)
    assert g is not None and set(g.settlements) == {"Новоозёрск", "Заречный"}


@pytest.mark.parametrize("bad", ["name,type\nЛенина,улица\n", "settlement,street_type,street\n",
                                 "settlement,street_type,street\n,улица,Ленина\n"])
def test_a_wrong_csv_gets_a_clear_message(r: redis.Redis, bad: str) -> None:
    with pytest.raises(BadRequest):
        catalog.import_places(r, bad)
    assert catalog.places_rows(r) == []


def test_a_topic_edit_changes_its_department_and_keywords(r: redis.Redis) -> None:
    catalog.add_department(r, "Комитет по дорогам")
    topics = catalog.update_topic(r, "roads", "Дороги", "Комитет по дорогам", "яма, Асфальт, колея")
    roads = next(t for t in topics if t.slug == "roads")
    assert roads.department == "Комитет по дорогам" and roads.keywords == ["яма", "асфальт", "колея"]
    assert next(t for t in catalog.taxonomy(r) if t.slug == "roads").department == "Комитет по дорогам"


def test_editing_a_topic_leaves_the_defaults_alone(r: redis.Redis) -> None:
    from liveline.triage.topics import topic_by_slug

    before = topic_by_slug("roads").department
    catalog.add_department(r, "Комитет по дорогам")
    catalog.update_topic(r, "roads", "Дороги", "Комитет по дорогам", "")
    assert topic_by_slug("roads").department == before
