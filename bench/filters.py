"""Precision / recall of the text filters on the labelled set, their errors, and throughput on one core.

Usage: .venv/bin/python bench/filters.py [--repeat N]
Last line: key=value figures, then the parameters.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from liveline.triage.clean import reading_text, safe_text
from liveline.triage.pii import find_pii
from liveline.triage.profanity import is_profane
from liveline.triage.spam import spam_reason
from liveline.triage.urgent import urgent_reason

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "filters_labelled.jsonl"
FLAGS = {
    "profanity": ("profane", lambda t: is_profane(t)),
    "spam": ("spam", lambda t: spam_reason(t) is not None),
    "pii": ("pii", lambda t: bool(find_pii(t))),
    "urgent": ("urgent", lambda t: urgent_reason(t) is not None),
}


def all_filters(text: str) -> None:
    safe = safe_text(text)
    reading_text(safe)
    is_profane(safe)
    spam_reason(safe)
    find_pii(safe)
    urgent_reason(safe)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    figures: dict[str, str] = {}
    for name, (label, predict) in FLAGS.items():
        tp = fp = fn = 0
        for row in rows:
            got, want = predict(row["text"]), row[label]
            tp += got and want
            fp += got and not want
            fn += want and not got
            if got != want:
                print(f"{name:9} {'FP' if got else 'FN'} {row['id']}: {row['text']}")
        figures[f"{name}_p"] = f"{tp / (tp + fp) if tp + fp else 1.0:.3f}"
        figures[f"{name}_r"] = f"{tp / (tp + fn) if tp + fn else 1.0:.3f}"
        print(f"{name}: tp={tp} fp={fp} fn={fn}")
    # Throughput on fresh texts: suffix each text so the per-word caches do not flatter the figure.
    texts = [f"{row['text']} {i}" for i in range(args.repeat) for row in rows]
    start = time.perf_counter()
    for text in texts:
        all_filters(text)
    elapsed = time.perf_counter() - start
    figures["texts_per_s"] = f"{len(texts) / elapsed:.0f}"
    figures["n"] = str(len(rows))
    print(" ".join(f"{k}={v}" for k, v in figures.items()) + f" repeat={args.repeat} filters=safe,reading,profanity,spam,pii,urgent")


if __name__ == "__main__":
    main()
