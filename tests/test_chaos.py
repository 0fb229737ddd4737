"""The chaos run, compressed (~3 minutes): SIGKILLs of Redis, worker, ingest and web during a simulated
broadcast lose nothing, double nothing and keep every acknowledged moderator action (see tests/chaos.py)."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_chaos_loses_and_doubles_nothing() -> None:
    seed = random.SystemRandom().randrange(1, 10**6)
    proc = subprocess.run([sys.executable, "-m", "tests.chaos", "--duration", "150", "--seed", str(seed)],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines, proc.stderr[-3000:]
    last = lines[-1]
    figures = dict(re.findall(r"(\w+)=(\d+)", last))
    report = "\n".join(line for line in lines if line.startswith("[chaos")) + "\n" + last
    assert set(figures) >= {"kills_redis", "kills_worker", "kills_ingest", "kills_web", "lost", "duplicated",
                            "actions_lost", "seed"}, report
    for kind in ("redis", "worker", "ingest", "web"):
        assert int(figures[f"kills_{kind}"]) >= 2, report
    assert figures["lost"] == "0", f"replay with --seed {seed}\n{report}"
    assert figures["duplicated"] == "0", f"replay with --seed {seed}\n{report}"
    assert figures["actions_lost"] == "0", f"replay with --seed {seed}\n{report}"
    assert "board snapshot == state.read: True" in report, report
    assert proc.returncode == 0, report
