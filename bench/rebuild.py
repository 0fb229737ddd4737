"""How long a triage worker takes to rebuild its in-memory duplicate index from Redis on start.

Writes N questions of one broadcast straight into Redis (the shape ``questions.ingest`` writes), then times
``TriageWorker.rebuild`` and measures the process's RSS growth. Last line:
``questions=… rebuild_s=… rss_mb=… q_per_s=…``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psutil
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liveline import keys
from liveline.board import broadcasts
from liveline.store.redisproc import RedisProcess
from workers.triage import TriageWorker

PROBLEMS = ["яма на дороге", "не горят фонари", "не вывозят мусор", "нет отопления", "не ходит автобус",
            "нет горячей воды", "сломаны качели на площадке", "бродячие собаки", "нет места в садике"]
STREETS = ["Ленина", "Мира", "Гагарина", "Садовой", "Школьной", "Кирова", "Пушкина", "Чапаева", "Победы"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--questions", type=int, default=100_000)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="liveline-rebuild-"))
    proc = RedisProcess(tmp / "redis", appendonly=False).start()
    try:
        r = redis.Redis.from_url(proc.url)
        bid = broadcasts.create(r, "Перестройка индекса", "Глава", "Europe/Moscow")
        rnd = random.Random(7)
        p = r.pipeline(transaction=False)
        for n in range(1, a.questions + 1):
            text = f"Когда решат: {rnd.choice(PROBLEMS)} на улице {rnd.choice(STREETS)} {rnd.randint(1, 60)}?"
            q = {"id": str(n), "key": f"demo:{n}", "kind": "question", "cluster": str(n), "reading_text": text,
                 "text": text, "filter_reason": None, "created_at": n}
            p.hset(keys.questions(bid), str(n), json.dumps(q, ensure_ascii=False))
            if n % 5000 == 0:
                p.execute()
        p.execute()
        before = psutil.Process().memory_info().rss
        worker = TriageWorker(r, str(Path(__file__).resolve().parent.parent / "liveline/demo/places.csv"))
        started = time.perf_counter()
        worker.rebuild(bid)
        seconds = time.perf_counter() - started
        rss = (psutil.Process().memory_info().rss - before) / 2**20
        print(f"questions={a.questions} rebuild_s={seconds:.1f} rss_mb={rss:.0f} "
              f"q_per_s={a.questions / seconds:.0f}")
    finally:
        proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
