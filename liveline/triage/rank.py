"""The suggested order of clusters for moderators and the host.

The order is:

1. urgent clusters (by support, older first);
2. pinned clusters, in the order the moderators pinned them (the order of ``items``);
3. everything else by support, highest first; ties go to the older cluster, then to the id.

Territorial fairness. The district centre easily out-shouts its villages: thirty clusters from the town
with 10+ supporters each would push every village out of sight. So every settlement whose clusters
together have at least ``min_support`` supporters is guaranteed its best cluster in the first ``top``
places. It takes the place of the lowest-support cluster there that is neither urgent, nor pinned, nor
itself the only representative of a settlement that earned a place. When places run short, settlements
with more supporters go first. Urgent and pinned clusters are never displaced: a moderator's pin
overrides fairness.

``rank`` returns every cluster id; the caller shows as many as it wants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass
class RankItem:
    cluster_id: str
    support: int
    settlement: str | None
    pinned: bool = False
    urgent: bool = False
    created_at: float = 0.0


def _by_support(item: RankItem) -> tuple[int, float, str]:
    return (-item.support, item.created_at, item.cluster_id)


def _fair_settlements(items: list[RankItem], min_support: int) -> list[str]:
    """Settlements whose clusters together reach ``min_support``, the most supported first."""
    totals: dict[str, int] = defaultdict(int)
    for item in items:
        if item.settlement:
            totals[item.settlement] += item.support
    return sorted((s for s, n in totals.items() if n >= min_support), key=lambda s: (-totals[s], s))


def rank(items: list[RankItem], top: int = 20, min_support: int = 5) -> list[str]:
    """Cluster ids in suggested order; the first ``top`` are made territorially fair (see module doc)."""
    urgent = sorted((i for i in items if i.urgent), key=_by_support)
    pinned = [i for i in items if i.pinned and not i.urgent]
    rest = sorted((i for i in items if not i.pinned and not i.urgent), key=_by_support)
    fixed = urgent + pinned
    free_slots = max(0, top - len(fixed))
    chosen, waiting = rest[:free_slots], rest[free_slots:]

    fair = _fair_settlements(items, min_support)
    shown = fixed + chosen
    # A settlement's only representative in the top stays there.
    protected = {members[0].cluster_id for s in fair
                 if len(members := [i for i in shown if i.settlement == s]) == 1}
    for settlement in fair:
        if any(i.settlement == settlement for i in fixed + chosen):
            continue
        candidate = next((i for i in waiting if i.settlement == settlement), None)
        if candidate is None:
            continue
        victim = next((i for i in reversed(chosen) if i.cluster_id not in protected), None)
        if victim is None:
            break  # the top is all urgent, pinned or protected: the moderators' choice stands
        chosen.remove(victim)
        waiting.remove(candidate)
        waiting.append(victim)
        chosen.append(candidate)
        protected.add(candidate.cluster_id)
    chosen.sort(key=_by_support)
    waiting.sort(key=_by_support)
    return [i.cluster_id for i in fixed + chosen + waiting]
