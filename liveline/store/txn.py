"""Optimistic Redis transactions: WATCH, read, MULTI, write, retry on a concurrent change."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import redis

T = TypeVar("T")


def transact(r: redis.Redis, watch: list[str], fn: Callable[[redis.client.Pipeline], T],
             retries: int = 100) -> T:
    """Run ``fn(pipe)`` until its MULTI commits without a watched key changing underneath.

    ``fn`` reads through ``pipe`` (immediate mode), may ``pipe.watch`` more keys, then calls ``pipe.multi()``
    and queues its writes; its return value is returned after EXEC succeeds.
    """
    with r.pipeline(transaction=True) as pipe:
        for _ in range(retries):
            try:
                if watch:
                    pipe.watch(*watch)  # type: ignore[no-untyped-call]  # redis-py leaves Pipeline.watch(*names) unannotated
                result = fn(pipe)
                pipe.execute()
                return result
            except redis.WatchError:
                pipe.reset()
                continue
    raise RuntimeError("transaction kept conflicting; giving up")
