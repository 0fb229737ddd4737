"""Follow-up appeals (обращения): the staff's screens. Routes are added by the follow-up work."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
