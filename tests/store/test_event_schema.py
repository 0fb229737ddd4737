"""Typed events: every kind has a schema, the invariant tests emit every kind (each event they emit is
checked: tests/event_checks.py), the declared documents are the ones the verbs write, and a malformed event
is refused with a message that names its kind and the offending field."""

from __future__ import annotations

import copy
import typing
from pathlib import Path
from typing import Any

import pytest
import redis

from liveline.board import broadcasts, clusters, questions
from liveline.board import cluster_doc as cluster_doc_mod
from liveline.board import host as host_mod
from liveline.followup import appeals
from liveline.store import codec, event_schema, events, keys, state
from liveline.store.event_schema import EventSchemaError, check
from liveline.store.events import Event
from tests import event_checks
from tests.helpers import item, live_broadcast, triaged

ROOT = Path(__file__).resolve().parents[2]


# -- every kind: a schema, exercised, documented ---------------------------------------------------------
@pytest.mark.after_event_tests
def test_every_kind_has_a_schema_and_the_invariant_tests_emit_each(request: pytest.FixtureRequest,
                                                                   tmp_path: Path) -> None:
    assert set(event_schema.SCHEMAS) == events.KINDS, "kinds without a schema, or schemas of no kind: " + \
        repr(sorted(set(event_schema.SCHEMAS) ^ events.KINDS))
    seen = event_checks.kinds_emitted_by_checked(request.config, tmp_path)
    never = sorted(events.KINDS - seen)
    assert not never, f"kinds no invariant test emits ({', '.join(event_checks.CHECKED)}): {', '.join(never)}"
    assert seen <= events.KINDS, sorted(seen - events.KINDS)


def test_the_docs_list_every_kind() -> None:
    doc = (ROOT / "docs" / "events.md").read_text()
    assert not [k for k in sorted(events.KINDS) if f"`{k}`" not in doc]


# -- the declared documents are the ones the verbs write ------------------------------------------------
def fields(tp: Any) -> set[str]:
    return set(event_schema.fields_of(tp)[0])


def test_declared_values_are_the_domain_constants() -> None:
    from liveline.board import undo

    assert event_schema.ClusterChange.__origin__ is cluster_doc_mod.ClusterDoc  # the document's own schema
    assert typing.get_args(event_schema.BroadcastState) == broadcasts.STATES
    assert typing.get_args(event_schema.AppealStatus) == appeals.STATUSES
    assert set(undo.REVERTIBLE) <= set(typing.get_args(event_schema.ClusterStatus))
    assert tuple(event_schema.fields_of(event_schema.QuestionView)[0]) == state.QUESTION_VIEW
    assert fields(event_schema.HostDoc) == set(host_mod.default())


def test_a_new_cluster_and_a_new_appeal_are_every_declared_field(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, "Яма на Ленина"), triaged("Яма на Ленина"))
    assert ev is not None
    (cid,) = ev.clusters
    assert set(clusters.get(r, bid, cid)) == fields(cluster_doc_mod.ClusterDoc)
    clusters.approve(r, bid, cid, "anna")
    broadcasts.end(r, bid)
    appeals.create_from_broadcast(r, bid)
    a = appeals.take(r, bid, "1", "olga")
    assert set(a) == fields(event_schema.AppealDoc)
    assert set(broadcasts.get(r, bid)) | {"closed_at", "purged_at"} == fields(event_schema.BroadcastMeta)


# -- the check in the suite ------------------------------------------------------------------------------
def test_an_emitted_event_that_breaks_its_schema_fails_its_test_naming_the_emitter(
        r: redis.Redis, request: pytest.FixtureRequest) -> None:
    assert events.CHECK is event_checks.record
    with r.pipeline(transaction=True) as p:
        events.emit(p, 1, Event("cluster.pin", clusters={"7": {"pinned": "yes"}}))
        p.execute()
    problems = event_checks.take_problems(request.node.nodeid)  # taken: this test does not fail for it
    assert len(problems) == 1
    assert "'cluster.pin'" in problems[0] and "clusters['7'].pinned" in problems[0]
    assert "expected bool, got str 'yes'" in problems[0]
    assert "tests/store/test_event_schema.py" in problems[0]  # the emitter
    assert r.xlen(keys.events(1)) == 1  # the verb ran unchanged


