"""Where a question is about: settlement, street and house, found in free Russian text.

``locate(text, gazetteer)`` reads addresses the way citizens write them: "на Ленина", "ул.Ленина д.5",
"Мира 5", "по улице Мира", "в Заречном", "в пос. Сосновка", "на проспекте Металлургов 12 корп 2",
"во дворе дома 5 по Садовой".

With a gazetteer, street names match in any inflection: both sides are lemmatised and a word matches a
name when their sets of possible lemmas meet, which also absorbs pymorphy's ties ("Мира" -> "мир").
Names that are ordinary words (Мира, Победы, Садовая, Строителей...) are accepted only with address
context: a street word before or after, a house number, or "на"/"по" in a way no ordinary phrase would
use them ("на Мира", but not "во всём мире"; "на Садовой", but not "на школьной площадке"), or an
adjective name heading a clause in the nominative ("Садовая, фонари не горят"; not "Новая школа").

The settlement: a street found in one settlement only implies it; else the settlement mentioned (of
several, the first that is not the district centre: "рейс Новоозёрск — Сосновка"); else the district
centre if it has that street; else unknown (None) rather than a guess.

Without a gazetteer only the patterns are used: a street after a street word, "на|по" + Capitalised +
house number, a settlement after "в пос./селе/деревне" or a capitalised locative ("в Заречном").
``Place.key()`` is the entity block key for dedup.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from liveline.triage.text import analyse, expand_abbreviations, fold, morph, word_forms

# Street types (lemma) and the abbreviation a label uses.
STREET_TYPES: dict[str, str] = {
    "улица": "ул.",
    "проспект": "просп.",
    "переулок": "пер.",
    "бульвар": "б-р",
    "площадь": "пл.",
    "микрорайон": "мкр",
    "шоссе": "ш.",
    "проезд": "пр-д",
    "набережная": "наб.",
    "тупик": "туп.",
    "аллея": "ал.",
    "квартал": "кв-л",
}
_FEMININE_TYPES = frozenset({"улица", "площадь", "набережная", "аллея"})
# Settlement words (lemma, ё folded) and the grammatical gender of a name that agrees with them.
SETTLEMENT_WORDS: dict[str, str] = {
    "город": "masc",
    "поселок": "masc",
    "пгт": "masc",
    "хутор": "masc",
    "село": "neut",
    "деревня": "femn",
    "станица": "femn",
}
_ADDRESS_PREPS = frozenset({"на", "по"})
_SETTLEMENT_PREPS = frozenset({"в", "во", "из", "под", "около", "у", "до"})
# A number followed by one of these is a quantity, not a house: "на Ленина 2 года не убирают".
_QUANTITY_WORDS = ("год лет раз день месяц неделя час минута рубль тысяча человек метр километр км процент "
                   "штука ребенок семья")
_NOT_HOUSE = frozenset(_QUANTITY_WORDS.split())
_HOUSE_WORDS = frozenset({"дом", "квартира", "корпус", "подъезд", "этаж"})
_CLAUSE_MARK = re.compile(r"[,;:—–\-]")
# Cases a preposition governs, for "на школьной площадке" (an adjective agreeing with its noun).
_GOVERNED: dict[str, frozenset[str]] = {
    "на": frozenset({"loct", "loc2", "accs"}),
    "по": frozenset({"datv", "loct"}),
}
_PROPER = frozenset({"Surn", "Name", "Patr", "Geox", "Orgn", "Trad"})
_TOKEN = re.compile(  # both cases spelled out: re.IGNORECASE makes every class test slower
    r"\d+[а-яёА-ЯЁ]?(?![а-яёА-ЯЁa-zA-Z\d])(?:/\d+[а-яёА-ЯЁ]?(?![а-яёА-ЯЁa-zA-Z\d]))?"
    r"|[а-яёА-ЯЁa-zA-Z]+(?:-[а-яёА-ЯЁa-zA-Z]+)*|[.!?;:()\n]",
)


@dataclass(frozen=True)
class Place:
    settlement: str | None = None
    street: str | None = None
    street_type: str | None = None
    house: str | None = None

    def key(self) -> str:
        """Stable block key: "новоозерск|ленина|5" (lowercase, ё -> е, missing parts empty)."""
        return "|".join(fold(part or "").replace(" ", "") if i == 2 else fold(part or "")
                        for i, part in enumerate((self.settlement, self.street, self.house)))

    def label(self) -> str:
        """Russian label for people: "Новоозёрск, ул. Ленина, д. 5", or just "Заречный"."""
        parts: list[str] = []
        if self.settlement:
            parts.append(self.settlement)
        if self.street:
            short = STREET_TYPES.get(self.street_type or "")
            parts.append(f"{short} {self.street}" if short else self.street)
        if self.house:
            parts.append(f"д. {self.house}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, str | None]:
        return {"settlement": self.settlement, "street": self.street,
                "street_type": self.street_type, "house": self.house}

    @classmethod
    def from_dict(cls, data: dict[str, str | None]) -> Place:
        return cls(data.get("settlement"), data.get("street"), data.get("street_type"), data.get("house"))


@dataclass(frozen=True)
class PlaceName:
    """A gazetteer name (street or settlement) prepared for matching."""

    text: str
    lemmas: tuple[frozenset[str], ...]
    ambiguous: bool  # an ordinary word ("Мира", "Садовая"): needs address context
    adjective: bool


@dataclass(frozen=True)
class Street:
    settlement: str
    street_type: str
    name: PlaceName


def _prepare(text: str) -> PlaceName:
    words = [w for w in _TOKEN.findall(text) if w[0].isalnum()]
    lemmas = tuple(word_forms(fold(w)) for w in words)
    ambiguous = False
    adjective = False
    if len(words) == 1 and not words[0].isdigit():
        parses = morph().parse(fold(words[0]))
        parse = parses[0]
        adjective = any(p.tag.POS == "ADJF" for p in parses)  # "Набережная" is one too
        ambiguous = morph().word_is_known(fold(words[0])) and not (_PROPER & parse.tag.grammemes)
    return PlaceName(text, lemmas, ambiguous, adjective)


@dataclass
class Gazetteer:
    """Streets of a territory, by settlement. The settlement with the most streets is the default."""

    streets: list[Street] = field(default_factory=list)
    settlements: list[str] = field(default_factory=list)
    default_settlement: str | None = None
    _settlement_names: list[PlaceName] = field(default_factory=list, repr=False)
    # first-word lemma -> streets whose name starts with it, so a text is matched in O(its tokens)
    _index: dict[str, list[tuple[int, Street]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._starting: dict[frozenset[str], list[Street]] = {}
        self._settlement_firsts: frozenset[str] = frozenset().union(
            *(n.lemmas[0] for n in self._settlement_names if n.lemmas))
        # "Новоозёрская школа": the adjective of a settlement ending in -ск names it too
        self._settlement_adjectives: dict[str, str] = {
            fold(s) + "ий": s for s in self.settlements if fold(s).endswith("ск")}
        self._adjective_lemmas = frozenset(self._settlement_adjectives)  # for a disjointness test in C
        for pos, street in enumerate(self.streets):
            for lem in street.name.lemmas[0] if street.name.lemmas else ():
                self._index.setdefault(lem, []).append((pos, street))

    @property
    def settlement_first_lemmas(self) -> frozenset[str]:
        """Every lemma a settlement name may start with."""
        return self._settlement_firsts

    @property
    def settlement_names(self) -> list[PlaceName]:
        """Settlement names prepared for matching, in the order of ``settlements``."""
        return self._settlement_names

    def streets_starting(self, lemmas: frozenset[str]) -> list[Street]:
        """Streets whose first name word may have one of ``lemmas``, in gazetteer order."""
        cached = self._starting.get(lemmas)
        if cached is None:
            if len(self._starting) > 100_000:
                self._starting.clear()
            cached = self._starting[lemmas] = self._streets_starting(lemmas)
        return cached

    def _streets_starting(self, lemmas: frozenset[str]) -> list[Street]:
        found: dict[int, Street] = {}
        for lem in lemmas:
            for pos, street in self._index.get(lem, ()):
                found[pos] = street
        return [found[pos] for pos in sorted(found)]

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, str]]) -> Gazetteer:
        streets: list[Street] = []
        settlements: list[str] = []
        counts: dict[str, int] = {}
        for row in rows:
            settlement = (row.get("settlement") or "").strip()
            street = (row.get("street") or "").strip()
            if settlement and settlement not in settlements:
                settlements.append(settlement)
                counts[settlement] = 0
            if street:
                street_type = fold((row.get("street_type") or "улица").strip()) or "улица"
                streets.append(Street(settlement, street_type, _prepare(street)))
                counts[settlement] = counts.get(settlement, 0) + 1
        default = max(settlements, key=lambda s: counts[s]) if settlements else None
        return cls(streets, settlements, default, [_prepare(s) for s in settlements])

    @classmethod
    def from_csv(cls, path: str | Path) -> Gazetteer:
        with open(path, encoding="utf-8", newline="") as f:
            return cls.from_rows(list(csv.DictReader(f)))


class _Token(NamedTuple):
    text: str
    low: str
    cap: bool
    number: bool
    brk: bool  # sentence punctuation: no address crosses it
    lemmas: frozenset[str]  # every lemma pymorphy offers, and the word itself
    typ: str | None  # the street type this word is a form of ("улице" -> "улица"), numbers never
    settle: str | None  # the settlement word this word is a form of ("селе" -> "село")
    lead: bool  # first of its clause: the text starts or punctuation ("," "—" ":") precedes it

    @property
    def lemma(self) -> str:
        return analyse(self.low)[0]


@lru_cache(maxsize=20_000)
def _parses(low: str) -> tuple[Any, ...]:
    """pymorphy3's parses of a word, most likely first (cached: parsing is the slow part)."""
    return tuple(morph().parse(low))


