"""Brigading: a wave of near-identical questions posted by accounts that look like one operator's.

The rule. A question belongs to a *wave* when, within ``window`` seconds, at least ``min_size`` questions
with the same text signature (``text_signature``: the set of content lemmas, so punctuation, case, word
order and emoji do not matter) come from distinct accounts, and at least ``min_size`` of those accounts
look alike in one of these ways:

* **neighbouring ids**: their numeric VK ids lie within ``id_span`` of each other. VK hands out ids in
  registration order, so close ids mean accounts created in one burst;
* **template names**: their names, with digits and punctuation removed, are the same and contain a digit
  ("Иван Иванов 12", "Иван Иванов 13"), or are exactly the same name.

Many neighbours asking the same thing honestly do not trigger it: real accounts have ids spread over
years of registrations and ordinary names. The same text from one account twice is flood, not brigading
(``spam.FloodTracker`` handles that); it counts once here.

``observe`` returns the wave id for a question of a wave (the first ``min_size - 1`` questions of a wave
are only known once it forms: ``members(wave_id)`` lists them so the caller can filter them too).
"""

from __future__ import annotations

import re
import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from liveline.triage.text import content_lemmas

_NOT_LETTERS = re.compile(r"[^a-zа-яё ]+")


def text_signature(text: str | None = None, lemmas: Iterable[str] | None = None) -> str:
    """Stable signature of a text's content-lemma set: equal for copies that differ only in form."""
    words = sorted(set(lemmas if lemmas is not None else content_lemmas(text or "")))
    return f"{zlib.crc32(' '.join(words).encode('utf-8')):08x}"


def name_template(name: str) -> str:
    """"Иван  Иванов_12" -> "иван иванов"."""
    return " ".join(_NOT_LETTERS.sub(" ", name.lower().replace("ё", "е")).split())


@dataclass
class _Post:
    qid: str
    author_id: str
    author_name: str
    ts: float


def _numeric(author_id: str) -> int | None:
    digits = author_id.lstrip("id").lstrip("-")
    return int(digits) if digits.isdigit() else None


class BrigadeDetector:
    def __init__(self, min_size: int = 5, window: float = 900.0, id_span: int = 5_000) -> None:
        self.min_size = min_size
        self.window = window
        self.id_span = id_span
        self._recent: dict[str, deque[_Post]] = {}
        self._waves: dict[str, str] = {}  # signature -> open wave id
        self._members: dict[str, list[str]] = {}  # wave id -> qids, in the order they joined
        self._member_set: dict[str, set[str]] = {}
        self._sweep_at = 20_000  # sweep stale signatures when this many are kept (doubles if all are fresh)

    def members(self, wave_id: str) -> list[str]:
        return list(self._members.get(wave_id, []))

    def members_since(self, wave_id: str, start: int) -> list[str]:
        """The wave's members from the ``start``-th on (members are only ever appended)."""
        return self._members.get(wave_id, [])[start:]

    def _alike(self, posts: list[_Post]) -> set[str]:
        """Authors of the largest group that looks like one operator's (see the module docstring)."""
        best: set[str] = set()
        ids = sorted((n, p.author_id) for p in posts if (n := _numeric(p.author_id)) is not None)
        lo = 0
        for hi in range(len(ids)):
            while ids[hi][0] - ids[lo][0] > self.id_span:
                lo += 1
            group = {a for _, a in ids[lo:hi + 1]}
            if len(group) > len(best):
                best = group
        by_template: dict[str, set[str]] = {}
        for p in posts:
            template = name_template(p.author_name)
            templated = any(ch.isdigit() for ch in p.author_name)
            key = ("#" if templated else "=") + (template if templated else p.author_name.strip().lower())
            if template:
                by_template.setdefault(key, set()).add(p.author_id)
        for group in by_template.values():
            if len(group) > len(best):
                best = group
        return best

    def _sweep(self, now: float) -> None:
        stale = [s for s, posts in self._recent.items() if not posts or now - posts[-1].ts > self.window]
        for signature in stale:
            del self._recent[signature]
            self._waves.pop(signature, None)

    def observe(self, qid: str, author_id: str, author_name: str, text_signature: str,
                ts: float) -> str | None:
        """The wave id this question belongs to, or None."""
        if len(self._recent) > self._sweep_at:
            self._sweep(ts)
            # amortised: a window full of distinct texts must not make every question pay for a full sweep
            self._sweep_at = max(20_000, 2 * len(self._recent))
        posts = self._recent.setdefault(text_signature, deque())
        while posts and ts - posts[0].ts > self.window:
            posts.popleft()
        if not posts:
            self._waves.pop(text_signature, None)
        if any(p.author_id == author_id for p in posts):
            wave = self._waves.get(text_signature)
            return wave if wave and author_id in {a for a in self._alike(list(posts))} else None
        posts.append(_Post(qid, author_id, author_name, ts))
        if len(posts) < self.min_size:
            return None
        alike = self._alike(list(posts))
        if len(alike) < self.min_size or author_id not in alike:
            return None
        wave = self._waves.get(text_signature)
        if wave is None:
            first = next(p for p in posts if p.author_id in alike)
            wave = f"w-{text_signature}-{int(first.ts)}"
            self._waves[text_signature] = wave
            self._members[wave] = [p.qid for p in posts if p.author_id in alike]
            self._member_set[wave] = set(self._members[wave])
        elif qid not in self._member_set[wave]:
            self._members[wave].append(qid)
            self._member_set[wave].add(qid)
        return wave
