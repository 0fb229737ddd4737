"""Who may open what: every route names the roles it admits, in one table the authorization test walks."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.routing import Route, WebSocketRoute

from liveline.auth import Session
from liveline.errors import Forbidden, Unauthorized

PUBLIC: frozenset[str] = frozenset({"anonymous"})
STAFF_ALL = frozenset({"admin", "moderator", "producer", "staff", "viewer"})
BOARD = frozenset({"admin", "moderator"})
BOARD_READ = frozenset({"admin", "moderator", "producer", "viewer"})
HOST_SCREEN = frozenset({"admin", "moderator", "producer", "host"})
HOST_CONTROL = frozenset({"admin", "moderator", "producer"})
ADMIN = frozenset({"admin"})

# route name -> roles admitted ("anonymous" admits everyone)
TABLE: dict[str, frozenset[str]] = {}


def session_of(scope_holder: Any) -> Session | None:
    return scope_holder.scope.get("ll_session")


def check(roles: frozenset[str], session: Session | None, path_params: dict[str, Any]) -> Session | None:
    if "anonymous" in roles:
        return session
    if session is None:
        raise Unauthorized("Войдите, чтобы продолжить")
    if session.role not in roles:
        raise Forbidden("У вашей роли нет доступа к этой странице")
    if session.role == "host" and "bid" in path_params and str(path_params["bid"]) != session.broadcast:
        raise Forbidden("Ссылка ведущего открывает только свой эфир")
    return session


def guard(roles: frozenset[str], fn: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def async_wrapper(request: Request) -> Any:
            check(roles, session_of(request), request.path_params)
            return await fn(request)
        return async_wrapper

    @functools.wraps(fn)
    def wrapper(request: Request) -> Any:
        check(roles, session_of(request), request.path_params)
        return fn(request)
    return wrapper


def route(path: str, endpoint: Callable[..., Any], name: str, roles: frozenset[str],
          methods: list[str] | None = None) -> Route:
    TABLE[name] = roles
    return Route(path, guard(roles, endpoint), name=name, methods=methods or ["GET"])


def ws_route(path: str, endpoint: Callable[..., Any], name: str, roles: frozenset[str]) -> WebSocketRoute:
    """WebSocket endpoints check the session themselves (they must close with a code, not raise)."""
    TABLE[name] = roles
    return WebSocketRoute(path, endpoint, name=name)