@lru_cache(maxsize=50_000)
def _tags(low: str) -> tuple[Any, ...]:
    """The tags of ``_parses``, kept longer (they are small)."""
    return tuple(p.tag for p in _parses(low))


@lru_cache(maxsize=200_000)
def _word(w: str) -> tuple[str, str, bool, bool, bool, frozenset[str], str | None, str | None]:
    """A token's fields that depend on the word alone: (text, low, cap, number, brk, lemmas, typ, settle)."""
    brk = not w[0].isalnum()
    low = fold(w)
    number = w[0].isdigit()
    lemmas: frozenset[str] = frozenset() if brk else word_forms(low)
    typ = settle = None
    if not brk and not number:
        typ = next((t for t in STREET_TYPES if t in lemmas), None)
        settle = next((t for t in SETTLEMENT_WORDS if t in lemmas), None)
    return w, low, w[:1].isupper() and not (len(w) > 1 and w.isupper()), number, brk, lemmas, typ, settle


@lru_cache(maxsize=4096)
def _gap_leads(gap: str) -> bool:
    """Whether the characters between two tokens open a clause (", ", " — "); there are few distinct gaps."""
    return _CLAUSE_MARK.search(gap) is not None


def _tokenise(text: str) -> list[_Token]:
    out: list[_Token] = []
    text = expand_abbreviations(text)
    end = 0
    brk = True  # the text's start opens a clause, as sentence punctuation does
    new = tuple.__new__  # the fields straight into the tuple: NamedTuple's own __new__ is Python code
    for m in _TOKEN.finditer(text):
        start = m.start()
        lead = brk or (start != end + 1 or text[end] != " ") and _gap_leads(text[end:start])
        tok: _Token = new(_Token, (*_word(m.group()), lead))
        out.append(tok)
        brk = tok.brk
        end = m.end()
    return out


