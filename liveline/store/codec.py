"""JSON, all of it: stored documents and events through orjson (5-10x faster than ``json`` on the hot path),
files and exports for people through ``json``. No other module imports ``json`` or ``orjson``.

``dumps`` gives compact UTF-8 JSON as ``str`` (non-ASCII kept, like ``json.dumps(ensure_ascii=False)``);
``loads`` reads ``str`` or ``bytes``. Input orjson refuses is handled by ``json`` with the same meaning:
a lone UTF-16 surrogate (``"\\ud800"`` escapes in a VK payload) is written ASCII-escaped, so Redis can
still store it as UTF-8; an integer beyond 64 bits is written as is.

``dumps_readable`` is the format of files people read (question exports, ``liveline cluster`` output): the
spaced separators of ``json.dumps`` (``", "``, ``": "``), non-ASCII kept. ``read_file`` reads a JSON file
(a path or a package resource). ``DecodeError`` is what ``loads`` raises on text that is not JSON (a
``ValueError``), also for bytes that are not UTF-8.
"""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path
from typing import Any, Protocol

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS

DecodeError = json.JSONDecodeError  # orjson.JSONDecodeError is a subclass: one ``except`` catches both


class _Readable(Protocol):
    def read_bytes(self) -> bytes: ...


def dumps(obj: Any) -> str:
    try:
        return orjson.dumps(obj, option=_OPTIONS).decode()
    except TypeError:
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":"))


def loads(data: str | bytes | bytearray) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            return json.loads(data)
        except UnicodeDecodeError as e:  # bytes that are no Unicode text: the same error as any bad input
            raise DecodeError(f"not UTF-8 text ({e.reason})", "", 0) from None


def dumps_readable(obj: Any) -> str:
    """One line of JSON for people and files: ``{"id": "17", "text": "Яма"}`` (spaced, non-ASCII kept)."""
    return json.dumps(obj, ensure_ascii=False)


def read_file(path: str | PathLike[str] | _Readable) -> Any:
    """The JSON document in a file: a path, or a ``Traversable`` of ``importlib.resources``."""
    source = Path(path) if isinstance(path, str | PathLike) else path
    return loads(source.read_bytes())
