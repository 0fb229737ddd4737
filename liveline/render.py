"""Templates: one Jinja2 environment with autoescape everywhere, and one ``render_fragment``; the
presentation helpers (times, counts, plurals, first names) pages and replies share.

Pages live in ``templates/``, fragments in ``templates/partials/``. User text is never marked safe.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from liveline import labels
from liveline.assets import TEMPLATES


def _clock(ts: float | str | None, tz: str = "Europe/Moscow") -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(float(ts), tz=ZoneInfo(tz)).strftime("%H:%M")


def local_datetime(value: float | str | None, tz: str = "Europe/Moscow") -> str:
    if not value:
        return ""
    if isinstance(value, str) and not value.replace(".", "", 1).isdigit():
        dt = datetime.fromisoformat(value)
    else:
        dt = datetime.fromtimestamp(float(value), tz=UTC)
    return dt.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    h, rest = divmod(abs(s), 3600)
    m, sec = divmod(rest, 60)
    sign = "−" if s < 0 else ""
    return f"{sign}{h}:{m:02d}:{sec:02d}" if h else f"{sign}{m}:{sec:02d}"


def thousands(n: int | str) -> str:
    """A count the Russian way: 48210 -> "48 210" (a no-break space between the groups)."""
    return f"{int(n):,}".replace(",", "\u00a0")


def first_name(full: str) -> str:
    """A person's first name only (the studio never shows a surname): "Ольга Смирнова" -> "Ольга"."""
    words = full.replace(",", " ").split()
    return words[0] if words else ""


def plural(n: int, one: str, few: str, many: str) -> str:
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(clock=_clock, datetime=local_datetime, duration=_duration, thousands=thousands)
    env.globals.update(
        STATUS_LABELS=labels.CLUSTER_STATUSES, REJECT_REASONS=labels.REJECT_REASONS,
        FILTER_LABELS=labels.FILTER_REASONS, SOURCE_LABELS=labels.ORIGINS, STATE_LABELS=labels.BROADCAST_STATES,
        SOURCE_KINDS=labels.SOURCE_KINDS, SOURCE_STATES=labels.SOURCE_STATES, ROLES=labels.ROLES,
        plural=plural, now=time.time,
    )
    return env


_ENV: Environment | None = None


def env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = make_env()
    return _ENV


def render_fragment(name: str, **ctx: Any) -> str:
    """Render a template (a page or a ``partials/`` fragment) to a string."""
    return env().get_template(name).render(**ctx)
