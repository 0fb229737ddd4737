"""RQ jobs of the follow-up work: importable, plain ids in, the domain does the work.

They are enqueued by ``liveline.workflows`` (``enqueue_broadcast_ended``, ``enqueue_replies``,
``ensure_deadline_checks``), which names them by their dotted path so that the jobs can call the workflows.
Each job opens its own Redis client from the settings (``LIVELINE_REDIS_URL``) and talks to VK at
``LIVELINE_VK_API_URL``; it touches no globals. Job ids are deterministic, so enqueueing twice is one job:

* ``broadcast_ended(bid)``             id ``appeals-end-{bid}`` — appeals, last-review list, on-air replies,
                                        optional registration replies (``workflows.after_end``; a broadcast
                                        ends through ``workflows.end_broadcast``, which enqueues it);
* ``send_replies(bid, owner)``         id ``replies-{bid}-{owner}-{n}`` — post an appeal's (``a{aid}``) or
                                        an on-air cluster's (``c{cid}``) replies; retried with backoff;
* ``check_deadlines()``                id ``appeals-deadlines`` — reminders and escalations; it schedules
                                        itself again every ``CHECK_EVERY`` (RQ scheduler, which the worker
                                        runs); the appeals list also checks on read.
"""

from __future__ import annotations

from typing import Any

import redis

from liveline import workflows
from liveline.followup import appeals, replies
from liveline.ingest.vk.client import VkCaller
from liveline.ingest.vk.tokens import get_token


def _settings() -> Any:
    from liveline.settings import load

    return load()


def _redis() -> redis.Redis:
    s = _settings()
    if not s.redis_url:
        raise RuntimeError("LIVELINE_REDIS_URL is not set")
    return redis.Redis.from_url(s.redis_url)


def caller_factory(r: redis.Redis, api_url: str) -> replies.CallerFor:
    """``(token kind, org) -> VkCaller`` on the organisation's tokens (None when there is none or it is dead)."""
    cache: dict[tuple[str, str], VkCaller | None] = {}

    def caller_for(kind: str, org: str) -> VkCaller | None:
        if (kind, org) not in cache:
            record = get_token(r, kind, org)
            cache[(kind, org)] = VkCaller(r, record, api_url) if record is not None and not record.dead else None
        return cache[(kind, org)]
    return caller_for


# -- jobs -----------------------------------------------------------------------------------------------
def broadcast_ended(bid: int) -> dict[str, Any]:
    """The end of a broadcast's follow-up (``workflows.after_end``); it clears the marker that it is owed."""
    return workflows.after_end(_redis(), bid)


def send_replies(bid: int, owner: str) -> dict[str, int]:
    """Post the pending replies of ``owner``; raises on a transient VK failure so RQ retries the job."""
    s = _settings()
    r = redis.Redis.from_url(s.redis_url)
    return replies.post_all(r, bid, owner, caller_factory(r, s.vk_api_url))


def check_deadlines(reschedule: bool = True) -> dict[str, int]:
    r = _redis()
    counts = appeals.check_deadlines(r)
    if reschedule:
        workflows.queue(r).enqueue_in(workflows.CHECK_EVERY, check_deadlines, job_id="appeals-deadlines")
    return counts
