"""Workflows: what a person starts that takes more than one step, one function each, that always completes.

* ``end_broadcast``  live -> ended, then the appeals job (appeals, the last-review list, on-air and
                     registration replies: ``after_end``, which ``jobs.broadcast_ended`` runs);
* ``answer_appeal``  the department's answer, then a reply planned to every co-author and the posting job
                     (``after_answer``);
* ``resend_reply``   a stopped or failed reply made pending again, then the posting job (``after_resend``).

Views, the CLI and the jobs call these, never the steps one by one. The first step writes, in the same Redis
transaction as its state change, a marker that the follow-up is owed: a member of the broadcast's owed set
(``keys.owed(b)``: ``"end"``, ``"answer:{aid}:{answer_no}"``, ``"resend:{owner}:{guid}:{attempts}"`` ->
when). The follow-up removes it when its work is done, and every follow-up is idempotent (an appeal per
cluster, a reply record per guid, VK's guid per posted reply), so running it twice changes nothing. A process
killed between the steps leaves the marker behind: ``liveline worker`` runs ``repair`` every few seconds,
which finishes whatever has been owed longer than ``LIVELINE_REPAIR_S``.

``LIVELINE_FAULT=<point>`` (tests only) makes the process SIGKILL itself at that point: ``<workflow>.after_state``
(the state changed, the marker written, nothing more) or ``<workflow>.before_done`` (the follow-up's work done,
its marker not yet removed). Unset, ``fault`` does nothing.

The RQ enqueueing is here too (``enqueue_broadcast_ended``, ``enqueue_replies``, ``ensure_deadline_checks``):
the jobs in ``liveline.jobs`` call the workflows, so the workflows name the jobs by their dotted path.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from datetime import timedelta
from typing import Any

import redis
from rq import Queue, Retry

from liveline.board import broadcasts
from liveline.errors import NotFound
from liveline.followup import appeals, replies
from liveline.store import keys, redis_types

log = logging.getLogger("liveline.workflows")
FAULT_ENV = "LIVELINE_FAULT"
END = "end"
QUEUE = "liveline"
RETRY = Retry(max=6, interval=[10, 30, 60, 180, 600, 1800])
CHECK_EVERY = timedelta(minutes=10)


def fault(point: str) -> None:
    """Kill this process (SIGKILL: no cleanup, no finally) when ``LIVELINE_FAULT`` names ``point``."""
    if os.environ.get(FAULT_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)


def owe(pipe: redis.client.Pipeline, b: int | str, what: str) -> None:
    """Queue, inside the caller's MULTI, the marker that ``what`` is owed."""
    pipe.zadd(keys.owed(b), {what: time.time()})


def done(r: redis.Redis, b: int | str, what: str) -> None:
    r.zrem(keys.owed(b), what)


def owed(r: redis.Redis, b: int | str) -> dict[str, float]:
    """What the broadcast's workflows still owe -> since when."""
    pairs: list[tuple[bytes, float]] = r.zrange(  # type: ignore[assignment]  # withscores: (member, score) pairs
        keys.owed(b), 0, -1, withscores=True)
    return {redis_types.text(m): float(s) for m, s in pairs}


# -- the job queue (RQ) ---------------------------------------------------------------------------------
# The jobs are functions of ``liveline.jobs`` (RQ keeps a job's dotted path, so they stay there); they call the
# workflows, so the workflows name them by that path rather than import them.
def queue(r: redis.Redis) -> Queue:
    return Queue(QUEUE, connection=r)


def enqueue_broadcast_ended(r: redis.Redis, bid: int | str) -> str:
    """Enqueue the end-of-broadcast work (``jobs.broadcast_ended``, deterministic id); returns the job id."""
    job_id = f"appeals-end-{bid}"
    queue(r).enqueue("liveline.jobs.broadcast_ended", int(bid), job_id=job_id,
                     retry=Retry(max=3, interval=[5, 30, 120]))
    ensure_deadline_checks(r)
    return job_id


def enqueue_replies(r: redis.Redis, bid: int | str, owner: str) -> str:
    """Enqueue posting of ``owner``'s replies (``jobs.send_replies``); one job per (owner, answer number)."""
    n = 0
    if owner.startswith("a"):
        a = appeals.get(r, bid, owner[1:])
        n = int(a["answer_no"])
    job_id = f"replies-{bid}-{owner}-{n}"
    queue(r).enqueue("liveline.jobs.send_replies", int(bid), owner, job_id=job_id, retry=RETRY)
    return job_id


