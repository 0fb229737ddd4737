"""Duplicate clustering: features, the cluster index, brigading waves, and the labelled set it is held to."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from liveline.triage.brigading import BrigadeDetector, name_template, text_signature
from liveline.triage.clusterer import EXEMPLARS, ClusterIndex
from liveline.triage.features import Extractor, Features, estimate_jaccard
from liveline.triage.places import Gazetteer

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "data" / "triage_labelled.jsonl"
SLUGS = {"roads", "transport", "housing", "water_heating", "waste", "lighting", "healthcare", "education",
         "kindergartens", "social", "landscaping", "safety", "animals", "gasification", "communications",
         "culture_sport", "other"}


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(Gazetteer.from_csv(ROOT / "liveline" / "demo" / "places.csv"))


def feed(extractor: Extractor, texts: list[str],
         index: ClusterIndex | None = None) -> tuple[ClusterIndex, list[str]]:
    """Stream texts through a fresh index (or ``index``); return it and each text's cluster."""
    index = index or ClusterIndex()
    clusters = []
    for text in texts:
        qid = f"q{len(index) + 1}"
        f = extractor.extract(text)
        a = index.assign(qid, f)
        cluster = index.cluster_of(a.merge_into) if a.merge_into else f"c-{qid}"
        index.add(qid, f, cluster or f"c-{qid}")
        clusters.append(index.cluster_of(qid) or "")
    return index, clusters


# -- features -----------------------------------------------------------------------------------------
def test_features_survive_a_round_trip_through_json(extractor: Extractor) -> None:
    f = extractor.extract("Ленина 12 лифт не работает третью неделю")
    assert Features.from_json(f.to_json()) == f
    assert f.block == "s:новоозерск|ленина" and f.house == "12"
    assert "лифт" in f.topic_lemmas and "ленин" not in f.topic_lemmas


def test_signature_is_the_same_in_another_process_with_another_hash_seed(extractor: Extractor) -> None:
    text = "на Садовой не горят фонари"
    code = ("from liveline.triage.features import Extractor; print(Extractor().extract("
            "'на Садовой не горят фонари', place=None, topic='lighting').signature)")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    here = Extractor().extract(text, place=None, topic="lighting").signature
    assert out.stdout.strip() == str(here)


def test_copies_differing_in_form_have_a_high_minhash_estimate(extractor: Extractor) -> None:
    a = extractor.extract("Когда починят дорогу на улице Ленина?")
    b = extractor.extract("КОГДА ПОЧИНЯТ ДОРОГУ НА УЛИЦЕ ЛЕНИНА!!! 😡")
    c = extractor.extract("В Сосновке нет газа")
    assert estimate_jaccard(a.signature, b.signature) == 1.0
    assert estimate_jaccard(a.signature, c.signature) < 0.2


def test_an_unrecognised_street_becomes_a_hint_not_a_block(extractor: Extractor) -> None:
    f = extractor.extract("садовая мусорка переполнена")
    assert f.block == "g:"
    assert f.hints == ["s:новоозерск|садовая"]


# -- the index ---------------------------------------------------------------------------------------
def test_paraphrases_about_one_street_merge(extractor: Extractor) -> None:
    _, clusters = feed(extractor, ["не горят фонари на Садовой",
                                   "на Садовой вечером темно, уличное освещение не работает",
                                   "Садовая улица — фонари сломаны, освещения нет"])
    assert len(set(clusters)) == 1


def test_the_same_problem_on_another_street_or_settlement_is_not_a_duplicate(extractor: Extractor) -> None:
    index, clusters = feed(extractor, ["не горят фонари на Садовой", "не горят фонари на Гагарина",
                                       "В Сосновке на Садовой не горят фонари"])
    assert len(set(clusters)) == 3
    a = index.assign("x", extractor.extract("на улице Кирова не горят фонари"))
    assert a.merge_into is None and a.suggested == []


