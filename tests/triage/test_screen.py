"""The literal screen (``triage/screen.py``) only skips searches that would fail: on every comment of the
labelled sets, and on texts stitched from the screens' own literals, each rule answers as its pattern does."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from liveline.triage import clean, kind, pii, profanity, spam, urgent  # noqa: F401  (screens register)
from liveline.triage.clean import reading_text
from liveline.triage.screen import CASEFOLD_SAFE, SCREENS, Screen, required_literals

DATA = Path(__file__).resolve().parents[1] / "data"
urgent.urgent_reason("")  # rules read from the data files register on first use
spam.spam_reason("")
kind.kind_of("", "other")


def _texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(str(row.get("text") or row.get("payload") or line))
    return texts


def _forms(text: str) -> list[str]:
    """The forms triage rules read: as written, lowercased, ё folded, the reading text lowercased."""
    low = text.lower()
    return [text, low, low.replace("ё", "е"), reading_text(text).lower()]


def _stitched(screen: Screen, n: int, seed: int) -> list[str]:
    """Texts made of the screen's literals and words around them: many near and real matches."""
    rnd = random.Random(seed)
    literals = screen.literals or ["x"]
    glue = [" ", "  ", ", ", " не ", " у нас ", "!", " 5 ", "\n", "", " дом 12 ", "?"]
    return ["".join(rnd.choice(literals) + rnd.choice(glue) for _ in range(rnd.randint(1, 6))) for _ in range(n)]


def _same(screen: Screen, text: str) -> None:
    scan = screen.scan(text)
    for rule in screen.rules:
        expected = rule.pattern.search(text)
        got = scan.search(rule)
        assert (got and got.span()) == (expected and expected.span()), (screen.name, rule.pattern.pattern, text)
        expected_match = rule.pattern.match(text)
        got_match = scan.match(rule)
        assert (got_match and got_match.span()) == (expected_match and expected_match.span())
        assert scan.sub(rule, " ") == rule.pattern.sub(" ", text)


def test_every_triage_screen_has_rules() -> None:
    assert {s.name for s in SCREENS} >= {"urgent", "spam", "kind", "abbreviations", "courtesy", "pii", "profanity"}
    assert all(s.rules for s in SCREENS)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_a_screened_rule_answers_as_its_pattern_on_every_labelled_comment(screen: Screen) -> None:
    for text in _texts():
        for form in _forms(text):
            _same(screen, form)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_a_screened_rule_answers_as_its_pattern_on_texts_of_its_own_literals(screen: Screen) -> None:
    for text in _stitched(screen, 3000, seed=len(screen.name)):
        _same(screen, text)


def test_a_branch_needs_one_literal_of_each_alternative() -> None:
    assert required_literals(re.compile(r"пожар(?!н)|возгоран|дом\w* горит")) == [
        frozenset({"пожар", "возгоран", " горит"})]


def test_a_sequence_needs_each_of_its_parts() -> None:
    groups = required_literals(re.compile(r"(?:нет|отключили)\W+(?:воды|света)\b(?=.*мороз)"))
    assert frozenset({"мороз"}) in groups
    assert frozenset({"воды", "света"}) in groups
    assert frozenset({"нет", "отключили"}) in groups


def test_a_literal_within_a_longer_one_of_its_group_is_enough() -> None:
    assert required_literals(re.compile(r"без крышки|без крышки люк")) == [frozenset({"без крышки"})]


@pytest.mark.parametrize("pattern", [
    r"\d{11}",  # no literal at all
    r"(?:пожар)?\w+",  # an optional literal
    r"дым|\w+",  # a branch that can match without one
    r"(?!пожар)\w+",  # a negative lookahead
    r"(?i:пожар)",  # case-insensitive
    r"a{0,3}b*",
])
def test_a_pattern_that_can_match_without_a_literal_always_runs(pattern: str) -> None:
    assert required_literals(re.compile(pattern)) == []


def test_a_case_insensitive_pattern_is_screened_on_the_casefolded_text_only() -> None:
    # re.IGNORECASE matches "ᲀ" (U+1C80) for "в": a literal test on the lowercased text would miss it
    pattern = re.compile("вода", re.IGNORECASE)
    assert pattern.search("ᲀода")
    assert required_literals(pattern) == []
    assert required_literals(pattern, casefold=True) == [frozenset({"вода"})]
    screen = Screen("test", casefold=True)
    SCREENS.remove(screen)
    rule = screen.rule(pattern)
    assert screen.scan("ᲀода").search(rule)
    assert screen.scan("ВОДА").search(rule)
    assert not screen.scan("газ").can(rule)


def test_a_case_sensitive_part_of_a_case_insensitive_pattern_keeps_its_literals() -> None:
    assert required_literals(re.compile(r"(?i:дом)\s+(?-i:Мира)")) == [frozenset({"Мира"})]


def test_a_literal_with_i_is_not_taken_from_a_case_insensitive_pattern() -> None:
    # "i" also matches "İ", whose casefold is "i̇": the text's casefold() would not hold "inn"
    assert re.compile("inn", re.IGNORECASE).search("İnn")
    assert required_literals(re.compile("inn", re.IGNORECASE), casefold=True) == [frozenset({"nn"})]


def test_each_casefold_safe_character_matches_only_characters_of_its_casefold() -> None:
    everything = "".join(chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000)
    for ch in CASEFOLD_SAFE:
        for m in re.finditer(re.escape(ch), everything, re.IGNORECASE):
            assert m.group().casefold() == ch.casefold(), (ch, hex(ord(m.group())))


def test_a_rule_whose_literal_is_absent_is_not_run() -> None:
    screen = Screen("test")
    rule = screen.rule(r"пахнет\s+газом")
    SCREENS.remove(screen)
    assert not screen.scan("на улице темно").can(rule)
    assert screen.scan("в подъезде пахнет  газом").search(rule)
    assert screen.scan("пахнет, но не газом").search(rule) is None  # the literal is there, the pattern decides
