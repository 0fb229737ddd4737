"""Typed events: what each kind of event in a broadcast's log carries, declared once and checked on demand.

An ``events.Event`` is plain JSON-able data. This module declares its shape as TypedDicts, one for what
every event carries (``EventData``) and one per kind for its ``note``, plus the shapes of a cluster's
change (``ClusterChange``), a question's view (``QuestionView``), the host screen (``HostDoc``), the
broadcast (``BroadcastMeta``) and an appeal (``AppealDoc``). ``SCHEMAS`` says per kind which parts an event
of that kind carries and which cross-field rules hold (``KindSchema``). ``check(event)`` validates an event
(or its JSON form) against them and raises ``EventSchemaError`` naming the kind, the offending field (a
path such as ``clusters['12'].status``) and what is wrong: an unknown kind, a missing required key, a value
of the wrong type, an unexpected extra key, or a broken rule.

The checker is built from the declared types themselves (``checker(tp)``), as in Zulip's
``zerver/lib/event_schema.py`` + ``data_types.py``: adding a field to a document means declaring it here,
or the test suite (which checks every event it emits: ``tests/event_checks.py``) fails at the verb that
wrote it. Production never calls ``check``: ``events.emit`` only calls a hook the test suite installs.

The kinds and what each carries are listed in ``docs/events.md``.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired, Required, TypedDict

from liveline.board.cluster_doc import ClusterDoc
from liveline.board.cluster_doc import Status as ClusterStatus
from liveline.store.events import KINDS, Event

# -- the documents an event carries ------------------------------------------------------------------------
BroadcastState = Literal["draft", "live", "ended", "closed"]
AppealStatus = Literal["new", "in_work", "redirected", "answered", "closed"]
QuestionKind = Literal["question", "support", "chatter"]


PARTIAL = "partial"  # ``Annotated[SomeTypedDict, PARTIAL]``: any subset of its fields, each of its type
ClusterChange = Annotated[ClusterDoc, PARTIAL]
"""A cluster's fields in an event: the ones that changed, or every one for a new cluster (which is the only
change that carries ``id``); the schema is the document's own (``board.cluster_doc.ClusterDoc``). ``None`` in
place of a change: the cluster is gone (a merge)."""


class QuestionView(TypedDict):
    """Where a question stands (``state.question_view``; never its text): every field, always."""

    id: str
    key: str
    cluster: str | None  # None: a "+1" reply still waiting for the question it backs
    kind: QuestionKind
    support_for: str | None
    brigade: str | None
    edited: bool
    deleted: bool
    likes: int


class HostDoc(TypedDict):
    """The studio screen (``board.host.default`` and ``board.clusters.set_host``)."""

    on_air: str | None
    since: float | None
    cue: str
    cue_at: float | None
    blank: bool
    paused: bool
    font: int


class BroadcastMeta(TypedDict):
    """The broadcast's hash, every value a string (a time stamp is ``"%.3f"`` of Unix time, or ``""``)."""

    id: str
    title: str
    official: str
    tz: str
    start: str
    end: str
    state: BroadcastState
    created_at: str
    created_by: str
    started_at: str
    ended_at: str
    stream_url: str
    closed_at: NotRequired[str]
    purged_at: NotRequired[str]


class Coauthor(TypedDict):
    author_id: str
    author_name: str
    author_url: str
    qid: str
    key: str
    source: str
    qids: list[str]


class CitizenReply(TypedDict):
    key: str
    qid: str
    author_id: str
    author_name: str
    text: str
    at: float


class AppealHistory(TypedDict):
    at: float
    by: str
    action: str
    note: str


class AppealDoc(TypedDict):
    """A follow-up appeal, whole (``followup.appeals._build``; ``updated_*`` from its first verb on)."""

    id: str
    broadcast: str
    broadcast_title: str
    cluster: str
    tz: str
    status: AppealStatus
    title: str
    text: str
    reply_to: NotRequired[dict[str, Any] | None]  # the question's parent when it is a reply (appeals before it: none)
    topic: str
    topic_name: str
    settlement: str
    address: str
    department: str
    question_ids: list[str]
    coauthors: list[Coauthor]
    supporters: int
    support: int
    likes: int
    cluster_status: ClusterStatus
    created_at: float
    start: float
    deadline: float
    rule: str
    assignee: str
    answer: str
    answer_no: int
    answered_at: float | None
    answered_by: str
    redirect_reason: str
    reopened: int
    reminded_at: float | None
    escalated_at: float | None
    citizen_replies: list[CitizenReply]
    version: int
    history: list[AppealHistory]
    updated_at: NotRequired[float]
    updated_by: NotRequired[str]


