"""What the clusterer needs to know about one question, computed once and persistable.

``Features`` holds the content lemmas, the *topic* lemmas (content lemmas without place words and names,
folded into concept lemmas so "починить" meets "ремонт"), a 64-value MinHash signature of lemma uni- and
bigrams, the block key the clusterer groups by, block hints, and the topic slug.

Block keys:
* ``s:<settlement>|<street>`` when a street was found (the house is kept apart in ``house``: two houses
  of one street conflict, a question without a house is compatible with any house of its street);
* ``g:<settlement>`` when only a village was named, ``g:`` when no place (or only the district centre) was.

When no street was found but the text contains a gazetteer street or settlement name that the locator did
not accept ("садовая мусорка переполнена"), ``hints`` lists the blocks it may belong to; the clusterer uses
them to find candidates, never to merge on its own.

Hashing is crc32 based (never Python's salted ``hash()``), so a signature computed in one worker process
matches one computed in another, and ``to_json()``/``from_json()`` round-trip through Redis.
"""

from __future__ import annotations

import itertools
import operator
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from liveline.store import codec
from liveline.triage.places import SETTLEMENT_WORDS, STREET_TYPES, Gazetteer, Place, locate
from liveline.triage.text import content_lemmas, fold, morph, tokens, word_forms
from liveline.triage.topics import DEFAULT_TAXONOMY, VARIANTS, Topic, classify

NUM_PERM = 64
BANDS, ROWS = 16, 4
_PRIME = (1 << 61) - 1
_MASK = (1 << 32) - 1


def _permutations() -> tuple[tuple[int, int], ...]:
    """Fixed (a, b) pairs for ``(a*x + b) mod p``, derived from crc32 so every process agrees."""
    out = []
    for i in range(NUM_PERM):
        a = (zlib.crc32(f"a{i}".encode()) << 20 | zlib.crc32(f"A{i}".encode())) % _PRIME or 1
        b = (zlib.crc32(f"b{i}".encode()) << 20 | zlib.crc32(f"B{i}".encode())) % _PRIME
        out.append((a, b))
    return tuple(out)


_PERMS = _permutations()
# Address and courtesy words that say nothing about the problem.
_PLACE_WORDS = frozenset(
    {*STREET_TYPES, *SETTLEMENT_WORDS, "дом", "деревня", "село", "поселок", "посёлок", "житель", "адрес",
     "сергей", "викторович", "глава", "район", "районный", "городской", "добрый", "день", "здравствуй",
     "здраствуйте", "помогите", "помочь", "обращаться", "уважаемый"}
)
_NAME_GRAMMEMES = frozenset({"Name", "Patr", "Surn"})


# A shingle's 64 hashes as one uint32 array (256 bytes, ~370 with its header; a tuple of 64 ints was ~2.6 kB): the
# cache keeps the frequent ones (~24 MB at most), a rare one ("[k123]", a typo) is recomputed in ~10 µs.
@lru_cache(maxsize=65_536)
def _shingle_hashes(shingle: str) -> np.ndarray:
    x = zlib.crc32(shingle.encode("utf-8"))
    return np.array([((a * x + b) % _PRIME) & _MASK for a, b in _PERMS], dtype=np.uint32)


def minhash(shingles: set[str]) -> list[int]:
    """64-value MinHash of a set of strings; an empty set gives all-max (matches nothing). The column minima
    run in numpy: ~5x faster than ``map(min, *rows)`` over 30 shingles, the same values."""
    if not shingles:
        return [_MASK] * NUM_PERM
    rows = [_shingle_hashes(s) for s in shingles]
    out: list[int] = (rows[0] if len(rows) == 1 else np.minimum.reduce(rows)).tolist()
    return out


def estimate_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    same: int = sum(map(operator.eq, a, b))  # operator.eq is typed as returning Any
    return same / NUM_PERM


