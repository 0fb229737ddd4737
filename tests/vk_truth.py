"""VK's final truth (the simulator's comments) against ``liveline export questions`` rows.

Used by the convergence scenarios (tests/ingest/vk/test_convergence.py) and bench/vk_converge.py:

* lost       a comment VK shows (not deleted, not the community's own) without a row;
* duplicated rows beyond one per comment key;
* stale      a row whose text or deleted flag is not VK's (the text is compared while VK shows it);
* unnamed    a row of a comment VK shows whose author is empty or not VK's name;
* likes_off  a row of a comment VK shows whose likes are not VK's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from liveline.ingest.vk import itemkeys
from tests.vk_sim import SimComment, VkSimulator


@dataclass
class Difference:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unnamed: list[str] = field(default_factory=list)
    likes_off: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"lost": len(self.lost), "duplicated": len(self.duplicated), "stale": len(self.stale),
                "unnamed": len(self.unnamed), "likes_off": len(self.likes_off)}

    def __bool__(self) -> bool:
        return any(self.counts().values())


def key_of(c: SimComment) -> str:
    return itemkeys.comment_key(c.kind, c.owner_id, c.item_id, c.id)


def author_name(sim: VkSimulator, from_id: int) -> str:
    with sim._lock:
        if from_id > 0:
            first, last = sim._users.get(from_id, ("Пользователь", str(from_id)))
            return f"{first} {last}"
        return sim._groups.get(-from_id, f"Сообщество {-from_id}")


def compare(sim: VkSimulator, rows: list[dict[str, Any]], own: set[int] | None = None) -> Difference:
    """What differs between VK's final state and the exported rows (``own``: the communities' ids as
    negative from_ids, whose comments are our replies and never rows)."""
    own = own or set()
    d = Difference()
    count = Counter(row["source"] for row in rows)
    d.duplicated = sorted(k for k, n in count.items() if n > 1)
    by_key = {row["source"]: row for row in rows}
    for c in sim.created:
        if c.from_id in own:
            continue
        key = key_of(c)
        row = by_key.get(key)
        if row is None:
            if not c.deleted:
                d.lost.append(key)
            continue
        if bool(row["deleted"]) != c.deleted or (not c.deleted and row["text"] != c.text):
            d.stale.append(key)
        if c.deleted:
            continue
        if row["author"] != author_name(sim, c.from_id):
            d.unnamed.append(key)
        if int(row["likes"]) != c.likes:
            d.likes_off.append(key)
    return d
