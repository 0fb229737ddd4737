"""Every event the test suite emits is checked against its kind's schema (``liveline.store.event_schema``).

A pytest plugin, registered by tests/conftest.py. While the suite runs, ``events.emit`` hands each event it
queues to ``record`` (``events.CHECK``), which checks its JSON form, as the log holds it. A test whose
events break their schema fails at teardown, naming the kind, the offending field and the verb that
emitted it; the verbs under test run unchanged (nothing is raised inside their transactions).

The kinds each test module emitted are kept: ``kinds_emitted_by_checked`` gives the kinds the invariant
tests (``CHECKED``: state + events == a fresh read) emitted, for the test that requires every kind of
``events.KINDS`` to be exercised there (tests/store/test_event_schema.py). That test runs after every other
one; when this session did not run every ``CHECKED`` module whole, it runs them in a pytest of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveline.store import codec, event_schema, events

# the invariant tests: the kinds they emit must cover events.KINDS
CHECKED = (
    "tests/board/test_event_kinds.py",
    "tests/board/test_invariants.py",
    "tests/board/test_undo.py",
    "tests/board/test_authors.py",
    "tests/store/test_event_log.py",
    "tests/followup/test_appeals.py",
    "tests/live/test_screens.py",
    "tests/live/test_board_window.py",
)
MARKER = "after_event_tests"
REPORT_ENV = "LIVELINE_EVENT_KINDS_REPORT"  # where a session writes the kinds CHECKED emitted (a JSON list)


class Run:
    """What this session saw: the running test, the problems per test, the kinds per test module."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.current = ""
        self.problems: dict[str, list[str]] = {}
        self.kinds: dict[str, set[str]] = {}
        self.partial: set[str] = set()  # CHECKED modules this session does not run whole
        self.whole = False


RUN = Run()


def emitter() -> str:
    """Where the verb that called ``events.emit`` is (file:line in function)."""
    stack = traceback.extract_stack()
    for i in range(len(stack) - 1, 0, -1):
        if stack[i].name == "emit" and stack[i].filename.endswith(os.path.join("store", "events.py")):
            caller = stack[i - 1]
            try:
                where = os.path.relpath(caller.filename)
            except ValueError:
                where = caller.filename
            return f"{where}:{caller.lineno} in {caller.name}"
    return "?"


def problem_of(event: events.Event) -> str | None:
    """What is wrong with ``event`` (as the log would hold it), or None."""
    try:
        event_schema.check(codec.loads(event.to_json()))
    except event_schema.EventSchemaError as exc:
        return str(exc)
    return None


def record(event: events.Event) -> None:
    """``events.CHECK`` while the suite runs."""
    problem = problem_of(event)
    with RUN.lock:
        test = RUN.current
        RUN.kinds.setdefault(test.partition("::")[0], set()).add(event.type)
        if problem is not None:
            RUN.problems.setdefault(test, []).append(f"{problem}\n    emitted at {emitter()}")


def take_problems(nodeid: str) -> list[str]:
    with RUN.lock:
        return RUN.problems.pop(nodeid, [])


# -- hooks ---------------------------------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: runs after every other test of the session "
                                       "(it reads what they emitted)")
    events.CHECK = record


def pytest_unconfigure(config: pytest.Config) -> None:
    events.CHECK = None


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    with RUN.lock:
        RUN.current = nodeid


@pytest.fixture(autouse=True)
def events_match_their_schemas(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test (at teardown) whose events break their schema."""
    yield
    problems = take_problems(request.node.nodeid)
    if problems:
        pytest.fail(f"{len(problems)} event(s) break their schema (liveline/store/event_schema.py):\n"
                    + "\n".join(problems), pytrace=False)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker(MARKER) is not None)  # stable: the rest keep order


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.nodeid.partition("::")[0]
        if module in CHECKED:
            RUN.partial.add(module)


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    collected = {item.nodeid.partition("::")[0] for item in session.items}
    whole: set[str] = set()
    for arg in config.args:
        target, sep, _ = arg.partition("::")
        if sep:
            continue
        path = (config.invocation_params.dir / target).resolve()
        whole |= {m for m in CHECKED if path == (config.rootpath / m).resolve()
                  or path in (config.rootpath / m).resolve().parents}
    RUN.whole = all(m in whole and m in collected and m not in RUN.partial for m in CHECKED)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    out = os.environ.get(REPORT_ENV)
    if out:
        Path(out).write_text(json.dumps(sorted(emitted_by_checked())))


# -- the kinds the invariant tests emit ----------------------------------------------------------------
def emitted_by_checked() -> set[str]:
    with RUN.lock:
        return set().union(*(RUN.kinds.get(m, set()) for m in CHECKED))


def kinds_emitted_by_checked(config: pytest.Config, scratch: Path) -> set[str]:
    """The kinds the ``CHECKED`` modules emit: as this session saw them when it ran all of them (before the
    test that asks), else from a pytest of their own."""
    if RUN.whole:
        return emitted_by_checked()
    report = scratch / "kinds.json"
    root = str(config.rootpath)
    env = {**os.environ, REPORT_ENV: str(report),
           "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CHECKED],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, f"the invariant tests failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    return set(json.loads(report.read_text()))
