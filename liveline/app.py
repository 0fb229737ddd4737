"""The web application: ``create_app(settings)`` wires resources, middleware, routes and error pages."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import redis
import redis.asyncio as aredis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from liveline.assets import STATIC
from liveline.auth import DEVICE_SALT, CookieSigner
from liveline.errors import LivelineError, Unauthorized
from liveline.live import screens
from liveline.live.channel import Hub
from liveline.live.sockets import Sockets
from liveline.permissions import (
    ADMIN,
    BOARD,
    BOARD_READ,
    HOST_CONTROL,
    HOST_SCREEN,
    PUBLIC,
    STAFF_ALL,
    route,
    ws_route,
)
from liveline.security import SecurityMiddleware, parse_networks
from liveline.settings import Settings
from liveline.store import events, secretbox
from liveline.views import (
    appeals,
    audit,
    board,
    briefing,
    broadcasts,
    bulk,
    catalog,
    health,
    host,
    live,
    users,
    vk,
)
from liveline.views import auth as auth_views
from liveline.views.common import fragment, is_htmx, page

log = logging.getLogger("liveline.web")


def routes() -> list[BaseRoute]:
    P = ["POST"]
    return [
        route("/", auth_views.home, "home", STAFF_ALL | {"host"}),
        route("/login", auth_views.login_form, "login_form", PUBLIC),
        route("/login", auth_views.login, "login", PUBLIC, P),
        route("/logout", auth_views.logout, "logout", STAFF_ALL | {"host"}, P),
        route("/logout-everywhere", auth_views.logout_everywhere, "logout_everywhere", STAFF_ALL, P),
        route("/healthz", health.healthz, "healthz", PUBLIC),
        route("/broadcasts", broadcasts.list_page, "broadcasts", BOARD_READ),
        route("/broadcasts", broadcasts.create, "broadcast_create", ADMIN, P),
        route("/b/{bid:int}", broadcasts.detail, "broadcast", BOARD_READ),
        route("/b/{bid:int}/status", broadcasts.status_fragment, "ingest_status", BOARD_READ),
        route("/b/{bid:int}/state/{action}", broadcasts.transition, "broadcast_transition", ADMIN, P),
        route("/b/{bid:int}/sources", broadcasts.add_source, "source_add", ADMIN, P),
        route("/b/{bid:int}/sources/{sid}/delete", broadcasts.remove_source, "source_remove", ADMIN, P),
        route("/b/{bid:int}/host-link", broadcasts.rotate_host_link, "host_link_rotate", ADMIN, P),
        route("/b/{bid:int}/board", board.board_page, "board", BOARD),
        route("/b/{bid:int}/search", board.search, "board_search", BOARD),
        route("/b/{bid:int}/questions", board.manual_question, "manual_question", BOARD, P),
        route("/b/{bid:int}/merge", board.merge, "merge", BOARD, P),
        route("/b/{bid:int}/c/{cid}/members", board.members, "members", BOARD),
        route("/b/{bid:int}/c/{cid}/split/{qid}", board.split, "split", BOARD, P),
        route("/b/{bid:int}/c/{cid}/{action}", board.act, "cluster_action", BOARD, P),
        route("/b/{bid:int}/host", host.host_page, "host", HOST_SCREEN),
        route("/b/{bid:int}/host/controls", host.controls, "host_controls", HOST_CONTROL, P),
        route("/host/{bid:int}/{key}", host.host_link, "host_link", PUBLIC),
        route("/admin/users", users.users_page, "users", ADMIN),
        route("/admin/users", users.users_add, "user_add", ADMIN, P),
        route("/admin/users/{username}/disable", users.users_disable, "user_disable", ADMIN, P),
        route("/admin/catalog", catalog.catalog_page, "catalog", ADMIN),
        route("/admin/catalog/places", catalog.import_places, "catalog_places", ADMIN, P),
        route("/admin/catalog/topics", catalog.edit_topic, "catalog_topic", ADMIN, P),
        route("/admin/vk", vk.vk_page, "vk_tokens", ADMIN),
        route("/admin/vk", vk.set_token, "vk_token_set", ADMIN, P),
        *audit.routes(),
        *briefing.routes(),
        *bulk.routes(),
        *appeals.routes(),
        ws_route("/ws/b/{bid:int}/board", live.board_socket, "ws_board", BOARD),
        ws_route("/ws/b/{bid:int}/host", live.host_socket, "ws_host", HOST_SCREEN),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]


async def handle_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LivelineError)
    if isinstance(exc, Unauthorized) and request.method == "GET" and not is_htmx(request):
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    if is_htmx(request):
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return fragment("partials/_flash.html", status_code=exc.status_code, headers=headers, kind="error",
                        message=exc.message, current=exc.context.get("current"))
    return page(request, "error.html", status_code=exc.status_code, title=exc.title, message=exc.message)


async def handle_redis_down(request: Request, exc: Exception) -> Response:
    log.warning("Redis unavailable: %s", exc)
    msg = "Хранилище временно недоступно, повторите через несколько секунд"
    if is_htmx(request):
        return fragment("partials/_flash.html", status_code=503, headers={"HX-Retarget": "#flash",
                        "HX-Reswap": "innerHTML"}, kind="error", message=msg, current=None)
    return page(request, "error.html", status_code=503, title="Временная ошибка", message=msg)


def create_app(settings: Settings) -> Starlette:
    events.configure(settings.events_maxlen)
    secretbox.configure(settings.secrets_keys())
    sync_redis = redis.Redis.from_url(settings.redis_url, health_check_interval=10,
                                      retry_on_timeout=True, socket_timeout=10)
    async_redis = aredis.Redis.from_url(settings.redis_url, health_check_interval=10, socket_timeout=10)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.hub = Hub(sync_redis, async_redis, lambda: screens.Screens(settings.board_cards))
        app.state.sockets = Sockets(sync_redis, settings.sockets_per_session, settings.sockets_per_address)
        app.state.sockets.start()
        try:
            yield
        finally:
            await app.state.sockets.stop()
            await app.state.hub.close()
            await async_redis.aclose()
            sync_redis.close()

    app = Starlette(
        routes=routes(),
        middleware=[Middleware(SecurityMiddleware, redis_client=sync_redis, secret=settings.secret(),
                               idle_s=settings.session_idle_s, public_origin=settings.public_origin,
                               trusted_proxies=parse_networks(settings.trusted_proxies),
                               max_body_bytes=settings.max_body_bytes)],
        exception_handlers={LivelineError: handle_error, redis.ConnectionError: handle_redis_down},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.redis = sync_redis
    app.state.signer = CookieSigner(settings.secret())
    app.state.device_signer = CookieSigner(settings.secret(), salt=DEVICE_SALT)
    return app
