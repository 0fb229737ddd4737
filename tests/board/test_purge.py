"""Retention: ``purge`` removes citizens' personal data of old broadcasts and keeps the aggregates."""

from __future__ import annotations

import json
import time

import redis

from liveline.board import broadcasts, clusters, membership, questions
from liveline.board.purge import purge
from liveline.ingest import inbox
from liveline.store import keys
from liveline.store.state import read
from tests.helpers import item, live_broadcast, triaged

NAMES = ("Ольга Смирнова", "Пётр Иванов", "Анна Кузнецова")
IDS = ("vk:704145", "vk:815926", "vk:926037")
PHONE = "+7 903 123-45-67"
EMAIL = "olga.smirnova@mail.ru"


def people_broadcast(r: redis.Redis) -> tuple[int, str]:
    """A broadcast with three citizens: a question with a phone and an e-mail, a duplicate, a "+1" reply."""
    bid = live_broadcast(r)
    text = f"Когда починят дорогу на улице Мира? Звоните {PHONE} или {EMAIL}"
    items = [
        item(1, text, IDS[0], author_name=NAMES[0], author_url="https://vk.com/id704145",
             key="vk:wall:-42_1:101", likes=3, raw={"from_id": 704145, "text": text}),
        item(2, "Дорога на Мира вся в ямах", IDS[1], author_name=NAMES[1], author_url="https://vk.com/id815926",
             key="vk:wall:-42_1:102", likes=1, raw={"from_id": 815926}),
        item(3, "+1", IDS[2], author_name=NAMES[2], author_url="https://vk.com/id926037",
             key="vk:wall:-42_1:103", parent_key="vk:wall:-42_1:101", raw={"from_id": 926037}),
    ]
    inbox.append(r, bid, items)
    ev = questions.ingest(r, bid, items[0], triaged(text, topic="roads"))
    assert ev is not None
    cid = str(ev.questions["1"]["cluster"])
    questions.ingest(r, bid, items[1], triaged(items[1].text, topic="roads", merge_into="1"))
    questions.ingest(r, bid, items[2], triaged("+1"))
    clusters.approve(r, bid, cid, "anna")
    return bid, cid


def everything_of(r: redis.Redis, bid: int) -> str:
    """Every value of every key of the broadcast, decoded, as one text (JSON escapes resolved)."""
    tag = keys.broadcast(bid).split("}")[0] + "}"
    out: list[bytes] = []
    for k in sorted(r.scan_iter(match=tag.replace("{", "\\{").replace("}", "\\}") + "*")):
        kind = r.type(k).decode()
        if kind == "hash":
            out += [f + b"=" + v for f, v in sorted(r.hgetall(k).items())]
        elif kind == "stream":
            out += [f + b"=" + v for _, fs in r.xrange(k) for f, v in fs.items()]
        elif kind == "list":
            out += r.lrange(k, 0, -1)
        elif kind == "set":
            out += sorted(r.smembers(k))
        elif kind == "string":
            out.append(r.get(k) or b"")
    text = b"\n".join(out).decode("utf-8", "replace")
    return text + "\n" + text.encode("ascii", "backslashreplace").decode("unicode_escape", "replace")


def test_purge_removes_personal_data_and_keeps_aggregates(r: redis.Redis) -> None:
    bid, cid = people_broadcast(r)
    before = clusters.get(r, bid, cid)
    people_before = membership.people(r, bid, cid)
    assert before["support"] >= 3 and before["size"] == 2
    broadcasts.end(r, bid)
    r.hset(keys.broadcast(bid), "ended_at", f"{time.time() - 40 * 86400:.3f}")
    text_before = everything_of(r, bid)
    assert all(name in text_before for name in NAMES) and PHONE in text_before and "704145" in text_before

    result = purge(r, older_than_days=30)

    assert result["broadcasts"] == [bid] and result["questions"] == 3 and result["clusters"] == 1
    after_all = everything_of(r, bid)
    for needle in ("704145", "815926", "926037", "vk.com/id", PHONE, EMAIL, "vk:wall:-42_1:10"):
        assert needle not in after_all, needle
    for name in NAMES:
        for word in name.split():
            assert word not in after_all, word
    assert not r.exists(keys.inbox(bid)) and not r.exists(keys.items(bid))

    after = clusters.get(r, bid, cid)
    for field in ("support", "size", "likes", "topic", "status", "created_at"):
        assert after[field] == before[field], field
    people_after = membership.people(r, bid, cid)
    assert sorted(people_after.values()) == sorted(people_before.values())  # the same people, counted the same
    assert after["people"] == before["people"] and all(a.startswith("anon:") for a in people_after)
    qs = {k.decode(): json.loads(v) for k, v in r.hgetall(keys.questions(bid)).items()}
    assert len(qs) == 3
    assert "[телефон скрыт]" in qs["1"]["text"] and "[e-mail скрыт]" in qs["1"]["text"]
    assert "улице Мира" in qs["1"]["text"]  # the question itself stays
    assert all(q["author_name"] == "" and q["author_url"] == "" and q["raw"] in ({}, "") for q in qs.values())
    assert sorted(q["kind"] for q in qs.values()) == ["question", "question", "support"]
    # the broadcast is still readable, and its audit log still says who of the staff did what
    st = read(r, bid)
    assert st.clusters[cid]["support"] == before["support"]
    audit = r.xrange(keys.audit(bid))
    assert any(f[b"actor"] == b"anna" for _, f in audit)
    assert r.hget(keys.broadcast(bid), "purged_at")


def test_purge_spares_recent_and_live_broadcasts_and_runs_once(r: redis.Redis) -> None:
    old, _ = people_broadcast(r)
    recent, _ = people_broadcast(r)
    live, _ = people_broadcast(r)
    broadcasts.end(r, old)
    broadcasts.end(r, recent)
    r.hset(keys.broadcast(old), "ended_at", f"{time.time() - 10 * 86400:.3f}")
    snapshot_recent = everything_of(r, recent)
    snapshot_live = everything_of(r, live)

    assert purge(r, older_than_days=30)["broadcasts"] == []
    assert purge(r, older_than_days=7)["broadcasts"] == [old]
    assert everything_of(r, recent) == snapshot_recent
    assert everything_of(r, live) == snapshot_live
    purged_once = everything_of(r, old)
    assert purge(r, older_than_days=7)["broadcasts"] == []
    assert everything_of(r, old) == purged_once
    # "now" may be given: a year later the recent one is due too, the live one never
    assert purge(r, older_than_days=30, now=time.time() + 365 * 86400)["broadcasts"] == [recent]
