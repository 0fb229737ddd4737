"""Acting on many cards at once: a moderator's selection, or a whole brigading or spam wave.

Each card still gets its own versioned write, its event and its audit row; a card that fails (changed
meanwhile, or not in a state the action allows) is reported and the others go on."""

from __future__ import annotations

import redis

from liveline import numbers
from liveline.board import clusters
from liveline.errors import BadRequest, LivelineError
from liveline.store import state

ACTIONS = ("approve", "reject", "queue")
# filter reasons of triage -> the reject reason a whole wave gets
WAVE_REASONS = {"spam": "spam", "flood": "spam", "brigade": "spam", "muted": "spam", "profanity": "profanity",
                "repeat": "duplicate"}
Target = tuple[str, int | None]  # (card id, the version the moderator saw)


def apply_many(rc: redis.Redis, bid: int, targets: list[Target], action: str, reason: str,
                by: str) -> tuple[int, list[str]]:
    done, failed = 0, []
    for cid, version in targets:
        try:
            if action == "approve":
                clusters.approve(rc, bid, cid, by, version)
            elif action == "reject":
                clusters.reject(rc, bid, cid, by, reason, version)
            elif action == "queue":
                clusters.enqueue(rc, bid, cid, by, version)
            done += 1
        except LivelineError as exc:
            failed.append(f"№{cid}: {exc.message}")
    return done, failed


def parse_targets(raw: str) -> list[Target]:
    """"12:3,14:5" (card:version, version optional) -> [("12", 3), ("14", 5)]."""
    out: list[Target] = []
    for part in raw.split(","):
        cid, _, version = part.strip().partition(":")
        if not cid:
            continue
        if not numbers.is_whole(cid) or (version and not numbers.is_whole(version)):
            raise BadRequest("Неверный список карточек")
        out.append((cid, int(version) if version else None))
    if not out:
        raise BadRequest("Не выбрано ни одной карточки")
    if len(out) > 2000:
        raise BadRequest("Слишком много карточек за раз (не больше 2000)")
    return out


def wave_targets(rc: redis.Redis, bid: int, brigade: str, filter_reason: str) -> list[Target]:
    """Cards of one brigading wave, or filtered with one reason, that are still to be decided."""
    st = state.read(rc, bid, with_questions=False)
    out = []
    for c in st.clusters.values():
        if c["status"] not in ("new", "approved", "filtered"):
            continue
        if brigade and c.get("brigade") == brigade or filter_reason and c["status"] == "filtered" and c.get("filter_reason") == filter_reason:
            out.append((c["id"], int(c["version"])))
    return sorted(out, key=lambda t: int(t[0]))
