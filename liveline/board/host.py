"""The studio screen's state (Экран ведущего): what is on air, the cue line, blank/pause and the font size.

Stored as one JSON document in ``keys.host_state(b)``; the verbs that change it live in ``clusters`` (air,
queue) and ``clusters.set_host`` (the producer's settings).
"""

from __future__ import annotations

from typing import Any

import redis

from liveline.store import codec, keys


def default() -> dict[str, Any]:
    return {"on_air": None, "since": None, "cue": "", "cue_at": None, "blank": False, "paused": False,
            "font": 100}


def load(pipe: redis.Redis | redis.client.Pipeline, b: int | str) -> dict[str, Any]:
    raw = pipe.hget(keys.host_state(b), "json")
    return codec.loads(raw) if raw else default()


def write(pipe: redis.client.Pipeline, b: int | str, host: dict[str, Any]) -> None:
    pipe.hset(keys.host_state(b), "json", codec.dumps(host))
