"""Settings, declared once: each is a field of ``Settings`` with its default (as written in ``.env``), its
cast and a line of help; a cast of ``Secret`` makes it a secret.

The environment name is ``LIVELINE_`` + the field's name in capitals. Values come from the environment, then
``.env``, then the default, through ``starlette.config.Config`` (its casts: "true"/"false"/"1"/"0" for a
bool). The README's settings table and ``.env.example`` are printed from the same declarations
(``python -m liveline.settings --markdown`` / ``--env-example``; ``--write`` updates both files), and a test
fails when they disagree.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from starlette.config import Config
from starlette.datastructures import Secret

PREFIX = "LIVELINE_"
ROOT = Path(__file__).resolve().parent.parent
README_HEADER = "| name | default | meaning |"
ENV_EXAMPLE_HEADER = "# Liveline settings (environment, or this file as .env). Empty values use the default."


@dataclass(frozen=True)
class Setting:
    """One setting: its environment name, its default as written in ``.env``, how the text is cast, help."""

    name: str
    attr: str
    default: str
    cast: Callable[[Any], Any]
    help: str

    @property
    def secret(self) -> bool:
        return self.cast is Secret


_DECLARED = "liveline.setting"
_NO_ENVIRONMENT = Config(environ={})


def setting(default: str, cast: Callable[[Any], Any], help: str) -> Any:
    """A ``Settings`` field: ``default`` is text, cast the way a value from the environment is."""
    declared = {_DECLARED: (default, cast, help)}

    def value() -> Any:
        return _NO_ENVIRONMENT("default", cast=cast, default=default)
    if cast is Secret:  # a fresh one per Settings, as any object a field may not share
        return field(default_factory=value, metadata=declared)
    return field(default=value(), metadata=declared)


def optional_int(text: str) -> int:
    """An integer; empty text is 0."""
    return int(text) if text else 0


def at_least_one(text: str) -> int:
    return max(1, int(text))


@dataclass
class Settings:
    # name: type = setting(default as written in .env, cast, help); its variable is LIVELINE_ + NAME
    redis_url: str = setting(
        "", str, "Redis URL; empty: `liveline demo` starts its own redis-server under ./var/")
    host: str = setting("127.0.0.1", str, "address the web server binds")
    port: int = setting("8000", int, "port of the web server")
    secret_key: Secret = setting(  # noqa: RUF009 (setting() gives a dataclasses.field)
        "", Secret, "key that signs session cookies; empty: a random one is kept in ./var/secret")
    public_origin: str = setting(
        "", str, "origin the browser uses (https://liveline.example.ru); WebSockets from another Origin are "
                 "refused; empty: the Host header's origin")
    session_idle_s: int = setting("43200", int, "a session ends after this many seconds without a request")
    cookie_secure: bool = setting("false", bool, "mark cookies Secure (true behind HTTPS)")
    var_dir: Path = setting(  # noqa: RUF009
        "var", Path, "where the embedded Redis keeps its AOF and the demo its files")
    vk_api_url: str = setting(
        "https://api.vk.ru", str, "VK API base URL (a staging or simulated VK for tests)")
    vk_user_token: Secret = setting(  # noqa: RUF009
        "", Secret, "VK user token for reading comments and video (single organisation)")
    vk_group_token: Secret = setting(  # noqa: RUF009
        "", Secret, "VK community token for long poll and replies (single organisation)")
    vk_group_id: int = setting("", optional_int, "id of the community the group token belongs to")
    vk_oauth_url: str = setting("https://id.vk.com", str, "VK ID OAuth base URL for renewing user tokens")
    vk_client_id: str = setting("", str, "VK ID application id for renewing user tokens")
    vk_poll_s: float = setting("5", float, "seconds between polls of personal pages and live chat")
    vk_reconcile_s: float = setting(
        "45", float, "seconds between reconciling sweeps of every VK source (each reads everything and applies "
                     "what differs from VK: text, deletions, restores, likes, names)")
    vk_rate_limits: bool = setting("true", bool, "pace VK calls at VK's limits (3/s user, 20/s community)")
    demo_speed: float = setting("1.0", float, "replay speed of the demo broadcast (2.0 = twice as fast)")
    places_csv: str = setting(
        "", str, "default gazetteer CSV (settlement,street_type,street) for new broadcasts")
    retention_days: float = setting(
        "365", float, "days after a broadcast ends before `liveline purge` removes citizens' personal data "
                      "(aggregates stay)")
    events_maxlen: int = setting(
        "10000", int, "about how many events each broadcast's log keeps; a screen or worker whose cursor "
                      "falls off its head starts again from a fresh snapshot")
    board_cards: int = setting(
        "500", at_least_one, "cards a board shows per column (the first by the column's order) beside its "
                             "true count; search and filters reach the rest on the server")
    repair_s: float = setting(
        "30", float, "the worker finishes follow-up work a workflow recorded as owed and left undone this many "
                     "seconds (a process killed between its steps)")
    log_level: str = setting("INFO", str, "log level of every process")
    trusted_proxies: str = setting(
        "", str, "addresses or networks (comma-separated) of reverse proxies whose X-Forwarded-For is believed; "
                 "empty: none, the peer's address is the client's")
    max_body_bytes: int = setting(
        "26214400", at_least_one, "largest request body accepted, in bytes (the largest form is a gazetteer CSV "
                                  "of up to 20 MB); without a session at most 64 KB; beyond: 413 before the "
                                  "body is read into memory or a temporary file")
    max_field_bytes: int = setting(
        "1048576", at_least_one, "largest text field of a form, in bytes (413 beyond); a file is bounded by "
                                 "the body's limit")
    max_parts: int = setting("200", at_least_one, "most fields and files in one form (413 beyond)")
    sockets_per_session: int = setting(
        "8", at_least_one, "open WebSockets one session may hold in one web process; more are refused (4429)")
    sockets_per_address: int = setting(
        "64", at_least_one, "open WebSockets one client address may hold in one web process; more are refused "
                            "(4429)")
    header_timeout_s: float = setting(
        "10", float, "seconds a connection has to finish a request's headers (also an idle connection's "
                     "limit before its first request); then it is closed")
    keep_alive_s: int = setting("5", int, "seconds an idle keep-alive connection stays open between requests")
    secrets_key: Secret = setting(  # noqa: RUF009
        "", Secret, "Fernet keys (comma-separated, the first encrypts, all decrypt) for VK tokens at rest; "
                    "empty: a random one is kept in ./var/secrets.key (mode 0600)")

    def secret(self) -> str:
        """The session-signing key; a random one persisted under var/ when none is configured."""
        value = str(self.secret_key)
        return value or self._kept("secret", lambda: os.urandom(32).hex())

    def secrets_keys(self) -> list[str]:
        """The Fernet keys for secrets at rest, the sealing one first; a random one kept under var/ when none is
        configured."""
        from cryptography.fernet import Fernet

        configured = [k.strip() for k in str(self.secrets_key).split(",") if k.strip()]
        return configured or [self._kept("secrets.key", lambda: Fernet.generate_key().decode())]

    def _kept(self, name: str, make: Callable[[], str]) -> str:
        """A random value kept in ``var_dir/name``: the directory mode 0700, the file 0600 from its creation."""
        import tempfile

        path = self.var_dir / name
        if not path.exists():
            self.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.var_dir.chmod(0o700)
            fd, tmp = tempfile.mkstemp(dir=self.var_dir, prefix=f".{name}.")  # mode 0600
            with os.fdopen(fd, "w") as fh:
                fh.write(make())
            try:
                os.link(tmp, path)  # whole or not at all, and never over one another process made first
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        return path.read_text().strip()


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(PREFIX + f.name.upper(), f.name, *f.metadata[_DECLARED]) for f in fields(Settings))


def load(env_file: str | Path | None = ".env", environ: dict[str, str] | None = None) -> Settings:
    """Settings from the environment, then ``env_file``, then the defaults."""
    path = Path(env_file) if env_file else None
    config = Config(path if path and path.exists() else None,
                    environ=environ if environ is not None else os.environ)
    s = Settings(**{x.attr: config(x.name, cast=x.cast, default=x.default) for x in SETTINGS})
    if not s.var_dir.is_absolute():  # relative to the directory the process starts in
        s.var_dir = Path.cwd() / s.var_dir
    return s


# -- the documentation of the settings ------------------------------------------------------------------
def markdown_table() -> str:
    """The README's table of settings."""
    rows = [README_HEADER, "|---|---|---|"]
    rows += [f"| `{x.name}` | `{x.default}` | {x.help} |" for x in SETTINGS]
    return "\n".join(rows) + "\n"


