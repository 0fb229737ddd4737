"""VK's official JSON schema (API 5.199, vendored in tests/vk/schema, MIT) as draft-07 validators.

The schema is written in VK's own dialect (its ``schema.json``): a property says ``"required": true`` instead of
its object listing it in a ``required`` array, files point at each other with relative ``$ref``s, and a ``$ref``
carries siblings that draft-07 would ignore. ``translate`` rewrites a document into plain draft-07:

* ``"required": true/false`` on a property -> the parent object's ``required`` array;
* ``{"$ref": X, ...siblings}`` -> ``{"allOf": [{"$ref": X}], ...siblings}`` so the siblings still apply;
* ``base_error.inner_type`` is dropped from ``required``: it is the generator's type tag, VK never sends it
  (NOTES §5.2, §8.4).

Every file is registered under its ``file://`` URI, so ``../wall/objects.json#/definitions/...`` resolves
locally and nothing is fetched.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

# VKCOM/vk-api-schema as copied, unmodified, into the repository (see its SOURCE.txt and LICENSE);
# LIVELINE_VK_SCHEMA_DIR may point at another copy.
VENDORED = Path(__file__).resolve().parent / "vk" / "schema"
SCHEMA_DIR = Path(os.environ.get("LIVELINE_VK_SCHEMA_DIR") or VENDORED)

# Bots Long Poll / Callback event type -> its object's definition in callback/objects.json (NOTES §3.3).
EVENT_OBJECTS: dict[str, str] = {
    "wall_reply_new": "callback_wall_reply_new",
    "wall_reply_edit": "callback_wall_reply_edit",
    "wall_reply_restore": "callback_wall_reply_restore",
    "wall_reply_delete": "callback_wall_comment_delete",
    "video_comment_new": "callback_video_comment",
    "video_comment_edit": "callback_video_comment",
    "video_comment_restore": "callback_video_comment",
    "video_comment_delete": "callback_video_comment_delete",
    "wall_post_new": "callback_wall_post_new",
}

# The long-poll answer envelope is not in the schema; this is the documented shape (NOTES §3.1, S3).
LP_ANSWER: dict[str, Any] = {
    "oneOf": [
        {"type": "object", "required": ["ts", "updates"],
         "properties": {"ts": {"type": "string"}, "updates": {"type": "array", "items": {"type": "object"}}}},
        {"type": "object", "required": ["failed", "ts"],
         "properties": {"failed": {"const": 1}, "ts": {"type": ["string", "integer"]}}},
        {"type": "object", "required": ["failed"], "properties": {"failed": {"enum": [2, 3]}}},
    ]
}


class SchemaError(AssertionError):
    """A payload does not match VK's schema."""


def translate(node: Any) -> Any:
    """VK's dialect -> draft-07 (see the module docstring)."""
    if isinstance(node, list):
        return [translate(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: translate(v) for k, v in node.items() if k != "$schema"}
    if isinstance(out.get("required"), bool):
        del out["required"]
    props = node.get("properties")
    if isinstance(props, dict):
        flagged = [name for name, sub in props.items() if isinstance(sub, dict) and sub.get("required") is True]
        if isinstance(node.get("required"), list):
            flagged = list(dict.fromkeys([*node["required"], *flagged]))
        if props.get("inner_type", {}).get("enum") == ["base_error"]:
            flagged = [n for n in flagged if n != "inner_type"]
        if flagged:
            out["required"] = flagged
    if "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out["allOf"] = [{"$ref": ref}, *out.get("allOf", [])]
    return out


def _uri(path: Path) -> str:
    return path.resolve().as_uri()


@cache
def registry() -> Registry:
    """Every schema file, translated, under its file:// URI."""
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        contents = translate(json.loads(path.read_text(encoding="utf-8")))
        resources.append((_uri(path), DRAFT7.create_resource(contents)))
    return Registry().with_resources(resources)


def _validator(ref: str) -> Draft7Validator:
    """A validator for ``ref``, a ``file#/definitions/name`` path relative to the schema directory."""
    return _validator_for(_uri(SCHEMA_DIR / ref.partition("#")[0]) + "#" + ref.partition("#")[2])


@cache
def _validator_for(absolute_ref: str) -> Draft7Validator:
    return Draft7Validator({"$ref": absolute_ref}, registry=registry())


@cache
def _methods() -> dict[str, dict[str, Any]]:
    out = {}
    for path in SCHEMA_DIR.glob("*/methods.json"):
        for method in json.loads(path.read_text(encoding="utf-8"))["methods"]:
            method["_dir"] = path.parent.name
            out[method["name"]] = method
    return out


def method_spec(method: str) -> dict[str, Any]:
    """The schema's entry for ``method`` (parameters, access_token_type, responses, errors)."""
    try:
        return _methods()[method]
    except KeyError:
        raise SchemaError(f"{method} is not in VK's schema") from None


def _check(validator: Draft7Validator, payload: Any, what: str) -> None:
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors[:5])
        raise SchemaError(f"{what}: {details}")