# -- well-formed events pass, malformed ones are refused clearly ----------------------------------------
def cluster_doc(cid: str = "3") -> dict[str, Any]:
    c = cluster_doc_mod.new(cid, {"id": "5", "text": "Яма", "reading_text": "Яма", "author_name": "Житель",
                                   "author_url": "", "source": "demo", "created_at": 1.0e9})
    return c


def view(qid: str = "5", cluster: str | None = "3") -> dict[str, Any]:
    return {"id": qid, "key": f"demo:{qid}", "cluster": cluster, "kind": "question", "support_for": None,
            "brigade": None, "edited": False, "deleted": False, "likes": 0}


def host() -> dict[str, Any]:
    return host_mod.default()


GOOD: dict[str, Event] = {
    "new": Event("question.new", actor="triage", clusters={"3": cluster_doc()}, questions={"5": view()},
                 note={"qids": ["5"], "stream_ms": 0, "qid": "5"}),
    "likes": Event("question.likes", clusters={"3": {"likes": 4, "support": 5, "version": 2}},
                   questions={"5": {**view(), "likes": 4}}, note={"qid": "5"}),
    "queue": Event("cluster.queue", actor="anna", clusters={"3": {"status": "queued", "version": 2}},
                   queue=["3"], host=host()),
    "merge": Event("cluster.merge", clusters={"3": {"size": 2}, "4": None}, questions={"6": view("6")},
                   note={"target": "3", "source": "4", "moved": ["6"]}),
    "split": Event("cluster.split", clusters={"3": {"size": 1}, "9": cluster_doc("9")},
                   questions={"6": view("6", "9")}, note={"from": "3", "to": "9", "qids": ["6"]}),
    "live": Event("broadcast.live", broadcast={
        "id": "1", "title": "Линия", "official": "Глава", "tz": "Europe/Moscow", "start": "", "end": "",
        "state": "live", "created_at": "1.000", "created_by": "admin", "started_at": "2.000", "ended_at": "",
        "stream_url": ""}),
    "presence": Event("presence", note={"online": [{"user": "anna", "cards": ["3"]}]}),
    "muted": Event("author.muted", actor="anna", note={"author_id": "vk:9", "name": ""}),
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_a_well_formed_event_passes_as_an_event_and_as_json(name: str) -> None:
    check(GOOD[name])
    check(codec.loads(GOOD[name].to_json()))


def broken(name: str, change: Any) -> Event:
    ev = copy.deepcopy(GOOD[name])
    change(ev)
    return ev


def setitem(d: dict[str, Any], k: str, v: Any) -> None:
    d[k] = v


BAD: list[tuple[str, Event, str, str]] = [  # (case, event, path, what the message says)
    ("an unknown kind", Event("cluster.frobnicate"), "type", "unknown event kind (not in events.KINDS)"),
    ("a missing note key", broken("new", lambda e: e.note.pop("qids")), "note",
     "missing required key 'qids' of QuestionNewNote"),
    ("an extra note key", broken("muted", lambda e: setitem(e.note, "why", "spam")), "note",
     "unexpected key 'why': AuthorNote has no such field"),
    ("a note on a kind without one", broken("queue", lambda e: setitem(e.note, "position", 1)), "note",
     "unexpected key 'position': NoNote has no such field"),
    ("a wrong type in a cluster change", broken("queue", lambda e: setitem(e.clusters["3"], "version", "2")),
     "clusters['3'].version", "expected int, got str '2'"),
    ("a bool for an int", broken("likes", lambda e: setitem(e.questions["5"], "likes", True)),
     "questions['5'].likes", "expected int, got bool True"),
    ("a status that is none", broken("queue", lambda e: setitem(e.clusters["3"], "status", "waiting")),
     "clusters['3'].status", "expected one of 'new', 'approved'"),
    ("an unknown cluster field", broken("queue", lambda e: setitem(e.clusters["3"], "colour", "red")),
     "clusters['3']", "unexpected key 'colour': part of ClusterDoc has no such field"),
    ("a question view without a field", broken("likes", lambda e: e.questions["5"].pop("deleted")),
     "questions['5']", "missing required key 'deleted' of QuestionView"),
    ("a question view with the text", broken("likes", lambda e: setitem(e.questions["5"], "text", "Яма")),
     "questions['5']", "unexpected key 'text'"),
    ("a view under another id", broken("likes", lambda e: setitem(e.questions["5"], "id", "6")),
     "questions['5'].id", "names another question"),
    ("a new cluster that is not whole", broken("new", lambda e: e.clusters["3"].pop("leader")),
     "clusters['3']", "a new cluster (its change carries 'id') carries every field; missing 'leader'"),
    ("a gone cluster outside a merge", broken("queue", lambda e: setitem(e.clusters, "4", None)),
     "clusters['4']", "None (a cluster gone) only a merge may say"),
    ("a merge whose source stays", broken("merge", lambda e: setitem(e.clusters, "4", {"size": 0})),
     "clusters['4']", "the merged source (note.source) must be None"),
    ("a queue verb without the queue", broken("queue", lambda e: setattr(e, "queue", None)), "queue",
     "is required for this kind (got None)"),
    ("a host screen where none belongs", broken("presence", lambda e: setattr(e, "host", host())), "host",
     "must be None for this kind"),
    ("a host screen of the wrong shape", broken("queue", lambda e: setitem(e.host, "font", "big")),
     "host.font", "expected int, got str 'big'"),
    ("a split that names no question", broken("split", lambda e: e.note.update(qids=[])), "note.qids",
     "a split moves at least one question"),
    ("a broadcast state that is not the kind's", broken("live", lambda e: setitem(e.broadcast, "state", "draft")),
     "broadcast.state", "a broadcast.live event leaves the broadcast 'live', got 'draft'"),
    ("a broadcast value that is not text", broken("live", lambda e: setitem(e.broadcast, "started_at", 2.0)),
     "broadcast.started_at", "expected str, got float 2.0"),
    ("a presence entry of the wrong shape", broken("presence", lambda e: setitem(e.note, "online", [{"user": 1}])),
     "note.online[0]", "missing required key 'cards' of OnlineUser"),
    ("a question.new whose qid is not its question", broken("new", lambda e: setitem(e.note, "qid", "6")),
     "note.qid", "names '6', but note.qids is ['5']"),
    ("no views for the questions of a change", broken("likes", lambda e: e.questions.clear()), "questions",
     "must not be empty for this kind"),
    ("a time that is not a number", broken("muted", lambda e: setattr(e, "ts", "now")), "ts",
     "expected a number, got str 'now'"),
]


@pytest.mark.parametrize("case,event,path,message", BAD, ids=[b[0] for b in BAD])
def test_a_malformed_event_is_refused_naming_its_kind_and_field(case: str, event: Event, path: str,
                                                                message: str) -> None:
    with pytest.raises(EventSchemaError) as exc:
        check(event)
    assert exc.value.kind == event.type and exc.value.path == path, str(exc.value)
    assert message in exc.value.problem, str(exc.value)
    assert str(exc.value).startswith(f"event {event.type!r}: {path}: ")


def test_the_json_form_is_checked_for_missing_and_extra_top_level_fields() -> None:
    data: dict[str, Any] = {"type": "presence", "actor": "", "ts": 1.0, "clusters": {}, "questions": {},
                            "queue": None, "host": None, "broadcast": None, "note": {"online": []}}
    check(data)
    with pytest.raises(EventSchemaError, match=r"event 'presence': missing required key 'note' of EventData"):
        check({k: v for k, v in data.items() if k != "note"})
    with pytest.raises(EventSchemaError, match=r"unexpected key 'extra': EventData has no such field"):
        check({**data, "extra": 1})
    with pytest.raises(EventSchemaError, match=r"event '5': type: expected the kind as a str, got int 5"):
        check({**data, "type": 5})


def test_a_kind_in_kinds_without_a_schema_is_named_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_schema, "KINDS", events.KINDS | {"cluster.new_verb"})
    with pytest.raises(EventSchemaError, match=r"unknown event kind \(in events.KINDS but has no schema\)"):
        check(Event("cluster.new_verb"))
