"""parse_vk_url: every link shape an operator pastes, and the Russian message for each wrong one."""

from __future__ import annotations

import pytest

from liveline.ingest.vk.urls import (
    MSG_BAD_ID,
    MSG_EMPTY,
    MSG_LIVE_VKVIDEO,
    MSG_NOT_POST,
    MSG_NOT_VK,
    MSG_PAGE,
    MSG_SHORT,
    MSG_TOO_LONG,
    VkTarget,
    VkUrlError,
    parse_vk_url,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://vk.com/wall-12345_678", VkTarget("wall", -12345, 678)),
        ("https://vk.com/id704145204?w=wall704145204_12", VkTarget("wall", 704145204, 12)),
        ("https://vk.com/club123?w=wall-123_45", VkTarget("wall", -123, 45)),
        ("https://vk.com/public123?w=wall-123_45%2Fall", VkTarget("wall", -123, 45)),
        ("https://m.vk.com/wall-1_2", VkTarget("wall", -1, 2)),
        ("https://vk.ru/wall-1_2", VkTarget("wall", -1, 2)),
        ("https://m.vk.ru/wall-1_2?from=feed", VkTarget("wall", -1, 2)),
        ("https://www.vk.com/wall-1_2/", VkTarget("wall", -1, 2)),
        ("http://vk.com/wall-1_2", VkTarget("wall", -1, 2)),
        ("vk.com/wall-1_2", VkTarget("wall", -1, 2)),
        ("VK.COM/wall-1_2", VkTarget("wall", -1, 2)),
        ("https://vk.com/wall-1_2?reply=5&thread=3", VkTarget("wall", -1, 2)),
        ("https://vk.com/feed?w=wall-77_9", VkTarget("wall", -77, 9)),
        ("  https://vk.com/wall-12345_678.  ", VkTarget("wall", -12345, 678)),
        ("<https://vk.com/wall-12345_678>", VkTarget("wall", -12345, 678)),
        ("https://vk.com/video-12345_456", VkTarget("video", -12345, 456)),
        ("https://vk.com/video?z=video-1_2%2Fpl_cat", VkTarget("video", -1, 2)),
        ("https://vk.com/club1?z=video-1_2%2Fclub1%2Fpl_-1_-2", VkTarget("video", -1, 2)),
        ("https://vkvideo.ru/video-12345_456", VkTarget("video", -12345, 456)),
        ("https://vkvideo.ru/video-123_456?list=ln-AbCdEf", VkTarget("video", -123, 456)),
        ("https://m.vkvideo.ru/video704145204_7", VkTarget("video", 704145204, 7)),
        ("https://vk.com/video_ext.php?oid=-12345&id=456&hash=abc", VkTarget("video", -12345, 456)),
        ("https://vk.com/clip-1_2", VkTarget("video", -1, 2)),
        ("https://vk.com/clip-1_2?", VkTarget("video", -1, 2)),
        ("wall-12345_678", VkTarget("wall", -12345, 678)),
        ("wall704145204_12", VkTarget("wall", 704145204, 12)),
        ("video-1_2", VkTarget("video", -1, 2)),
    ],
)
def test_accepted_links(url: str, expected: VkTarget) -> None:
    assert parse_vk_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", MSG_EMPTY),
        ("   ", MSG_EMPTY),
        ("https://example.com/wall-1_2", MSG_NOT_VK),
        ("https://vk.com.evil.ru/wall-1_2", MSG_NOT_VK),
        ("https://notvk.com/wall-1_2", MSG_NOT_VK),
        ("ftp://vk.com/wall-1_2", MSG_NOT_VK),
        ("javascript:alert(1)", MSG_NOT_VK),
        ("Когда отремонтируют дорогу?", MSG_NOT_VK),
        ("https://[::1/", MSG_NOT_VK),
        ("https://vk.com/club123", MSG_PAGE),
        ("https://vk.com/public123", MSG_PAGE),
        ("https://vk.com/id704145204", MSG_PAGE),
        ("https://vk.com/mosreg", MSG_PAGE),
        ("https://m.vk.com/durov/", MSG_PAGE),
        ("https://live.vkvideo.ru/some_channel", MSG_LIVE_VKVIDEO),
        ("live.vkvideo.ru/some_channel", MSG_LIVE_VKVIDEO),
        ("https://vk.cc/abc123", MSG_SHORT),
        ("https://vk.com/", MSG_NOT_POST),
        ("https://vk.com/video", MSG_NOT_POST),
        ("https://vk.com/feed", MSG_NOT_POST),
        ("https://vk.com/photo-1_2", MSG_NOT_POST),
        ("https://vk.com/topic-1_2", MSG_NOT_POST),
        ("https://vk.com/videos-12345", MSG_NOT_POST),
        ("https://vk.com/club1?z=photo-1_2%2Falbum-1_0", MSG_NOT_POST),
        ("https://vk.com/video_ext.php?oid=abc&id=1", MSG_NOT_POST),
        ("https://vk.com/wall0_5", MSG_BAD_ID),
        ("wall-1_0", MSG_BAD_ID),
        ("https://vk.com/wall-1_2" + "x" * 3000, MSG_TOO_LONG),
    ],
)
def test_rejected_links_explain_why(url: str, message: str) -> None:
    with pytest.raises(VkUrlError) as caught:
        parse_vk_url(url)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_source_key_prefix_and_canonical_url() -> None:
    wall = parse_vk_url("https://vk.com/club123?w=wall-123_45")
    video = parse_vk_url("https://vkvideo.ru/video-12345_456")
    assert wall.source_key_prefix() == "vk:wall:-123_45"
    assert video.source_key_prefix() == "vk:video:-12345_456"
    assert wall.url() == "https://vk.com/wall-123_45"
    assert parse_vk_url(video.url()) == video


def test_target_is_frozen_and_hashable() -> None:
    target = parse_vk_url("wall-1_2")
    with pytest.raises(AttributeError):
        target.owner_id = 5  # type: ignore[misc]
    assert {target, parse_vk_url("https://vk.com/wall-1_2")} == {target}
