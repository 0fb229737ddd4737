"""Retention: remove citizens' personal data from broadcasts that ended long enough ago.

``purge(r, older_than_days)`` walks every broadcast that ended (or was closed) more than ``older_than_days``
days ago and was not purged yet, and in every key of that broadcast (they all share its hash tag):

* drops what only identifies a person: author names, VK ids and profile URLs, raw payloads as delivered, the
  source item keys (a VK comment id leads to its author), the inbox stream, muted-author and pending-support
  lists;
* masks personal data left inside texts (phones, e-mails, addresses of flats, …) with
  ``liveline.triage.pii.mask_pii`` — in questions, clusters, appeals, replies, events and the audit log;
* replaces author ids in questions' ``supporters`` and in each cluster's people (``keys.cluster_people``) with
  per-broadcast anonymous tokens (``anon:7``), so the number of distinct people — the support — stays what it
  was;
* keeps every aggregate: counts, sizes, likes, support, topics, settlements, departments, statuses, dates.

The broadcast is then marked ``purged_at`` (a second run skips it). Streams keep their entry ids: an event or
an audit entry is rewritten in place, in order, with the same id.
"""

from __future__ import annotations

import time
from typing import Any

import redis

from liveline.board import broadcasts
from liveline.store import codec, keys
from liveline.triage.pii import mask_pii

DAY_S = 86_400
# fields that only identify a person: emptied wherever they appear
IDENTITY_FIELDS = frozenset({
    "author_name", "author_url", "author_id", "from_id", "user_id", "reply_to_user", "first_name", "last_name",
    "name_citizen", "profile_url", "vk_url", "comment_url", "screen_name", "photo", "deleter_id",
})
RAW_FIELDS = frozenset({"raw", "payload", "raw_payload", "item"})
KEY_FIELDS = frozenset({"key", "parent_key", "source_key", "reply_to_key"})
TEXT_FIELDS = frozenset({"text", "reading_text", "safe_text", "original", "original_text", "masked_text",
                         "question", "message", "body", "leader_text"})
PEOPLE_LISTS = frozenset({"supporters"})
# per-broadcast keys dropped whole: they hold nothing but personal data or raw deliveries
DROP = ("inbox", "items", "authors_muted", "pending_support", "presence")


