"""JSON of stored documents and events, through orjson (5-10x faster than ``json`` on the hot path).

``dumps`` gives compact UTF-8 JSON as ``str`` (non-ASCII kept, like ``json.dumps(ensure_ascii=False)``);
``loads`` reads ``str`` or ``bytes``. Input orjson refuses is handled by ``json`` with the same meaning:
a lone UTF-16 surrogate (``"\\ud800"`` escapes in a VK payload) is written ASCII-escaped, so Redis can
still store it as UTF-8; an integer beyond 64 bits is written as is.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(obj: Any) -> str:
    try:
        return orjson.dumps(obj, option=_OPTIONS).decode()
    except TypeError:
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":"))


def loads(data: str | bytes | bytearray) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
