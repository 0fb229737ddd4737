"""Who is in a cluster: its questions and the people behind them, kept beside the cluster document.

The document holds the counts a card shows (``size``, ``people``, ``supporters_n``, ``likes``, ``support``)
and its leader; the lists live in their own Redis structures, so a write to a cluster of ten thousand
questions costs what changed, not its size:

* ``keys.cluster_members``: a sorted set of question ids scored by creation time;
* ``keys.cluster_people``: a hash, person token -> ``"authored:supported"`` — how many of the cluster's
  questions the person wrote, and how many of them they backed with a "+1". Its size is the number of
  distinct people, each counted once for support (``support = people + likes``).

A batch that adds questions reads the counts of just the tokens it touches (``read_counts``, one round trip
for every cluster of the batch), then queues the new values in its transaction (``PeopleChange.write``).
Merges and splits, which move whole groups, count (``count``) and store (``store``) both structures
afresh from the member questions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import redis

from liveline.store import keys

Counts = tuple[int, int]  # (authored, supported)


def author_token(q: dict[str, Any]) -> str:
    """Who counts once for support: the author, or the whole brigading wave they belong to."""
    if q.get("brigade"):
        return f"wave:{q['brigade']}"
    return str(q.get("author_id") or "")


def _parse(raw: bytes | str | None) -> Counts:
    if not raw:
        return (0, 0)
    a, _, s = (raw.decode() if isinstance(raw, bytes) else raw).partition(":")
    return int(a or 0), int(s or 0)


@dataclass
class PeopleChange:
    """What a write does to one cluster's people: token -> [authored delta, supported delta]."""

    deltas: dict[str, list[int]] = field(default_factory=dict)

    def author(self, token: str, n: int = 1) -> None:
        if token:
            self.deltas.setdefault(token, [0, 0])[0] += n

    def supporter(self, token: str, n: int = 1) -> None:
        if token:
            self.deltas.setdefault(token, [0, 0])[1] += n

    def write(self, pipe: redis.client.Pipeline, b: int | str, c: dict[str, Any],
              current: dict[str, Counts]) -> None:
        """Queue the new counts (inside MULTI) and bring ``c``'s ``people`` and ``supporters_n`` along."""
        key = keys.cluster_people(b, c["id"])
        for token, (da, ds) in self.deltas.items():
            a0, s0 = current.get(token, (0, 0))
            a1, s1 = max(0, a0 + da), max(0, s0 + ds)
            c["people"] += int(bool(a1 or s1)) - int(bool(a0 or s0))
            c["supporters_n"] += int(s1 > 0) - int(s0 > 0)
            if a1 or s1:
                pipe.hset(key, token, f"{a1}:{s1}")
            elif a0 or s0:
                pipe.hdel(key, token)
        c["support"] = support_of(c)


def read_counts(r: redis.Redis, b: int | str, changes: dict[str, PeopleChange]) -> dict[str, dict[str, Counts]]:
    """The current counts of the tokens each change touches, in one round trip."""
    wanted = [(cid, list(ch.deltas)) for cid, ch in changes.items() if ch.deltas]
    if not wanted:
        return {}
    with r.pipeline(transaction=False) as p:
        for cid, tokens in wanted:
            p.hmget(keys.cluster_people(b, cid), tokens)
        replies = p.execute()
    return {cid: dict(zip(tokens, (_parse(v) for v in raw), strict=True))
            for (cid, tokens), raw in zip(wanted, replies, strict=True)}


def support_of(c: dict[str, Any]) -> int:
    """Support = distinct people (members' authors and "+1" repliers) + likes on the members."""
    return int(c["people"]) + int(c["likes"])


def add_members(pipe: redis.client.Pipeline, b: int | str, cid: str, scored: dict[str, float]) -> None:
    if scored:
        pipe.zadd(keys.cluster_members(b, cid), scored)


def members(r: redis.Redis | redis.client.Pipeline, b: int | str, cid: str) -> list[str]:
    """The cluster's question ids, oldest first (ties by id)."""
    pairs: list[tuple[bytes, float]] = r.zrange(  # type: ignore[assignment]  # withscores: (member, score) pairs
        keys.cluster_members(b, cid), 0, -1, withscores=True)
    return [m.decode() for m, _ in sorted(pairs, key=lambda p: (p[1], int(p[0])))]


def people(r: redis.Redis | redis.client.Pipeline, b: int | str, cid: str) -> dict[str, Counts]:
    raw = r.hgetall(keys.cluster_people(b, cid))
    return {(k.decode() if isinstance(k, bytes) else k): _parse(v) for k, v in raw.items()}


def ledger_of(questions: Iterable[dict[str, Any]]) -> dict[str, Counts]:
    """The people of a group of questions, counted from the questions themselves."""
    out: dict[str, list[int]] = {}
    for q in questions:
        token = author_token(q)
        if token:
            out.setdefault(token, [0, 0])[0] += 1
        for s in q.get("supporters") or []:
            out.setdefault(str(s), [0, 0])[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def count(c: dict[str, Any], questions: list[dict[str, Any]]) -> None:
    """Set ``c``'s counts to those of exactly ``questions`` (before a ``store`` of the same questions)."""
    ledger = ledger_of(questions)
    c["size"] = len(questions)
    c["people"] = len(ledger)
    c["supporters_n"] = sum(1 for _, s in ledger.values() if s)
    c["likes"] = sum(int(q.get("likes") or 0) for q in questions)
    c["support"] = support_of(c)


def store(pipe: redis.client.Pipeline, b: int | str, cid: str, questions: list[dict[str, Any]]) -> None:
    """Queue (inside MULTI) the member set and the people of cluster ``cid`` made of exactly ``questions``."""
    mkey, pkey = keys.cluster_members(b, cid), keys.cluster_people(b, cid)
    ledger = ledger_of(questions)
    pipe.delete(mkey, pkey)
    if questions:
        pipe.zadd(mkey, {q["id"]: float(q["created_at"]) for q in questions})
    if ledger:
        pipe.hset(pkey, mapping={k: f"{a}:{s}" for k, (a, s) in ledger.items()})


def drop(pipe: redis.client.Pipeline, b: int | str, cid: str) -> None:
    pipe.delete(keys.cluster_members(b, cid), keys.cluster_people(b, cid))