def test_another_problem_on_the_same_street_is_not_a_duplicate(extractor: Extractor) -> None:
    _, clusters = feed(extractor, ["не горят фонари на Садовой", "на Садовой не вывозят мусор, баки полные"])
    assert clusters[0] != clusters[1]


def test_two_houses_never_merge_and_two_facilities_of_one_house_do_not_either(extractor: Extractor) -> None:
    _, clusters = feed(extractor, ["Ленина 12 лифт не работает", "Ленина 14 лифт не работает",
                                   "Ленина 12 в подъезде не убирают",
                                   "ул. Ленина д.12 лифт стоит вторую неделю"])
    assert clusters[0] == clusters[3]
    assert len({clusters[0], clusters[1], clusters[2]}) == 3


def test_hot_and_cold_water_of_one_house_stay_apart_but_are_suggested(extractor: Extractor) -> None:
    index, _clusters = feed(extractor, ["Победы 4 нет горячей воды две недели"])
    a = index.assign("q9", extractor.extract("Победы 4 холодную воду отключают по ночам"))
    assert a.merge_into is None
    assert a.suggested == ["q1"]


def test_general_questions_merge_by_topic_and_words(extractor: Extractor) -> None:
    _, clusters = feed(extractor, ["Когда дадут место в детском саду? Стоим в очереди два года",
                                   "очередь в детский сад не двигается, мест нет",
                                   "почему подняли плату за детский сад?"])
    assert clusters[0] == clusters[1] != clusters[2]


def test_a_near_exact_copy_merges_even_when_words_are_few(extractor: Extractor) -> None:
    _, clusters = feed(extractor, ["газ в Сосновку когда", "ГАЗ В СОСНОВКУ КОГДА???"])
    assert clusters[0] == clusters[1]


def test_a_pair_a_moderator_split_is_vetoed(extractor: Extractor) -> None:
    index, _ = feed(extractor, ["Ленина 12 лифт не работает"])
    f = extractor.extract("лифт на Ленина 12 сломан")
    assert index.assign("q2", f).merge_into == "q1"
    vetoed = index.assign("q2", f, forbidden=lambda other: other == "q1")
    assert vetoed.merge_into is None and "q1" not in vetoed.suggested


def test_only_three_exemplars_per_cluster_are_indexed(extractor: Extractor) -> None:
    texts = [f"Ленина 12 лифт не работает {'!' * n}" for n in range(8)]
    index, clusters = feed(extractor, texts)
    assert len(set(clusters)) == 1 and len(index) == 8
    assert index.exemplar_count == EXEMPLARS == 3


def test_move_and_remove_keep_membership_right(extractor: Extractor) -> None:
    index, clusters = feed(extractor, ["Ленина 12 лифт не работает", "лифт на Ленина 12 сломан"])
    index.move("q2", "c-split")
    assert index.cluster_of("q2") == "c-split" and index.cluster_of("q1") == clusters[0]
    index.remove("q1")
    assert index.cluster_of("q1") is None and len(index) == 1
    a = index.assign("q3", extractor.extract("Ленина 12 лифт не работает"))
    assert a.merge_into == "q2"


# -- brigading ---------------------------------------------------------------------------------------
def test_a_wave_from_neighbouring_accounts_is_detected() -> None:
    detector = BrigadeDetector(min_size=5, window=600)
    text = "Требуем отставки директора УК Уют! Позор!"
    waves = [detector.observe(f"q{k}", f"id{700_100 + k}", f"Анна Смирнова {k}",
                              text_signature(text + " " + "!" * k), ts=100.0 + k * 20) for k in range(7)]
    assert waves[:4] == [None] * 4
    assert waves[4] is not None and set(waves[4:]) == {waves[4]}
    assert detector.members(waves[4]) == [f"q{k}" for k in range(7)]


def test_honest_neighbours_asking_the_same_thing_are_not_a_wave() -> None:
    detector = BrigadeDetector(min_size=5, window=600)
    people = [("id1834", "Ольга Петрова"), ("id92311870", "Игорь Лаптев"), ("id450021", "Марина Кузнецова"),
              ("id270055443", "Пётр Семёнов"), ("id61200", "Наталья Иванова"), ("id733004511", "Олег Зуев")]
    sig = text_signature("Когда в Сосновку проведут газ?")
    assert all(detector.observe(f"q{k}", who, name, sig, ts=100.0 + k) is None
               for k, (who, name) in enumerate(people))


