"""``liveline cluster INPUT.jsonl [--places FILE]``: triage and cluster a file of comments offline.

Input: one JSON object per line, ``{"id", "text", "reply_to"?, "author"?, "ts"?}`` (other fields are
ignored); ``ts`` is seconds since the epoch or ISO 8601, ``reply_to`` the id of the comment it answers (a
later line, or an id not in the file, is allowed). Comments are triaged in time order (lines without ``ts``
right after the line before them), as the live worker would meet them. Output: exactly one line per input
line, in input order::

    {"id": "17", "cluster": "12", "suggested": ["4"], "kind": "question", "topic": "roads",
     "place": {"settlement": "Новоозёрск", "street": "Ленина", "house": "5"},
     "filtered": null, "pii": ["phone"], "urgent": null}

``cluster`` is never null and is the final decision: the id of the cluster's first question (a lone
question is its own id); a ``support`` line ("+1" under a question) takes its parent's cluster. An addition (a
reply that only adds to its parent question, "там ещё у 20 дома столб покосился"; ``triage/kind.py``) has its
parent's cluster first in ``suggested``: a moderator joins it with one click.
``suggested`` lists, best first, clusters the question likely duplicates but was not merged into. ``kind``
is ``question``, ``support`` or ``chatter``; ``filtered`` null, ``"profanity"`` or ``"spam"`` (links, ads,
repeats and floods all report as spam); ``pii`` the kinds of personal data found; ``urgent`` null or the
reason. It runs the same ``Triage`` the live worker runs (``Triage.decide``), single-pass in time order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from liveline.store import codec
from liveline.triage.kind import Parent
from liveline.triage.pipeline import Triage, suggest_parent, tune_gc
from liveline.triage.places import Gazetteer


@dataclass
class Comment:
    id: str
    text: str
    reply_to: str | None = None
    author: str = ""
    ts: float | None = None


def _place(place: dict[str, str | None] | None) -> dict[str, str | None] | None:
    if place is None:
        return None
    return {"settlement": place.get("settlement"), "street": place.get("street"), "house": place.get("house")}


def parse_ts(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            moment = dt.datetime.fromisoformat(value)
            return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()  # naive: UTC
    raise ValueError(f"ts must be seconds or ISO 8601, not {value!r}")


def read(input_path: str | Path) -> list[Comment]:
    """The comments of a JSON-lines file, in input order; a clear error names the bad line."""
    comments: list[Comment] = []
    seen: set[str] = set()
    with open(input_path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = codec.loads(line)
                cid, text = str(item["id"]), str(item["text"])
                reply_to = item.get("reply_to")
                c = Comment(cid, text, str(reply_to) if reply_to not in (None, "") else None,
                            str(item.get("author") or ""), parse_ts(item.get("ts")))
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise ValueError(f"{input_path}:{number}: expected a JSON object with id and text "
                                 f"({e})") from e
            if cid in seen:
                raise ValueError(f"{input_path}:{number}: the id {cid!r} is on an earlier line too")
            seen.add(cid)
            comments.append(c)
    return comments


def time_order(comments: list[Comment]) -> list[Comment]:
    """Comments as they arrived: by ``ts``, a line without one right after the line before it."""
    keyed, last = [], float("-inf")
    for n, c in enumerate(comments):
        last = c.ts if c.ts is not None else last
        keyed.append((last, n, c))
    return [c for _, _, c in sorted(keyed, key=lambda k: (k[0], k[1]))]


def triage_all(comments: list[Comment], triage: Triage) -> dict[str, dict[str, Any]]:
    """One output row per comment (by id), triaged in time order."""
    rows: dict[str, dict[str, Any]] = {}
    parents: dict[str, Parent] = {}
    support_of: dict[str, str] = {}  # a "+1" line (or an addition) -> the comment it backs
    for c in time_order(comments):
        analysis = triage.analyse(c.text, c.author, c.ts or 0.0)
        parent = parents.get(c.reply_to) if c.reply_to else None
        kind = triage.kind(analysis, parent)
        parents[c.id] = triage.as_parent(kind, analysis, parent)
        cluster, suggested = c.id, list[str]()
        if kind == "support":
            support_of[c.id] = c.reply_to or ""
        elif kind == "question":
            placed = triage.cluster(c.id, analysis)
            cluster, suggested = placed.cluster, placed.suggested
            up = rows.get(c.reply_to or "")
            if up is not None and up["kind"] == "question" and triage.adds_to(analysis, parent):
                suggested = suggest_parent(suggested, up["cluster"], cluster)
        rows[c.id] = {"id": c.id, "cluster": cluster, "suggested": suggested, "kind": kind,
                      "topic": analysis.topic, "place": _place(analysis.place), "filtered": analysis.filtered,
                      "pii": analysis.pii, "urgent": analysis.urgent}
    for cid, backed in support_of.items():
        seen: set[str] = {cid}
        while backed in support_of and backed not in seen:  # a "+1" under a "+1" backs the question above
            seen.add(backed)
            backed = support_of[backed]
        if backed in rows and backed not in seen:
            rows[cid]["cluster"] = rows[backed]["cluster"]
    return rows


def run(input_path: str | Path, output: TextIO, places_path: str | Path | None = None) -> int:
    """Triage every comment of ``input_path`` and write one JSON line each, in input order; returns the count."""
    comments = read(input_path)
    rows = triage_all(comments, Triage(gazetteer=Gazetteer.from_csv(places_path) if places_path else None))
    output.writelines(codec.dumps_readable(rows[c.id]) + "\n" for c in comments)
    return len(comments)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="liveline cluster",
                                     description="Triage and cluster comments from a JSON-lines file.")
    parser.add_argument("input", help="JSON lines with id, text and optionally reply_to, author, ts")
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
