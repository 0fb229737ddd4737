"""The JSON codec of stored documents and events: orjson's speed, json's reach where orjson stops."""

import ast
from importlib import resources
from pathlib import Path

import pytest

from liveline.store import codec


def test_documents_round_trip_as_compact_utf8() -> None:
    doc = {"text": "Когда починят дорогу на Ленина? 🚧", "likes": 3, "place": None, "score": 0.25}
    text = codec.dumps(doc)
    assert text == '{"text":"Когда починят дорогу на Ленина? 🚧","likes":3,"place":null,"score":0.25}'
    assert codec.loads(text) == doc
    assert codec.loads(text.encode()) == doc


def test_non_string_keys_are_written_as_strings() -> None:
    assert codec.loads(codec.dumps({1: "a"})) == {"1": "a"}


def test_a_lone_surrogate_from_a_vk_payload_is_kept_losslessly() -> None:
    raw = {"text": "ok \ud83d broken"}  # half of an emoji's UTF-16 pair, as hostile JSON can deliver
    stored = codec.dumps(raw)
    assert stored.isascii()  # escaped: Redis can store it as UTF-8
    assert codec.loads(stored) == raw  # orjson refuses the escape; json reads it back exactly


def test_lossless_dumps_is_plain_utf8_when_it_can_be() -> None:
    assert codec.dumps({"t": "ё"}) == '{"t":"ё"}'


def test_integers_beyond_64_bits_fall_back_to_json() -> None:
    big = {"id": 2**70}
    assert codec.loads(codec.dumps(big)) == big


def test_readable_dumps_is_the_spaced_format_of_files_people_read() -> None:
    row = {"id": "17", "text": "Яма на Ленина", "tags": ["a", "b"], "place": None}
    assert codec.dumps_readable(row) == '{"id": "17", "text": "Яма на Ленина", "tags": ["a", "b"], "place": null}'


def test_text_that_is_not_json_raises_decode_error_a_value_error() -> None:
    for bad in ("{", "", "{'a': 1}", b"\xff"):
        with pytest.raises(codec.DecodeError):
            codec.loads(bad)
    assert issubclass(codec.DecodeError, ValueError)


def test_read_file_reads_a_path_or_a_package_resource(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{"город": "Сосновка"}', encoding="utf-8")
    assert codec.read_file(path) == codec.read_file(str(path)) == {"город": "Сосновка"}
    assert "years" in codec.read_file(resources.files("liveline").joinpath("data/ru_transfers.json"))


def test_only_the_codec_imports_a_json_library() -> None:
    root = Path(__file__).resolve().parents[2]
    found = []
    for path in sorted([*(root / "liveline").rglob("*.py"), *(root / "workers").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] in ("json", "orjson") for n in names):
                found.append(str(path.relative_to(root)))
    assert set(found) == {"liveline/store/codec.py"}
