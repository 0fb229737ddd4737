"""Finding the settlement, street and house a question is about."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liveline.triage.places import Gazetteer, Place, locate

DEMO = Path(__file__).resolve().parents[2] / "liveline" / "demo" / "places.csv"
LABELLED = Path(__file__).resolve().parents[1] / "data" / "triage_labelled.jsonl"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_csv(DEMO)


def test_the_gazetteer_knows_the_district(gaz: Gazetteer) -> None:
    assert gaz.settlements == ["Новоозёрск", "Заречный", "Сосновка", "Красный Яр", "Берёзовка", "Луговой",
                               "Ольховка"]
    assert gaz.default_settlement == "Новоозёрск"


def test_from_rows_takes_the_settlement_with_most_streets_as_default() -> None:
    gaz = Gazetteer.from_rows([
        {"settlement": "Ольховка", "street_type": "улица", "street": "Речная"},
        {"settlement": "Новоозёрск", "street_type": "улица", "street": "Ленина"},
        {"settlement": "Новоозёрск", "street_type": "улица", "street": "Гагарина"},
    ])
    assert gaz.default_settlement == "Новоозёрск"
    assert locate("На Речной 3 нет воды", gaz) == Place("Ольховка", "Речная", "улица", "3")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Когда отремонтируют дорогу на Ленина?", "Новоозёрск, ул. Ленина"),
        ("ул.Ленина д.5 нет воды", "Новоозёрск, ул. Ленина, д. 5"),
        ("Мира 5 не убирают мусор", "Новоозёрск, ул. Мира, д. 5"),
        ("по улице Мира огромная яма", "Новоозёрск, ул. Мира"),
        ("на улице Гагарина не горят фонари", "Новоозёрск, ул. Гагарина"),
        ("По Гагарина невозможно проехать", "Новоозёрск, ул. Гагарина"),
        ("Гагарина 12, течёт крыша", "Новоозёрск, ул. Гагарина, д. 12"),
        ("на проспекте Металлургов 12 корп 2 не горят фонари", "Новоозёрск, просп. Металлургов, д. 12к2"),
        ("40 лет Победы 3 течёт крыша", "Новоозёрск, ул. 40 лет Победы, д. 3"),
        ("во дворе дома 5 по Садовой разбита площадка", "Новоозёрск, ул. Садовая, д. 5"),
        ("На Садовой опять прорвало трубу", "Новоозёрск, ул. Садовая"),
        ("Садовая улица, дом 3", "Новоозёрск, ул. Садовая, д. 3"),
        ("на Победы 10 яма во дворе", "Новоозёрск, ул. Победы, д. 10"),
        ("Новоозерск, мкр Северный, 3", "Новоозёрск, мкр Северный, д. 3"),
        ("В Заречном нет света третий день", "Заречный"),
        ("в пос. Сосновка не ходит автобус", "Сосновка"),
        ("в селе Берёзовка когда проведут газ?", "Берёзовка"),
        ("в Красном Яре на Мира нет воды", "Красный Яр, ул. Мира"),
        ("в Ольховке на Ленина 7 яма", "Ольховка, ул. Ленина, д. 7"),
        ("Сосновка, Центральная 4", "Сосновка, ул. Центральная, д. 4"),
        ("Лесная 8, нет света", "Заречный, ул. Лесная, д. 8"),
        ("на Степной собаки бегают стаей", "Луговой, ул. Степная"),
        ("Здравствуйте! Я живу на улице Строителей, дом 7, кв. 15. Когда починят крышу?",
         "Новоозёрск, ул. Строителей, д. 7"),
        ("На Набережной в Красном Яре нет освещения", "Красный Яр, ул. Набережная"),
        ("в бане на Банном переулке нет воды", "Новоозёрск, пер. Банный"),
        ("По Новой в Заречном грязь по колено", "Заречный, ул. Новая"),
        ("на Луговой 3 в Сосновке фонарь", "Сосновка, ул. Луговая, д. 3"),
        ("В Луговом нет связи", "Луговой"),
        ("Ленина, 5а — подъезд не убирают", "Новоозёрск, ул. Ленина, д. 5а"),
        ("на Ленина д. 5/2 нет отопления", "Новоозёрск, ул. Ленина, д. 5/2"),
        ("в микрорайоне Северном нет детского сада", "Новоозёрск, мкр Северный"),
        ("Пишу из Ольховки: мост разрушен", "Ольховка"),
        # a name heading the message, as people write in comments
        ("Садовая, фонари выключены, ходим с фонариком", "Новоозёрск, ул. Садовая"),
        ("САДОВАЯ ЗАВАЛЕНА МУСОРОМ", "Новоозёрск, ул. Садовая"),
        ("Заводская — собачья свора, обращались в отлов", "Новоозёрск, ул. Заводская"),
        ("октябрьская собаки бездомные напали на женщину", "Новоозёрск, ул. Октябрьская"),
        ("Здравствуйте, Заречный Лесная — яма на яме", "Заречный, ул. Лесная"),
        ("сосновка садовая темно, хотя бы пару фонарей", "Сосновка, ул. Садовая"),
        ("Луговая в Сосновке — не дорога, а танкодром", "Сосновка, ул. Луговая"),
        ("Луговой без фельдшера, когда найдут медика?", "Луговой"),
        ("дом 15 Советская улица, тепла нет", "Новоозёрск, ул. Советская, д. 15"),
        ("пл Революции сквер заброшен, скамеек нет", "Новоозёрск, пл. Революции"),
        ("по комсомольской мамы с колясками идут по проезжей части", "Новоозёрск, ул. Комсомольская"),
        ("в Новоозёрской поликлинике электронная запись не работает", "Новоозёрск"),
        # a route from the centre is about the village
        ("Верните рейс Новоозёрск — Сосновка, утренний", "Сосновка"),
    ],
)
def test_locate_with_the_gazetteer(gaz: Gazetteer, text: str, label: str) -> None:
    place = locate(text, gaz)
    assert place is not None
    assert place.label() == label


@pytest.mark.parametrize(
    "text",
    [
        "Во всём мире так, а у нас почему иначе?",
        "Зарплата металлургов маленькая",
        "на школьной площадке мусор",
        "День Победы праздновали без салюта",
        "Здравствуйте! когда будет ремонт",
        "Пенсии когда проиндексируют?",
        "по миру пустили с такими тарифами",
        "Строители обещали сдать дом к осени",
        "при советской власти было лучше",
        "новая школа когда откроется",
        "революция в ЖКХ нужна",
        "на заводской проходной очередь",
        "на набережной реки мусор",
        "В Контакте писала, никто не ответил",
        "Новая школа когда откроется?",
        "Центральная библиотека закрыта",
    ],
)
def test_ordinary_words_do_not_become_streets(gaz: Gazetteer, text: str) -> None:
    assert locate(text, gaz) is None


def test_same_street_different_house_gives_different_keys(gaz: Gazetteer) -> None:
    five = locate("Ленина 5 течёт крыша", gaz)
    seven = locate("на улице Ленина, дом 7 течёт крыша", gaz)
    also_five = locate("ул.Ленина д.5 — крыша течёт", gaz)
    assert five and seven and also_five
    assert five.key() == "новоозерск|ленина|5" == also_five.key()
    assert seven.key() == "новоозерск|ленина|7"


def test_same_street_name_in_two_settlements_gives_different_keys(gaz: Gazetteer) -> None:
    town = locate("на Мира 3 нет воды", gaz)
    village = locate("Красный Яр, на Мира 3 нет воды", gaz)
    assert town and village
    assert town.key() == "новоозерск|мира|3"
    assert village.key() == "красный яр|мира|3"


def test_a_street_shared_by_villages_but_not_the_centre_leaves_the_settlement_open(gaz: Gazetteer) -> None:
    place = locate("на Центральной 4 нет света", gaz)
    assert place == Place(None, "Центральная", "улица", "4")
    assert place.key() == "|центральная|4"


def test_a_street_found_in_one_settlement_only_implies_it(gaz: Gazetteer) -> None:
    # Гагарина exists only in Новоозёрск: the village mentioned is where the author lives, not the street.
    assert locate("Я из Заречного, на Гагарина 4 яма", gaz) == Place("Новоозёрск", "Гагарина", "улица", "4")
    # Мира exists in two settlements: the one mentioned decides.
    assert locate("Красный Яр, Мира 2", gaz) == Place("Красный Яр", "Мира", "улица", "2")


def test_a_quantity_after_a_street_is_not_a_house(gaz: Gazetteer) -> None:
    assert locate("на Ленина 2 года не убирают снег", gaz) == Place("Новоозёрск", "Ленина", "улица", None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ул.Ленина д.5 нет воды", Place(None, "Ленина", "улица", "5")),
        ("по улице Мира яма", Place(None, "Мира", "улица", None)),
        ("на улице Гагарина", Place(None, "Гагарина", "улица", None)),
        ("по улице Садовой не пройти", Place(None, "Садовая", "улица", None)),
        ("на Садовой улице грязь", Place(None, "Садовая", "улица", None)),
        ("на проспекте Металлургов 12 корп 2", Place(None, "Металлургов", "проспект", "12к2")),
        ("на Гагарина 12 яма", Place(None, "Гагарина", None, "12")),
        ("живу в Москве на улице Тверской 5", Place("Москва", "Тверская", "улица", "5")),
        ("В Заречном нет света", Place("Заречный")),
        ("в Красном Яре нет воды", Place("Красный Яр")),
        ("в пос. Сосновка не ходит автобус", Place("Сосновка")),
        ("в деревне Ольховке", Place("Ольховка")),
    ],
)
def test_locate_without_a_gazetteer_uses_patterns(text: str, expected: Place) -> None:
    assert locate(text) == expected


@pytest.mark.parametrize(
    "text", ["Когда отремонтируют дорогу на Ленина?", "во всём мире", "Дом культуры закрыт"]
)
def test_without_a_gazetteer_a_bare_name_is_not_enough(text: str) -> None:
    assert locate(text) is None


def test_place_round_trips_and_labels() -> None:
    place = Place("Новоозёрск", "Ленина", "улица", "5")
    assert place.label() == "Новоозёрск, ул. Ленина, д. 5"
    assert place.to_dict() == {"settlement": "Новоозёрск", "street": "Ленина", "street_type": "улица",
                               "house": "5"}
    assert Place.from_dict(place.to_dict()) == place
    assert Place("Заречный").label() == "Заречный"
    assert Place("Заречный").key() == "заречный||"


def test_labelled_questions_are_located(gaz: Gazetteer) -> None:
    """422 hand-labelled comments (tests/data): settlement, street and house must all be right."""
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    right = 0
    for row in rows:
        place = locate(row["text"], gaz) or Place()
        expected = (row["settlement"], row["street"], row["house"])
        right += (place.settlement, place.street, place.house) == expected
    assert right / len(rows) >= 0.95
