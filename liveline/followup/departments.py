"""Who answers an appeal: the admin's routing table, topic × settlement → department.

A row for ``(topic, settlement)`` wins over a row for ``(topic, "*")``, which wins over the topic's own
department in the admin's taxonomy (``board/catalog.py``). Settlements are compared case-insensitively with "ё" as
"е", so "Сосновка" typed by an admin matches "сосновка" found by triage.
"""

from __future__ import annotations

import redis

from liveline.board import catalog
from liveline.errors import BadRequest
from liveline.store import keys, redis_types

ANY = "*"


def norm(settlement: str | None) -> str:
    return " ".join((settlement or "").replace("ё", "е").replace("Ё", "Е").split()).casefold()


def _field(topic: str, settlement: str) -> str:
    return f"{topic}|{norm(settlement) if settlement != ANY else ANY}"


def table(r: redis.Redis) -> list[dict[str, str]]:
    """Every row, sorted by topic then settlement (``*`` first)."""
    rows = []
    topics = catalog.topics(r)
    for k, v in r.hgetall(keys.routing()).items():
        topic, _, settlement = redis_types.text(k).partition("|")
        rows.append({"topic": topic, "settlement": settlement, "department": redis_types.text(v),
                     "topic_name": topics.get(topic).name})
    return sorted(rows, key=lambda x: (x["topic"], x["settlement"] != ANY, x["settlement"]))


def set_route(r: redis.Redis, topic: str, settlement: str, department: str) -> None:
    """Add or change a row; an empty department removes it."""
    topic = topic.strip()
    if topic not in catalog.topics(r):
        raise BadRequest("Неизвестная тема")
    department = catalog.known_department(r, department, optional=True)
    settlement = settlement.strip() or ANY
    if department:
        r.hset(keys.routing(), _field(topic, settlement), department)
    else:
        r.hdel(keys.routing(), _field(topic, settlement))


def department_for(r: redis.Redis, topic: str, settlement: str | None,
                   topics: catalog.Topics | None = None) -> str:
    """The department for an appeal about ``topic`` in ``settlement`` (``topics``: the admin's, when read)."""
    exact, wide = r.hmget(keys.routing(), [_field(topic, settlement or ""), _field(topic, ANY)])
    if settlement and exact:
        return redis_types.text(exact)
    if wide:
        return redis_types.text(wide)
    return (topics or catalog.topics(r)).department(topic)


def departments(r: redis.Redis) -> list[str]:
    """Every department anyone can route to: the departments on record (``catalog.department_names``)."""
    return catalog.department_names(r)


def heads(r: redis.Redis) -> dict[str, str]:
    return redis_types.hash_text(r.hgetall(keys.department_heads()))


def set_head(r: redis.Redis, department: str, username: str) -> None:
    department = catalog.known_department(r, department)
    if username.strip():
        r.hset(keys.department_heads(), department, username.strip())
    else:
        r.hdel(keys.department_heads(), department)