class OnlineUser(TypedDict):
    user: str
    cards: list[str]


# -- what every event carries ---------------------------------------------------------------------------
class EventData(TypedDict):
    """An ``events.Event`` as its fields (``id`` only once it is read back from the log)."""

    type: str
    actor: str
    ts: float
    clusters: dict[str, ClusterChange | None]
    questions: dict[str, QuestionView]
    queue: list[str] | None
    host: HostDoc | None
    broadcast: BroadcastMeta | None
    note: dict[str, Any]  # checked against the kind's note type
    id: NotRequired[str]


# -- each kind's note -----------------------------------------------------------------------------------
class NoNote(TypedDict):
    """The kind carries nothing in ``note``."""


class QuestionNewNote(TypedDict):
    qids: list[str]  # the new questions, in arrival order (also the entry's ``q`` field)
    stream_ms: int
    qid: NotRequired[str]  # when the batch is one question


class QuestionNote(TypedDict):
    qid: str


class MoveNote(TypedDict):
    position: int


class RevertNote(TypedDict):
    status: ClusterStatus


class MergeNote(TypedDict):
    target: str
    source: str
    moved: list[str]  # the source's members, now the target's


SplitNote = TypedDict("SplitNote", {
    "from": str,
    "to": str,  # the new cluster
    "qids": list[str],  # the questions split out: one (a moderator's split) or several (undo of a merge)
})


class AuthorNote(TypedDict):
    author_id: str
    name: str


class PresenceNote(TypedDict):
    online: list[OnlineUser]


class AppealNote(TypedDict):
    appeal: AppealDoc


# -- the checker built from declared types --------------------------------------------------------------
class EventSchemaError(ValueError):
    """An event that does not match its kind's schema; ``kind`` and ``path`` name what is wrong."""

    def __init__(self, kind: str, path: str, problem: str) -> None:
        self.kind, self.path, self.problem = kind, path, problem
        super().__init__(f"event {kind!r}: {path}: {problem}" if path else f"event {kind!r}: {problem}")


