"""What an admin edits once per organisation: the gazetteer (streets and settlements), the topic taxonomy and
the departments (records everything else picks from: topics, routing, staff accounts, redirects, cards).

Both live in Redis as JSON; the triage worker reads them when it takes a broadcast. The gazetteer comes from a
CSV export (FIAS/ГАР or OSM) with columns ``settlement,street_type,street``.
"""

from __future__ import annotations

import copy
import csv
import functools
import io

import redis

from liveline.errors import BadRequest
from liveline.store import codec, keys
from liveline.triage.places import Gazetteer
from liveline.triage.topics import DEFAULT_TAXONOMY, Topic, taxonomy_from_json, taxonomy_to_json

COLUMNS = ("settlement", "street_type", "street")
MAX_ROWS = 200_000


def parse_places_csv(text: str) -> list[dict[str, str]]:
    """Rows of a gazetteer CSV; a clear Russian error for anything else."""
    text = text.lstrip("\ufeff")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "settlement" not in header or "street" not in header:
        raise BadRequest("Нужен CSV со столбцами settlement,street_type,street (населённый пункт, тип, улица)")
    rows: list[dict[str, str]] = []
    for n, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not row.get("settlement"):
            raise BadRequest(f"Строка {n}: не указан населённый пункт")
        rows.append({c: row.get(c, "") for c in COLUMNS})
        if len(rows) > MAX_ROWS:
            raise BadRequest(f"Слишком много строк (больше {MAX_ROWS})")
    if not rows:
        raise BadRequest("В файле нет ни одной улицы")
    return rows


def import_places(r: redis.Redis, text: str) -> int:
    rows = parse_places_csv(text)
    Gazetteer.from_rows(rows)  # refuses what the locator cannot use
    r.set(keys.places(), codec.dumps(rows))
    return len(rows)


def places_rows(r: redis.Redis) -> list[dict[str, str]]:
    raw = r.get(keys.places())
    return codec.loads(raw) if raw else []


def gazetteer(r: redis.Redis, fallback_csv: str = "") -> Gazetteer | None:
    rows = places_rows(r)
    if rows:
        return Gazetteer.from_rows(rows)
    return Gazetteer.from_csv(fallback_csv) if fallback_csv else None


def taxonomy(r: redis.Redis) -> list[Topic]:
    """The admin's topics (the built-in ones until an admin edits them): what triage classifies by."""
    raw = r.get(keys.taxonomy())
    # a deep copy: an edit must never change the defaults every other broadcast starts from
    return taxonomy_from_json(codec.loads(raw)) if raw else copy.deepcopy(DEFAULT_TAXONOMY)


class Topics:
    """The admin's taxonomy as everything but triage asks it: a topic's name and department by slug.

    Screens, routing, appeals, reports and pages read topics through this (``topics(r)``), never the built-in
    list, so a topic an admin added or renamed shows its name and routes to its department everywhere."""

    def __init__(self, taxonomy: list[Topic]) -> None:
        self.taxonomy = taxonomy
        self.by_slug = {t.slug: t for t in taxonomy}
        self.names = {t.slug: t.name for t in taxonomy}

    def get(self, slug: str) -> Topic:
        """The topic; an unknown slug is filed under "other" (as triage files it)."""
        return self.by_slug.get(slug) or self.by_slug.get("other") or self.taxonomy[-1]

    def name(self, slug: str | None) -> str:
        """What a card shows: the topic's name, or the slug itself when no topic has it."""
        return self.names.get(slug or "", slug or "")

    def department(self, slug: str) -> str:
        return self.get(slug).department

    def departments(self) -> set[str]:
        return {t.department for t in self.taxonomy if t.department}

    def __contains__(self, slug: object) -> bool:
        return slug in self.by_slug


def topics(r: redis.Redis) -> Topics:
    return Topics(taxonomy(r))


@functools.cache
def default_topics() -> Topics:
    """The built-in topics, for what renders without Redis (a screen before its channel has read them).
    One shared copy: a ``Topics`` is only read."""
    return Topics(copy.deepcopy(DEFAULT_TAXONOMY))


