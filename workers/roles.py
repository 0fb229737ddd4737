"""The production roles as functions: ``web``, ``worker`` (triage + repair + RQ jobs) and ``ingest``.

The Procfile and ``liveline demo`` start each as ``liveline web|worker|ingest``; every role reads the same
settings, beats its heartbeat, and stops cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import redis

from liveline.settings import Settings
from liveline.store.heartbeat import Beater

log = logging.getLogger("liveline")
RQ_QUEUE = "liveline"


def _client(settings: Settings) -> redis.Redis:
    if not settings.redis_url:
        raise SystemExit("LIVELINE_REDIS_URL не задан: укажите адрес Redis или запустите `liveline demo`")
    return redis.Redis.from_url(settings.redis_url, socket_timeout=15, socket_connect_timeout=5,
                                health_check_interval=10)


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: Any) -> None:
        stop.set()
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def web(settings: Settings) -> None:
    import uvicorn

    from liveline import httpserver
    from liveline.app import create_app

    # X-Forwarded-For is read by the app itself, from LIVELINE_TRUSTED_PROXIES only (liveline/security.py)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
                ws_ping_interval=20, ws_ping_timeout=20, timeout_graceful_shutdown=3, proxy_headers=False,
                http=httpserver.protocol(settings.header_timeout_s), timeout_keep_alive=settings.keep_alive_s)


def repair_every(settings: Settings) -> float:
    """How often the worker looks for owed follow-up work: a few times per ``LIVELINE_REPAIR_S``."""
    return min(30.0, max(1.0, settings.repair_s / 3))


def repair_loop(r: redis.Redis, stop: threading.Event, settings: Settings) -> None:
    """Finish what workflows owe for longer than ``LIVELINE_REPAIR_S`` (``workflows.repair``), until stopped."""
    from liveline import workflows

    while True:
        try:
            workflows.repair(r, settings.repair_s)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:  # the next pass tries again
            log.warning("repair pass: Redis unavailable (%s); retrying", type(exc).__name__)
        except Exception:
            log.exception("repair pass failed")
        if stop.wait(repair_every(settings)):
            return


class _RedisOutageTraceback(logging.Filter):
    """Drops RQ's "found an unhandled exception, quitting" when the exception is Redis going away (it can happen
    in RQ's registry maintenance): ``_work_jobs`` rides it out and says so in one line, without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, (redis.ConnectionError, redis.TimeoutError, OSError))


def _work_jobs(rq_conn: redis.Redis, burst: bool) -> None:
    """RQ's SimpleWorker until it stops. RQ quits its loop when Redis goes away at the wrong moment ("found an
    unhandled exception, quitting"); the worker process rides that out like its other threads: a new RQ worker
    (a new name: the old one's registration may survive in the restarted Redis) once Redis answers again."""
    from rq import Queue, SimpleWorker
    from rq.exceptions import StopRequested

    rq_log = logging.getLogger("rq.worker")
    if not any(isinstance(f, _RedisOutageTraceback) for f in rq_log.filters):
        rq_log.addFilter(_RedisOutageTraceback())
    while True:
        rq_worker = SimpleWorker([Queue(RQ_QUEUE, connection=rq_conn)], connection=rq_conn)
        try:
            rq_worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
            return
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            if burst:
                raise
            log.warning("RQ worker: Redis unavailable (%s); retrying", type(exc).__name__)
        try:
            while True:  # until Redis answers
                try:
                    rq_conn.ping()
                    break
                except (redis.ConnectionError, redis.TimeoutError, OSError):
                    threading.Event().wait(1.0)
        except StopRequested:  # SIGTERM meanwhile (RQ's handler, still installed): stop as RQ would
            return


def worker(settings: Settings, burst: bool = False) -> None:
    """Triage in a thread; the repair of owed workflow steps in another; RQ's scheduler in a third
    (``workers.rqscheduler``); RQ's SimpleWorker (no fork per job) in the main thread for coarse jobs
    (``_work_jobs``). ``burst`` runs one repair pass, then the queued jobs, and returns."""
    from liveline.triage.pipeline import tune_gc
    from workers import rqscheduler
    from workers.triage import TriageWorker

    tune_gc()
    r = _client(settings)
    stop = threading.Event()
    beater = Beater(r, "worker").start()
    triage = TriageWorker(r, settings.places_csv)
    thread = threading.Thread(target=triage.run, args=(stop,), name="triage", daemon=True)
    thread.start()
    rq_conn = redis.Redis.from_url(settings.redis_url)
    from liveline import workflows

    workflows.ensure_deadline_checks(rq_conn)
    if burst:
        workflows.repair(r, settings.repair_s)  # what it enqueues runs in this burst
    else:
        threading.Thread(target=repair_loop, args=(r, stop, settings), name="repair", daemon=True).start()
    if burst:
        rqscheduler.run_once(rq_conn, RQ_QUEUE)
    else:
        rqscheduler.start(rq_conn, RQ_QUEUE, stop)  # a thread: nothing outlives the worker
    try:
        _work_jobs(rq_conn, burst)
    finally:
        stop.set()
        thread.join(5)
        beater.stop()


def ingest(settings: Settings) -> None:
    from workers.ingest import Ingest

    r = _client(settings)
    stop = threading.Event()
    _stop_on_signals(stop)
    beater = Beater(r, "ingest").start()
    from liveline.ingest.vk.scheduler import VkIngest, VkIngestSettings

    ing = Ingest(r, settings.demo_speed)
    ing.vk = VkIngest(r, VkIngestSettings.from_settings(settings),
                      lambda: [(b, s) for b, s in ing.active_sources() if s["kind"] in ("vk_wall", "vk_video")])
    try:
        ing.run(stop)
    finally:
        beater.stop()