class _Reader:
    """One pass over one text's tokens."""

    def __init__(self, text: str) -> None:
        self.toks = _tokenise(text)
        self._words = [None if tok.brk else tok for tok in self.toks]
        self._n = len(self.toks)
        self.used: set[int] = set()
        self.settlement_at: set[int] = set()  # tokens of the settlement name found

    def at(self, i: int) -> _Token | None:
        """The word at ``i``; None past either end or at punctuation."""
        return self._words[i] if 0 <= i < self._n else None

    def low(self, i: int) -> str:
        tok = self.at(i)
        return tok.low if tok else ""

    def is_type(self, i: int) -> str | None:
        tok = self.at(i)
        return tok.typ if tok else None

    def is_settlement_word(self, i: int) -> str | None:
        tok = self.at(i)
        return tok.settle if tok else None

    def match(self, i: int, name: PlaceName) -> int:
        """End index when ``name`` matches at token ``i``, else -1."""
        for k, lemmas in enumerate(name.lemmas):
            tok = self.at(i + k)
            if tok is None or i + k in self.used or not (tok.lemmas & lemmas):
                return -1
        return i + len(name.lemmas)

    def house_after(self, j: int) -> tuple[str, int] | None:
        """A house number at ``j`` ("5", "дом 5", "д. 12 корп 2"), with the index after it."""
        if (tok := self.at(j)) and "дом" in tok.lemmas:
            j += 1
        tok = self.at(j)
        if tok is None or not tok.number or len(tok.low) > 5:
            return None
        nxt = self.at(j + 1)
        if nxt and not nxt.number and nxt.lemma in _NOT_HOUSE:
            return None
        house, j = tok.low, j + 1
        if self.low(j) in ("корпус", "к", "строение") and (corp := self.at(j + 1)) and corp.number:
            house, j = f"{house}к{corp.low}", j + 2
        return house, j

    def house_before(self, i: int) -> str | None:
        """"дома 5 по Садовой", "у дома 12 на улице Мира", "дом 15 Советская": the house comes first."""
        if self.is_type(i - 1):
            i -= 1
        if self.low(i - 1) in _ADDRESS_PREPS:
            i -= 1
        for start in (i - 2, i - 3):
            if start >= 0 and (tok := self.at(start)) and "дом" in tok.lemmas:
                found = self.house_after(start)
                return found[0] if found and found[1] == i else None
        return None

    def genitive_follows_noun(self, i: int, j: int) -> bool:
        """"на набережной реки": a common noun with its genitive complement, not a street name."""
        tok, nxt = self.at(i), self.at(j)
        if tok is None or nxt is None or nxt.number or nxt.lead or analyse(tok.low)[1] != "NOUN":
            return False
        return any(tag.POS == "NOUN" and tag.case == "gent" for tag in _tags(nxt.low)[:2])

    def clause_start(self, i: int) -> bool:
        """Token ``i`` opens a clause, or follows a settlement's name ("Заречный, Лесная",
        "сосновка садовая")."""
        tok = self.at(i)
        return tok is not None and (tok.lead or (i - 1) in self.settlement_at)

    def agreeing_noun_follows(self, i: int, j: int, cases: frozenset[str]) -> bool:
        """True when the adjective at ``i``, in one of ``cases``, modifies the noun at ``j``
        ("на школьной площадке", "Новая школа")."""
        tok, nxt = self.at(i), self.at(j)
        if tok is None or nxt is None or nxt.number or nxt.lead or self.is_type(j):
            return False
        nouns = [tag for tag in _tags(nxt.low) if tag.POS == "NOUN"]
        adjectives = (tag for tag in _tags(tok.low) if tag.POS == "ADJF" and tag.case in cases)
        for adj in adjectives:
            for noun in nouns:
                if adj.case == noun.case and adj.number == noun.number and (
                        adj.number == "plur" or adj.gender == noun.gender):
                    return True
        return False

    def street_context(self, i: int, j: int, name: PlaceName) -> bool:
        """May the ordinary-word street name at tokens i..j be an address here?"""
        if self.is_type(i - 1) or self.is_type(j) or self.house_after(j) or self.house_before(i):
            return True
        tok = self.toks[i]
        prep = self.low(i - 1)
        if prep in _ADDRESS_PREPS:
            if name.adjective:  # "на Садовой" yes, "на школьной площадке" no; a capital settles it
                return tok.cap or not (self.agreeing_noun_follows(i, j, _GOVERNED[prep])
                                       or self.genitive_follows_noun(i, j))
            # Мира, Победы, Строителей: a fixed genitive, "на Мира" yes, "на мире" no.
            return tok.cap or tok.low == fold(name.text)
        # A name heading its clause: "Садовая, фонари не горят", "Заводская — собаки"; not "Новая школа".
        return (name.adjective and self.clause_start(i) and tok.low == fold(name.text)
                and not self.agreeing_noun_follows(i, j, frozenset({"nomn"})))


