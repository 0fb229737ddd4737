"""VK comment keys: one builder and one parser, round trips, and a clear error for anything else."""

from __future__ import annotations

import pytest

from liveline.followup import exports
from liveline.ingest.vk import itemkeys
from liveline.ingest.vk.itemkeys import CommentKey, ItemKeyError
from liveline.ingest.vk.urls import parse_vk_url


@pytest.mark.parametrize(("kind", "owner", "item", "comment", "key"), [
    ("wall", -12345, 678, 100001, "vk:wall:-12345_678:100001"),
    ("wall", 704145204, 12, 5, "vk:wall:704145204_12:5"),
    ("video", -1, 456, 3, "vk:video:-1_456:3"),
])
def test_keys_round_trip(kind: str, owner: int, item: int, comment: int, key: str) -> None:
    assert itemkeys.comment_key(kind, owner, item, comment) == key
    parsed = itemkeys.parse(key)
    assert parsed == CommentKey(kind, owner, item, comment)  # type: ignore[arg-type]
    assert str(parsed) == key and itemkeys.vk_comment(key) == parsed
    assert key.startswith(itemkeys.prefix(kind, owner, item) + ":")


def test_a_sibling_is_another_comment_of_the_same_post() -> None:
    assert str(itemkeys.parse("vk:wall:-42_7:500").sibling(501)) == "vk:wall:-42_7:501"


def test_a_target_prefix_is_the_prefix_of_its_comment_keys() -> None:
    target = parse_vk_url("https://vk.com/wall-12345_678")
    assert target.source_key_prefix() == "vk:wall:-12345_678"
    key = itemkeys.comment_key(target.kind, target.owner_id, target.item_id, 9)
    assert key.startswith(target.source_key_prefix())


@pytest.mark.parametrize("bad", ["", "demo:1", "manual:abc", "vk:wall:-42_7", "vk:wall:-42_7:x",
                                 "vk:photo:1_2:3", "vk:wall:-42:7:1", "vk:wall:-42_7:1:2", " vk:wall:-42_7:1",
                                 "vk:wall:-42_7:1\n"])
def test_a_malformed_key_is_refused_with_a_clear_error(bad: str) -> None:
    with pytest.raises(ItemKeyError, match="not a VK comment key") as e:
        itemkeys.parse(bad)
    assert repr(bad) in str(e.value) and "vk:wall:OWNER_POST:COMMENT" in str(e.value)
    assert isinstance(e.value, ValueError)
    assert itemkeys.vk_comment(bad) is None  # what replies read as "no VK thread to answer in"


def test_the_builder_refuses_what_the_parser_would() -> None:
    with pytest.raises(ItemKeyError, match="not on 'photo'"):
        itemkeys.comment_key("photo", 1, 2, 3)
    assert itemkeys.vk_comment(None) is None


def test_comment_links_read_the_key() -> None:
    assert exports.comment_url("vk:wall:-42_7:11") == "https://vk.com/wall-42_7?reply=11"
    assert exports.comment_url("vk:video:-42_9:3") == "https://vk.com/video-42_9"
    assert exports.comment_url("demo:1") == ""
