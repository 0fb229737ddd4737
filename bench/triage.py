"""Triage quality on the hand-labelled set, and speed through the live worker's step (and in memory).

    .venv/bin/python bench/triage.py            # quality (both halves, errors listed) and speed
    .venv/bin/python bench/triage.py --scale N  # N synthetic questions through the worker step: time and RSS
    .venv/bin/python bench/triage.py --scale N --in-memory  # analyse + cluster only
    .venv/bin/python bench/triage.py --set heldout  # the whole triage on the held-out district (or: tune)

Split: the held-out half is the ids with ``zlib.crc32(id) % 2 == 1``; thresholds were tuned on the other.
Each half is clustered on its own, in id order, as a live stream would be.

Metrics
* auto: pairwise P/R/F1 and B-cubed F1 of the auto-merged clusters.
* suggest: a pair counts as linked when auto-merged, or when one question suggested the other's cluster
  (pairwise P/R/F1); B-cubed F1 of the clusters a moderator would get by accepting every suggestion.
* topic accuracy of ``classify`` against the label.

Speed, one process on one core:
* ``q_per_s``/``p99_ms`` (the last line): the live worker's whole step — inbox entries read through the
  consumer group, analysed, clustered, written with their clusters and event in one transaction to a real
  redis-server (AOF, fsync every second) and acknowledged. The labelled set is fed five times, each repeat an
  hour after the previous one under other authors (a question asked again later: a duplicate, not a brigading
  wave); p99 is the time of the 200-item batch a question was written in.
* "in memory": analyse (clean, flags, locate, topic, features) + cluster only, no Redis.
* ``--scale N``: N synthetic questions through the worker's step (``--in-memory``: analyse + cluster only).

``--set pii`` / ``--set threads``: flat blind tuning files (``tests/data/triage_tune_pii.jsonl``, personal data and
spam near misses; ``tests/data/triage_tune_threads.jsonl``, reply threads between residents); ``--set chatter``
(``tests/data/triage_tune_chatter.jsonl``: replies, live chat and numbers that name nobody); tuned on, not estimates.

``--set heldout`` / ``--set tune``: the blind three-district set (``tests/data/districts/``, written by someone
who saw neither the code nor the rules): ``heldout`` is svetloozersky, never tuned on; ``tune`` the other
two. Each district goes through ``liveline cluster``'s triage (``offline.triage_all``, in time order, with its
own street list), and its comments, fed five times, through the live worker for ``q_per_s``. Figures, over
the comments of the set:
* ``support_r`` / ``chatter_r``: recall of the labelled "me too" replies and chatter; ``question_kept``: the
  share of labelled questions that keep kind ``question``;
* ``profanity_p/_r``: hidden as profanity vs labelled mat or rude; ``spam_p/_r``: hidden as spam vs labelled
  spam of any kind; ``pii_p/_r``: some personal data found vs labelled (per comment);
* ``auto_p/_r/_f1``: pairwise, over labelled questions that are not additions, of auto-merged clusters
  against the labelled groups; ``topic_acc`` over the same questions.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import random
import resource
import shutil
import statistics
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from liveline.store import keys
from liveline.triage.clusterer import ClusterIndex, Params
from liveline.triage.features import Features
from liveline.triage.pipeline import Triage, tune_gc
from liveline.triage.places import Gazetteer

LABELLED = ROOT / "tests" / "data" / "triage_labelled.jsonl"
PLACES = ROOT / "liveline" / "demo" / "places.csv"


def load(path: Path = LABELLED) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def held_out(qid: str) -> bool:
    return zlib.crc32(qid.encode()) % 2 == 1


def stream(items: list[dict], triage: Triage) -> list[dict]:
    """Cluster ``items`` in order; per item: auto cluster, suggested clusters, topic, ms."""
    out = []
    for item in items:
        t0 = time.perf_counter()
        analysis = triage.analyse(item["text"])
        placed = triage.cluster(item["id"], analysis)
        out.append({"id": item["id"], "cluster": placed.cluster, "suggested": placed.suggested,
                    "topic": analysis.topic,
                    "ms": (time.perf_counter() - t0) * 1000})
    return out


def _pairs(groups: dict[str, list[int]]) -> set[tuple[int, int]]:
    return {(a, b) for members in groups.values() for a, b in itertools.combinations(sorted(members), 2)}


def _prf(pred: set[tuple[int, int]], gold: set[tuple[int, int]]) -> tuple[float, float, float]:
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(gold) if gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _bcubed(pred: list[str], gold: list[str]) -> float:
    by_pred: dict[str, set[int]] = defaultdict(set)
    by_gold: dict[str, set[int]] = defaultdict(set)
    for i, (p, g) in enumerate(zip(pred, gold)):
        by_pred[p].add(i)
        by_gold[g].add(i)
    precision = statistics.mean(len(by_pred[p] & by_gold[g]) / len(by_pred[p]) for p, g in zip(pred, gold))
    recall = statistics.mean(len(by_pred[p] & by_gold[g]) / len(by_gold[g]) for p, g in zip(pred, gold))
    return 2 * precision * recall / (precision + recall)


def _union(result: list[dict]) -> list[str]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in result:
        for s in r["suggested"]:
            parent[find(s)] = find(r["cluster"])
    return [find(r["cluster"]) for r in result]


def evaluate(items: list[dict], result: list[dict]) -> dict:
    gold_groups: dict[str, list[int]] = defaultdict(list)
    auto_groups: dict[str, list[int]] = defaultdict(list)
    for i, (item, r) in enumerate(zip(items, result)):
        gold_groups[item["cluster"]].append(i)
        auto_groups[r["cluster"]].append(i)
    gold = _pairs(gold_groups)
    auto = _pairs(auto_groups)
    linked = set(auto)
    for i, r in enumerate(result):
        for cluster in r["suggested"]:
            for j in auto_groups[cluster]:
                if j != i:
                    linked.add((min(i, j), max(i, j)))
    ap, ar, af = _prf(auto, gold)
    sp, sr, sf = _prf(linked, gold)
    gold_labels = [item["cluster"] for item in items]
    return {
        "questions": len(items), "clusters": len(gold_groups), "auto_clusters": len(auto_groups),
        "auto_precision": ap, "auto_recall": ar, "auto_f1": af,
        "auto_bcubed_f1": _bcubed([r["cluster"] for r in result], gold_labels),
        "suggest_precision": sp, "suggest_recall": sr, "suggest_f1": sf,
        "suggest_bcubed_f1": _bcubed(_union(result), gold_labels),
        "topic_accuracy": sum(r["topic"] == item["topic"] for item, r in zip(items, result)) / len(items),
        "_gold": gold, "_auto": auto, "_linked": linked,
    }


def errors(items: list[dict], m: dict, limit: int = 25) -> list[str]:
    lines = []
    wrong = sorted(m["_auto"] - m["_gold"])
    lines.append(f"  false auto-merges: {len(wrong)} pairs")
    for i, j in wrong[:limit]:
        lines.append(f"    {items[i]['id']} [{items[i]['cluster']}] {items[i]['text'][:60]!r}")
        lines.append(f"    {items[j]['id']} [{items[j]['cluster']}] {items[j]['text'][:60]!r}")
    missed = sorted(m["_gold"] - m["_linked"])
    lines.append(f"  missed pairs (neither merged nor suggested): {len(missed)}")
    by_cluster: dict[str, int] = defaultdict(int)
    for i, _ in missed:
        by_cluster[items[i]["cluster"]] += 1
    lines.append("    by cluster: " + ", ".join(f"{c}:{n}" for c, n in sorted(by_cluster.items(),
                                                                               key=lambda kv: -kv[1])[:15]))
    return lines


def quality(params: Params, verbose: bool = True) -> dict[str, dict]:
    items = load()
    gazetteer = Gazetteer.from_csv(PLACES)
    report = {}
    for name, half in (("tune", [x for x in items if not held_out(x["id"])]),
                       ("held-out", [x for x in items if held_out(x["id"])])):
        result = stream(half, Triage(gazetteer=gazetteer, params=params))
        m = evaluate(half, result)
        report[name] = m
        if verbose:
            print(f"== {name}: {m['questions']} questions, {m['clusters']} clusters "
                  f"-> {m['auto_clusters']} auto clusters")
            print(f"  auto    P={m['auto_precision']:.3f} R={m['auto_recall']:.3f} F1={m['auto_f1']:.3f} "
                  f"B3-F1={m['auto_bcubed_f1']:.3f}")
            print(f"  suggest P={m['suggest_precision']:.3f} R={m['suggest_recall']:.3f} "
                  f"F1={m['suggest_f1']:.3f} B3-F1(all suggestions accepted)={m['suggest_bcubed_f1']:.3f}")
            print(f"  topic accuracy={m['topic_accuracy']:.3f}")
            wrong_topics = [(x["id"], x["topic"], r["topic"]) for x, r in zip(half, result)
                            if x["topic"] != r["topic"]]
            print(f"  topic errors: {len(wrong_topics)} "
                  + " ".join(f"{i}:{g}->{p}" for i, g, p in wrong_topics[:20]))
            for line in errors(half, m):
                print(line)
    return report


def speed(repeat: int = 5) -> tuple[float, float]:
    """q/s and p99 ms through analyse + cluster, one process, warm caches after the first pass."""
    items = load()
    gazetteer = Gazetteer.from_csv(PLACES)
    stream(items, Triage(gazetteer=gazetteer))  # warm lemma caches
    times: list[float] = []
    t0 = time.perf_counter()
    for k in range(repeat):
        renamed = [{**x, "id": f"{x['id']}-{k}"} for x in items]
        times += [r["ms"] for r in stream(renamed, Triage(gazetteer=gazetteer))]
    elapsed = time.perf_counter() - t0
    times.sort()
    return len(times) / elapsed, times[int(0.99 * (len(times) - 1))]


@contextlib.contextmanager
def live_broadcast(title: str) -> Iterator[tuple[Any, int]]:
    """A live broadcast in a redis-server of its own (AOF, fsync every second, as the product runs it),
    removed with its data dir afterwards."""
    import tempfile

    import redis as redis_mod

    from liveline.board import broadcasts
    from liveline.store.redisproc import RedisProcess

    tmp = Path(tempfile.mkdtemp(prefix="liveline-triage-"))
    proc = RedisProcess(tmp / "redis").start()
    try:
        r = redis_mod.Redis.from_url(proc.url)
        bid = broadcasts.create(r, title, "Глава", "Europe/Volgograd")
        broadcasts.start(r, bid)
        yield r, bid
    finally:
        proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def worker_speed(repeat: int = 5, items: list[dict] | None = None, places: Path = PLACES) -> tuple[float, float]:
    """q/s and p99 ms of the live worker's whole step: inbox entry → triage → question, cluster and event
    written to a real redis-server (AOF, fsync every second) → acknowledged. One process, warm caches."""
    from liveline.ingest import inbox
    from liveline.ingest.inbox import SourceItem
    from workers.triage import TriageWorker

    items = items if items is not None else load()
    stream(items, Triage(gazetteer=Gazetteer.from_csv(places)))  # warm the lemma caches, as a live worker is
    with live_broadcast("Скорость разбора") as (r, bid):
        batch = [SourceItem(key=f"demo:{k}-{x['id']}", text=x["text"], author_id=f"vk:{k}{n}",
                            author_name="Житель", created_at=1.7e9 + k * 3600 + n)
                 for k in range(repeat) for n, x in enumerate(items)]
        for i in range(0, len(batch), 500):
            inbox.append(r, bid, batch[i:i + 500])
        worker = TriageWorker(r, str(places))
        times: list[float] = []
        process = worker.process

        def timed(b: int, entries: list) -> int:
            # a question's latency through the step is the time of the batch it was written in
            t = time.perf_counter()
            n = process(b, entries)
            times.extend([(time.perf_counter() - t) * 1000] * n)
            return n

        worker.process = timed  # type: ignore[method-assign]
        t0 = time.perf_counter()
        while worker.processed < len(batch):
            worker.step(block_ms=10)
        elapsed = time.perf_counter() - t0
        assert len(r.hkeys(f"ll:{{b{bid}}}:items")) == len(batch)
    times.sort()
    return len(batch) / elapsed, times[int(0.99 * (len(times) - 1))]


# -- synthetic scale test (its own templates, unrelated to the labelled set) ------------------------------
_PROBLEMS = [
    ("дорога", ["разбит асфальт", "ямы на проезжей части", "нужен ремонт покрытия", "колея и выбоины"]),
    ("свет", ["не работают фонари", "нет уличного освещения", "темно по вечерам", "сгорели лампы"]),
    ("мусор", ["переполнены баки", "не вывозят отходы", "грязная контейнерная площадка",
               "мусоровоз не едет"]),
    ("вода", ["нет холодной воды", "низкий напор", "течёт кран ржавая вода", "прорыв водопровода"]),
    ("тепло", ["холодные радиаторы", "отопления нет", "в квартире 15 градусов", "не греют трубы"]),
    ("собаки", ["бродячие псы", "стая собак нападает", "нужен отлов собак", "кусают прохожих собаки"]),
    ("лифт", ["лифт стоит", "подъемник сломан", "кабина застревает", "лифт не едет"]),
]
_OPENERS = ["", "Добрый день. ", "Уважаемая администрация, ", "вопрос: ", "ПОМОГИТЕ ", "Здравствуйте! "]
_CLOSERS = ["", "?", "!!!", " когда исправят?", " сколько ждать?", " примите меры"]


def synthetic(n: int, seed: int = 7) -> Iterator[dict]:
    """``n`` synthetic questions, generated as they are consumed (the input list is not the triage's memory)."""
    rnd = random.Random(seed)
    gazetteer = Gazetteer.from_csv(PLACES)
    streets = [(s.settlement, s.name.text) for s in gazetteer.streets]
    for k in range(n):
        settlement, street = rnd.choice(streets)
        topic, phrasings = rnd.choice(_PROBLEMS)
        house = rnd.randint(1, 400)
        where = f"ул. {street} д.{house}" if topic in ("лифт", "тепло", "вода") else f"на улице {street}"
        if settlement != gazetteer.default_settlement:
            where += f" в {settlement}"
        text = f"{rnd.choice(_OPENERS)}{where} {rnd.choice(phrasings)}{rnd.choice(_CLOSERS)}"
        yield {"id": f"s{k}", "text": text}


def scale(n: int) -> None:
    """analyse + cluster of ``n`` synthetic questions in one process; a line at 10k, 100k, ... shows growth."""
    triage = Triage(gazetteer=Gazetteer.from_csv(PLACES))
    t0 = time.perf_counter()
    checkpoint = 10_000
    for done, item in enumerate(synthetic(n), start=1):
        triage.cluster(item["id"], triage.analyse(item["text"]))
        if done == checkpoint and done < n:
            seconds = time.perf_counter() - t0
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  at questions={done} seconds={seconds:.1f} rss_mb={rss_mb:.0f} q_per_s={done / seconds:.0f} "
                  f"clusters={triage.index.cluster_count}", flush=True)
            checkpoint *= 10 if checkpoint * 10 <= n else 1
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"clusters={triage.index.cluster_count} exemplars={triage.index.exemplar_count}")
    print(f"questions={n} seconds={seconds:.1f} rss_mb={rss_mb:.0f} q_per_s={n / seconds:.0f}")