def ensure_deadline_checks(r: redis.Redis) -> None:
    """Start the periodic deadline check (``jobs.check_deadlines``) unless it is already scheduled or queued."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        status = Job.fetch("appeals-deadlines", connection=r).get_status()
        if status in ("scheduled", "queued", "started", "deferred"):
            return
    except NoSuchJobError:
        pass
    queue(r).enqueue_in(CHECK_EVERY, "liveline.jobs.check_deadlines", job_id="appeals-deadlines")


# -- end a broadcast ------------------------------------------------------------------------------------
def end_broadcast(r: redis.Redis, bid: int | str, actor: str = "system") -> dict[str, str]:
    """End the broadcast; its appeals are owed from the same transaction and made by the appeals job."""
    meta = broadcasts.end(r, bid, actor, extra=lambda pipe: owe(pipe, bid, END))
    fault("end_broadcast.after_state")
    enqueue_broadcast_ended(r, bid)
    return meta


def after_end(r: redis.Redis, bid: int | str) -> dict[str, Any]:
    """The end's follow-up (the appeals job, or the repair): appeals, the last-review list, on-air replies and,
    when enabled, registration replies, and a posting job for each. Idempotent."""
    result = appeals.create_from_broadcast(r, bid, by="system")
    owners = sorted({g.split("-")[2] for g in replies.plan_on_air(r, bid)})  # "ll{b}-on_air-c{cid}-..."
    if appeals.get_settings(r)["register_reply"] == "1":
        # every appeal made from the end, not only those made by this run: a run killed after creating some
        # appeals is finished by another that creates none
        for a in sorted(appeals.read_all(r, bid).values(), key=lambda a: int(a["id"])):
            if a["cluster_status"] in appeals.APPEAL_SOURCES:
                replies.plan_registered(r, bid, a["id"])
                owners.append(f"a{a['id']}")
    for owner in owners:
        enqueue_replies(r, bid, owner)
    fault("end_broadcast.before_done")
    done(r, bid, END)
    return {**result, "reply_jobs": len(owners)}


# -- answer an appeal -----------------------------------------------------------------------------------
def answer_appeal(r: redis.Redis, bid: int | str, aid: str, text: str, by: str,
                  version: int | None = None) -> dict[str, Any]:
    """The department's answer; replies to every co-author are owed from the same transaction, then planned
    and their posting job enqueued."""
    owes: list[str] = []

    def mark(pipe: redis.client.Pipeline, a: dict[str, Any]) -> None:
        owes[:] = [f"answer:{aid}:{a['answer_no']}"]
        owe(pipe, bid, owes[0])

    a = appeals.answer(r, bid, aid, text, by, version, extra=mark)
    fault("answer_appeal.after_state")
    after_answer(r, bid, str(aid), owes[0])
    return a


def after_answer(r: redis.Redis, bid: int | str, aid: str, what: str) -> list[str]:
    """Plan the answer's replies (one record per co-author and answer number) and enqueue their posting."""
    guids = replies.plan_answer(r, bid, aid)
    enqueue_replies(r, bid, f"a{aid}")
    fault("answer_appeal.before_done")
    done(r, bid, what)
    return guids


# -- resend a reply -------------------------------------------------------------------------------------
def resend_reply(r: redis.Redis, bid: int | str, aid: str, guid: str) -> dict[str, Any]:
    """Staff's "try again" for one of an appeal's replies: pending again and the posting job owed in one
    write, then the job enqueued."""
    owner = f"a{aid}"
    owes: list[str] = []

    def mark(pipe: redis.client.Pipeline, rec: dict[str, Any]) -> None:
        owes[:] = [f"resend:{owner}:{guid}:{rec['attempts']}"]
        owe(pipe, bid, owes[0])

    rec = replies.reset(r, bid, guid, owner, extra=mark)
    fault("resend_reply.after_state")
    after_resend(r, bid, owner, owes[0])
    return rec


def after_resend(r: redis.Redis, bid: int | str, owner: str, what: str) -> None:
    enqueue_replies(r, bid, owner)
    fault("resend_reply.before_done")
    done(r, bid, what)


# -- repair ---------------------------------------------------------------------------------------------
def finish(r: redis.Redis, bid: int | str, what: str) -> None:
    """Do the follow-up that ``what`` owes (and remove the marker)."""
    kind, _, rest = what.partition(":")
    try:
        if kind == END:
            after_end(r, bid)
        elif kind == "answer":
            after_answer(r, bid, rest.split(":")[0], what)
        elif kind == "resend":
            after_resend(r, bid, rest.split(":")[0], what)
        else:
            log.warning("broadcast %s owes %r, which no workflow knows; left as it is", bid, what)
    except NotFound as exc:  # the broadcast or the appeal is gone (purged): nothing is left to finish
        log.warning("broadcast %s owed %r, but %s; dropped", bid, what, exc.message)
        done(r, bid, what)


def repair(r: redis.Redis, older_than: float, now: float | None = None) -> list[tuple[str, str]]:
    """Finish the follow-up work owed longer than ``older_than`` seconds; returns what it finished.

    Each marker's time is moved to now first, so another worker's repair leaves it alone for ``older_than``
    more seconds (running twice would do no harm either), and a follow-up that fails is tried again then."""
    now = time.time() if now is None else now
    bids = redis_types.zrange_text(r.zrange(keys.broadcasts(), 0, -1))
    p = r.pipeline(transaction=False)
    for bid in bids:
        p.zrangebyscore(keys.owed(bid), "-inf", now - older_than)
    finished: list[tuple[str, str]] = []
    for bid, due in zip(bids, p.execute()):
        for what in (redis_types.text(m) for m in due):
            r.zadd(keys.owed(bid), {what: time.time()}, xx=True)
            try:
                finish(r, bid, what)
            except Exception:  # one failing follow-up must not keep the others from being finished
                log.exception("repair of %r owed by broadcast %s failed; tried again later", what, bid)
                continue
            log.info("repaired %r owed by broadcast %s", what, bid)
            finished.append((bid, what))
    return finished
