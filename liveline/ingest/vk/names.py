"""Authors' names for comments that arrive without them (Bots Long Poll events carry only ``from_id``).

``resolve`` looks the ids up in a Redis cache (``keys.vk_name``, a week), asks VK for the rest in batches
(``users.get``, up to 1000 ids a call; ``groups.getById``, up to 500) through the caller it is given, so the
calls take their slots from that token's shared bucket, and caches what VK answered. A failed call leaves
names unknown: the next sweep reads them from its extended answer and sends them as "author" items.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import redis

from liveline.ingest.vk.client import VkCaller
from liveline.store import keys, redis_types

TTL_S = 7 * 24 * 3600
USERS_PER_CALL = 1000
GROUPS_PER_CALL = 500


def _chunks(ids: list[int], n: int) -> Iterable[list[int]]:
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def cached(r: redis.Redis, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    values = r.mget([keys.vk_name(i) for i in wanted])
    return {i: redis_types.text(v) for i, v in zip(wanted, values) if v is not None}


def _store(r: redis.Redis, names: dict[int, str]) -> None:
    if not names:
        return
    with r.pipeline(transaction=False) as p:
        for i, name in names.items():
            p.set(keys.vk_name(i), name, ex=TTL_S)
        p.execute()


def _from_vk(caller: VkCaller, ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    users = [i for i in ids if i > 0]
    groups = [-i for i in ids if i < 0]
    for chunk in _chunks(users, USERS_PER_CALL):
        answer: Any = caller.call("users.get", user_ids=",".join(map(str, chunk)))
        for u in answer or []:
            out[int(u["id"])] = f"{u.get('first_name', '')} {u.get('last_name', '')}".strip()
    for chunk in _chunks(groups, GROUPS_PER_CALL):
        answer = caller.call("groups.getById", group_ids=",".join(map(str, chunk)))
        found = answer.get("groups", []) if isinstance(answer, dict) else answer or []
        for g in found:
            out[-abs(int(g["id"]))] = str(g.get("name", ""))
    return out


def resolve(r: redis.Redis, caller: VkCaller, ids: Iterable[int]) -> dict[int, str]:
    """Names of ``ids`` (users positive, communities negative): cache first, then VK. Raises ``VkError``
    when VK fails (what the cache had is then lost to the caller: it retries on the next comment)."""
    wanted = {int(i) for i in ids if int(i)}
    names = cached(r, wanted)
    missing = sorted(wanted - set(names))
    if missing:
        learnt = _from_vk(caller, missing)
        _store(r, learnt)
        names.update(learnt)
    return names
