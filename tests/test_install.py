"""A non-editable ``pip install .`` in a fresh virtualenv is enough to run Liveline: its package data
(templates, static files, the demo broadcast, triage lexicons) travel with the wheel."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveline.store import codec

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with Liveline installed from the checkout as a wheel would be (no editable link)."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    yield venv


def test_the_installed_package_is_not_the_checkout(installed: Path) -> None:
    out = subprocess.run([str(installed / "bin" / "python"), "-c", "import liveline; print(liveline.__file__)"],
                         check=True, capture_output=True, text=True, cwd="/").stdout
    assert str(installed) in out and str(ROOT) not in out


def test_liveline_cluster_runs_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    questions = tmp_path / "in.jsonl"
    questions.write_text('{"id": "1", "text": "Когда отремонтируют дорогу на улице Ленина?"}\n'
                         '{"id": "2", "text": "на ленина яма на яме"}\n', encoding="utf-8")
    done = subprocess.run([str(installed / "bin" / "liveline"), "cluster", str(questions)], check=False,
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [codec.loads(line) for line in done.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["1", "2"]
    assert {row["topic"] for row in rows} == {"roads"}
    assert done.stderr == ""  # no library log noise


def test_liveline_demo_serves_pages_and_static_files_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVELINE_")}
    env.update(LIVELINE_PORT=str(port), PYTHONPATH="")
    demo = subprocess.Popen([str(installed / "bin" / "liveline"), "demo"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        login = b""
        while time.monotonic() < deadline and not login:
            try:
                login = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read()
            except OSError:
                time.sleep(0.5)
        assert "Вход".encode() in login
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/liveline.css", timeout=5).read()
        assert len(css) > 100
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(30)