def vk_payload(k: int, text: str, author: int, at: float) -> dict[str, Any]:
    """A comment as ``wall.getComments`` delivers it (the shape of VK's schema), so memory is measured on
    realistic payloads."""
    return {"id": 100_000 + k, "from_id": author, "date": int(at), "text": text, "post_id": 678,
            "owner_id": -12345, "parents_stack": [], "attachments": [],
            "likes": {"count": k % 4, "user_likes": 0, "can_like": 1, "can_publish": 1},
            "thread": {"count": 0, "items": [], "can_post": True, "show_reply_button": True,
                       "groups_can_post": True}}


def scale_worker(n: int, chunk: int = 2_000) -> None:
    """``n`` synthetic questions through the live worker's whole step (inbox → triage → question, cluster and
    event in a real redis-server with AOF, fsync every second → ack), one process. The inbox is filled a
    chunk at a time outside the timed part; seconds and q/s count the worker's steps only. ``worker_rss_mb``
    is this process's peak (the worker's index and caches; the generator holds one chunk); ``redis_mb`` is
    Redis's ``used_memory`` / 10^6 with the event log trimmed as in production (``LIVELINE_EVENTS_MAXLEN``).
    A line per decade gives the figures so far and the decade's own rate."""
    from liveline.ingest import inbox
    from liveline.ingest.inbox import SourceItem
    from liveline.ingest.vk import itemkeys
    from liveline.settings import load as load_settings
    from liveline.store import events
    from workers.triage import TriageWorker

    events.configure(load_settings().events_maxlen)
    with live_broadcast("Масштаб") as (r, bid):
        worker = TriageWorker(r, str(PLACES))
        source = synthetic(n)
        rnd = random.Random(3)
        seconds, done, checkpoint = 0.0, 0, 10_000
        last_done, last_seconds = 0, 0.0
        while done < n:
            items = []
            for k, x in enumerate(itertools.islice(source, chunk), start=done):
                author, at = rnd.randrange(10**9), 1.7e9 + k * 0.05
                items.append(SourceItem(key=itemkeys.comment_key("wall", -12345, 678, 100_000 + k), text=x["text"],
                                        author_id=str(author), author_name="Житель Района",
                                        author_url=f"https://vk.com/id{author}", created_at=at, via="poll",
                                        raw=vk_payload(k, x["text"], author, at)))
            inbox.append(r, bid, items)
            t0 = time.perf_counter()
            target = done + len(items)
            while worker.processed < target:
                worker.step(block_ms=10)
            seconds += time.perf_counter() - t0
            done = target
            if done >= checkpoint or done >= n:
                rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                redis_mb = int(r.info("memory")["used_memory"]) / 1e6
                decade = (done - last_done) / max(seconds - last_seconds, 1e-9)
                print(f"  at questions={done} seconds={seconds:.1f} q_per_s={done / seconds:.0f} "
                      f"decade_q_per_s={decade:.0f} worker_rss_mb={rss_mb:.0f} redis_mb={redis_mb:.0f}", flush=True)
                last_done, last_seconds = done, seconds
                checkpoint *= 10
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        redis_mb = int(r.info("memory")["used_memory"]) / 1e6
        st = worker.states[bid]
        print(f"clusters={st.triage.index.cluster_count} exemplars={st.triage.index.exemplar_count} "
              f"events={r.xlen(keys.events(bid))} inbox={r.xlen(keys.inbox(bid))}")
    print(f"questions={n} seconds={seconds:.1f} q_per_s={n / seconds:.0f} worker_rss_mb={rss_mb:.0f} "
          f"redis_mb={redis_mb:.0f}")


