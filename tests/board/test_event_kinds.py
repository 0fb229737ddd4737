"""Every kind of event, written by the verbs a whole broadcast uses, brings a snapshot to a fresh read:
a screen that started before any of them and applied them in order shows exactly what Redis holds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import redis

from liveline.board import authors, broadcasts, catalog, clusters, merges, presence, questions, undo
from liveline.followup import appeals
from liveline.ingest.inbox import SourceItem
from liveline.store import events, keys, state
from tests.helpers import item, triaged


def test_a_whole_broadcast_of_every_event_kind_replays_to_a_fresh_snapshot(r: redis.Redis) -> None:
    bid = broadcasts.create(r, "Прямая линия", "Глава района", "Europe/Moscow")
    start = state.read(r, bid)
    broadcasts.update(r, bid, "admin", title="Прямая линия с главой района")
    broadcasts.start(r, bid, "admin")

    def ask(n: int, text: str, **kw: object) -> str:
        ev = questions.ingest(r, bid, item(n, text, **{k: v for k, v in kw.items() if k == "parent_key"}),
                              triaged(text, **{k: v for k, v in kw.items() if k != "parent_key"}))
        assert ev is not None
        return str(ev.questions[ev.note["qid"]]["cluster"])

    roads = ask(1, "Когда отремонтируют дорогу на Ленина?", topic="roads")
    ask(2, "Ленина вся в ямах", merge_into="1")
    questions.ingest(r, bid, item(3, "+1", parent_key="demo:1"), triaged("+1"))
    light = ask(4, "Не горят фонари на Садовой", topic="lighting")
    gas, trash = ask(5, "Будет ли газ в Сосновке?"), ask(6, "Уберите мусор у дома 5")
    for kind in ("edit", "likes", "delete", "restore", "author"):
        change = item(4, "Не горят фонари на Садовой, третью неделю", kind=kind, likes=4,
                      author_name="Анна Петрова" if kind == "author" else "Житель 4")
        questions.ingest(r, bid, change, triaged(change.text) if kind in ("edit", "restore") else None)
    clusters.approve(r, bid, light, "anna")
    clusters.reject(r, bid, trash, "anna", "offtopic")
    clusters.restore(r, bid, trash, "anna")
    clusters.to_chat(r, bid, trash, "anna")
    clusters.restore(r, bid, trash, "anna")
    clusters.take(r, bid, gas, "anna")
    clusters.take(r, bid, gas, "anna", release=True)
    clusters.edit_reading(r, bid, roads, "Когда отремонтируют улицу Ленина?", "anna")
    catalog.add_department(r, "Отдел газификации")
    clusters.set_topic(r, bid, gas, "gasification", "Отдел газификации", "anna")
    clusters.pin(r, bid, gas, True, "anna")
    clusters.pin(r, bid, gas, False, "anna")
    parent = {"id": "1", "text": "Когда отремонтируют дорогу на Ленина?", "author_name": "Житель 1", "author_url": ""}
    under = ask(7, "а у моста ещё и яма, когда засыплют?", reply_to=parent)
    clusters.show_parent(r, bid, under, True, "anna")
    clusters.show_parent(r, bid, under, False, "anna")
    for cid in (roads, light, gas):
        clusters.enqueue(r, bid, cid, "boris")
    clusters.move(r, bid, gas, 0, "boris")
    clusters.unqueue(r, bid, light, "boris")
    clusters.on_air(r, bid, gas, "boris")
    clusters.on_air(r, bid, roads, "boris")
    clusters.answered(r, bid, roads, "boris")
    clusters.return_to_queue(r, bid, roads, "boris")
    undo.revert_status(r, bid, roads, "approved", "boris")
    clusters.set_host(r, bid, "boris", cue="Следующий — про газ", blank=False)
    merges.merge(r, bid, light, trash, "anna")
    merges.split(r, bid, light, "6", "anna")
    authors.mute_author(r, bid, "vk:9", "anna")
    authors.unmute_author(r, bid, "vk:9", "anna")
    presence.join(r, bid, "sid-1", "anna")
    broadcasts.end(r, bid, "admin")
    appeals.create_from_broadcast(r, bid)
    aid = next(iter(appeals.read_all(r, bid)))
    named = next((a, co) for a in appeals.read_all(r, bid).values() for co in a["coauthors"] if co["author_id"])
    appeals.name_coauthor(r, bid, named[0]["cluster"], named[1]["author_id"], "Имя из VK")
    appeals.take(r, bid, aid, "staff")
    appeals.assign(r, bid, aid, "staff", "staff")
    catalog.add_department(r, "Управление дорог района")
    appeals.redirect(r, bid, aid, "Управление дорог района", "по адресу", "staff")
    appeals.answer(r, bid, aid, "Ремонт в июле", "staff")
    appeals.close(r, bid, aid, "staff")
    appeals.reopen(r, bid, aid, "staff", "не решено")
    a = appeals.get(r, bid, aid)
    start_at = datetime.fromtimestamp(float(a["start"]), ZoneInfo(a["tz"]))
    appeals.check_deadlines(r, appeals.calendar(a["tz"]).add_working_hours(start_at, 21).timestamp())  # remind
    appeals.check_deadlines(r, float(a["deadline"]) + 60)  # escalate
    r.hset(keys.reply_index(bid), "vk:wall:-42_7:500", f"{aid}:1")  # our reply to a co-author (replies.post_one)
    appeals.attach_citizen_reply(r, bid, SourceItem(key="vk:wall:-42_7:501", text="Спасибо", author_id="vk:1",
                                                    parent_key="vk:wall:-42_7:500"))
    broadcasts.close(r, bid, "admin")

    evs = events.read_since(r, bid, start.cursor)
    replayed = start
    for ev in evs:
        replayed = state.apply(replayed, ev)
    fresh = state.read(r, bid)
    assert replayed.comparable() == fresh.comparable() and replayed.cursor == fresh.cursor
    assert events.KINDS - {"broadcast.created"} <= {e.type for e in evs}
    assert {e.type for e in evs} <= events.KINDS
