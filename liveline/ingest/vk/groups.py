"""Which community a community token belongs to, asked of VK (``groups.getById`` without ids answers the
token's own community), so that ``liveline vk token set --group`` can find the group id itself and refuse a
wrong one before the long poll would fail on it."""

from __future__ import annotations

from typing import Any

import redis

from liveline.ingest.vk.client import VK_API_BASE, VkCaller
from liveline.ingest.vk.tokens import TokenRecord


def token_group(r: redis.Redis, token: str, api_url: str = VK_API_BASE, timeout: float = 10.0) -> int:
    """The id of the community ``token`` belongs to; ``VkError`` when VK refuses or cannot be reached."""
    # kind "check": a token not stored yet, so a refusal marks no stored token dead
    caller = VkCaller(r, TokenRecord("check", token, source="check"), api_url, timeout=timeout, retries=1,
                      backoff_s=0.2)
    answer: Any = caller.call("groups.getById")
    found = answer.get("groups", []) if isinstance(answer, dict) else answer or []
    return abs(int(found[0]["id"]))