def scale_index(n: int, seed: int = 11) -> None:
    """Worst case for memory: every question distinct (its own cluster, an exemplar each), index only.

    Features are drawn at random (lemmas from a 5,000-word vocabulary, random signatures, 2,000 street
    blocks with houses, village and general blocks), so this measures ``ClusterIndex`` alone."""
    rnd = random.Random(seed)
    vocab = [f"w{k}" for k in range(5000)]
    topics = ["roads", "housing", "lighting", "waste", "healthcare", "transport"]
    index = ClusterIndex()
    t0 = time.perf_counter()
    for k in range(n):
        r = rnd.random()
        block = f"s:town|street{rnd.randrange(2000)}" if r < 0.6 else f"g:village{rnd.randrange(30)}" \
            if r < 0.8 else "g:"
        f = Features(lemmas=[], topic_lemmas=rnd.sample(vocab, 5),
                     signature=[rnd.getrandbits(32) for _ in range(64)], block=block,
                     house=str(rnd.randrange(1, 300)) if r < 0.3 else None, topic=rnd.choice(topics))
        a = index.assign(f"q{k}", f)
        cluster = index.cluster_of(a.merge_into) if a.merge_into else None
        index.add(f"q{k}", f, cluster or f"q{k}")
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"index only, worst case: clusters={index.cluster_count} exemplars={index.exemplar_count}")
    print(f"questions={n} seconds={seconds:.1f} rss_mb={rss_mb:.0f} q_per_s={n / seconds:.0f}")


