"""Single-pass duplicate clustering of questions: which earlier question does a new one repeat?

The rule, in order of trust (measured on ``tests/data/triage_labelled.jsonl``, see ``bench/triage.py``):

1. **Blocking on place.** Questions are compared only inside their block (``Features.block``): one street
   of one settlement, one village, or the general block (no place, or only the district centre). Two houses
   of one street never match; a question without a house matches any house of its street. Same problem at
   another address is not a duplicate; so neither block nor house is ever crossed to merge.
2. **Near-exact copies** (MinHash 16x4 LSH on lemma uni+bigrams, estimated Jaccard >= ``lsh_merge``) merge
   when their places agree.
3. **Inside a block**, the score of a candidate cluster is the best of the weighted Jaccard of topic
   lemmas (concept-folded, place words removed; topic keywords weigh 1, weak ones 0.6, other words 0.35)
   with one exemplar, and ``profile_weight`` x the share of the question's words found in the cluster's
   vocabulary (which grows with each member). Auto-merge always needs the same topic slug and the same
   house (or no house on both sides), and then:
   * a street block: no *facility conflict* (a lift and a stairwell, hot and cold water, a queue and a
     fee: ``FACILITIES``), unless the exemplar similarity reaches ``conflict_override``;
   * a village block: the same, since a village rarely has two problems of one topic;
   * the general block: score >= ``general_merge``, and no street or village hinted in the text.
   Everything else in the block that shares a topic (street or village), shares a house, or scores
   >= ``suggest`` is only *suggested*, best first, up to three clusters.
4. **Hints**: a question whose street the locator rejected ("садовая мусорка переполнена") is compared with
   the blocks its words hint at (and those blocks with it), and may only be suggested there.
5. ``forbidden(qid)`` vetoes a cluster when any of its exemplars is forbidden (a moderator split them).

Only up to ``EXEMPLARS`` questions per cluster are indexed, so memory grows with clusters, not questions.
Street blocks are scanned (they are small); village and general blocks go through an inverted index of
topic lemmas, each posting list capped to its most recent entries.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from liveline.triage.features import Features, band_keys, estimate_jaccard, keyword_weights

EXEMPLARS = 3
SCAN_LIMIT = 200  # most recent exemplars of a street block that are scanned
HOUSE_SCAN = 40  # most recent exemplars of a street's houses scanned for a question without a house
POSTING_LIMIT = 300  # most recent exemplars kept per (block, lemma)
BAND_LIMIT = 8  # exemplars kept per LSH bucket (of one block)
MAX_SUGGESTED = 3


@dataclass(frozen=True)
class Params:
    lsh_merge: float = 0.6  # estimated Jaccard of lemma uni+bigrams: a near-exact copy
    street_merge: float = 0.0  # same street block, same house, same topic: similarity needed to merge
    village_merge: float = 0.0
    general_merge: float = 0.4
    suggest: float = 0.12  # similarity that makes a suggestion in any block
    hint_suggest: float = 0.15
    profile_weight: float = 0.7  # cluster vocabulary coverage counts this much of an exemplar match
    conflict_override: float = 0.3  # exemplar similarity that merges despite different facilities


@dataclass
class Assignment:
    merge_into: str | None
    suggested: list[str] = field(default_factory=list)
    score: float = 0.0


class _Exemplar:
    __slots__ = ("alive", "block", "cluster", "facilities", "house", "lemmas", "profile", "qid", "signature", "topic",
                 "weight")

    def __init__(self, qid: str, f: Features, cluster: str) -> None:
        self.qid = qid
        self.cluster = cluster  # kept in step with the index's map by add, move, rename and remove
        self.block = f.block
        self.house = f.house
        self.topic = f.topic
        self.lemmas = frozenset(f.topic_lemmas)
        self.weight = weight(self.lemmas)
        self.facilities = facilities(self.lemmas)
        self.signature = array("I", f.signature)  # 256 bytes, not 64 boxed ints
        self.alive = True
        # its cluster's vocabulary (``ClusterIndex._profiles``), held here too: the hot loop of ``assign`` reads it
        # beside the lemmas instead of looking it up among tens of thousands of clusters
        self.profile: dict[str, int] | None = None


_WEIGHTS = keyword_weights()
OTHER_WEIGHT = 0.35
PROFILE_SIZE = 24


def weight(lemmas: Iterable[str]) -> float:
    """Total weight of lemmas (precomputed for exemplars: similarity needs only the intersection)."""
    return math.fsum([_WEIGHTS.get(x, OTHER_WEIGHT) for x in lemmas])


def similarity(a: frozenset[str], b: frozenset[str], wa: float | None = None, wb: float | None = None) -> float:
    """Weighted Jaccard of two lemma sets; topic keywords weigh more than other words.

    ``wa``/``wb`` are the sets' ``weight()`` when the caller has them: the union's weight is then
    ``wa + wb - inter``."""
    if not a or not b:
        return 0.0
    inter = weight(a & b)
    if not inter:
        return 0.0
    if wa is None or wb is None:
        return inter / weight(a | b)
    return inter / (wa + wb - inter)


# Things at one address that are separate problems even under one topic: a broken lift and a dirty
# stairwell of one house, hot and cold water, heating and hot water, snow and a pedestrian crossing.
FACILITIES: dict[str, str] = {
    **dict.fromkeys(["лифт", "подъемник"], "lift"),
    **dict.fromkeys(["крыша", "кровля"], "roof"),
    **dict.fromkeys(["подъезд", "уборка", "уборщица"], "stairwell"),
    **dict.fromkeys(["подвал"], "basement"),
    **dict.fromkeys(["домофон"], "intercom"),
    **dict.fromkeys(["фасад"], "facade"),
    **dict.fromkeys(["расселение", "расселить", "переселение", "аварийный"], "resettlement"),
    **dict.fromkeys(["горячая_вода", "гвс"], "hot_water"),
    **dict.fromkeys(["холодная_вода"], "cold_water"),
    **dict.fromkeys(["отопление", "батарея", "котельная", "тепло"], "heating"),
    **dict.fromkeys(["канализация"], "sewer"),
    **dict.fromkeys(["снег", "снегоуборочный"], "snow"),
    **dict.fromkeys(["переход", "светофор"], "crossing"),
    **dict.fromkeys(["тротуар"], "sidewalk"),
    **dict.fromkeys(["мост"], "bridge"),
    **dict.fromkeys(["плата", "тариф", "квитанция", "стоимость", "платить", "платежка", "перерасчет",
                     "норматив"], "payment"),
    **dict.fromkeys(["очередь", "место", "талон", "запись"], "queue"),
}


def facilities(lemmas: frozenset[str]) -> frozenset[str]:
    return frozenset(FACILITIES[w] for w in lemmas if w in FACILITIES)


def conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when two questions name different facilities and no common one."""
    fa, fb = facilities(a), facilities(b)
    return bool(fa and fb and not fa & fb)


