"""The studio screen in Chromium: who sees which controls, and what the producer's controls do to the screen."""

from __future__ import annotations

from typing import Any

import redis

from liveline import auth
from liveline.board import broadcasts, clusters, questions
from tests.e2e.conftest import login_page, shot
from tests.helpers import item, live_broadcast, triaged

HOOK = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective));
"""


def test_producer_controls_the_studio_screen_and_only_the_producer(browser: Any, live_server: Any,
                                                                   r: redis.Redis) -> None:
    auth.add_user(r, "pavel", "correct horse battery", "producer")
    auth.add_user(r, "anna", "correct horse battery", "moderator")
    bid = live_broadcast(r)
    text = ("Здравствуйте! Когда в Сосновке отремонтируют дорогу от школы до трассы? Весной дети ходят по "
            "колено в грязи, автобус не может подъехать к остановке")
    for n, t in enumerate([text, "Когда проведут газ в Заречное?", "Почему не вывозят мусор на улице Мира?",
                           "Будет ли детский сад в Луговом?"], start=1):
        ev = questions.ingest(r, bid, item(n, t, author_name="Ольга Смирнова"),
                              triaged(t, place={"settlement": "Сосновка"}))
        assert ev is not None
        clusters.enqueue(r, bid, ev.questions[ev.note["qid"]]["cluster"], "anna")
    first = r.lindex(f"ll:{{b{bid}}}:queue", 0).decode()
    clusters.on_air(r, bid, first, "anna")
    clusters.set_host(r, bid, "anna", cue="Следующий вопрос — про газ, у вас 2 минуты")

    studio = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    studio.add_init_script(HOOK)
    studio.goto(f"{live_server.url}/host/{bid}/{broadcasts.host_key(r, bid)}")
    studio.wait_for_selector("#host-screen .host-question")
    assert studio.locator(".host-controls, form, button").count() == 0, "the studio sees nothing to press"
    assert "Ольга, Сосновка" in studio.inner_text(".host-now .host-who")
    assert "Смирнова" not in studio.inner_text("body")
    assert studio.locator(".host-next li[id]").count() == 3
    shot(studio, "host-studio-1080p")

    moderator = login_page(browser, live_server, "anna")
    moderator.goto(f"{live_server.url}/b/{bid}/host")
    moderator.wait_for_selector("#host-screen .host-question")
    assert moderator.locator("#cue-form").count() == 1
    assert moderator.locator(".host-controls button", has_text="Затемнить").count() == 0

    producer = login_page(browser, live_server, "pavel")
    producer.add_init_script(HOOK)
    producer.goto(f"{live_server.url}/b/{bid}/host")
    producer.wait_for_selector("#host-screen .host-question")
    producer.locator(".host-controls button", has_text="A+").first.click()
    studio.wait_for_selector("#host-screen[data-font='130']")
    studio.wait_for_function("() => document.documentElement.style.fontSize === '20.8px'")
    producer.locator(".host-controls button", has_text="Затемнить").click()
    studio.wait_for_selector("#host-screen.blank")
    assert studio.locator("#host-screen .host-question").count() == 0
    producer.locator(".host-controls button", has_text="Пауза").click()
    producer.locator(".host-controls button", has_text="Вернуть экран").click()
    studio.wait_for_selector("#host-screen:not(.blank):not(.paused) .host-question")
    producer.locator(".host-controls button", has_text="Пауза").click()
    studio.wait_for_selector("#host-screen.paused .host-paused")
    producer.locator(".host-controls button", has_text="Вернуть экран").click()
    studio.wait_for_selector("#host-screen:not(.paused) .host-question")
    assert studio.evaluate("window.__csp") == [] and producer.evaluate("window.__csp") == []
    shot(producer, "host-producer")