# -- the blind three-district set ---------------------------------------------------------------------------
DISTRICTS = ROOT / "tests" / "data" / "districts"
# heldout: the first blind district, never tuned on; fresh: a second blind one (reply threads), written after the
# held-out figures had been seen, to judge rules (additions) tuned after that; tune: the other two
# extra: a flat blind tuning file for kinds and filters (no places, groups or topics)
SETS = {"heldout": ("svetloozersky",), "fresh": ("zarechensky",), "tune": ("verkhneluzhsky", "kamennobrodsky"),
        "extra": ("triage_tune_extra.jsonl",), "pii": ("triage_tune_pii.jsonl",),
        "threads": ("triage_tune_threads.jsonl",), "chatter": ("triage_tune_chatter.jsonl",)}


def _rate(hits: int, total: int) -> float:
    """hits / total; nan when there is nothing to count (the flat tuning file has no groups or topics)."""
    return hits / total if total else float("nan")


def district_figures(names: tuple[str, ...]) -> dict[str, float]:
    """The figures of ``--set`` over the districts ``names`` (see the module docstring)."""
    from liveline.triage import offline

    counts: dict[str, int] = defaultdict(int)
    gold_pairs: set[tuple[str, str]] = set()
    auto_pairs: set[tuple[str, str]] = set()
    speed_items: list[dict] = []
    for name in names:
        flat = name.endswith(".jsonl")
        rows = load(ROOT / "tests" / "data" / name) if flat else load(DISTRICTS / name / "comments.jsonl")
        places = None if flat else DISTRICTS / name / "places.csv"
        comments = [offline.Comment(x["id"], x["text"], x.get("reply_to"), str(x.get("author") or ""),
                                    offline.parse_ts(x.get("ts"))) for x in rows]
        out = offline.triage_all(comments, Triage(gazetteer=Gazetteer.from_csv(places) if places else None))
        for x in rows:
            o = out[x["id"]]
            for kind in ("support", "chatter", "question"):
                if x["kind"] == kind:
                    counts[f"{kind}_gold"] += 1
                    counts[f"{kind}_hit"] += o["kind"] == kind
            for flt, gold in (("profanity", x["profanity"] != "none"), ("spam", x["spam"] is not None)):
                pred = o["filtered"] == flt
                counts[f"{flt}_tp"] += gold and pred
                counts[f"{flt}_pred"] += pred
                counts[f"{flt}_gold"] += gold
            pred_pii, gold_pii = bool(o["pii"]), bool(x["pii"])
            counts["pii_tp"] += pred_pii and gold_pii
            counts["pii_pred"] += pred_pii
            counts["pii_gold"] += gold_pii
        for x in rows:  # replies under a question: an addition joins its parent's cluster, a new question does not
            up = next((p for p in rows if p["id"] == x.get("reply_to")), None) if x.get("reply_to") else None
            if up is None or x["kind"] != "question" or up["kind"] != "question":
                continue
            joined = out[x["id"]]["cluster"] == out[up["id"]]["cluster"]
            if x.get("relation") == "addition":
                counts["addition_gold"] += 1
                counts["addition_hit"] += joined
                counts["addition_offered"] += joined or out[up["id"]]["cluster"] in out[x["id"]]["suggested"][:1]
            elif x.get("relation") == "new_question" and x["group"] != up["group"]:
                counts["new_reply_gold"] += 1
                counts["new_reply_hit"] += not joined
        asked = [x for x in rows if x["kind"] == "question" and x.get("relation") != "addition" and "group" in x]
        counts["topic_n"] += len(asked)
        counts["topic_hit"] += sum(out[x["id"]]["topic"] == x["topic"] for x in asked)
        for a, b in itertools.combinations(asked, 2):
            pair = (a["id"], b["id"])
            if a["group"] == b["group"]:
                gold_pairs.add(pair)
            if out[a["id"]]["cluster"] == out[b["id"]]["cluster"]:
                auto_pairs.add(pair)
        speed_items += [{"id": x["id"], "text": x["text"]} for x in rows]
    ap, ar, af = _prf(auto_pairs, gold_pairs) if gold_pairs else (float("nan"),) * 3
    print(f"replies: additions joined to their parent {counts['addition_hit']}/{counts['addition_gold']} "
          f"(joined or the parent's card suggested first {counts['addition_offered']}/{counts['addition_gold']}), "
          f"new questions kept apart {counts['new_reply_hit']}/{counts['new_reply_gold']}")
    q_per_s, _ = worker_speed(items=speed_items,
                              places=PLACES if names[0].endswith(".jsonl") else DISTRICTS / names[0] / "places.csv")
    c = counts
    return {
        "support_r": _rate(c["support_hit"], c["support_gold"]),
        "chatter_r": _rate(c["chatter_hit"], c["chatter_gold"]),
        "question_kept": _rate(c["question_hit"], c["question_gold"]),
        "profanity_p": _rate(c["profanity_tp"], c["profanity_pred"]),
        "profanity_r": _rate(c["profanity_tp"], c["profanity_gold"]),
        "spam_p": _rate(c["spam_tp"], c["spam_pred"]), "spam_r": _rate(c["spam_tp"], c["spam_gold"]),
        "pii_p": _rate(c["pii_tp"], c["pii_pred"]), "pii_r": _rate(c["pii_tp"], c["pii_gold"]),
        "auto_p": ap, "auto_r": ar, "auto_f1": af,
        "topic_acc": _rate(c["topic_hit"], c["topic_n"]),
        "q_per_s": q_per_s,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, help="run N synthetic questions and report time and RSS")
    parser.add_argument("--index-only", action="store_true",
                        help="with --scale: random distinct features straight into ClusterIndex (memory bound)")
    parser.add_argument("--in-memory", action="store_true",
                        help="with --scale: analyse + cluster only, no worker step and no Redis")
    parser.add_argument("--set", choices=sorted(SETS), dest="district_set",
                        help="the whole triage on the blind sets: heldout (svetloozersky), fresh (zarechensky), tune "
                             "(the other two districts), or a flat tuning file: extra (kinds and filters), pii (personal "
                             "data and spam near misses), threads (reply threads between residents), chatter (replies, live chat "
                             "and numbers that name nobody)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    tune_gc()  # as the worker and `liveline cluster` processes do
    if args.district_set:
        figures = district_figures(SETS[args.district_set])
        print(" ".join(f"{k}={v:.0f}" if k == "q_per_s" else f"{k}={v:.3f}" for k, v in figures.items()))
        print(f"set={args.district_set} districts={','.join(SETS[args.district_set])}")
        return 0
    if args.scale and args.index_only:
        scale_index(args.scale)
        return 0
    if args.scale and args.in_memory:
        scale(args.scale)
        return 0
    if args.scale:
        scale_worker(args.scale)
        return 0
    params = Params()
    report = quality(params, verbose=not args.quiet)
    mem_q_per_s, mem_p99 = speed()
    print(f"speed in memory (analyse + cluster, no Redis): {mem_q_per_s:.0f} q/s, p99 {mem_p99:.2f} ms")
    q_per_s, p99 = worker_speed()
    h = report["held-out"]
    print("speed: the live worker's whole step with its Redis writes (AOF, fsync every second), one process")
    print(f"q_per_s={q_per_s:.0f} p99_ms={p99:.2f} auto_precision={h['auto_precision']:.3f} "
          f"suggest_recall={h['suggest_recall']:.3f} topic_accuracy={h['topic_accuracy']:.3f}")
    print("params " + " ".join(f"{k}={v}" for k, v in asdict(params).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
