"""The server's protocol layer (liveline/httpserver.py) against slow and idle connections, on a real
``liveline web`` process: a connection that does not finish its headers in ``LIVELINE_HEADER_TIMEOUT_S``,
one that sends nothing, and a kept-alive one left idle past ``LIVELINE_KEEP_ALIVE_S`` are all closed, while
the server keeps answering others. Bounded: 200 connections, every wait at most 60 s."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from liveline.store.redisproc import RedisProcess
from tests.webproc import LiveServer

CONNECTIONS = 200
WAIT_S = 60.0


@pytest.fixture
def server(redis_server: RedisProcess, r: redis.Redis, tmp_path: Path) -> Iterator[LiveServer]:
    s = LiveServer(redis_server, tmp_path / "var", LIVELINE_HEADER_TIMEOUT_S="2", LIVELINE_KEEP_ALIVE_S="2").start()
    yield s
    s.stop()


def connect(server: LiveServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def closed_by_server(sock: socket.socket, deadline: float) -> bool:
    """The server closes ``sock`` before ``deadline`` (what it sends before closing is read and dropped)."""
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not sock.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False


def test_slow_headers_and_idle_connections_are_closed_while_others_are_served(server: LiveServer) -> None:
    slow, idle = [], []
    try:
        for n in range(CONNECTIONS):
            sock = connect(server)
            if n % 2:
                sock.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never finished
                slow.append(sock)
            else:
                idle.append(sock)  # sends nothing at all
        assert httpx.get(server.url + "/login", timeout=WAIT_S).status_code == 200  # others are served
        deadline = time.monotonic() + WAIT_S
        assert all(closed_by_server(s, deadline) for s in slow)
        assert all(closed_by_server(s, deadline) for s in idle)
    finally:
        for s in slow + idle:
            s.close()


def test_an_idle_kept_alive_connection_is_closed(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 ")
        assert closed_by_server(sock, time.monotonic() + WAIT_S)


def test_a_connection_that_finishes_its_headers_in_time_is_answered(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.5)  # well within the deadline
        sock.sendall(b"\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
