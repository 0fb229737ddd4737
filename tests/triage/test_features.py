"""A question's features: JSON round trip, a MinHash signature stable across processes, blocks and hints."""

from __future__ import annotations

import os
import subprocess
import sys

from liveline.triage.features import Extractor, Features, estimate_jaccard


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