def _find_street(r: _Reader, gaz: Gazetteer) -> tuple[list[Street], str | None] | None:
    """The first street of the gazetteer mentioned with enough context (all its owners) and its house."""
    for i in range(len(r.toks)):
        tok = r.at(i)
        if tok is None:
            continue
        best: tuple[int, list[Street]] | None = None
        for street in gaz.streets_starting(tok.lemmas):
            j = r.match(i, street.name)
            if j > 0 and (best is None or j > best[0]):
                best = (j, [street])
            elif j > 0 and best and j == best[0]:
                best[1].append(street)
        if best is None:
            continue
        j, candidates = best
        if candidates[0].name.ambiguous and not r.street_context(i, j, candidates[0].name):
            continue
        typed = r.is_type(i - 1) or r.is_type(j)
        if typed:
            candidates = [c for c in candidates if c.street_type == typed] or candidates
        r.used.update(range(i - 1 if r.is_type(i - 1) else i, j + 1 if r.is_type(j) else j))
        house = r.house_after(j + 1 if r.is_type(j) else j)
        return candidates, house[0] if house else r.house_before(i)
    return None


def _find_settlement(r: _Reader, gaz: Gazetteer) -> str | None:
    """The settlement mentioned. Of several ("рейс Новоозёрск — Сосновка") the first that is not the
    district centre: a route or a comparison with the centre is about the other place."""
    firsts = gaz.settlement_first_lemmas
    adjectives, adjective_lemmas = gaz._settlement_adjectives, gaz._adjective_lemmas  # новоозерский
    found: list[str] = []
    for i in range(len(r.toks)):
        tok = r.toks[i]
        if tok.brk or i in r.used:
            continue
        if not tok.lemmas.isdisjoint(adjective_lemmas):  # "Новоозёрская школа", "в Новоозёрской поликлинике"
            found.append(next(adjectives[lem] for lem in tok.lemmas if lem in adjectives))
            continue
        if tok.lemmas.isdisjoint(firsts):
            continue
        for text, name in zip(gaz.settlements, gaz.settlement_names):
            j = r.match(i, name)
            if j < 0:
                continue
            if (not name.ambiguous or r.is_settlement_word(i - 1)
                    or (tok.cap and r.low(i - 1) in _SETTLEMENT_PREPS)
                    or (r.clause_start(i) and tok.low == fold(name.text)
                        and not r.agreeing_noun_follows(i, j, frozenset({"nomn"})))):
                r.used.update(range(i, j))
                r.settlement_at.update(range(i, j))
                found.append(text)
                break
    return next((s for s in found if s != gaz.default_settlement), found[0] if found else None)


