"""The clusterer's similarity functions on ParaPhraser (news headlines), an independent check.

    .venv/bin/python -m bench.paraphraser --pairs PATH      (or: bench/paraphraser.py --pairs PATH)
    LIVELINE_PARAPHRASER_TSV=PATH .venv/bin/python -m bench.paraphraser

PATH is the ParaPhraser corpus as one TSV of pairs (see ``WHERE``). The data is read where it lies and never
copied into the repository; without it the run stops with exit status 2 and says where to get it.

Thresholds are chosen for best F1 on the train split and reported on the gold split, for two tasks: precise
paraphrase (class 1) against the rest, and precise + loose (classes 1 and 0) against non-paraphrases. Also
reported: the clusterer's own operating points (auto-merge of the general block, suggestion, near-exact
MinHash).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from liveline.triage.clusterer import Params, similarity
from liveline.triage.features import Extractor, estimate_jaccard

ENV = "LIVELINE_PARAPHRASER_TSV"
COLUMNS = ("split", "id", "text_1", "text_2", "class")
WHERE = f"""\
The pairs are the public ParaPhraser corpus: http://paraphraser.ru (Pivovarova, Pronoza, Yagunova et al.,
"ParaPhraser: Russian paraphrase corpus and shared task", AINL 2017; its XML, paraphrases_train.xml and
paraphrases_gold.xml, is also at https://github.com/AlexeySorokin/Paraphraser under paraphraser/). It is
research data and is not in this repository. Convert it to one UTF-8, tab-separated file with a header row
and the columns {", ".join(COLUMNS)}, one line per pair:
  split   train (7,227 pairs) or gold (the official test set, 1,924 pairs)
  class   1 precise paraphrase, 0 loose paraphrase, -1 not a paraphrase
and pass it with --pairs PATH or {ENV}=PATH."""


def load(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def prf(scores: list[float], gold: list[bool], threshold: float) -> tuple[float, float, float]:
    tp = sum(1 for s, g in zip(scores, gold) if s >= threshold and g)
    fp = sum(1 for s, g in zip(scores, gold) if s >= threshold and not g)
    fn = sum(1 for s, g in zip(scores, gold) if s < threshold and g)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def best_threshold(scores: list[float], gold: list[bool]) -> float:
    candidates = sorted({round(s, 3) for s in scores})
    return max(candidates, key=lambda t: prf(scores, gold, t)[2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=os.environ.get(ENV) or None, metavar="PATH",
                        help=f"the ParaPhraser pairs as TSV (default: ${ENV})")
    args = parser.parse_args(argv)
    if args.pairs is None or not args.pairs.is_file():
        where = "no --pairs PATH and no " + ENV if args.pairs is None else f"{args.pairs} does not exist"
        print(f"paraphraser: {where}.\n{WHERE}", file=sys.stderr)
        return 2
    rows = load(args.pairs)
    if rows and not set(COLUMNS) <= set(rows[0]):
        print(f"paraphraser: {args.pairs} has the columns {', '.join(rows[0])}, not {', '.join(COLUMNS)}.\n"
              f"{WHERE}", file=sys.stderr)
        return 2
    extractor = Extractor()
    params = Params()

    def features(text: str):  # place unknown: news headlines carry no municipal address
        return extractor.extract(text, place=None, topic="other")

    scored: dict[str, list[tuple[float, float, int]]] = {"train": [], "gold": []}
    for row in rows:
        a, b = features(row["text_1"]), features(row["text_2"])
        sim = similarity(frozenset(a.topic_lemmas), frozenset(b.topic_lemmas))
        est = estimate_jaccard(a.signature, b.signature)
        scored[row["split"]].append((sim, est, int(row["class"])))
    gold = scored["gold"]
    print(f"pairs: train={len(scored['train'])} gold={len(gold)}")
    tasks = {"precise": lambda c: c == 1, "precise+loose": lambda c: c >= 0}
    for task, positive in tasks.items():
        for name, k in (("weighted topic-lemma Jaccard", 0), ("MinHash(64) lemma uni+bi", 1)):
            train_scores = [s[k] for s in scored["train"]]
            train_gold = [positive(s[2]) for s in scored["train"]]
            t = best_threshold(train_scores, train_gold)
            p, r, f1 = prf([s[k] for s in gold], [positive(s[2]) for s in gold], t)
            print(f"{task:14} {name:30} thr={t:.3f} (best F1 on train)  gold P={p:.3f} R={r:.3f} F1={f1:.3f}")
        for label, k, t in (("merge (general block)", 0, params.general_merge),
                            ("suggest", 0, params.suggest), ("near-exact MinHash", 1, params.lsh_merge)):
            p, r, f1 = prf([s[k] for s in gold], [positive(s[2]) for s in gold], t)
            print(f"{task:14} operating point {label:22} thr={t:.2f}  gold P={p:.3f} R={r:.3f} F1={f1:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