def save_taxonomy(r: redis.Redis, topics: list[Topic]) -> None:
    slugs = [t.slug for t in topics]
    if len(set(slugs)) != len(slugs):
        raise BadRequest("Коды тем должны быть разными")
    if "other" not in slugs:
        raise BadRequest("Тема «other» (прочее) нужна: в неё попадает всё неопознанное")
    for t in topics:
        if not t.slug or not t.slug.replace("_", "").isalnum() or not t.name.strip():
            raise BadRequest(f"Тема «{t.slug}»: нужен код латиницей и название")
    r.set(keys.taxonomy(), codec.dumps(taxonomy_to_json(topics)))


def update_topic(r: redis.Redis, slug: str, name: str, department: str, keywords: str) -> list[Topic]:
    """Edit one topic (name, department, comma-separated keyword lemmas) or add a new one."""
    from liveline.triage.text import lemma

    department = known_department(r, department, optional=True)
    topics = taxonomy(r)
    words = [lemma(w.strip().lower()) for w in keywords.replace(";", ",").split(",") if w.strip()]
    for t in topics:
        if t.slug == slug:
            t.name, t.department = name.strip() or t.name, department.strip()
            if keywords.strip():
                t.keywords = words
            break
    else:
        topics.insert(len(topics) - 1, Topic(slug=slug.strip(), name=name.strip(), department=department.strip(),
                                             keywords=words))
    save_taxonomy(r, topics)
    return topics


# -- departments: records, chosen from a list everywhere ------------------------------------------------
DEPARTMENT_MAX = 120


def clean_department(name: str) -> str:
    """A department's name with its spaces collapsed; bounded, printable, never empty."""
    name = " ".join(name.split())
    if not name:
        raise BadRequest("Укажите ведомство")
    if len(name) > DEPARTMENT_MAX or not name.isprintable():
        raise BadRequest(f"Название ведомства: печатные символы, не длиннее {DEPARTMENT_MAX}")
    return name


def _seed_departments(r: redis.Redis) -> None:
    """Before the first record: every department the taxonomy, the routing table and the heads named."""
    if r.exists(keys.departments()):
        return
    named = topics(r).departments()
    named |= {v.decode() if isinstance(v, bytes) else str(v) for v in r.hvals(keys.routing())}
    named |= {k.decode() if isinstance(k, bytes) else str(k) for k in r.hkeys(keys.department_heads())}
    p = r.pipeline(transaction=True)
    for name in named:
        p.hsetnx(keys.departments(), " ".join(name.split()), codec.dumps({"seeded": True}))
    p.execute()


def department_names(r: redis.Redis) -> list[str]:
    _seed_departments(r)
    return sorted(k.decode() if isinstance(k, bytes) else str(k) for k in r.hkeys(keys.departments()))


def add_department(r: redis.Redis, name: str, by: str = "") -> str:
    _seed_departments(r)
    name = clean_department(name)
    r.hsetnx(keys.departments(), name, codec.dumps({"by": by}))
    return name


def remove_department(r: redis.Redis, name: str) -> None:
    """Remove a department no topic, routing row or head names any more."""
    name = " ".join(name.split())
    routed = {v.decode() if isinstance(v, bytes) else str(v) for v in r.hvals(keys.routing())}
    if name in topics(r).departments() or name in routed or r.hexists(keys.department_heads(), name):
        raise BadRequest(f"Ведомство «{name[:60]}» ещё указано в темах, маршрутизации или руководителях")
    _seed_departments(r)
    r.hdel(keys.departments(), name)


def known_department(r: redis.Redis, name: str, optional: bool = False) -> str:
    """``name`` when it is a department on record (``optional``: or empty); else a clear 400."""
    if optional and not name.strip():
        return ""
    name = clean_department(name)
    _seed_departments(r)
    if not r.hexists(keys.departments(), name):
        raise BadRequest(f"Нет ведомства «{name[:60]}»: выберите из списка (ведомства добавляет администратор)")
    return name