def validate_response(method: str, payload: dict[str, Any], *, extended: bool | None = None) -> None:
    """Raise SchemaError unless ``payload`` (a whole JSON answer) fits ``method``'s documented response.

    An ``{"error": ...}`` answer is checked against ``base_error``. ``extended=None`` picks the extended
    response when the method has one and the payload carries ``profiles``.
    """
    if "error" in payload:
        _check(_validator("base/objects.json#/definitions/base_error"), payload["error"], f"{method} error")
        if set(payload) != {"error"}:
            raise SchemaError(f"{method} error: unexpected keys {sorted(set(payload) - {'error'})}")
        return
    if method == "execute":
        validate_execute(payload)
        return
    responses = method_spec(method)["responses"]
    if extended is None:
        body = payload.get("response")
        extended = isinstance(body, dict) and "profiles" in body
    key = "extendedResponse" if extended and "extendedResponse" in responses else "response"
    ref = responses[key]["$ref"]
    path = (SCHEMA_DIR / method_spec(method)["_dir"] / ref.partition("#")[0]).resolve()
    _check(_validator_for(_uri(path) + "#" + ref.partition("#")[2]), payload, method)


def validate_execute(payload: dict[str, Any], calls: list[tuple[str, dict[str, Any]]] | None = None) -> None:
    """``execute`` (schema: undefined response): failed inner calls are ``false`` with one ``execute_errors``
    entry each; with ``calls`` (method, params) every other result is checked as that method's response."""
    errors = payload.get("execute_errors", [])
    item = {"type": "object", "required": ["method", "error_code", "error_msg"],
            "properties": {"method": {"type": "string"}, "error_code": {"type": "integer"},
                           "error_msg": {"type": "string"}}}
    _check(Draft7Validator({"type": "array", "items": item}), errors, "execute_errors")
    response = payload.get("response")
    if isinstance(response, list) and sum(r is False for r in response) != len(errors):
        raise SchemaError("execute: the number of false results differs from execute_errors")
    if calls is not None:
        if not isinstance(response, list) or len(response) != len(calls):
            raise SchemaError("execute: one result per call expected")
        for (method, params), result in zip(calls, response, strict=True):
            if result is not False:
                extended = str(params.get("extended", "0")).lower() in {"1", "true"}
                validate_response(method, {"response": result}, extended=extended)


def validate_event(event: dict[str, Any]) -> None:
    """One Bots Long Poll / Callback update: the ``callback_base`` envelope and its ``object``."""
    _check(_validator("callback/objects.json#/definitions/callback_base"), event, "event")
    name = EVENT_OBJECTS.get(event["type"])
    if name is None:
        raise SchemaError(f"event type {event['type']} has no object definition here")
    if "object" not in event:
        raise SchemaError(f"{event['type']}: no object")
    _check(_validator(f"callback/objects.json#/definitions/{name}"), event["object"], event["type"])


def validate_lp_answer(payload: dict[str, Any]) -> None:
    """A whole Bots Long Poll answer: the envelope, then each update."""
    _check(Draft7Validator(LP_ANSWER), payload, "long poll answer")
    for event in payload.get("updates", []):
        validate_event(event)


def validate_definition(ref: str, instance: Any) -> None:
    """Check ``instance`` against a definition, e.g. ``wall/objects.json#/definitions/wall_wall_comment``."""
    _check(_validator(ref), instance, ref.rpartition("/")[2])
