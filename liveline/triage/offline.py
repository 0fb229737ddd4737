"""``liveline cluster INPUT.jsonl [--places FILE]``: triage and cluster a file of questions offline.

Input: one JSON object per line with ``id`` and ``text`` (other fields are ignored). Output, one line per
input line and in the same order::

    {"id": "17", "cluster": "12", "suggested": ["4"], "topic": "roads",
     "place": {"settlement": "Новоозёрск", "street": "Ленина", "house": "5"}}

``cluster`` is shared by auto-merged questions (it is the id of the cluster's first question);
``suggested`` lists clusters the question likely duplicates but was not merged into. It runs the same
``Triage`` the live worker runs, single-pass in input order.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from liveline.store import codec
from liveline.triage.pipeline import Triage, tune_gc
from liveline.triage.places import Gazetteer


def _place(place: dict[str, str | None] | None) -> dict[str, str | None] | None:
    if place is None:
        return None
    return {"settlement": place.get("settlement"), "street": place.get("street"), "house": place.get("house")}


def run(input_path: str | Path, output: TextIO, places_path: str | Path | None = None) -> int:
    """Cluster every question of ``input_path`` and write one JSON line each; returns the count."""
    triage = Triage(gazetteer=Gazetteer.from_csv(places_path) if places_path else None)
    count = 0
    with open(input_path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = codec.loads(line)
                qid, text = str(item["id"]), str(item["text"])
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{input_path}:{number}: expected a JSON object with id and text "
                                 f"({e})") from e
            analysis = triage.analyse(text)
            placed = triage.cluster(qid, analysis)
            row = {"id": qid, "cluster": placed.cluster, "suggested": placed.suggested, "topic": analysis.topic,
                   "place": _place(analysis.place)}
            output.write(codec.dumps_readable(row) + "\n")
            count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="liveline cluster",
                                     description="Triage and cluster questions from a JSON-lines file.")
    parser.add_argument("input", help="JSON lines with id and text")
    parser.add_argument("--places", help="gazetteer CSV (settlement,street_type,street)")
    args = parser.parse_args(argv)
    tune_gc()
    try:
        run(args.input, sys.stdout, args.places)
    except (OSError, ValueError) as e:
        print(f"liveline cluster: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
