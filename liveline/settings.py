"""Settings, declared as data: every setting has a name, a default and a line of help.

Read from the environment (``LIVELINE_*``), then ``.env``, then the default, through
``starlette.config.Config``. ``SETTINGS_DOC`` is what the README's table shows; a test holds them together.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.config import Config
from starlette.datastructures import Secret

# name, default, help
SETTINGS_DOC: list[tuple[str, str, str]] = [
    ("LIVELINE_REDIS_URL", "", "Redis URL; empty: `liveline demo` starts its own redis-server under ./var/"),
    ("LIVELINE_HOST", "127.0.0.1", "address the web server binds"),
    ("LIVELINE_PORT", "8000", "port of the web server"),
    ("LIVELINE_SECRET_KEY", "", "key that signs session cookies; empty: a random one is kept in ./var/secret"),
    ("LIVELINE_PUBLIC_ORIGIN", "", ("origin the browser uses (https://liveline.example.ru); WebSockets from "
                                   "another Origin are refused; empty: the Host header's origin")),
    ("LIVELINE_SESSION_IDLE_S", "43200", "a session ends after this many seconds without a request"),
    ("LIVELINE_COOKIE_SECURE", "false", "mark cookies Secure (true behind HTTPS)"),
    ("LIVELINE_VAR_DIR", "var", "where the embedded Redis keeps its AOF and the demo its files"),
    ("LIVELINE_VK_API_URL", "https://api.vk.ru", "VK API base URL (a staging or simulated VK for tests)"),
    ("LIVELINE_VK_USER_TOKEN", "", "VK user token for reading comments and video (single organisation)"),
    ("LIVELINE_VK_GROUP_TOKEN", "", "VK community token for long poll and replies (single organisation)"),
    ("LIVELINE_VK_GROUP_ID", "", "id of the community the group token belongs to"),
    ("LIVELINE_VK_OAUTH_URL", "https://id.vk.com", "VK ID OAuth base URL for renewing user tokens"),
    ("LIVELINE_VK_CLIENT_ID", "", "VK ID application id for renewing user tokens"),
    ("LIVELINE_VK_POLL_S", "5", "seconds between polls of personal pages and live chat"),
    ("LIVELINE_VK_RECONCILE_S", "45", "seconds between reconciling sweeps of community posts"),
    ("LIVELINE_VK_RATE_LIMITS", "true", "pace VK calls at VK's limits (3/s user, 20/s community)"),
    ("LIVELINE_DEMO_SPEED", "1.0", "replay speed of the demo broadcast (2.0 = twice as fast)"),
    ("LIVELINE_PLACES_CSV", "", "default gazetteer CSV (settlement,street_type,street) for new broadcasts"),
    ("LIVELINE_RETENTION_DAYS", "365", ("days after a broadcast ends before `liveline purge` removes citizens' "
                                       "personal data (aggregates stay)")),
    ("LIVELINE_EVENTS_MAXLEN", "10000", ("about how many events each broadcast's log keeps; a screen or worker "
                                         "whose cursor falls off its head starts again from a fresh snapshot")),
    ("LIVELINE_BOARD_CARDS", "500", ("cards a board shows per column (the first by the column's order) beside "
                                    "its true count; search and filters reach the rest on the server")),
    ("LIVELINE_REPAIR_S", "30", ("the worker finishes follow-up work a workflow recorded as owed and left "
                                 "undone this many seconds (a process killed between its steps)")),
    ("LIVELINE_LOG_LEVEL", "INFO", "log level of every process"),
]


@dataclass
class Settings:
    redis_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: Secret = field(default_factory=lambda: Secret(""))
    public_origin: str = ""
    session_idle_s: int = 43200
    cookie_secure: bool = False
    var_dir: Path = Path("var")
    vk_api_url: str = "https://api.vk.ru"
    vk_user_token: Secret = field(default_factory=lambda: Secret(""))
    vk_group_token: Secret = field(default_factory=lambda: Secret(""))
    vk_group_id: int = 0
    vk_oauth_url: str = "https://id.vk.com"
    vk_client_id: str = ""
    vk_poll_s: float = 5.0
    vk_reconcile_s: float = 45.0
    vk_rate_limits: bool = True
    demo_speed: float = 1.0
    places_csv: str = ""
    retention_days: float = 365.0
    events_maxlen: int = 10_000
    board_cards: int = 500
    repair_s: float = 30.0
    log_level: str = "INFO"

    def secret(self) -> str:
        """The session-signing key; a random one persisted under var/ when none is configured."""
        value = str(self.secret_key)
        if value:
            return value
        path = self.var_dir / "secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(os.urandom(32).hex())
            path.chmod(0o600)
        return path.read_text().strip()


def load(env_file: str | Path | None = ".env", environ: dict[str, str] | None = None) -> Settings:
    """Settings from the environment, then ``env_file``, then the defaults."""
    path = Path(env_file) if env_file else None
    config = Config(path if path and path.exists() else None, environ=environ if environ is not None else os.environ)
    defaults = {name: default for name, default, _ in SETTINGS_DOC}

    def get(name: str, cast: type = str) -> Any:
        return config(name, cast=cast, default=cast(defaults[name]) if cast is not bool else
                      defaults[name].lower() == "true")

    var_dir = Path(get("LIVELINE_VAR_DIR"))
    if not var_dir.is_absolute():
        var_dir = Path.cwd() / var_dir
    group_id = get("LIVELINE_VK_GROUP_ID")
    return Settings(
        redis_url=get("LIVELINE_REDIS_URL"),
        host=get("LIVELINE_HOST"),
        port=get("LIVELINE_PORT", int),
        secret_key=Secret(config("LIVELINE_SECRET_KEY", default="")),
        public_origin=get("LIVELINE_PUBLIC_ORIGIN"),
        session_idle_s=get("LIVELINE_SESSION_IDLE_S", int),
        cookie_secure=get("LIVELINE_COOKIE_SECURE", bool),
        var_dir=var_dir,
        vk_api_url=get("LIVELINE_VK_API_URL"),
        vk_user_token=Secret(config("LIVELINE_VK_USER_TOKEN", default="")),
        vk_group_token=Secret(config("LIVELINE_VK_GROUP_TOKEN", default="")),
        vk_group_id=int(group_id) if group_id else 0,
        vk_oauth_url=get("LIVELINE_VK_OAUTH_URL"),
        vk_client_id=get("LIVELINE_VK_CLIENT_ID"),
        vk_poll_s=get("LIVELINE_VK_POLL_S", float),
        vk_reconcile_s=get("LIVELINE_VK_RECONCILE_S", float),
        vk_rate_limits=get("LIVELINE_VK_RATE_LIMITS", bool),
        demo_speed=get("LIVELINE_DEMO_SPEED", float),
        places_csv=get("LIVELINE_PLACES_CSV"),
        retention_days=get("LIVELINE_RETENTION_DAYS", float),
        events_maxlen=get("LIVELINE_EVENTS_MAXLEN", int),
        board_cards=max(1, get("LIVELINE_BOARD_CARDS", int)),
        repair_s=max(0.0, get("LIVELINE_REPAIR_S", float)),
        log_level=get("LIVELINE_LOG_LEVEL"),
    )