def _capital(word: str) -> str:
    return word if word[:1].isdigit() or word in ("лет",) else word[:1].upper() + word[1:]


def _nominative(words: list[str], gender: str) -> str:
    """"Красном Яре" -> "Красный Яр", "Заречном" -> "Заречный", "Садовой" (улица) -> "Садовая"."""
    return _nominative_of(tuple(words), gender)


@lru_cache(maxsize=50_000)
def _nominative_of(words: tuple[str, ...], gender: str) -> str:
    """``_nominative``, cached: inflecting with pymorphy3 costs ~15 µs a word, and names repeat."""
    nouns = [morph().parse(w.lower())[0] for w in words]
    for p in nouns:
        if p.tag.POS == "NOUN" and p.tag.gender:
            gender = p.tag.gender
    out = []
    for word, p in zip(words, nouns):
        if p.tag.POS == "ADJF":
            form = p.inflect({"nomn", "sing", gender})
            out.append(_capital(form.word if form else word.lower()))
        elif p.tag.POS == "NOUN" and len(words) > 1 or "Geox" in p.tag.grammemes:
            out.append(_capital(p.normal_form))
        else:
            out.append(_capital(word.lower()))
    return " ".join(out)


def _pattern_street(r: _Reader) -> tuple[str, str | None, str | None] | None:
    """Street without a gazetteer: after a street word, or "на|по" + Capitalised + number."""
    for k in range(len(r.toks)):
        typ = r.is_type(k)
        if typ:
            gender = "femn" if typ in _FEMININE_TYPES else "masc"
            words: list[str] = []
            j = k + 1
            first = r.at(j)
            if (prev := r.at(k - 1)) and prev.cap and analyse(prev.low)[1] == "ADJF":
                words = [prev.text]  # "на Садовой улице"
            elif first and first.number and (second := r.at(j + 1)) and not second.number:
                words, j = [first.text, second.text], j + 2  # "8 Марта", "40 лет Победы"
                while (tok := r.at(j)) and tok.cap and len(words) < 4:
                    words, j = words + [tok.text], j + 1
            elif (first and not first.number and first.lemma not in _HOUSE_WORDS
                  and (first.cap or typ != "набережная")  # "на набережной реки" is no street name
                  and analyse(first.low)[1] not in ("PREP", "CONJ", "PRCL", "VERB", "NPRO")):
                words, j = [first.text], j + 1
                while (tok := r.at(j)) and tok.cap and not tok.number and len(words) < 3:
                    words, j = words + [tok.text], j + 1
            if words:
                house = r.house_after(j)
                name = _nominative(words, gender) if len(words) == 1 else " ".join(_capital(w) for w in words)
                return name, typ, house[0] if house else r.house_before(k + 1)
    for k in range(1, len(r.toks)):
        tok = r.at(k)
        if tok and tok.cap and not tok.number and r.low(k - 1) in _ADDRESS_PREPS:
            house = r.house_after(k + 1)
            if house and not r.is_settlement_word(k):
                return _nominative([tok.text], "femn"), None, house[0]
    return None