class Mismatch(Exception):
    """Raised by a checker: ``path`` is where in the checked value, ``problem`` what is wrong there."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


Checker = Callable[[object, str], None]
"""``check(value, path)``: returns when ``value`` matches, raises ``Mismatch`` otherwise."""


def key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def item_path(path: str, key: object) -> str:
    return f"{path}[{key!r}]"


def show(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def describe(tp: Any) -> str:
    """A declared type as a reader would write it: ``str | None``, ``list[str]``, ``'new' | 'approved'``."""
    if tp is type(None) or tp is None:
        return "None"
    if tp is Any or tp is object:
        return "anything"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Annotated:
        return f"part of {describe(args[0])}" if PARTIAL in args[1:] else describe(args[0])
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(describe(a) for a in args)
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(describe(a) for a in args)}]"
    return str(getattr(tp, "__name__", tp))


def _scalar(name: str, ok: Callable[[object], bool]) -> Checker:
    def check(value: object, path: str) -> None:
        if not ok(value):
            raise Mismatch(path, f"expected {name}, got {show(value)}")
    return check


def _anything(value: object, path: str) -> None:
    return None


_SCALARS: dict[Any, Checker] = {
    str: _scalar("str", lambda v: isinstance(v, str)),
    bool: _scalar("bool", lambda v: isinstance(v, bool)),
    int: _scalar("int", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    float: _scalar("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool)),
    type(None): _scalar("None", lambda v: v is None),
}


@functools.cache
def checker(tp: Any) -> Checker:
    """The checker of a declared type: str, int, float (an int too), bool, None, Any, Literal, unions,
    ``list[T]``, ``dict[str, T]`` and TypedDicts (required keys, ``NotRequired`` ones, no others)."""
    if tp is Any or tp is object:
        return _anything
    if tp is None:
        tp = type(None)
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Annotated:
        return _typeddict(args[0], partial=True) if PARTIAL in args[1:] else checker(args[0])
    if origin is NotRequired or origin is Required:
        return checker(args[0])
    if origin is Literal:
        return _literal(args)
    if origin is typing.Union or origin is types.UnionType:
        return _union(tp, args)
    if origin is list:
        return _list(args[0])
    if origin is dict:
        if args[0] is not str:
            raise TypeError(f"event schemas key their dicts by str, not {describe(args[0])}")
        return _dict(args[1])
    if typing.is_typeddict(tp):
        return _typeddict(tp)
    raise TypeError(f"no checker for the declared type {tp!r}")


def _literal(allowed: tuple[Any, ...]) -> Checker:
    def check(value: object, path: str) -> None:
        if not any(value == a and type(value) is type(a) for a in allowed):
            raise Mismatch(path, f"expected one of {', '.join(repr(a) for a in allowed)}; got {show(value)}")
    return check


def _outer(tp: Any) -> type | None:
    """The Python type a value of ``tp`` is at its outside (a dict for a TypedDict), when that decides."""
    if typing.get_origin(tp) is Annotated:
        return _outer(typing.get_args(tp)[0])
    if typing.is_typeddict(tp) or typing.get_origin(tp) is dict:
        return dict
    if typing.get_origin(tp) is list:
        return list
    return None


def _union(tp: Any, alternatives: tuple[Any, ...]) -> Checker:
    checks = [(checker(a), _outer(a)) for a in alternatives]

    def check(value: object, path: str) -> None:
        shaped = [c for c, outer in checks if outer is not None and isinstance(value, outer)]
        if len(shaped) == 1:  # e.g. a dict for ``ClusterChange | None``: what is wrong is inside it
            shaped[0](value, path)
            return
        for c, _ in checks:
            try:
                c(value, path)
                return
            except Mismatch:
                continue
        raise Mismatch(path, f"expected {describe(tp)}, got {show(value)}")
    return check


def _list(item: Any) -> Checker:
    check_item = checker(item)

    def check(value: object, path: str) -> None:
        if not isinstance(value, list):
            raise Mismatch(path, f"expected list[{describe(item)}], got {show(value)}")
        for i, x in enumerate(value):
            check_item(x, f"{path}[{i}]")
    return check


def _dict(item: Any) -> Checker:
    check_item = checker(item)

    def check(value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise Mismatch(path, f"expected dict[str, {describe(item)}], got {show(value)}")
        for k, x in value.items():
            if not isinstance(k, str):
                raise Mismatch(path, f"expected str keys, got {show(k)}")
            check_item(x, item_path(path, k))
    return check


def fields_of(tp: Any) -> tuple[dict[str, Any], frozenset[str]]:
    """A TypedDict's fields (name -> declared type) and its required ones; ``NotRequired`` / ``Required``
    are read from the annotations themselves (Python 3.11 misses them in stringified annotations)."""
    hints = typing.get_type_hints(tp)
    required = set(tp.__required_keys__)
    for name, hint in typing.get_type_hints(tp, include_extras=True).items():
        if typing.get_origin(hint) is NotRequired:
            required.discard(name)
        elif typing.get_origin(hint) is Required:
            required.add(name)
    return hints, frozenset(required)


def _typeddict(tp: Any, partial: bool = False) -> Checker:
    _, required = fields_of(tp)
    if partial:
        required = frozenset()
    name = f"part of {tp.__name__}" if partial else tp.__name__
    checks = {k: checker(h) for k, h in typing.get_type_hints(tp, include_extras=True).items()}

    def check(value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise Mismatch(path, f"expected {name} (a dict), got {show(value)}")
        missing = sorted(required - value.keys())
        if missing:
            raise Mismatch(path, f"missing required key{'s' if len(missing) > 1 else ''} "
                                 f"{', '.join(repr(k) for k in missing)} of {name}")
        extra = sorted(str(k) for k in value if k not in checks)
        if extra:
            raise Mismatch(path, f"unexpected key{'s' if len(extra) > 1 else ''} "
                                 f"{', '.join(repr(k) for k in extra)}: {name} has no such field")
        for k, x in value.items():
            checks[k](x, key_path(path, k))
    return check


# -- each kind: its note, the parts it carries, the rules between them ----------------------------------
Part = Literal["never", "may", "must"]
"""Whether an event of a kind carries ``clusters`` / ``questions`` (a non-empty dict) or ``queue`` / ``host``
/ ``broadcast`` (not None): never, may, or must."""

Rule = Callable[[EventData], None]
"""A check across the fields of a well-typed event of one kind; raises ``Mismatch``."""


@dataclass(frozen=True)
class KindSchema:
    note: Any  # a TypedDict class
    clusters: Part = "never"
    questions: Part = "never"
    queue: Part = "never"
    host: Part = "never"
    broadcast: Part = "never"
    gone: bool = False  # a cluster may be None in ``clusters``: it is gone
    rules: tuple[Rule, ...] = ()


def _new_questions(e: EventData) -> None:
    qids = e["note"]["qids"]
    if not qids:
        raise Mismatch("note.qids", "a question.new event names at least one new question")
    for qid in qids:
        if qid not in e["questions"]:
            raise Mismatch("questions", f"the new question {qid!r} (note.qids) has no view")
    if "qid" in e["note"] and qids != [e["note"]["qid"]]:
        raise Mismatch("note.qid", f"names {e['note']['qid']!r}, but note.qids is {qids!r}")


def _one_question(e: EventData) -> None:
    if list(e["questions"]) != [e["note"]["qid"]]:
        raise Mismatch("questions", f"must be the view of note.qid {e['note']['qid']!r} alone, "
                                    f"got {sorted(e['questions'])!r}")
    if len(e["clusters"]) > 1:
        raise Mismatch("clusters", f"a change of one question touches its cluster only, got {sorted(e['clusters'])!r}")


def _merge(e: EventData) -> None:
    note = e["note"]
    if note["source"] not in e["clusters"] or e["clusters"][note["source"]] is not None:
        raise Mismatch(item_path("clusters", note["source"]), "the merged source (note.source) must be None: gone")
    if e["clusters"].get(note["target"]) is None:
        raise Mismatch(item_path("clusters", note["target"]), "the target (note.target) must carry its change")
    for qid, view in e["questions"].items():
        if qid not in note["moved"] or view["cluster"] != note["target"]:
            raise Mismatch(item_path("questions", qid), "only moved questions, now in the target, are viewed")


def _split(e: EventData) -> None:
    note = e["note"]
    if not note["qids"]:
        raise Mismatch("note.qids", "a split moves at least one question")
    if note["from"] not in e["clusters"]:
        raise Mismatch("clusters", f"the split cluster (note.from {note['from']!r}) carries no change")
    fresh = e["clusters"].get(note["to"])
    if fresh is None or "id" not in fresh:
        raise Mismatch(item_path("clusters", note["to"]), "the new cluster (note.to) must carry every field")
    for qid in note["qids"]:
        view = e["questions"].get(qid)
        if view is None or view["cluster"] != note["to"]:
            raise Mismatch(item_path("questions", qid), "a question split out is viewed in the new cluster")


def _broadcast_state(state: BroadcastState) -> Rule:
    def rule(e: EventData) -> None:
        meta = e["broadcast"]
        if meta is not None and meta["state"] != state:
            raise Mismatch("broadcast.state", f"a {e['type']} event leaves the broadcast {state!r}, "
                                              f"got {meta['state']!r}")
    return rule


def _appeal_history(e: EventData) -> None:
    action = e["type"].partition(".")[2]
    history = e["note"]["appeal"]["history"]
    if not history or history[-1]["action"] != action:
        raise Mismatch("note.appeal.history", f"its last entry records {action!r}, "
                                              f"got {history[-1]['action'] if history else None!r}")


_CLUSTER = KindSchema(NoNote, clusters="must")
_CLUSTER_QUEUE = KindSchema(NoNote, clusters="must", queue="must", host="must")  # verbs that touch the queue

SCHEMAS: dict[str, KindSchema] = {
    "question.new": KindSchema(QuestionNewNote, clusters="may", questions="must", rules=(_new_questions,)),
    **{f"question.{k}": KindSchema(QuestionNote, clusters="may", questions="must", rules=(_one_question,))
       for k in ("edit", "delete", "restore", "likes", "author")},
    **{f"cluster.{a}": _CLUSTER for a in ("approve", "restore", "chat", "topic", "pin", "unpin",
                                                  "parent_shown", "parent_hidden", "take", "release")},
    **{f"cluster.{a}": _CLUSTER_QUEUE for a in ("reject", "queue", "unqueue", "on_air", "answered", "return",
                                                 "edit")},
    "cluster.move": KindSchema(MoveNote, clusters="must", queue="must", host="must"),
    "cluster.revert": KindSchema(RevertNote, clusters="must", queue="must", host="must"),
    "cluster.merge": KindSchema(MergeNote, clusters="must", questions="may", queue="may", host="may", gone=True,
                                rules=(_merge,)),
    "cluster.split": KindSchema(SplitNote, clusters="must", questions="must", queue="may", host="may",
                                rules=(_split,)),
    "host.updated": KindSchema(NoNote, queue="must", host="must"),
    "author.muted": KindSchema(AuthorNote),
    "author.unmuted": KindSchema(AuthorNote),
    "presence": KindSchema(PresenceNote),
    "broadcast.created": KindSchema(NoNote, broadcast="must", rules=(_broadcast_state("draft"),)),
    "broadcast.updated": KindSchema(NoNote, broadcast="must"),
    **{f"broadcast.{s}": KindSchema(NoNote, broadcast="must", rules=(_broadcast_state(s),))
       for s in typing.get_args(BroadcastState) if s != "draft"},
    **{f"appeal.{a}": KindSchema(AppealNote, rules=(_appeal_history,))
       for a in ("created", "take", "assign", "answer", "close", "reopen", "redirect", "citizen_reply",
                 "author_named", "remind", "escalate")},
}

_CLUSTER_FIELDS = frozenset(fields_of(ClusterDoc)[0])


def _parts(kind: KindSchema, e: EventData) -> None:
    fields: Mapping[str, object] = e
    for part in ("clusters", "questions"):
        want, have = getattr(kind, part), bool(fields[part])
        if want == "must" and not have:
            raise Mismatch(part, "must not be empty for this kind")
        if want == "never" and have:
            raise Mismatch(part, "must be empty for this kind")
    for part in ("queue", "host", "broadcast"):
        want, have = getattr(kind, part), fields[part] is not None
        if want == "must" and not have:
            raise Mismatch(part, "is required for this kind (got None)")
        if want == "never" and have:
            raise Mismatch(part, "must be None for this kind")
    for cid, change in e["clusters"].items():
        if change is None:
            if not kind.gone:
                raise Mismatch(item_path("clusters", cid), "None (a cluster gone) only a merge may say")
        elif "id" in change:
            if change["id"] != cid:
                raise Mismatch(item_path("clusters", cid) + ".id", f"names another cluster: {change['id']!r}")
            missing = sorted(_CLUSTER_FIELDS - change.keys())
            if missing:
                raise Mismatch(item_path("clusters", cid), "a new cluster (its change carries 'id') carries every "
                                                           f"field; missing {', '.join(map(repr, missing))}")
    for qid, view in e["questions"].items():
        if view["id"] != qid:
            raise Mismatch(item_path("questions", qid) + ".id", f"names another question: {view['id']!r}")


def check(event: Event | Mapping[str, object]) -> None:
    """Raise ``EventSchemaError`` unless ``event`` (an ``Event``, or its JSON form as the log holds it)
    matches the schema of its kind."""
    data = dict(vars(event)) if isinstance(event, Event) else dict(event)
    kind_name = data.get("type")
    if not isinstance(kind_name, str):
        raise EventSchemaError(str(kind_name), "type", f"expected the kind as a str, got {show(kind_name)}")
    kind = SCHEMAS.get(kind_name)
    if kind is None:
        known = "in events.KINDS but has no schema" if kind_name in KINDS else "not in events.KINDS"
        raise EventSchemaError(kind_name, "type", f"unknown event kind ({known})")
    try:
        checker(EventData)(data, "")
        checker(kind.note)(data["note"], "note")
        e = typing.cast(EventData, data)
        _parts(kind, e)
        for rule in kind.rules:
            rule(e)
    except Mismatch as exc:
        raise EventSchemaError(kind_name, exc.path, exc.problem) from None