def coverage(a: frozenset[str], profile: dict[str, int], wa: float | None = None) -> float:
    """Weighted share of ``a`` found in a cluster's vocabulary (``wa``: ``weight(a)`` if known)."""
    if not a or not profile:
        return 0.0
    covered = weight(x for x in a if x in profile)
    return covered / (wa if wa is not None else weight(a)) if covered else 0.0


def block_bands(f: Features) -> list[int]:
    """The LSH bucket keys of ``f`` inside its block: a near-copy only ever merges within its block, so the
    buckets are per block and another street's copies of a common phrasing neither fill them nor are scanned."""
    block = f.block
    return [hash((block, key)) for key in band_keys(f.signature)]


class ClusterIndex:
    """In-memory index of cluster exemplars; ``assign`` decides, ``add`` records the decision."""

    def __init__(self, params: Params | None = None) -> None:
        self.params = params or Params()
        self._cluster_of: dict[str, str] = {}
        self._exemplars: dict[str, list[int]] = {}  # cluster -> exemplar ids
        self._ex: list[_Exemplar] = []
        self._ex_id: dict[str, int] = {}  # qid -> exemplar id
        self._blocks: dict[str, list[int]] = {}
        self._postings: dict[tuple[str, str], list[int]] = {}
        self._bands: dict[int, int | list[int]] = {}
        self._hinted: dict[str, list[int]] = {}  # block -> exemplars of other blocks hinting at it
        self._profiles: dict[str, dict[str, int]] = {}  # cluster -> lemma counts (from 2 members on)

    # -- queries ----------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._cluster_of)

    def __contains__(self, qid: object) -> bool:
        return qid in self._cluster_of

    def cluster_of(self, qid: str) -> str | None:
        return self._cluster_of.get(qid)

    def exemplars(self, cluster_id: str) -> list[str]:
        return [self._ex[i].qid for i in self._exemplars.get(cluster_id, [])]

    @property
    def cluster_count(self) -> int:
        return len(self._exemplars)

    @property
    def exemplar_count(self) -> int:
        return sum(len(v) for v in self._exemplars.values())

    def _candidates(self, f: Features, block: str) -> set[int]:
        if block.startswith("s:"):
            # the street's house-less exemplars, plus those of the same house (or, without a house,
            # the most recent of any house)
            own = f"{block}#{f.house}" if f.house and block == f.block else block
            return set(self._blocks.get(f"{block}#", [])[-SCAN_LIMIT:]) | set(
                self._blocks.get(own, [])[-(SCAN_LIMIT if f.house else HOUSE_SCAN):])
        out: set[int] = set(self._postings.get((block, "#" + f.topic), ()))
        for lem in f.topic_lemmas:
            out.update(self._postings.get((block, lem), ()))
        return out

    def _score(self, lemmas: frozenset[str], wa: float, ex: _Exemplar, cluster: str,
               covered: dict[str, float]) -> float:
        """Best of: similarity to this exemplar, vocabulary coverage of its cluster (``covered`` keeps the
        coverage per cluster for one ``assign``: a cluster's exemplars share its profile)."""
        theirs = ex.lemmas
        if not lemmas or lemmas.isdisjoint(theirs):
            sim = 0.0  # most candidates: no weight to sum
        else:
            inter = math.fsum([_WEIGHTS.get(x, OTHER_WEIGHT) for x in lemmas & theirs])
            sim = inter / (wa + ex.weight - inter)  # ``similarity`` with both weights known, inlined
        cov = covered.get(cluster)
        if cov is None:
            profile = ex.profile
            cov = covered[cluster] = self.params.profile_weight * coverage(lemmas, profile, wa) if profile else 0.0
        return max(sim, cov)

    def assign(self, qid: str, f: Features,
               forbidden: Callable[[str], bool] | None = None) -> Assignment:
        """Where ``f`` belongs: an exemplar to merge into (or None) and up to 3 suggested exemplars."""
        p = self.params
        lemmas = frozenset(f.topic_lemmas)
        wa = weight(lemmas)
        own_facilities = facilities(lemmas)
        covered: dict[str, float] = {}
        # cluster -> (may merge, score, exemplar)
        best: dict[str, tuple[bool, float, int]] = {}

        def consider(i: int, cluster: str, score: float, merge: bool) -> None:
            old = best.get(cluster)
            if old is None or (merge, score) > old[:2]:
                best[cluster] = (merge, score, i)

        near: set[int] = set()  # exemplars sharing a band; a near-copy shares most of the 16, counted once
        bands = self._bands
        for key in block_bands(f):
            bucket = bands.get(key)
            if bucket is None:
                continue
            if isinstance(bucket, int):
                near.add(bucket)
            else:
                near.update(bucket)
        exemplars, block, house = self._ex, f.block, f.house
        signature, lsh_merge = f.signature, p.lsh_merge
        for i in sorted(near):
            ex = exemplars[i]
            # an exemplar may hold ``f`` only alive, in its block, at no other house (most near-copies of a street
            # are at its other houses)
            if not ex.alive or ex.block != block or (ex.house and house and ex.house != house):
                continue
            est = estimate_jaccard(signature, ex.signature)
            if est >= lsh_merge:
                consider(i, ex.cluster, 1.0 + est, ex.house == house)
        kind = f.block[0] if f.block != "g:" else "general"
        merge_at = {"s": p.street_merge, "g": p.village_merge}.get(kind, p.general_merge)
        profile_weight = p.profile_weight
        for i in self._candidates(f, block):
            # the hottest loop of triage: the same test as above and ``_score`` inlined (the same rules)
            ex = exemplars[i]
            if not ex.alive or ex.block != block or (ex.house and house and ex.house != house):
                continue
            cluster = ex.cluster
            theirs = ex.lemmas
            if not lemmas or lemmas.isdisjoint(theirs):
                sim = 0.0
            else:
                inter = math.fsum([_WEIGHTS.get(x, OTHER_WEIGHT) for x in lemmas & theirs])
                sim = inter / (wa + ex.weight - inter)
            cov = covered.get(cluster)
            if cov is None:
                profile = ex.profile
                found = math.fsum([_WEIGHTS.get(x, OTHER_WEIGHT) for x in lemmas if x in profile]) if profile else 0.0
                cov = covered[cluster] = profile_weight * found / wa if found else 0.0
            score = max(sim, cov)
            same_topic = ex.topic == f.topic
            merge = (same_topic and ex.house == f.house and score >= merge_at
                     and (score > 0 or kind != "general") and not (f.hints and kind == "general")
                     and (not (own_facilities and ex.facilities and not own_facilities & ex.facilities)
                          or similarity(lemmas, ex.lemmas, wa, ex.weight) >= p.conflict_override))
            same_house = ex.house is not None and ex.house == f.house
            if merge or score >= p.suggest or (same_topic and kind != "general") or same_house:
                consider(i, cluster, score + (0.25 if same_topic else 0.0), merge)
        for hint in f.hints:
            for i in self._candidates(f, hint):
                ex = self._ex[i]
                cluster = ex.cluster
                if not ex.alive or ex.block != hint:
                    continue
                score = self._score(lemmas, wa, ex, cluster, covered)
                if score >= p.hint_suggest and ex.topic == f.topic:
                    consider(i, cluster, score, False)
        # exemplars elsewhere whose own hints point at this block (their street was not recognised)
        for i in self._hinted.get(f.block, ())[-SCAN_LIMIT:]:
            ex = self._ex[i]
            cluster = ex.cluster
            if not ex.alive:
                continue
            score = self._score(lemmas, wa, ex, cluster, covered)
            if score >= p.hint_suggest and ex.topic == f.topic:
                consider(i, cluster, score, False)
        ranked = sorted(best.items(), key=lambda kv: kv[1][:2], reverse=True)
        merge_into: str | None = None
        top = 0.0
        suggested: list[str] = []
        for cluster, (merge, score, i) in ranked:
            other = self._ex[i].qid
            if forbidden is not None and (forbidden(other) or any(
                    forbidden(self._ex[j].qid) for j in self._exemplars.get(cluster, ()) if j != i)):
                continue
            if merge_into is None and merge and not suggested:
                merge_into, top = other, score
            elif len(suggested) < MAX_SUGGESTED:
                suggested.append(other)
                top = max(top, score)
            else:
                break
        return Assignment(merge_into, suggested, round(min(top, 2.0), 3))

    # -- changes ----------------------------------------------------------------------------------------
    def add(self, qid: str, f: Features, cluster_id: str) -> None:
        """Record ``qid`` as a member of ``cluster_id``; it is indexed while the cluster has < 3 exemplars."""
        if qid in self._cluster_of:
            self.remove(qid)
        self._cluster_of[qid] = cluster_id
        members = self._exemplars.setdefault(cluster_id, [])
        self._learn(cluster_id, f, members)
        if len(members) >= EXEMPLARS:
            return
        i = len(self._ex)
        ex = _Exemplar(qid, f, cluster_id)
        ex.profile = self._profiles.get(cluster_id)
        self._ex.append(ex)
        self._ex_id[qid] = i
        members.append(i)
        self._post(i, f.block, ex.lemmas | {"#" + f.topic})
        if f.block.startswith("s:"):
            self._post(i, f"{f.block}#{f.house or ''}", frozenset())
        for hint in f.hints:
            lst = self._hinted.setdefault(hint, [])
            lst.append(i)
            if len(lst) > 2 * SCAN_LIMIT:
                del lst[:-SCAN_LIMIT]
        for key in block_bands(f):
            bucket = self._bands.get(key)
            if bucket is None:
                self._bands[key] = i
            elif isinstance(bucket, int):
                self._bands[key] = [bucket, i]
            elif len(bucket) < BAND_LIMIT:
                bucket.append(i)

    def _post(self, i: int, block: str, words: frozenset[str] | set[str]) -> None:
        if block.startswith("s:"):
            lst = self._blocks.setdefault(block, [])
            if not lst or lst[-1] != i:
                lst.append(i)
            if len(lst) > 2 * SCAN_LIMIT:
                del lst[:-SCAN_LIMIT]
            return
        for word in words:
            posting = self._postings.setdefault((block, word), [])
            posting.append(i)
            if len(posting) > 2 * POSTING_LIMIT:
                del posting[:-POSTING_LIMIT]

    def _learn(self, cluster_id: str, f: Features, members: list[int]) -> None:
        """Grow the cluster's vocabulary (from its second member on) and post new words to its exemplar."""
        if not members:
            return
        profile = self._profiles.get(cluster_id)
        if profile is None:
            profile = self._profiles[cluster_id] = dict.fromkeys(self._ex[members[0]].lemmas, 1)
            for j in members:
                self._ex[j].profile = profile
        new = set()
        for lem in f.topic_lemmas:
            if lem in profile:
                profile[lem] += 1
            elif len(profile) < PROFILE_SIZE:
                profile[lem] = 1
                new.add(lem)
        if new and not f.block.startswith("s:"):
            self._post(members[0], self._ex[members[0]].block, new)

    def move(self, qid: str, cluster_id: str) -> None:
        """A moderator moved ``qid`` to another cluster; its exemplar (if any) follows when there is room."""
        old = self._cluster_of.get(qid)
        if old is None:
            raise KeyError(qid)
        self._cluster_of[qid] = cluster_id
        i = self._ex_id.get(qid)
        if i is None:
            return
        self._exemplars[old].remove(i)
        if not self._exemplars[old]:
            del self._exemplars[old]
        target = self._exemplars.setdefault(cluster_id, [])
        if len(target) < EXEMPLARS:
            target.append(i)
            self._ex[i].cluster = cluster_id
            self._ex[i].profile = self._profiles.get(cluster_id)
        else:
            self._ex[i].alive = False
            del self._ex_id[qid]

    def rename(self, old: str, new: str, qids: list[str]) -> None:
        """Cluster ``old`` (whose members are ``qids``) is now called ``new``: a provisional name that the
        live worker gives a cluster until Redis hands out its id."""
        for qid in qids:
            if self._cluster_of.get(qid) == old:
                self._cluster_of[qid] = new
        if old in self._exemplars:
            moved = self._exemplars.pop(old)
            for i in moved:
                self._ex[i].cluster = new
            self._exemplars.setdefault(new, []).extend(moved)
        if old in self._profiles:
            self._profiles[new] = self._profiles.pop(old)
        profile = self._profiles.get(new)
        for i in self._exemplars.get(new, ()):
            self._ex[i].profile = profile

    def remove(self, qid: str) -> None:
        """Forget ``qid`` (deleted, or filtered as spam); its index entries die lazily."""
        cluster = self._cluster_of.pop(qid, None)
        i = self._ex_id.pop(qid, None)
        if i is None:
            return
        self._ex[i].alive = False
        if cluster is not None and i in self._exemplars.get(cluster, []):
            self._exemplars[cluster].remove(i)
            if not self._exemplars[cluster]:
                del self._exemplars[cluster]
