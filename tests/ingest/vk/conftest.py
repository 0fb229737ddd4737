"""Fixtures of the VK tests: a fake VK ID OAuth endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest


class OAuth:
    """A tiny VK ID /oauth2/auth endpoint on 127.0.0.1: rotates single-use refresh tokens."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.valid_refresh = {"R1"}
        self.issued = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                outer.requests.append({"path": self.path, **form})
                grant = form.get("grant_type")
                if form.get("refresh_token") in outer.valid_refresh and grant == "refresh_token":
                    outer.valid_refresh.discard(form["refresh_token"])
                    outer.issued += 1
                    new_refresh = f"R{outer.issued + 1}"
                    outer.valid_refresh.add(new_refresh)
                    answer: dict[str, Any] = {"access_token": f"ACCESS{outer.issued}",
                                              "refresh_token": new_refresh, "expires_in": 3600,
                                              "user_id": 7, "token_type": "Bearer"}
                else:
                    answer = {"error": "invalid_grant", "error_description": "refresh token is invalid"}
                data = json.dumps(answer).encode()
                self.send_response(200 if "access_token" in answer else 400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def oauth() -> Iterator[OAuth]:
    server = OAuth()
    yield server
    server.server.shutdown()
    server.server.server_close()
