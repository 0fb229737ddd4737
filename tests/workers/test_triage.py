"""The triage worker: inbox items become questions exactly once, and a dead worker's items are reclaimed."""

from __future__ import annotations

import time

import redis

from liveline.board import authors, membership, questions
from liveline.ingest import inbox
from liveline.ingest.inbox import SourceItem
from liveline.store import keys, state
from tests.helpers import live_broadcast
from workers.triage import GROUP, TriageWorker


def items(n: int) -> list[SourceItem]:
    return [SourceItem(key=f"demo:{i}", text=f"Когда починят крышу дома {i} на улице Ленина?",
                       author_id=f"vk:{i}", author_name=f"Житель {i}", created_at=1.7e9 + i)
            for i in range(1, n + 1)]


def test_items_become_questions_once_even_when_delivered_twice(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    inbox.append(r, bid, items(5))
    inbox.append(r, bid, items(5))  # the same comments again (push and poll)
    worker = TriageWorker(r)
    while worker.processed < 10:
        worker.step(block_ms=50)
    st = state.read(r, bid)
    assert sorted(q["key"] for q in st.questions.values()) == [f"demo:{i}" for i in range(1, 6)]
    assert r.xpending(keys.inbox(bid), GROUP)["pending"] == 0


def test_what_a_dead_worker_had_read_is_reclaimed_by_the_next(r: redis.Redis, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import workers.triage as triage_mod

    bid = live_broadcast(r)
    inbox.append(r, bid, items(3))
    dead = TriageWorker(r, name="dead-worker")
    dead._ensure_group(bid)
    r.xreadgroup(GROUP, "dead-worker", {keys.inbox(bid): ">"}, count=10)  # read, then "crashed" before acking
    r.delete(keys.triage_lock(bid))
    monkeypatch.setattr(triage_mod, "RECLAIM_IDLE_MS", 1)
    time.sleep(0.01)
    heir = TriageWorker(r, name="heir")
    heir.step(block_ms=50)
    assert len(state.read(r, bid).questions) == 3
    assert r.xpending(keys.inbox(bid), GROUP)["pending"] == 0


# -- the live path: a batch of inbox entries, one transaction ------------------------------------------
def run_worker(r: redis.Redis, worker: TriageWorker, n: int) -> None:
    target = worker.processed + n
    for _ in range(200):
        if worker.processed >= target:
            return
        worker.step(block_ms=20)
    raise AssertionError(f"the worker processed {worker.processed}, not {target}")


def comment(n: int, text: str, author: str | None = None, **kw: object) -> SourceItem:
    return SourceItem(key=f"demo:{n}", text=text, author_id=author or f"vk:{1000 + n * 7919}",
                      author_name=str(kw.pop("author_name", f"Житель {n}")), created_at=1.7e9 + n, **kw)  # type: ignore[arg-type]


def test_the_live_path_groups_paraphrases_into_one_card_with_its_count(r: redis.Redis) -> None:
    from bs4 import BeautifulSoup

    from liveline.live import screens

    bid = live_broadcast(r)
    inbox.append(r, bid, [
        comment(1, "Когда отремонтируют дорогу на улице Садовой? Одни ямы"),
        comment(2, "Добрый день! Садовая улица вся в ямах, когда будет ремонт дороги?"),
        comment(3, "когда починят дорогу на садовой, ямы по колено"),
        comment(4, "Когда починят дорогу на улице Лесной?"),  # the same problem on another street
        comment(5, "На Садовой не горят фонари"),  # the same street, another problem
    ])
    worker = TriageWorker(r)
    run_worker(r, worker, 5)
    st = state.read(r, bid)
    by_key = {q["key"]: q for q in st.questions.values()}
    sadovaya = by_key["demo:1"]["cluster"]
    assert by_key["demo:2"]["cluster"] == sadovaya or sadovaya in st.clusters[by_key["demo:2"]["cluster"]]["suggested"]
    assert by_key["demo:4"]["cluster"] != sadovaya and by_key["demo:5"]["cluster"] != sadovaya
    card = BeautifulSoup(screens.render_board(st, None), "html.parser").find("article", id=f"c-{sadovaya}")
    assert card is not None
    size = st.clusters[sadovaya]["size"]
    assert size >= 2 and st.clusters[sadovaya]["support"] >= size
    assert str(size) in card.get_text(" ")


def test_one_batch_is_one_transaction_with_its_plus_ones_and_duplicates(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    before = r.xlen(keys.events(bid))
    inbox.append(r, bid, [
        comment(2, "+1", author="vk:22", parent_key="demo:1"),  # a "+1" that arrived before its parent
        comment(1, "Когда отремонтируют дорогу на улице Садовой?"),
        comment(3, "тоже интересует", author="vk:33", parent_key="demo:1"),
        comment(1, "Когда отремонтируют дорогу на улице Садовой?"),  # delivered twice in one batch
    ])
    worker = TriageWorker(r)
    run_worker(r, worker, 4)
    st = state.read(r, bid)
    assert sorted(q["key"] for q in st.questions.values()) == ["demo:1", "demo:2", "demo:3"]
    parent = next(q for q in st.questions.values() if q["key"] == "demo:1")
    assert sorted((questions.get(r, bid, parent["id"]) or {})["supporters"]) == ["vk:22", "vk:33"]
    cluster = st.clusters[parent["cluster"]]
    assert membership.members(r, bid, cluster["id"]) == [parent["id"]] and cluster["support"] == 3  # author + two "+1"
    assert r.hlen(keys.pending_support(bid)) == 0
    assert r.xlen(keys.events(bid)) == before + 1  # one event for the whole batch


def test_a_moderators_write_between_the_batchs_reads_and_its_commit_is_kept(r: redis.Redis, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from liveline.board import clusters

    bid = live_broadcast(r)
    worker = TriageWorker(r)
    inbox.append(r, bid, [comment(1, "Когда отремонтируют дорогу на улице Садовой? Одни ямы")])
    run_worker(r, worker, 1)
    cid = next(iter(state.read(r, bid).clusters))
    # the moderator approves that card while the next batch is between its reads and EXEC
    other = redis.Redis(connection_pool=redis.ConnectionPool.from_url(
        f"redis://127.0.0.1:{r.connection_pool.connection_kwargs['port']}"))
    original = redis.client.Pipeline.multi
    fired: list[bool] = []

    def multi(self: redis.client.Pipeline) -> None:
        if not fired:
            fired.append(True)
            clusters.approve(other, bid, cid, "anna")
        original(self)

    monkeypatch.setattr(redis.client.Pipeline, "multi", multi)
    inbox.append(r, bid, [comment(2, "Садовая улица вся в ямах, когда будет ремонт дороги на Садовой?")])
    run_worker(r, worker, 1)
    st = state.read(r, bid)
    assert fired and st.clusters[cid]["status"] == "approved"
    assert len(st.questions) == 2
    second = next(q for q in st.questions.values() if q["key"] == "demo:2")
    assert second["cluster"] == cid and membership.members(r, bid, cid) == ["1", second["id"]]  # merged, and kept


def test_a_brigading_wave_is_marked_and_counts_once(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    worker = TriageWorker(r)
    text = "Голосуйте за благоустройство сквера на Садовой, это лучший проект!"
    # two arrive in one batch, three in the next: accounts registered one after another
    inbox.append(r, bid, [comment(n, text, author=f"vk:{555000 + n}", author_name=f"Иван Петров{n}")
                          for n in (1, 2)])
    run_worker(r, worker, 2)
    inbox.append(r, bid, [comment(n, text, author=f"vk:{555000 + n}", author_name=f"Иван Петров{n}")
                          for n in (3, 4, 5)])
    run_worker(r, worker, 3)
    inbox.append(r, bid, [comment(9, "Когда сделают сквер на Садовой? Проект обещали", author="vk:9")])
    run_worker(r, worker, 1)
    st = state.read(r, bid)
    wave = {q["key"]: q["brigade"] for q in st.questions.values()}
    assert len({wave[f"demo:{n}"] for n in range(1, 6)}) == 1 and wave["demo:1"]
    assert wave["demo:9"] is None
    for cid in {q["cluster"] for q in st.questions.values() if q["brigade"]}:
        authors = [token for token, (wrote, _) in membership.people(r, bid, cid).items() if wrote]
        assert authors.count(f"wave:{wave['demo:1']}") == 1
        assert not any(a.startswith("vk:5550") for a in authors)  # the wave counts once, not per account


def test_a_restarted_worker_still_sees_a_wave_that_began_before_it(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    text = "Голосуйте за благоустройство сквера на Садовой, это лучший проект!"
    first = TriageWorker(r, name="first")
    inbox.append(r, bid, [comment(n, text, author=f"vk:{555000 + n}", author_name=f"Иван Петров{n}")
                          for n in (1, 2, 3)])
    run_worker(r, first, 3)
    first._release(bid)
    heir = TriageWorker(r, name="heir")  # rebuilds its index and the detector's window from Redis
    inbox.append(r, bid, [comment(n, text, author=f"vk:{555000 + n}", author_name=f"Иван Петров{n}")
                          for n in (4, 5)])
    run_worker(r, heir, 2)
    marks = {q["key"]: q["brigade"] for q in state.read(r, bid).questions.values()}
    assert marks["demo:1"] and len(set(marks.values())) == 1


def test_a_moderators_split_is_respected_when_a_new_near_duplicate_arrives(r: redis.Redis) -> None:
    from liveline.board import merges

    bid = live_broadcast(r)
    worker = TriageWorker(r)
    inbox.append(r, bid, [comment(1, "Когда отремонтируют дорогу на улице Садовой? Одни ямы"),
                          comment(2, "Когда починят дорогу на улице Садовой? Сплошные ямы")])
    run_worker(r, worker, 2)
    st = state.read(r, bid)
    a, b = (next(q for q in st.questions.values() if q["key"] == k) for k in ("demo:1", "demo:2"))
    assert a["cluster"] == b["cluster"], "the two paraphrases are merged to begin with"
    merges.split(r, bid, a["cluster"], b["id"], "anna")  # the moderator: these are different questions
    inbox.append(r, bid, [comment(3, "Когда починят дорогу на улице Садовой? Сплошные ямы!!!")])
    run_worker(r, worker, 1)
    st = state.read(r, bid)
    a, b, c = (next(q for q in st.questions.values() if q["key"] == k) for k in ("demo:1", "demo:2", "demo:3"))
    assert a["cluster"] != b["cluster"], "a split pair is never merged again"
    assert c["cluster"] == b["cluster"], "the newcomer joins the question it repeats, where the moderator put it"
    assert membership.members(r, bid, a["cluster"]) == [a["id"]]


def test_the_triage_worker_hides_a_muted_authors_new_comments(r: redis.Redis) -> None:
    from workers.triage import TriageWorker

    bid = live_broadcast(r)
    worker = TriageWorker(r)
    st = worker.state_for(bid)
    authors.mute_author(r, bid, "vk:666", "anna")
    worker.catch_up(st)
    assert "vk:666" in st.muted
    authors.unmute_author(r, bid, "vk:666", "anna")
    worker.catch_up(st)
    assert "vk:666" not in st.muted
