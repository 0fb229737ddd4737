"""RQ's scheduler (it moves jobs queued with ``enqueue_in``/``enqueue_at`` onto the queue when they are due)
as a thread of ``liveline worker``.

RQ's own ``work(with_scheduler=True)`` forks the scheduler into a child process: a ``kill -9`` of the worker
leaves that child running, and when Redis restarts the child logs RQ's traceback and dies. Here the same
``RQScheduler`` steps (take the per-queue lock, heartbeat, enqueue what is due) run in a thread of the
worker, so it dies with the worker, and a Redis outage is one warning, then it carries on when Redis is back.
"""

from __future__ import annotations

import logging
import os
import threading

import redis
from rq.scheduler import RQScheduler

log = logging.getLogger("liveline.scheduler")


class ThreadScheduler(RQScheduler):
    """``RQScheduler`` driven by ``run(stop)`` in a thread (no fork, no signal handlers)."""

    def step(self) -> None:
        """One pass: (re)take the locks, heartbeat, move due jobs onto their queues."""
        if not self._acquired_locks or self.should_reacquire_locks:
            self.acquire_locks()
        if self._acquired_locks:
            self.heartbeat()
            self.enqueue_scheduled_jobs()

    def run(self, stop: threading.Event) -> None:
        self.pid = os.getpid()
        down = False
        while not stop.is_set():
            try:
                self.step()
                if down:
                    log.info("RQ scheduler: Redis is back")
                down = False
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                if not down:
                    log.warning("RQ scheduler: Redis unavailable (%s); retrying", type(exc).__name__)
                down = True
                self._acquired_locks = set()  # a restarted Redis may have lost them: take them again
                self._scheduled_job_registries = []
            stop.wait(self.interval)
        try:
            self.release_locks()
        except redis.RedisError:
            pass


def start(connection: redis.Redis, queue: str, stop: threading.Event) -> threading.Thread:
    scheduler = ThreadScheduler([queue], connection=connection)
    thread = threading.Thread(target=scheduler.run, args=(stop,), name="rq-scheduler", daemon=True)
    thread.start()
    return thread


def run_once(connection: redis.Redis, queue: str) -> None:
    """What ``work(burst=True, with_scheduler=True)`` does first: enqueue the jobs that are due now."""
    scheduler = ThreadScheduler([queue], connection=connection)
    scheduler.acquire_locks()
    if scheduler.acquired_locks:
        try:
            scheduler.enqueue_scheduled_jobs()
        finally:
            scheduler.release_locks()