def band_keys(signature: Sequence[int]) -> list[int]:
    """16 bands of 4 consecutive rows, each folded into one int with its band number. A tuple of ints hashes
    the same in every process (only ``str``/``bytes`` hashing is salted)."""
    s = signature
    return [hash(t) for t in zip(range(BANDS), s[0::ROWS], s[1::ROWS], s[2::ROWS], s[3::ROWS])]


@lru_cache(maxsize=200_000)
def _is_name(word: str) -> bool:
    parses = morph().parse(word)
    return bool(parses) and bool(_NAME_GRAMMEMES & parses[0].tag.grammemes)


def keyword_weights(taxonomy: list[Topic] | None = None) -> dict[str, float]:
    """How much a shared lemma says about "same problem": topic keywords 1.0, weak keywords 0.6."""
    weights: dict[str, float] = {}
    for topic in taxonomy or DEFAULT_TAXONOMY:
        for word in topic.weak:
            weights.setdefault(word, 0.6)
        for phrase in topic.phrases:
            for word in phrase.split():
                weights.setdefault(word, 0.6)
        for word in topic.keywords:
            weights[word] = 1.0
    return weights


# Two-word names of one thing, folded into one concept lemma before comparison.
_PHRASES = {("детский", "сад"): "детсад", ("горячий", "вода"): "горячая_вода",
            ("холодный", "вода"): "холодная_вода", ("скорый", "помощь"): "скорая",
            ("школьный", "автобус"): "школьный_автобус",
            ("детский", "площадка"): "детская_площадка", ("дом", "культура"): "клуб"}


def concept(lemma: str) -> str:
    """Fold a lemma into its concept lemma: "починить" -> "ремонт"."""
    return VARIANTS.get(lemma, lemma)


@dataclass
class Features:
    lemmas: list[str]
    topic_lemmas: list[str]
    signature: list[int]
    block: str
    place: str | None = None
    house: str | None = None
    hints: list[str] = field(default_factory=list)
    topic: str = "other"

    def to_json(self) -> str:
        return codec.dumps({"lemmas": self.lemmas, "topic_lemmas": self.topic_lemmas, "signature": self.signature,
                            "block": self.block, "place": self.place, "house": self.house, "hints": self.hints,
                            "topic": self.topic})

    @classmethod
    def from_json(cls, data: str | bytes) -> Features:
        d = codec.loads(data)
        return cls(d["lemmas"], d["topic_lemmas"], d["signature"], d["block"], d.get("place"),
                   d.get("house"), d.get("hints", []), d.get("topic", "other"))


def block_of(place: Place | None, default_settlement: str | None) -> str:
    """Block key of a place (see the module docstring)."""
    if place is not None and place.street:
        return "s:" + Place(place.settlement, place.street).key().rstrip("|")
    if place is not None and place.settlement and fold(place.settlement) != fold(default_settlement or ""):
        return "g:" + fold(place.settlement)
    return "g:"


