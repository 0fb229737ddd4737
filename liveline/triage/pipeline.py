"""Triage of one question: the single entry the live worker and the offline ``cluster`` command both call.

``Triage.analyse(text)`` is pure with respect to clustering (it reads no index): it cleans the text, flags
profanity, spam, personal data and urgency, locates the place, classifies the topic and extracts the
clustering features. Its only state is the flood tracker, which needs an author to do anything.
``Triage.cluster(qid, analysis)`` then places the question into the triage's own ``ClusterIndex``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from liveline.triage.clean import reading_text, safe_text
from liveline.triage.clusterer import MAX_SUGGESTED, ClusterIndex, Params
from liveline.triage.features import Extractor, Features
from liveline.triage.kind import Parent, is_addition, kind_of
from liveline.triage.pii import find_pii
from liveline.triage.places import Gazetteer, locate
from liveline.triage.profanity import find_profanity
from liveline.triage.spam import FloodTracker, spam_reason
from liveline.triage.topics import Topic, classify, topic_by_slug
from liveline.triage.urgent import urgent_reason

GC_THRESHOLD = (50_000, 20, 100)


def tune_gc() -> None:
    """Process setting for a triage process (the worker, ``liveline cluster``): each question allocates many
    short-lived dicts and lists while the index holds millions of long-lived objects, so the young
    generation is collected every 50,000 allocations rather than every 700, the older ones rarely
    (measured with bench/triage.py: about +5 % on the worker's step, +9 % in memory)."""
    gc.set_threshold(*GC_THRESHOLD)


def suggest_parent(suggested: list[str], parent_cluster: str | None, own_cluster: str | None) -> list[str]:
    """An addition's suggestions: its parent's card first (unless it joined that card already), then the rest.
    It is not joined on its own: on the blind districts the rule also caught replies that ask something new
    (see ``triage/kind.py``), and a question swallowed by another card is worse than an addition left apart."""
    if not parent_cluster or parent_cluster == own_cluster:
        return suggested
    return [parent_cluster, *(s for s in suggested if s != parent_cluster)][:MAX_SUGGESTED]


@dataclass
class Analysis:
    reading_text: str
    safe_text: str
    profanity: list[str]
    spam: str | None
    pii: list[str]
    urgent: str | None
    place: dict[str, str | None] | None
    topic: str
    topic_confidence: float
    department: str
    features: Features

    @property
    def filtered(self) -> str | None:
        """Why triage would hide this question from the board ("profanity", "spam"), else None."""
        if self.spam:
            return "spam"
        if self.profanity:
            return "profanity"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"reading_text": self.reading_text, "safe_text": self.safe_text,
                "profanity": self.profanity, "spam": self.spam, "pii": self.pii, "urgent": self.urgent,
                "place": self.place, "topic": self.topic, "topic_confidence": self.topic_confidence,
                "department": self.department, "features": self.features.to_json()}


@dataclass
class Decision:
    """Where a question belongs (``Triage.decide``): the question it repeats and its cluster (None for both:
    a cluster of its own), and the clusters it likely duplicates, best first."""

    merge_into: str | None
    cluster: str | None
    suggested: list[str] = field(default_factory=list)
    score: float = 0.0


@dataclass
class Clustered:
    """Where ``Triage.cluster`` put a question: its cluster, whom it merged with, suggested clusters."""

    cluster: str
    merged_into: str | None = None
    suggested: list[str] = field(default_factory=list)
    score: float = 0.0


def _pii_kinds(found: Any) -> list[str]:
    """``find_pii`` may return kinds or match objects; keep the distinct kind names, in order."""
    kinds: list[str] = []
    for item in found or []:
        kind = item if isinstance(item, str) else getattr(item, "kind", None) or (
            item[0] if isinstance(item, tuple) else str(item))
        if kind not in kinds:
            kinds.append(kind)
    return kinds


class Triage:
    def __init__(self, gazetteer: Gazetteer | None = None, taxonomy: list[Topic] | None = None,
                 params: Params | None = None, flood: FloodTracker | None = None) -> None:
        self.gazetteer = gazetteer
        self.taxonomy = taxonomy
        self.extractor = Extractor(gazetteer)
        self.index = ClusterIndex(params)
        self.flood = flood if flood is not None else FloodTracker()

    def analyse(self, text: str, author_id: str = "", ts: float = 0.0) -> Analysis:
        reading = reading_text(text)
        place = locate(reading, self.gazetteer)
        slug, confidence = classify(reading, self.taxonomy)
        spam = spam_reason(reading)
        if spam is None and author_id:
            spam = self.flood.observe(author_id, reading, ts)
        return Analysis(
            reading_text=reading,
            safe_text=safe_text(text),
            profanity=list(find_profanity(reading)),
            spam=spam,
            pii=_pii_kinds(find_pii(reading)),
            urgent=urgent_reason(reading),
            place=place.to_dict() if place is not None else None,
            topic=slug,
            topic_confidence=confidence,
            department=topic_by_slug(slug, self.taxonomy).department,
            features=self.extractor.extract(reading, place=place, topic=slug),
        )

    def kind(self, analysis: Analysis, parent: Parent | None = None) -> str:
        """``question``, ``support`` or ``chatter`` (``triage/kind.py``); ``parent`` for a reply whose parent is
        known."""
        place = analysis.place or {}
        return kind_of(analysis.safe_text, analysis.topic, parent, place.get("street"), place.get("settlement"),
                       spam=analysis.spam is not None)

    @staticmethod
    def as_parent(kind: str, analysis: Analysis, parent: Parent | None = None) -> Parent:
        """What a later reply to this comment is read against; a reply under a "+1" answers the question the
        "+1" backs."""
        if kind == "support" and parent is not None:
            return parent
        place = analysis.place or {}
        return Parent(kind, place.get("street"), place.get("settlement"), analysis.topic, analysis.filtered is not None)

    @staticmethod
    def adds_to(analysis: Analysis, parent: Parent | None) -> bool:
        """A reply (a question by kind) that only adds to its parent question: it joins the parent's card."""
        place = analysis.place or {}
        return is_addition(analysis.safe_text, analysis.topic, parent, place.get("street"), place.get("settlement"))

    def decide(self, qid: str, analysis: Analysis,
               forbidden: Callable[[str], bool] | None = None) -> Decision:
        """The one clustering decision, without recording it: the question it repeats and that question's
        cluster now, and the other clusters it likely duplicates. The live worker records it after its Redis
        write, ``cluster`` (and so ``liveline cluster``) at once. A question triage hides (``filtered``) is
        grouped with nothing: it stays a cluster of its own, out of the index."""
        if analysis.filtered:
            return Decision(None, None)
        a = self.index.assign(qid, analysis.features, forbidden)
        cluster = self.index.cluster_of(a.merge_into) if a.merge_into else None
        suggested: list[str] = []
        for other in a.suggested:
            c = self.index.cluster_of(other)
            if c is not None and c != cluster and c not in suggested:
                suggested.append(c)
        return Decision(a.merge_into, cluster, suggested, a.score)

    def cluster(self, qid: str, analysis: Analysis,
                forbidden: Callable[[str], bool] | None = None) -> Clustered:
        """Decide and record: the question joins the cluster it merges into, or starts one named by its id."""
        d = self.decide(qid, analysis, forbidden)
        cluster = d.cluster or qid
        if not analysis.filtered:
            self.index.add(qid, analysis.features, cluster)
        return Clustered(cluster, d.merge_into, d.suggested, d.score)
