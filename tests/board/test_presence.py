"""Presence on the board: heartbeats announce only what changed; who is online, with which cards open."""

from __future__ import annotations

import redis

from tests.helpers import live_broadcast


def test_presence_heartbeats_announce_only_changes(r: redis.Redis) -> None:
    from liveline.board import presence

    bid = live_broadcast(r)
    presence.join(r, bid, "s1", "anna")
    n = r.xlen(f"ll:{{b{bid}}}:events")
    presence.touch(r, bid, "s1", "anna", '{"card": "5"}')
    presence.touch(r, bid, "s1", "anna", '{"card": "5"}')
    presence.touch(r, bid, "s1", "anna", '{"card": "x5"}')
    assert r.xlen(f"ll:{{b{bid}}}:events") == n + 1
    assert presence.online(r, bid) == [{"user": "anna", "cards": ["5"]}]
