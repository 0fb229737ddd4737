"""Normalisation, tokens and lemmas of citizens' questions."""

from __future__ import annotations

import pytest

from liveline.triage.text import content_lemmas, expand_abbreviations, lemma, lemma_set, normalise, tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ул.Ленина, д.5, кв.12", "улица ленина, дом 5, квартира 12"),
        ("ул Гагарина", "улица гагарина"),
        ("Просп. Металлургов 12 корп 2", "проспект металлургов 12 корпус 2"),
        ("пр-т Мира", "проспект мира"),
        ("пер. Почтовый", "переулок почтовый"),
        ("мкр Северный", "микрорайон северный"),
        ("б-р Энтузиастов", "бульвар энтузиастов"),
        ("пл. Революции", "площадь революции"),
        ("г. Новоозёрск", "город новоозерск"),
        ("в п. Сосновка", "в поселок сосновка"),
        ("в пос. Луговой", "в поселок луговой"),
        ("с. Берёзовка", "село березовка"),
        ("Мира5", "мира 5"),
    ],
)
def test_normalise_expands_address_abbreviations(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "word",
    ["улице", "улицы", "проспекте", "переулке", "площадке", "деревья", "перекрёсток", "кварталы", "посёлке",
     "сегодня", "дорога", "корпусе"],
)
def test_whole_words_that_start_like_an_abbreviation_stay_whole(word: str) -> None:
    assert normalise(word) == word.replace("ё", "е")


def test_a_year_is_not_a_town_and_square_metres_are_not_a_flat() -> None:
    assert normalise("в 2020 г. обещали") == "в 2020 г. обещали"
    assert normalise("квартира 40 кв. м") == "квартира 40 кв. м"


def test_house_letters_stay_with_the_number() -> None:
    assert tokens("дом 5а, Ленина12") == ["дом", "5а", "ленина", "12"]


def test_lemma_folds_yo_and_handles_street_names() -> None:
    assert lemma("Новоозёрске") == "новоозерск"
    assert lemma("Ленина") == "ленин"
    assert lemma("дорогу") == "дорога"
    assert lemma("12") == "12"


def test_lemma_set_keeps_pymorphy_ties() -> None:
    assert {"яма", "ям"} <= lemma_set("ямах")


def test_content_lemmas_drop_greetings_and_function_words() -> None:
    assert content_lemmas("Здравствуйте! Когда починят дорогу на ул. Ленина? Спасибо") == [
        "починить", "дорога", "улица", "ленин"]
    assert content_lemmas("Подскажите пожалуйста, будет ли ремонт в школе?") == ["ремонт", "школа"]
    assert content_lemmas("Уважаемый глава, добрый день! Почему нет ответа на мой вопрос?") == []


def test_an_address_abbreviation_is_expanded_only_where_it_stands_alone() -> None:
    assert expand_abbreviations("Ул.Ленина д.5, кв.12") == "улица Ленина дом 5, квартира 12"
    assert expand_abbreviations("ДОМ 5А на пр-т. Мира") == "ДОМ 5А на проспект Мира"
    assert expand_abbreviations("Ленина5\tи  д. Сосновка") == "Ленина 5 и деревня Сосновка"
    assert expand_abbreviations("улице Садовой") == "улице Садовой"
    assert expand_abbreviations("корп.Б Садовой") == "корпус Б Садовой"  # no digit in the text, still expanded
