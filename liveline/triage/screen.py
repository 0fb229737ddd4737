"""One pass over a text that tells which of many regular expressions can match it.

Most of triage's rules are alternations of Russian phrases ("пахнет дымом|запах дыма|…"), and Python's ``re``
tries every branch at every position: twelve urgent rules cost ~19 µs a comment, the spam phrases ~20 µs, though
almost every comment matches none of them. Each pattern a ``Screen`` holds is read once (its parse tree) for
the literal strings a match must contain: groups of literals, one of each group is in every match ("пожар",
"горит", "задымлен", … for the fire rule; "нет"/"отключили" *and* "вод"/"свет" for water in frost). One
Aho-Corasick pass (``pyahocorasick``, in C) over the text finds the literals present; a rule whose groups
are not all present cannot match and is not run. The answer is exactly the pattern's own: the screen only
skips searches that would have failed (``tests/triage/test_screen.py`` checks that on every labelled comment
and on texts stitched from the literals).

A pattern yields no literal (it always runs) when it can match without one (``\\d{11}``, ``^\\W*$``). A
case-insensitive pattern needs a screen made with ``casefold=True``, which looks for the literals in the text's
``str.casefold()``: ``re.IGNORECASE`` matches ``ᲀ`` (U+1C80) for ``в``, which ``lower()`` keeps but
``casefold()`` turns into ``в``; a literal holding a character outside ``CASEFOLD_SAFE`` ("i", which also matches
"İ") is not used.

    _SCREEN = Screen("urgent")
    _FIRE = _SCREEN.rule(r"пожар(?!н)|дом\\w* горит")
    ...
    seen = _SCREEN.scan(low)
    if seen.search(_FIRE): ...
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import ahocorasick

MAX_GROUPS = 3  # literal groups kept per pattern: the most selective, all of them required

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


# Characters a case-insensitive pattern's literal may hold: for each, every character ``re.IGNORECASE`` matches it
# to has the same ``str.casefold()`` (checked over all of Unicode in tests/triage/test_screen.py). Not "i": it
# also matches "İ", whose casefold is two characters.
CASEFOLD_SAFE = frozenset("абвгдежзийклмнопрстуфхцчшщъыьэюяёАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЁ"
                          "abcdefghjklmnopqrstuvwxyzABCDEFGHJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[]^_{|}~")


def _minimal(group: set[str]) -> frozenset[str]:
    """Drop a literal that contains another of its group: finding the shorter one is the test."""
    return frozenset(x for x in group if not any(y != x and y in x for y in group))


def _groups(seq: Any, ignorecase: bool, casefold: bool) -> list[frozenset[str]]:
    """Literal groups a match of the parsed sequence ``seq`` must contain, each group's one at least; with
    ``casefold``, as found in the text's ``casefold()``."""
    out: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            literal = "".join(run)
            out.append(frozenset({literal.casefold() if casefold else literal}))
            run.clear()

    for op, av in seq:
        if op is sre.LITERAL and (not ignorecase or chr(av) in CASEFOLD_SAFE):
            run.append(chr(av))
            continue
        flush()  # a literal not safe to look for case-insensitively ends the run too
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            inner = (ignorecase or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
            if casefold or not inner:
                out += _groups(sub, inner, casefold)
        elif op is sre.ATOMIC_GROUP:
            out += _groups(av, ignorecase, casefold)
        elif op in _REPEATS:
            low, _high, sub = av
            if low >= 1:
                out += _groups(sub, ignorecase, casefold)
        elif op is sre.ASSERT:  # a lookahead or lookbehind is matched against the same text
            _direction, sub = av
            out += _groups(sub, ignorecase, casefold)
        elif op is sre.BRANCH:
            best = [_best(_groups(alternative, ignorecase, casefold)) for alternative in av[1]]
            if all(b is not None for b in best):
                out.append(_minimal(set().union(*best)))  # type: ignore[arg-type]
        # anything else (a class, \b, ^, a negative lookahead, a back reference) holds no literal
    flush()
    return out


def _quality(group: frozenset[str]) -> tuple[int, int]:
    """The rarer a group's literals, the more texts it rules out: longer literals first, then fewer."""
    return min(map(len, group)), -len(group)


def _best(groups: list[frozenset[str]]) -> frozenset[str] | None:
    return max(groups, key=_quality) if groups else None


def required_literals(pattern: re.Pattern[str], casefold: bool = False) -> list[frozenset[str]]:
    """Up to ``MAX_GROUPS`` groups of literals such that every match of ``pattern`` contains a literal of
    each group (in the text's ``casefold()`` with ``casefold``); [] when no literal is certain (the pattern
    then always runs). A case-insensitive part yields literals only with ``casefold``."""
    ignorecase = bool(pattern.flags & re.IGNORECASE)
    if ignorecase and not casefold:
        return []
    groups = list(dict.fromkeys(_groups(sre_parse.parse(pattern.pattern, pattern.flags), ignorecase, casefold)))
    ranked = sorted(groups, key=_quality, reverse=True)[:MAX_GROUPS]
    # a one-character literal (" ", "у") is in nearly every text: each occurrence costs the pass a step and
    # rules out nothing, so such a group is kept only when the pattern has nothing better
    return [g for g in ranked if min(map(len, g)) > 1] or ranked[:1]


SCREENS: list[Screen] = []  # every screen made, for the test that each answers as its patterns do


class Rule:
    """A pattern registered with a screen; search it through a ``Scan`` of the text."""

    __slots__ = ("need", "pattern")

    def __init__(self, pattern: re.Pattern[str], need: int) -> None:
        self.pattern = pattern
        self.need = need  # the screen's group bits that must all be seen


class Scan:
    """What one text's pass found: the ``Rule`` methods here are the pattern's own on that text, skipped
    when the rule cannot match."""

    __slots__ = ("seen", "text")

    def __init__(self, text: str, seen: int) -> None:
        self.text = text
        self.seen = seen

    def can(self, rule: Rule) -> bool:
        return self.seen & rule.need == rule.need

    def search(self, rule: Rule) -> re.Match[str] | None:
        return rule.pattern.search(self.text) if self.seen & rule.need == rule.need else None

    def match(self, rule: Rule) -> re.Match[str] | None:
        return rule.pattern.match(self.text) if self.seen & rule.need == rule.need else None

    def finditer(self, rule: Rule) -> Iterator[re.Match[str]]:
        return rule.pattern.finditer(self.text) if self.seen & rule.need == rule.need else iter(())

    def sub(self, rule: Rule, repl: str) -> str:
        return rule.pattern.sub(repl, self.text) if self.seen & rule.need == rule.need else self.text


class Screen:
    """Patterns searched on the same texts, with one literal pass a text (see the module docstring)."""

    def __init__(self, name: str, casefold: bool = False) -> None:
        self.name = name
        self.casefold = casefold  # literals are looked for in the text's casefold(): case-insensitive rules too
        SCREENS.append(self)
        self.rules: list[Rule] = []
        self._literals: dict[str, int] = {}  # literal -> the group bits it satisfies
        self._bits = 0
        self._automaton: Any = None

    def rule(self, pattern: str | re.Pattern[str], flags: int = 0) -> Rule:
        compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags)
        need = 0
        for group in required_literals(compiled, self.casefold):
            bit = 1 << self._bits
            self._bits += 1
            need |= bit
            for literal in group:
                self._literals[literal] = self._literals.get(literal, 0) | bit
        self._automaton = None  # built again on the next scan
        self.rules.append(Rule(compiled, need))
        return self.rules[-1]

    @property
    def literals(self) -> list[str]:
        return list(self._literals)

    def _build(self) -> Any:
        automaton = ahocorasick.Automaton()
        for literal, bits in self._literals.items():
            automaton.add_word(literal, bits)
        if self._literals:
            automaton.make_automaton()
        self._automaton = automaton
        return automaton

    def scan(self, text: str) -> Scan:
        automaton = self._automaton if self._automaton is not None else self._build()
        seen = 0
        if self._literals:
            for _end, bits in automaton.iter(text.casefold() if self.casefold else text):
                seen |= bits
        return Scan(text, seen)
