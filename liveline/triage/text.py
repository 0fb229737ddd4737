"""Normalisation, tokens and lemmas of short Russian citizen questions.

``normalise`` lowercases, folds ё into е and expands the abbreviations people use in addresses
("ул.Ленина д.5" -> "улица ленина дом 5"). Every abbreviation regex is anchored with a dot or a word
boundary, so "улице" never turns into "улица ице".

Lemmas come from pymorphy3 behind an ``lru_cache``; one ``MorphAnalyzer`` per process is created on
first use. Lemmas are folded ё -> е as well, so "Новоозёрск" and "новоозерске" meet.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from liveline.triage.screen import Screen

# (pattern, replacement). Patterns run with re.IGNORECASE; "(?-i:...)" marks parts that must keep case. A
# trailing space is added to the replacement, so "ул.Ленина" splits into "улица Ленина". A pattern runs only
# when the literals it needs occur in the text (one pass finds them all: triage/screen.py) and, when it is one
# branch ending in "(?=\d)", when the text has a digit (no replacement contains a match).
_ABBREVIATIONS: list[tuple[str, str]] = [
    (r"\bул(?:\.|\b)", "улица"),
    (r"\bпр-кт(?:\.|\b)|\bпр-т(?:\.|\b)|\bпросп(?:\.|\b)", "проспект"),
    (r"\bпр-д(?:\.|\b)", "проезд"),
    (r"\bпер(?:\.|\b)", "переулок"),
    (r"\bб-р(?:\.|\b)|\bбульв\.", "бульвар"),
    (r"\bпл\.|\bпл\b(?=\s*(?-i:[А-ЯЁ]))", "площадь"),
    (r"\bнаб\.", "набережная"),
    (r"\bш\.", "шоссе"),
    (r"\bмкр-н(?:\.|\b)|\bмкрн?(?:\.|\b)", "микрорайон"),
    (r"\bкорп(?:\.|\b)|\bк\.\s*(?=\d)", "корпус"),
    (r"\bкв(?!\.?\s*к?м\b)(?:\.|\b)", "квартира"),  # not "кв. м"
    (r"\bд\.?\s*(?=\d)", "дом"),
    (r"\bд\.\s*(?=(?-i:[А-ЯЁ]))|\bдер\.", "деревня"),
    (r"(?<!\d)(?<!\d\s)\bг\.\s*(?=[а-яё])", "город"),
    (r"\bпгт(?:\.|\b)|\bпос(?:\.|\b)|\bп\.\s*(?=(?-i:[А-ЯЁ]))", "поселок"),
    (r"\bс\.\s*(?=(?-i:[А-ЯЁ]))", "село"),
    (r"\bр-н(?:\.|\b)", "район"),
]
_ABBREVIATION_SCREEN = Screen("abbreviations", casefold=True)
# a pattern that is one branch ending in "(?=\d)" ("д.5") needs a digit in the text; "корп.|к. 5" does not ("корп. Б")
_ABBREVIATION_RULES = [(_ABBREVIATION_SCREEN.rule(p, re.IGNORECASE), r + " ", "|" not in p and p.endswith(r"(?=\d)"))
                       for p, r in _ABBREVIATIONS]
_DIGIT = re.compile(r"\d")
# "Ленина5" -> "Ленина 5"; a digit followed by a letter ("5а") stays together as a house number.
_LETTER_DIGIT = re.compile(r"(?<=[а-яёa-z])(?=\d)", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]+")
_TOKEN = re.compile(r"[а-яёa-z0-9]+")  # on normalised (lowercase) text

FUNCTION_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO", "PRED"})

# Words that carry no topic in a question to an official.
_STOP_WORDS = """
    когда почему зачем отчего как какой каков сколько где куда откуда кто что чей который
    быть будет есть являться ли можно нужно надо нельзя мочь хотеть хотеться
    здравствуйте здравствовать привет подсказать подскажите сказать скажите ответить ответ
    уважаемый уважаемая вопрос вопросы пожалуйста спасибо благодарить добрый день вечер утро
    прошу просить интересовать интересно знать узнать планироваться планировать
    это этот тот такой весь всё свой наш ваш мой твой их его её очень ещё еще уже также тоже
    вообще вот там тут здесь сейчас теперь потом просто ну да нет же бы ведь
    глава администрация город район