class Scrubber:
    """Scrubs JSON values of one broadcast; the same person gets the same anonymous token everywhere."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def anon(self, who: Any) -> str:
        who = str(who)
        if not who or who.startswith("anon:"):
            return who
        return self.tokens.setdefault(who, f"anon:{len(self.tokens) + 1}")

    def value(self, obj: Any, field: str = "") -> Any:
        if isinstance(obj, dict):
            return {k: self.field(k, v) for k, v in obj.items()}
        if isinstance(obj, list):
            if field in PEOPLE_LISTS:
                return [self.anon(x) if isinstance(x, str | int) else self.value(x) for x in obj]
            return [self.value(x, field) for x in obj]
        if isinstance(obj, str) and field in TEXT_FIELDS:
            return mask_pii(obj)
        return obj

    def field(self, k: str, v: Any) -> Any:
        if k in IDENTITY_FIELDS:
            return "" if isinstance(v, str) else (0 if isinstance(v, int | float) and not isinstance(v, bool)
                                                  else None if v is not None else v)
        if k in RAW_FIELDS:
            return {} if isinstance(v, dict) else ""
        if k in KEY_FIELDS and isinstance(v, str) and v:
            return "purged"
        return self.value(v, k)

    def text(self, raw: bytes | str) -> str:
        """A stored value: JSON is scrubbed structurally; anything else is masked as text."""
        s = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            obj = codec.loads(s)
        except ValueError:
            return mask_pii(s)
        if isinstance(obj, dict | list):
            return codec.dumps(self.value(obj))
        return s


def due(r: redis.Redis, older_than_days: float, now: float | None = None) -> list[int]:
    """Broadcasts ended more than ``older_than_days`` days ago and not purged yet."""
    now = time.time() if now is None else now
    out = []
    for b in broadcasts.list_all(r):
        if b.get("state") not in ("ended", "closed") or b.get("purged_at"):
            continue
        ended = float(b.get("ended_at") or b.get("closed_at") or 0)
        if ended and ended <= now - older_than_days * DAY_S:
            out.append(int(b["id"]))
    return out


def purge_broadcast(redis_client: redis.Redis, bid: int, now: float | None = None) -> dict[str, int]:
    r: Any = redis_client  # bytes in, bytes out (no decode_responses)
    now = time.time() if now is None else now
    sc = Scrubber()
    counts = {"questions": 0, "clusters": 0, "appeals": 0, "stream_entries": 0, "dropped_keys": 0, "values": 0}
    dropped = {getattr(keys, name)(bid) for name in DROP if hasattr(keys, name)}
    keep_as_is = {keys.broadcast(bid), keys.sources(bid), keys.host_key(bid)}
    tag = keys.broadcast(bid).split("}")[0] + "}"
    all_keys = sorted({k.decode() for k in r.scan_iter(match=tag.replace("{", "\\{").replace("}", "\\}") + "*",
                                                      count=1000)})
    # questions first: their author ids fix the anonymous tokens in order of questions
    qkey = keys.questions(bid)
    people_prefix = keys.cluster_people(bid, "")
    if qkey in all_keys:
        all_keys.remove(qkey)
        all_keys.insert(0, qkey)
    for key in all_keys:
        if key in keep_as_is:
            continue
        if key in dropped:
            r.delete(key)
            counts["dropped_keys"] += 1
            continue
        kind = r.type(key).decode()
        if kind == "hash" and key.startswith(people_prefix):
            people = r.hgetall(key)
            p = r.pipeline(transaction=True)
            p.delete(key)
            p.hset(key, mapping={sc.anon(f.decode()): v for f, v in people.items()})
            p.execute()
            counts["values"] += len(people)
        elif kind == "hash":
            values = r.hgetall(key)
            new = {f: sc.text(v) for f, v in values.items()}
            changed = {f: v for f, v in new.items() if v != values[f].decode("utf-8", "replace")}
            if changed:
                r.hset(key, mapping=changed)
            counts["values"] += len(changed)
            if key == qkey:
                counts["questions"] = len(values)
            elif key == keys.clusters(bid):
                counts["clusters"] = len(values)
            elif key == keys.appeals(bid):
                counts["appeals"] = len(values)
        elif kind == "stream":
            counts["stream_entries"] += _rewrite_stream(r, key, sc)
        elif kind == "list":
            items = r.lrange(key, 0, -1)
            new_items = [sc.text(x) for x in items]
            if new_items != [x.decode("utf-8", "replace") for x in items]:
                p = r.pipeline(transaction=True)
                p.delete(key)
                p.rpush(key, *new_items)
                p.execute()
        elif kind == "string":
            v = r.get(key)
            if v is not None and not v.lstrip(b"-").isdigit():
                r.set(key, sc.text(v), keepttl=True)
        elif kind in ("set", "zset"):
            members = r.smembers(key) if kind == "set" else r.zrange(key, 0, -1)
            if any(m.startswith((b"vk:", b"manual:", b"demo:")) for m in members):
                r.delete(key)  # a set of people or of their comments
                counts["dropped_keys"] += 1
    r.hset(keys.broadcast(bid), "purged_at", f"{now:.3f}")
    counts["people"] = len(sc.tokens)
    return counts


def _rewrite_stream(r: Any, key: str, sc: Scrubber) -> int:
    """Every entry scrubbed, under the same id, in order (a temporary key renamed over the old one)."""
    entries = r.xrange(key)
    if not entries:
        return 0
    tmp = key + ":purging"
    r.delete(tmp)
    for i in range(0, len(entries), 500):
        p = r.pipeline(transaction=False)
        for eid, fields in entries[i:i + 500]:
            p.xadd(tmp, {f: sc.text(v) for f, v in fields.items()}, id=eid)
        p.execute()
    r.rename(tmp, key)
    return len(entries)


def purge(r: redis.Redis, older_than_days: float, now: float | None = None) -> dict[str, Any]:
    """Purge every due broadcast; returns what was done: ``{"broadcasts": [ids], "questions": n, ...}``."""
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    now = time.time() if now is None else now
    total: dict[str, Any] = {"broadcasts": [], "questions": 0, "clusters": 0, "appeals": 0, "stream_entries": 0,
                             "dropped_keys": 0, "values": 0, "people": 0}
    for bid in due(r, older_than_days, now):
        counts = purge_broadcast(r, bid, now)
        total["broadcasts"].append(bid)
        for k, v in counts.items():
            total[k] += v
    return total
