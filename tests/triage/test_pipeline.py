"""Triage.analyse: one pure call that cleans, flags, locates, classifies, extracts; Triage.cluster places."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liveline.triage.features import Features
from liveline.triage.pipeline import Triage
from liveline.triage.places import Gazetteer

PLACES = Path(__file__).resolve().parents[2] / "liveline" / "demo" / "places.csv"


@pytest.fixture
def triage() -> Triage:
    return Triage(gazetteer=Gazetteer.from_csv(PLACES))


def test_analyse_reads_place_topic_and_department(triage: Triage) -> None:
    a = triage.analyse("Здравствуйте Сергей Викторович! Когда отремонтируют дорогу на ул.Ленина? Ямы")
    assert a.place is not None and (a.place["settlement"], a.place["street"]) == ("Новоозёрск", "Ленина")
    assert a.topic == "roads" and a.department == "Отдел дорожного хозяйства"
    assert a.features.block == "s:новоозерск|ленина"
    assert a.filtered is None


def test_analyse_is_pure_and_its_result_serialises(triage: Triage) -> None:
    a = triage.analyse("В Сосновку когда проведут газ?")
    assert len(triage.index) == 0
    again = triage.analyse("В Сосновку когда проведут газ?")
    assert again == a
    data = json.loads(json.dumps(a.to_dict(), ensure_ascii=False))
    assert Features.from_json(data["features"]) == a.features


def test_flags_are_collected(triage: Triage) -> None:
    a = triage.analyse("позвоните мне 8 912 345-67-89, в подъезде Ленина 12 сильно пахнет газом")
    assert a.pii, "a phone number is personal data"
    assert a.urgent is not None, "a smell of gas is urgent"


def test_cluster_merges_paraphrases_and_names_the_cluster_by_its_first_question(triage: Triage) -> None:
    first = triage.cluster("q1", triage.analyse("Ленина 12 лифт не работает третью неделю"))
    second = triage.cluster("q2", triage.analyse("ул. Ленина д.12 лифт сломан, управляйка молчит"))
    other = triage.cluster("q3", triage.analyse("Ленина 14 лифт не работает"))
    assert first.cluster == second.cluster == "q1" and second.merged_into == "q1"
    assert other.cluster == "q3" and other.merged_into is None


def test_cluster_suggests_and_respects_a_moderators_split(triage: Triage) -> None:
    triage.cluster("h", triage.analyse("Победы 4 нет горячей воды две недели"))
    cold = triage.analyse("Победы 4 холодную воду отключают по ночам")
    assert triage.decide("c", cold).suggested == ["h"]  # cluster ids: h started its own
    placed = triage.cluster("c", cold, forbidden=lambda other: other == "h")
    assert placed.cluster == "c" and placed.suggested == []
