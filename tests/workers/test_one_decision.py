"""One clustering decision: the live worker (inbox → Redis) and ``liveline cluster`` (a file, offline) call
the same ``Triage.decide``, so one file fed through both gives the same clusters and the same topics."""

from __future__ import annotations

import io
import json
from pathlib import Path

import redis

from liveline.board import questions
from liveline.ingest import inbox
from liveline.ingest.inbox import SourceItem
from liveline.triage import offline
from tests.helpers import live_broadcast
from workers.triage import TriageWorker

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "data" / "triage_labelled.jsonl"
PLACES = ROOT / "liveline" / "demo" / "places.csv"


def partition(labels: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for qid, label in labels.items():
        groups.setdefault(label, set()).add(qid)
    return {frozenset(g) for g in groups.values()}


def test_one_file_through_the_worker_and_through_liveline_cluster_gives_the_same_clusters(
        r: redis.Redis, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps({"id": x["id"], "text": x["text"]}, ensure_ascii=False) + "\n"
                            for x in rows), encoding="utf-8")
    out = io.StringIO()
    assert offline.run(path, out, PLACES) == len(rows)
    offline_rows = [json.loads(line) for line in out.getvalue().splitlines()]

    bid = live_broadcast(r)
    # one author per question, a minute apart: nothing for the flood or brigading rules, as offline
    inbox.append(r, bid, [SourceItem(key=f"demo:{x['id']}", text=x["text"], author_id=f"vk:{n}",
                                     author_name=f"Житель {n}", created_at=1.7e9 + 60 * n)
                          for n, x in enumerate(rows)])
    worker = TriageWorker(r, str(PLACES))
    for _ in range(500):
        if worker.processed >= len(rows):
            break
        worker.step(block_ms=20)
    assert worker.processed == len(rows)
    live = {q["key"].removeprefix("demo:"): q for q in questions.all_questions(r, bid)}

    assert partition({x["id"]: x["cluster"] for x in offline_rows}) == \
        partition({qid: str(q["cluster"]) for qid, q in live.items()})
    assert {x["id"]: x["topic"] for x in offline_rows} == {qid: q["topic"] for qid, q in live.items()}
    merged = sum(1 for g in partition({x["id"]: x["cluster"] for x in offline_rows}) if len(g) > 1)
    assert merged > 20  # the file has real duplicates: the comparison is not between two sets of singletons