"""
STOP_LEMMAS = frozenset(_STOP_WORDS.split())


@lru_cache(maxsize=64)
def expand_abbreviations(text: str) -> str:
    """Expand address abbreviations, keeping the case of everything else; ё is left as is."""
    seen = _ABBREVIATION_SCREEN.scan(text)
    digit = _DIGIT.search(text) is not None
    for rule, replacement, needs_digit in _ABBREVIATION_RULES:
        if seen.can(rule) and (digit or not needs_digit):
            text = rule.pattern.sub(replacement, text)
    if digit:
        text = _LETTER_DIGIT.sub(" ", text)
    if "  " in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def fold(text: str) -> str:
    """Lowercase and fold ё into е."""
    return text.lower().replace("ё", "е")


def normalise(text: str) -> str:
    """Lowercase, ё -> е, abbreviations expanded: "Ул.Ленина, д.5" -> "улица ленина, дом 5"."""
    return fold(expand_abbreviations(text))


def tokens(text: str) -> list[str]:
    """Word tokens (letters and digits) of ``normalise(text)``."""
    return list(_tokens(text))


@lru_cache(maxsize=64)
def _tokens(text: str) -> tuple[str, ...]:
    # one question's text is tokenised by several triage steps in a row: the cache makes that once
    return tuple(_TOKEN.findall(normalise(text)))


@lru_cache(maxsize=1)
def morph() -> Any:
    """The process's one ``pymorphy3.MorphAnalyzer``, created on first use."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=500_000)
def analyse(word: str) -> tuple[str, str | None, frozenset[str]]:
    """(best lemma, its part of speech, every lemma pymorphy offers) of one lowercase word."""
    word = fold(word)
    if not word or word.isdigit() or not word.isalpha():
        return word, None, frozenset({word})
    parses = morph().parse(word)
    if not parses:
        return word, None, frozenset({word})
    best = parses[0]
    return fold(best.normal_form), best.tag.POS, frozenset(fold(p.normal_form) for p in parses)


def lemma(word: str) -> str:
    """pymorphy3's normal form of ``word`` (cached, ё folded): "Ленина" -> "ленин"."""
    return analyse(word)[0]


def lemma_set(word: str) -> frozenset[str]:
    """Every normal form pymorphy3 considers, for ties such as "ямах" -> {"ям", "яма"}."""
    return analyse(word)[2]


@lru_cache(maxsize=200_000)
def word_forms(word: str) -> frozenset[str]:
    """The word itself and every lemma pymorphy3 offers for it (``lemma_set``)."""
    return lemma_set(word) | {word}


def pos(word: str) -> str | None:
    """Part of speech of the most likely parse ("NOUN", "ADJF", "PREP"...), None for numbers."""
    return analyse(word)[1]


def is_content(word: str) -> bool:
    """True when the word carries meaning: not a function word, not on the civic stop list."""
    lem, part, _ = analyse(word)
    return part not in FUNCTION_POS and lem not in STOP_LEMMAS and word not in STOP_LEMMAS


@lru_cache(maxsize=200_000)
def _content_lemma(word: str) -> str | None:
    """The lemma of a meaningful word, None for a function or stop word (``is_content``)."""
    return lemma(word) if is_content(word) else None


def content_lemmas(text: str) -> list[str]:
    """Lemmas of the meaningful words, in order: "Когда починят дорогу на ул. Ленина?" ->
    ["починить", "дорога", "улица", "ленин"]."""
    return [lem for lem in map(_content_lemma, _tokens(text)) if lem is not None]