def _pattern_settlement(r: _Reader) -> str | None:
    """Settlement without a gazetteer: "в пос. Сосновка", "в селе Берёзовка", "в Заречном"."""
    for k in range(len(r.toks)):
        word = r.is_settlement_word(k)
        if word and (tok := r.at(k + 1)) and tok.cap and not tok.number:
            words = [tok.text]
            if (nxt := r.at(k + 2)) and nxt.cap and not nxt.number:
                words.append(nxt.text)
            return _nominative(words, SETTLEMENT_WORDS[word])
    for k in range(1, len(r.toks)):
        tok = r.at(k)
        if not (tok and tok.cap and not tok.number and r.low(k - 1) in ("в", "во") and k not in r.used):
            continue
        parse = next((p for p in _parses(tok.low) if p.tag.case == "loct"), None)
        if parse is None:
            continue
        nxt = r.at(k + 1)
        if parse.tag.POS == "ADJF" and nxt and nxt.cap and not nxt.number:
            return _nominative([tok.text, nxt.text], "masc")  # "в Красном Яре"
        if parse.tag.POS == "ADJF" and not (nxt and analyse(nxt.low)[1] == "NOUN"):
            return _nominative([tok.text], "masc")  # "в Заречном"
        if parse.tag.POS == "NOUN" and ("Geox" in parse.tag.grammemes or not morph().word_is_known(tok.low)):
            return _capital(fold(parse.normal_form) if "ё" not in tok.low else parse.normal_form)
    return None


def locate(text: str, gazetteer: Gazetteer | None = None) -> Place | None:
    """Settlement, street and house mentioned in ``text``; None when nothing place-like is found."""
    r = _Reader(text)
    if not r.toks:
        return None
    mentioned = _find_settlement(r, gazetteer) if gazetteer else None
    found = _find_street(r, gazetteer) if gazetteer else None
    mentioned = mentioned or _pattern_settlement(r)
    default = gazetteer.default_settlement if gazetteer else None
    if found:
        candidates, house = found
        owners = list(dict.fromkeys(c.settlement for c in candidates))
        settlement: str | None
        if len(owners) == 1:
            settlement = owners[0]  # a street that exists in one settlement only implies it
        elif mentioned:
            settlement = mentioned
        else:  # several owners: the district centre if it is one of them, else unknown, not a guess
            settlement = default if default in owners else None
        chosen = next((c for c in candidates if c.settlement == settlement), candidates[0])
        return Place(settlement or None, chosen.name.text, chosen.street_type, house)
    pattern = _pattern_street(r)
    if pattern:
        street, street_type, house = pattern
        return Place(mentioned or default, street, street_type, house)
    if mentioned:
        return Place(mentioned)
    return None