class Extractor:
    """Feature extraction bound to one gazetteer (its place words are prepared once)."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer
        self.default_settlement = gazetteer.default_settlement if gazetteer else None
        # lemma -> street entries / settlements whose name contains it
        self._street_words: dict[str, list[tuple[str, str, tuple[frozenset[str], ...]]]] = {}
        self._settlement_words: dict[str, list[tuple[str, tuple[frozenset[str], ...]]]] = {}
        self._place_lemmas: set[str] = set(_PLACE_WORDS)
        if gazetteer is not None:
            for street in gazetteer.streets:
                name = street.name
                entry = (street.settlement, name.text, name.lemmas)
                for lemmas in name.lemmas:
                    self._place_lemmas |= lemmas
                    for lem in lemmas:
                        self._street_words.setdefault(lem, []).append(entry)
            for settlement, name in zip(gazetteer.settlements, gazetteer._settlement_names):
                for lemmas in name.lemmas:
                    self._place_lemmas |= lemmas
                    for lem in lemmas:
                        self._settlement_words.setdefault(lem, []).append((settlement, name.lemmas))
        # "Новоозёрская поликлиника": words derived from a settlement's name are place words too
        self._settlement_stems = tuple(fold(s)[:-2] for s in (gazetteer.settlements if gazetteer else [])
                                       if " " not in s and len(s) >= 6)
        self._topic_of: dict[str, str | None] = {}  # content lemma -> its topic lemma (``_topic_lemma``)

    def _hints(self, words: list[str], place: Place | None) -> list[str]:
        forms = [word_forms(w) for w in words]
        present: set[str] = set().union(*forms) if forms else set()
        settlements: list[str] = []
        for lem in present:
            for settlement, lemmas in self._settlement_words.get(lem, []):
                if all(ls & present for ls in lemmas) and settlement not in settlements:
                    settlements.append(settlement)
        if place is not None and place.settlement:
            settlements = [place.settlement]
        hints: list[str] = []
        for lem in present:
            for settlement, street, lemmas in self._street_words.get(lem, []):
                if not all(ls & present for ls in lemmas):
                    continue
                if settlements and settlement not in settlements:
                    continue
                if not settlements and settlement != self.default_settlement:
                    continue
                key = "s:" + Place(settlement, street).key().rstrip("|")
                if key not in hints:
                    hints.append(key)
        if place is None or not place.settlement:
            for settlement in settlements:
                key = block_of(Place(settlement), self.default_settlement)
                if key not in hints and key != "g:":
                    hints.append(key)
        return sorted(hints)

    def topic_lemmas(self, lemmas: list[str]) -> list[str]:
        out: set[str] = set()
        skip: set[int] = set()
        for k, pair in enumerate(itertools.pairwise(lemmas)):
            if pair in _PHRASES:
                out.add(_PHRASES[pair])
                skip.update((k, k + 1))
        topic_of = self._topic_of
        for k, lem in enumerate(lemmas):
            if k in skip:
                continue
            try:
                concept_lemma = topic_of[lem]
            except KeyError:
                concept_lemma = topic_of[lem] = self._topic_lemma(lem)
            if concept_lemma is not None:
                out.add(concept_lemma)
        if len(topic_of) > 200_000:
            topic_of.clear()
        return sorted(out)

    def _topic_lemma(self, lem: str) -> str | None:
        """The concept a content lemma stands for in the topic lemmas, None for a number, a place word or a
        name (depends on the lemma and this extractor's gazetteer only, so it is kept per lemma)."""
        if lem.isdigit() or len(lem) < 2 or lem in self._place_lemmas or _is_name(lem):
            return None
        if self._settlement_stems and lem.startswith(self._settlement_stems):
            return None
        return concept(lem)

    def extract(self, text: str, place: Place | None | bool = False, topic: str | None = None) -> Features:
        """Features of ``text``. Pass ``place``/``topic`` when already known (``False`` = locate here)."""
        if place is False:
            place = locate(text, self.gazetteer)
        assert place is None or isinstance(place, Place)
        if topic is None:
            topic = classify(text)[0]
        lemmas = content_lemmas(text)
        shingles = set(lemmas) | {f"{a} {b}" for a, b in itertools.pairwise(lemmas)}
        block = block_of(place, self.default_settlement)
        hints = self._hints(tokens(text), place) if not block.startswith("s:") else []
        return Features(
            lemmas=lemmas,
            topic_lemmas=self.topic_lemmas(lemmas),
            signature=minhash(shingles),
            block=block,
            place=place.key() if place is not None else None,
            house=fold(place.house).replace(" ", "") if place is not None and place.house else None,
            hints=[h for h in hints if h != block],
            topic=topic,
        )


def extract(text: str, gazetteer: Gazetteer | None = None) -> Features:
    """Convenience for one text; a long-lived caller keeps an ``Extractor`` instead."""
    return Extractor(gazetteer).extract(text)


__all__ = ["Extractor", "Features", "band_keys", "block_of", "estimate_jaccard", "extract",
           "minhash"]
