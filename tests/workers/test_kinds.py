"""Through the live worker each comment becomes what it is: a question in "Новые", a "me too" counted on its
parent, chatter in "Чат"; a moderator moves a card between them in one action, and the audit log keeps it."""

from __future__ import annotations

import redis

from liveline.board import clusters, questions
from liveline.ingest import inbox
from liveline.ingest.inbox import SourceItem
from liveline.store import keys
from tests.helpers import live_broadcast
from workers.triage import TriageWorker


def comment(n: int, text: str, parent: int | None = None) -> SourceItem:
    return SourceItem(key=f"demo:{n}", text=text, author_id=f"vk:{n}", author_name=f"Житель {n}",
                      created_at=1.7e9 + 60 * n, parent_key=f"demo:{parent}" if parent else None)


def triage(r: redis.Redis, bid: int, items: list[SourceItem]) -> dict[str, dict]:
    inbox.append(r, bid, items)
    worker = TriageWorker(r)
    for _ in range(200):
        if worker.processed >= len(items):
            break
        worker.step(block_ms=20)
    return {q["key"]: q for q in questions.all_questions(r, bid)}


def test_questions_support_and_chatter_land_where_a_moderator_expects(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    qs = triage(r, bid, [
        comment(1, "Когда отремонтируют дорогу на улице Ленина? Ямы по колено"),
        comment(2, "подтверждаю, вчера колесо пробил", parent=1),
        comment(3, "👍", parent=1),
        comment(4, "звука нет"),
        comment(5, "Добрый вечер всем!"),
        comment(6, "Спасибо за эфир, до свидания"),
        comment(7, "+", parent=5),  # under chatter: chatter too
    ])
    road = qs["demo:1"]
    assert road["kind"] == "question"
    assert {qs["demo:2"]["kind"], qs["demo:3"]["kind"]} == {"support"}
    assert qs["demo:2"]["support_for"] == road["id"]
    assert clusters.get(r, bid, road["cluster"])["supporters_n"] == 2
    for key in ("demo:4", "demo:5", "demo:6", "demo:7"):
        assert qs[key]["kind"] == "chatter", key
        assert clusters.get(r, bid, qs[key]["cluster"])["status"] == "chat", key
    assert clusters.get(r, bid, road["cluster"])["status"] == "new"


def test_a_moderator_moves_a_card_to_chat_and_back_and_the_log_keeps_each_decision(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    qs = triage(r, bid, [comment(1, "Когда отремонтируют дорогу на улице Ленина?"), comment(2, "звука нет")])
    road, sound = qs["demo:1"]["cluster"], qs["demo:2"]["cluster"]
    clusters.to_chat(r, bid, road, "anna")
    assert clusters.get(r, bid, road)["status"] == "chat"
    clusters.restore(r, bid, road, "anna")
    clusters.restore(r, bid, sound, "boris")  # triage's guess overruled: it is a question
    assert clusters.get(r, bid, road)["status"] == clusters.get(r, bid, sound)["status"] == "new"
    log = [(f[b"action"].decode(), f[b"target"].decode()) for _, f in r.xrange(keys.audit(bid))]
    assert log[-3:] == [("chat", f"cluster:{road}"), ("restore", f"cluster:{road}"), ("restore", f"cluster:{sound}")]


def test_a_reply_that_asks_something_new_is_a_question_carrying_its_parent(r: redis.Redis) -> None:
    bid = live_broadcast(r)
    qs = triage(r, bid, [
        comment(1, "Когда отремонтируют дорогу на улице Ленина? Ямы по колено"),
        comment(2, "а на Мира когда фонари повесят? темно совсем", parent=1),
    ])
    reply = qs["demo:2"]
    assert reply["kind"] == "question"
    assert reply["reply_to"] == {"id": qs["demo:1"]["id"], "text": qs["demo:1"]["text"], "author_name": "Житель 1",
                                 "author_url": ""}
    card = clusters.get(r, bid, reply["cluster"])
    assert card["reply_to"]["text"].startswith("Когда отремонтируют дорогу")
    assert clusters.get(r, bid, qs["demo:1"]["cluster"])["reply_to"] is None


def test_a_reply_that_only_adds_to_its_parent_offers_its_parents_card_first_and_one_that_asks_anew_does_not(
        r: redis.Redis) -> None:
    bid = live_broadcast(r)
    first = triage(r, bid, [comment(1, "Когда будут гореть фонари на Садовой? Вечером темнота, страшно идти")])
    qs = triage(r, bid, [
        comment(2, "там ещё у 20 дома столб покосился, провода висят низко", parent=1),  # parent from Redis
        comment(3, "Почему не вывозят мусор в Сосновке третью неделю?"),
        comment(4, "особенно у магазина, баки переполнены", parent=3),  # parent in the same batch
        comment(5, "а у нас в Луговом автобус вечером перестал ходить", parent=3),  # its own matter
        comment(6, "когда уже починят, сколько можно ждать?", parent=1),  # asks: a question of its own
    ])
    light, waste = first["demo:1"]["cluster"], qs["demo:3"]["cluster"]

    def card(key: str) -> dict:
        return clusters.get(r, bid, qs[key]["cluster"])

    assert card("demo:2")["suggested"][:1] == [light], "one click joins the addition to its parent's card"
    assert card("demo:4")["suggested"][:1] == [waste]
    assert waste not in card("demo:5")["suggested"][:1] and light not in card("demo:6")["suggested"][:1]
    assert len({qs[k]["cluster"] for k in ("demo:1", "demo:2", "demo:3", "demo:4")}) == 4, "nothing joined unasked"
    assert qs["demo:2"]["reply_to"]["id"] == first["demo:1"]["id"], "the addition says what it adds to"
