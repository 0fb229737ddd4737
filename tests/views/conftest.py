"""Fixtures of the screens' tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from starlette.testclient import TestClient

from liveline.settings import Settings


@pytest.fixture
def bclient(r: redis.Redis, settings: Settings) -> Iterator[TestClient]:
    """The app with liveline/views/audit.py's routes, whether or not app.py lists them yet."""
    from liveline.app import create_app
    from liveline.views import audit

    app = create_app(settings)
    if not any(getattr(rt, "name", "") == "audit_undo" for rt in app.router.routes):
        app.router.routes[0:0] = audit.routes()
    with TestClient(app, base_url="http://testserver") as c:
        yield c
