"""RQ jobs of the follow-up work: importable, plain ids in, the domain does the work.

Each job opens its own Redis client from the settings (``LIVELINE_REDIS_URL``) and talks to VK at
``LIVELINE_VK_API_URL``; it touches no globals. Job ids are deterministic, so enqueueing twice is one job:

* ``broadcast_ended(bid)``             id ``appeals-end-{bid}`` — appeals, last-review list, on-air replies,
                                        optional registration replies;
* ``send_replies(bid, owner)``         id ``replies-{bid}-{owner}-{n}`` — post an appeal's (``a{aid}``) or
                                        an on-air cluster's (``c{cid}``) replies; retried with backoff;
* ``check_deadlines()``                id ``appeals-deadlines`` — reminders and escalations; it schedules
                                        itself again every ``CHECK_EVERY`` (RQ scheduler, which the worker
                                        runs); the appeals list also checks on read.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from rq import Queue, Retry

from liveline.followup import appeals, replies
from liveline.ingest.vk.client import VkCaller
from liveline.ingest.vk.tokens import get_token

QUEUE = "liveline"
RETRY = Retry(max=6, interval=[10, 30, 60, 180, 600, 1800])
CHECK_EVERY = timedelta(minutes=10)


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


def queue(r: redis.Redis) -> Queue:
    return Queue(QUEUE, connection=r)


# -- jobs -----------------------------------------------------------------------------------------------
def broadcast_ended(bid: int) -> dict[str, Any]:
    r = _redis()
    result = appeals.create_from_broadcast(r, bid, by="system")
    owners = sorted({g.split("-")[2] for g in replies.plan_on_air(r, bid)})  # "ll{b}-on_air-c{cid}-..."
    register = appeals.get_settings(r)["register_reply"] == "1"
    for aid in result["created"]:
        if register:
            replies.plan_registered(r, bid, aid)
            owners.append(f"a{aid}")
    for owner in owners:
        enqueue_replies(r, bid, owner)
    return {**result, "reply_jobs": len(owners)}


def send_replies(bid: int, owner: str) -> dict[str, int]:
    """Post the pending replies of ``owner``; raises on a transient VK failure so RQ retries the job."""
    s = _settings()
    r = redis.Redis.from_url(s.redis_url)
    return replies.post_all(r, bid, owner, caller_factory(r, s.vk_api_url))


def check_deadlines(reschedule: bool = True) -> dict[str, int]:
    r = _redis()
    counts = appeals.check_deadlines(r)
    if reschedule:
        queue(r).enqueue_in(CHECK_EVERY, check_deadlines, job_id="appeals-deadlines")
    return counts


# -- enqueueing (for views, the CLI and the lead's broadcast transition) ----------------------------------
def enqueue_broadcast_ended(r: redis.Redis, bid: int | str) -> str:
    """Enqueue the end-of-broadcast work once (deterministic id); returns the job id."""
    job_id = f"appeals-end-{bid}"
    queue(r).enqueue(broadcast_ended, int(bid), job_id=job_id, retry=Retry(max=3, interval=[5, 30, 120]))
    ensure_deadline_checks(r)
    return job_id


def enqueue_replies(r: redis.Redis, bid: int | str, owner: str) -> str:
    """Enqueue posting of ``owner``'s replies; one job per (owner, answer number, reopen count)."""
    n = 0
    if owner.startswith("a"):
        a = appeals.get(r, bid, owner[1:])
        n = int(a["answer_no"])
    job_id = f"replies-{bid}-{owner}-{n}"
    queue(r).enqueue(send_replies, int(bid), owner, job_id=job_id, retry=RETRY)
    return job_id


def ensure_deadline_checks(r: redis.Redis) -> None:
    """Start the periodic deadline check unless it is already scheduled or queued."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        status = Job.fetch("appeals-deadlines", connection=r).get_status()
        if status in ("scheduled", "queued", "started", "deferred"):
            return
    except NoSuchJobError:
        pass
    queue(r).enqueue_in(CHECK_EVERY, check_deadlines, job_id="appeals-deadlines")
