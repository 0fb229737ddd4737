"""The JSON codec of stored documents and events: orjson's speed, json's reach where orjson stops."""

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
