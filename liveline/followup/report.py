"""The post-broadcast report: what came in, what was answered on air, what became appeals, and how fairly.

``build`` computes plain figures from the broadcast's questions, clusters and appeals; ``charts`` draws
them with ``liveline.followup.charts``. Fairness compares, per topic and per settlement, the share of all questions
received with the share of the questions answered on air (a member of a cluster answered on air counts as
answered): a row whose answered share falls far below its received share was under-served on air.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import redis
from markupsafe import Markup

from liveline import labels
from liveline.board import broadcasts, catalog
from liveline.board.questions import all_questions
from liveline.followup import appeals, charts
from liveline.store import codec, keys, redis_types

TOP = 12


def _share(counter: Counter[str], total: int) -> dict[str, float]:
    return {k: (v / total if total else 0.0) for k, v in counter.items()}


def build(r: redis.Redis, bid: int | str) -> dict[str, Any]:
    meta = broadcasts.get(r, bid)
    tz = ZoneInfo(meta.get("tz") or "Europe/Moscow")
    cs = {redis_types.text(k): codec.loads(v) for k, v in r.hgetall(keys.clusters(bid)).items()}
    every = all_questions(r, bid)
    chat = {cid for cid, c in cs.items() if c["status"] == "chat"}  # the final word: triage's or a moderator's
    qs = [q for q in every if q.get("kind", "question") == "question" and q.get("cluster") not in chat]
    apps = list(appeals.read_all(r, bid).values())
    topics = catalog.topics(r)

    def topic_of(q: dict[str, Any]) -> str:
        c = cs.get(q.get("cluster") or "")
        return topics.get((c or {}).get("topic") or q.get("topic") or "other").name

    def place_of(q: dict[str, Any]) -> str:
        c = cs.get(q.get("cluster") or "") or {}
        return (c.get("settlement") or (q.get("place") or {}).get("settlement") or labels.NO_PLACE).strip() or labels.NO_PLACE

    # questions per minute, from the start (or the first question) to the end (or the last one)
    stamps = sorted(float(q.get("created_at") or 0) for q in qs if q.get("created_at"))
    start = float(meta.get("started_at") or 0) or (stamps[0] if stamps else 0)
    end = float(meta.get("ended_at") or 0) or (stamps[-1] if stamps else start)
    per_minute: list[tuple[str, float]] = []
    if stamps and start:
        first = min(start, stamps[0])
        minutes = int((max(end, stamps[-1]) - first) // 60) + 1
        minutes = min(minutes, 24 * 60)
        counts = Counter(min(int((t - first) // 60), minutes - 1) for t in stamps)
        per_minute = [(datetime.fromtimestamp(first + 60 * i, tz).strftime("%H:%M"), float(counts.get(i, 0)))
                      for i in range(minutes)]

    answered_cids = {cid for cid, c in cs.items() if c["status"] in appeals.ON_AIR}
    answered_qs = [q for q in qs if q.get("cluster") in answered_cids]
    by_topic, by_place = Counter(topic_of(q) for q in qs), Counter(place_of(q) for q in qs)
    ans_topic, ans_place = Counter(topic_of(q) for q in answered_qs), Counter(place_of(q) for q in answered_qs)
    rec_t, ans_t = _share(by_topic, len(qs)), _share(ans_topic, len(answered_qs))
    rec_p, ans_p = _share(by_place, len(qs)), _share(ans_place, len(answered_qs))
    live = [c for c in cs.values() if c["status"] != "filtered"]
    statuses = Counter(c["status"] for c in cs.values())
    return {
        "broadcast": meta,
        "total_questions": len(qs),
        "supports": sum(1 for q in every if q.get("kind") == "support"),
        "chatter": sum(1 for q in every if q.get("kind") != "support"
                       and (q.get("kind") == "chatter" or q.get("cluster") in chat)),
        "clusters": len(cs),
        "duplicates_merged": sum(max(int(c.get("size") or 1) - 1, 0) for c in cs.values()),
        "average_support": (sum(int(c.get("support") or 0) for c in live) / len(live)) if live else 0.0,
        "answered_on_air": len(answered_cids),
        "appeals": len(apps),
        "appeal_coauthors": sum(len(a["coauthors"]) for a in apps),
        "review": len(appeals.review_list(r, bid)),
        "rejected": statuses.get("rejected", 0),
        "filtered": statuses.get("filtered", 0),
        "per_minute": per_minute,
        "by_source": [(labels.REPORT_ORIGINS.get(k, k), float(v)) for k, v in
                      Counter(q.get("source", "") for q in qs).most_common()],
        "by_topic": [(k, float(v)) for k, v in by_topic.most_common(TOP)],
        "by_settlement": [(k, float(v)) for k, v in by_place.most_common(TOP)],
        "fair_topic": [(k, rec_t[k], ans_t.get(k, 0.0)) for k, _ in by_topic.most_common(TOP)],
        "fair_settlement": [(k, rec_p[k], ans_p.get(k, 0.0)) for k, _ in by_place.most_common(TOP)],
    }


def chart_markup(svg: str) -> Markup:
    """Mark a chart from ``liveline.followup.charts`` safe for the template — and nothing else.

    Why this is safe: ``charts`` builds the SVG itself and escapes every label (citizens' settlement names
    included) as XML text or attribute values, with no script and no ``style`` attribute (see its module
    docstring and tests/followup/test_charts.py). User text must never pass through here: it is rendered by
    Jinja's autoescape like everywhere else.
    """
    return Markup(svg)


def charts_for(rep: dict[str, Any]) -> dict[str, Markup]:
    return {
        "per_minute": chart_markup(charts.line_chart(rep["per_minute"], "Вопросов в минуту", width=900)),
        "by_source": chart_markup(charts.bar_chart(rep["by_source"], "По источникам", width=440)),
        "by_topic": chart_markup(charts.bar_chart(rep["by_topic"], "По темам", width=440)),
        "by_settlement": chart_markup(charts.bar_chart(rep["by_settlement"], "По населённым пунктам", width=440)),
        "fair_topic": chart_markup(charts.paired_bar_chart(
            rep["fair_topic"], "По темам: получено и отвечено", width=440)),
        "fair_settlement": chart_markup(charts.paired_bar_chart(
            rep["fair_settlement"], "По населённым пунктам: получено и отвечено",
            width=440)),
    }