def test_template_names_count_as_alike_even_with_scattered_ids() -> None:
    assert name_template("Иван  Иванов_12") == "иван иванов"
    detector = BrigadeDetector(min_size=3, window=600)
    sig = text_signature("Голосуйте за сквер у рынка")
    results = [detector.observe(f"q{k}", f"id{k * 9_000_001}", f"Иван Иванов {k}", sig, ts=float(k))
               for k in range(1, 4)]
    assert results[-1] is not None


def test_a_wave_needs_its_texts_within_the_window() -> None:
    detector = BrigadeDetector(min_size=3, window=60)
    sig = text_signature("Позор УК")
    results = [detector.observe(f"q{k}", f"id{500 + k}", f"user{k}", sig, ts=k * 100.0) for k in range(5)]
    assert results == [None] * 5


# -- the labelled set ---------------------------------------------------------------------------------
def labelled() -> list[dict]:
    with open(LABELLED, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_labelled_set_has_the_promised_shape() -> None:
    rows = labelled()
    assert len(rows) >= 420 and len({r["id"] for r in rows}) == len(rows)
    assert {r["topic"] for r in rows} <= SLUGS
    sizes = Counter(r["cluster"] for r in rows)
    assert min(sizes.values()) == 1 and max(sizes.values()) == 15
    for r in rows:
        assert set(r) == {"id", "text", "cluster", "topic", "settlement", "street", "house"}
    # near misses: another cluster with the same topic in the same settlement, or at the same address
    place = {r["cluster"]: (r["settlement"], r["street"], r["house"]) for r in rows if r["settlement"]}
    topic = {r["cluster"]: r["topic"] for r in rows}
    near = {c for c, d in itertools.permutations(place, 2)
            if (topic[c] == topic[d] and place[c][0] == place[d][0] and place[c] != place[d])
            or (place[c][:2] == place[d][:2] and place[c][1] is not None)}
    share = sum(n for c, n in sizes.items() if c in near) / len(rows)
    assert share >= 0.30


def test_clustering_holds_its_measured_quality_on_the_held_out_half(extractor: Extractor) -> None:
    """bench/triage.py measures this precisely; here a guard a little below the measured figures."""
    rows = [r for r in labelled() if zlib.crc32(r["id"].encode()) % 2 == 1]
    _index, clusters = feed(extractor, [r["text"] for r in rows])
    gold: dict[str, list[int]] = defaultdict(list)
    auto: dict[str, list[int]] = defaultdict(list)
    for i, (r, c) in enumerate(zip(rows, clusters)):
        gold[r["cluster"]].append(i)
        auto[c].append(i)
    pairs = lambda groups: {p for m in groups.values() for p in itertools.combinations(m, 2)}
    gold_pairs, auto_pairs = pairs(gold), pairs(auto)
    precision = len(gold_pairs & auto_pairs) / len(auto_pairs)
    assert precision >= 0.95
    assert len(gold_pairs & auto_pairs) / len(gold_pairs) >= 0.5


def test_the_brigading_detector_stays_fast_with_a_window_full_of_distinct_texts() -> None:
    # a live broadcast at 200 comments/s keeps ~180k distinct signatures in a 15-minute window; sweeping them
    # all on every question once there were 20k made the worker fall behind (found by bench/load.py)
    detector = BrigadeDetector(min_size=5, window=900)
    sweeps = 0
    original = detector._sweep

    def counting(now: float) -> None:
        nonlocal sweeps
        sweeps += 1
        original(now)

    detector._sweep = counting  # type: ignore[method-assign]
    for n in range(50_000):
        detector.observe(str(n), f"vk:{n * 7919}", "Житель", f"sig{n}", 1.7e9 + n / 200)
    assert sweeps <= 2
