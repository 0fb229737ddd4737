"""The cluster document has one schema (``cluster_doc.ClusterDoc``) and one owner: whatever writes it — a
triage batch, a "+1", an edit, the moderators' verbs, a merge, a split, undo — leaves a document with exactly
the schema's fields, each of its type, and counts that agree with the members beside it."""

from __future__ import annotations

from typing import Any

import redis

from liveline.board import cluster_doc, clusters, membership, merges, questions, undo
from liveline.store import codec, event_schema, keys
from tests.helpers import item, live_broadcast, triaged

CHECK = event_schema.checker(cluster_doc.ClusterDoc)  # the checker the event schema uses


def schema_errors(doc: dict[str, Any]) -> list[str]:
    try:
        CHECK(doc, "cluster")
    except event_schema.Mismatch as e:
        return [str(e)]
    return []


def stored(r: redis.Redis, bid: int) -> dict[str, dict[str, Any]]:
    return {k.decode(): codec.loads(v) for k, v in r.hgetall(keys.clusters(bid)).items()}


def test_every_writer_leaves_documents_of_the_schema_with_counts_that_match_their_members(r: redis.Redis) -> None:
    bid = live_broadcast(r)

    def ask(n: int, text: str, **kw: Any) -> str:
        ev = questions.ingest(r, bid, item(n, text, **{k: v for k, v in kw.items() if k in ("parent_key", "author")}),
                              triaged(text, **{k: v for k, v in kw.items() if k not in ("parent_key", "author")}))
        assert ev is not None
        return str(ev.questions[ev.note["qid"]]["cluster"])

    roads = ask(1, "Когда отремонтируют дорогу на Ленина?", topic="roads")
    ask(2, "Ленина вся в ямах", merge_into="1")
    ask(3, "+1", parent_key="demo:1")
    light = ask(4, "Не горят фонари на Садовой", topic="lighting")
    trash = ask(5, "Уберите мусор у дома 5")
    questions.ingest(r, bid, item(4, "Не горят фонари на Садовой!", kind="likes", likes=3), None)
    clusters.enqueue(r, bid, roads, "anna")
    clusters.on_air(r, bid, roads, "boris")
    clusters.on_air(r, bid, light, "boris")  # roads counts as answered
    clusters.answered(r, bid, light, "boris")
    merges.merge(r, bid, roads, trash, "anna")
    merges.split(r, bid, roads, "2", "anna")
    merge_row = r.xrevrange(keys.audit(bid), count=10)
    merged = next(eid.decode() for eid, f in merge_row if f[b"action"] == b"merge")
    undo.undo(r, bid, merged, "anna")  # a merge undone is the one split, of several questions

    docs = stored(r, bid)
    assert len(docs) >= 4
    for cid, doc in docs.items():
        assert schema_errors(doc) == [], cid
        ids = membership.members(r, bid, cid)
        members = questions.many(r, bid, ids)
        recount = cluster_doc.new(cid, members[0]) if members else {}
        cluster_doc.recompute(recount, members)
        assert {k: doc[k] for k in ("size", "people", "supporters_n", "likes", "support")} == \
            {k: recount[k] for k in ("size", "people", "supporters_n", "likes", "support")}, cid
        assert doc["leader"] == ids[0]


def test_each_write_bumps_the_version_once(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    ev = questions.ingest(r, bid, item(1, "Яма на Ленина"), triaged("Яма на Ленина"))
    assert ev is not None
    cid = str(ev.questions["1"]["cluster"])
    versions = [clusters.get(r, bid, cid)["version"]]
    clusters.enqueue(r, bid, cid, "anna")
    versions.append(clusters.get(r, bid, cid)["version"])
    clusters.on_air(r, bid, cid, "boris")
    versions.append(clusters.get(r, bid, cid)["version"])
    clusters.answered(r, bid, cid, "boris")
    versions.append(clusters.get(r, bid, cid)["version"])
    assert versions == [1, 2, 3, 4]
    assert int(r.get(keys.cluster_version(bid, cid)) or 0) == 4  # the key too: once per write, the first included


def test_the_schema_check_itself_names_what_is_wrong() -> None:
    q = {"id": "1", "text": "т", "reading_text": "т", "author_name": "", "author_url": "", "source": "post",
         "created_at": 1.0}
    doc = cluster_doc.new("1", q)
    assert schema_errors(doc) == []
    assert schema_errors({**doc, "version": "2"}) == ["cluster.version: expected int, got str '2'"]
    assert schema_errors({**doc, "status": "lost"})[0].startswith("cluster.status: expected one of 'new'")
    assert schema_errors({**doc, "members": []}) == [
        "cluster: unexpected key 'members': ClusterDoc has no such field"]
    del doc["size"]
    assert schema_errors(doc) == ["cluster: missing required key 'size' of ClusterDoc"]