def env_example() -> str:
    """``.env.example``: every setting with its help, at its default (a secret always empty)."""
    lines = [ENV_EXAMPLE_HEADER]
    for x in SETTINGS:
        lines += [f"# {x.help}", f"{x.name}={'' if x.secret else x.default}"]
    return "\n".join(lines) + "\n"


def with_table(readme: str) -> str:
    """``readme`` with its settings table (from ``README_HEADER`` to the first line not in the table) made
    ``markdown_table()``."""
    lines = readme.splitlines(keepends=True)
    start = next((n for n, line in enumerate(lines) if line.rstrip("\n") == README_HEADER), None)
    if start is None:
        raise ValueError(f"README has no settings table (a line {README_HEADER!r})")
    end = next((n for n in range(start, len(lines)) if not lines[n].startswith("|")), len(lines))
    return "".join(lines[:start]) + markdown_table() + "".join(lines[end:])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m liveline.settings",
                                     description="Print or write the documentation of Liveline's settings.")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--markdown", action="store_true", help="print the README's table of settings")
    what.add_argument("--env-example", action="store_true", help="print .env.example")
    what.add_argument("--write", action="store_true", help="update README.md's table and .env.example")
    args = parser.parse_args(argv)
    if args.markdown:
        sys.stdout.write(markdown_table())
    elif args.env_example:
        sys.stdout.write(env_example())
    else:
        readme = ROOT / "README.md"
        readme.write_text(with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
        (ROOT / ".env.example").write_text(env_example(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
