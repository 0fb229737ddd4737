"""The official's briefing before going on air: what people ask most, from where, in their own words.

Clusters still to be answered (new, approved, queued, on air) in the order of ``triage.rank.rank`` — urgent
first, then pinned, then by support, with its territorial fairness rule so that villages are not drowned by
the district centre — each with its support, the settlements its questions come from and a few sample
wordings, personal data masked.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import redis

from liveline.board import catalog, membership, questions
from liveline.live.screens import masked
from liveline.store import state
from liveline.triage.rank import RankItem, rank

OPEN = ("new", "approved", "queued", "on_air")
SAMPLES = 3


def _samples(c: dict[str, Any], members: list[dict[str, Any]]) -> list[str]:
    """The group's reading wording first, then other members' wordings that say it differently."""
    out: list[str] = []
    seen: set[str] = set()
    for text in [c["reading_text"]] + [q.get("reading_text") or q.get("text") or "" for q in members]:
        key = " ".join(text.lower().split())
        if not key or key in seen:
            continue
        seen.add(key)
        t = masked(text)
        out.append(t if len(t) <= 400 else t[:400] + "…")
        if len(out) == SAMPLES:
            break
    return out


def build(r: redis.Redis, b: int | str, top: int = 20) -> dict[str, Any]:
    st = state.read(r, b, with_questions=False)
    open_clusters = [c for c in st.clusters.values() if c["status"] in OPEN]
    items = [RankItem(cluster_id=c["id"], support=int(c["support"]), settlement=c.get("settlement") or None,
                      pinned=bool(c.get("pinned")), urgent=bool(c.get("urgent")),
                      created_at=float(c.get("created_at") or 0)) for c in open_clusters]
    order = rank(items, top=top)[:top]
    topics = catalog.topics(r)
    entries = []
    for n, cid in enumerate(order, start=1):
        c = st.clusters[cid]
        members = questions.many(r, b, membership.members(r, b, cid))
        places = Counter(((q.get("place") or {}).get("settlement") or "") for q in members)
        places.pop("", None)
        entries.append({
            "n": n, "id": cid, "support": c["support"], "size": c["size"], "urgent": c.get("urgent"),
            "pinned": bool(c.get("pinned")), "topic": topics.name(c.get("topic")),
            "department": c.get("department") or "", "settlements": places.most_common(),
            "samples": _samples(c, members), "status": c["status"], "reply_to": c.get("reply_to"),
        })
    by_topic = Counter(topics.name(c.get("topic")) for c in open_clusters)
    every = questions.all_questions(r, b)
    all_places = Counter(((q.get("place") or {}).get("settlement") or "") for q in every
                         if q.get("kind") == "question" and not q.get("filter_reason"))
    all_places.pop("", None)
    return {
        "entries": entries, "open": len(open_clusters),
        "questions": sum(1 for q in every if q.get("kind") == "question"),
        "topics": by_topic.most_common(8), "settlements": all_places.most_common(10), "broadcast": st.broadcast,
    }
