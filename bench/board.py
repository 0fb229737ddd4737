"""The moderator board with thousands of questions: first paint, time to interactive, and action latency.

Fills a live broadcast with QUESTIONS questions (realistic lengths, topics, places; grouped with their
duplicates more as the broadcast grows: ~4,000 cards at 5,000 questions, ~50,000 at 1,000,000; some
approved, queued, rejected or filtered) through ``questions.add_new`` in batches, as the triage worker writes
them, with synthetic triage; then in Debian's Chromium (Playwright, never a downloaded browser):

* ``first_paint_ms``: navigation start → the board's cards painted (snapshot over the WebSocket applied and a
  frame rendered; a board holds the first LIVELINE_BOARD_CARDS cards of each column); median of 5 loads,
  the first of which starts the web process's mirror of the broadcast;
* ``interactive_ms``: navigation start → the main thread free again after the snapshot, i.e. a click on a card
  is handled (buttons are delegated, so nothing else is pending); ``first_action_ms`` is a real approve from
  that moment until its card moves on the same board.

Then BOARDS boards watch at once (2 in Chromium, the rest as WebSocket clients) while one Chromium board
clicks ACTIONS times (pin / unpin, one card after another); each click's latency is taken to every OTHER board
(the card with its new version arriving there). Last line:
``first_paint_ms=… interactive_ms=… action_p95_ms=…`` then parameters.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websockets

from bench.harness import PASSWORD, Stack, figures, live_broadcast, moderator_cookie, percentile
from liveline.board import clusters, questions
from liveline.board.questions import Triaged
from liveline.ingest.inbox import SourceItem

CHROMIUM = "/usr/bin/chromium"
CARD_V = re.compile(r'<article id="c-(\d+)"[^>]*?data-version="(\d+)"', re.DOTALL)
TOPICS = ["roads", "transport", "housing", "water_heating", "waste", "lighting", "healthcare", "education",
          "kindergartens", "social", "landscaping", "safety", "animals", "gasification", "communications"]
PLACES = ["Новоозёрск", "Сосновка", "Заречное", "Луговое", "Калиновка", "Берёзовка", "Красный Яр", "Ольховка"]
PHRASES = ["Когда отремонтируют дорогу на улице {s}?", "Не горят фонари на улице {s} уже месяц.",
           "Мусор не вывозят с площадки на {s}, всё завалено.", "В доме на {s} холодные батареи, дети болеют.",
           "Автобус до {v} ходит два раза в день, добавьте рейсы.", "Когда проведут газ в {v}?",
           "Нет интернета в {v}, связь пропадает.", "Нужен детский сад в {v}, очередь огромная."]
STREETS = ["Ленина", "Мира", "Гагарина", "Садовой", "Школьной", "Кирова", "Пушкина", "Чапаева"]
PAINT_HOOK = """
window.__m = {};
new MutationObserver(function (list, obs) {
  var b = document.getElementById('board');
  if (b && b.getAttribute('aria-busy') === 'false' && !window.__m.ready) {
    window.__m.ready = performance.now();
    requestAnimationFrame(function () { setTimeout(function () { window.__m.paint = performance.now(); }, 0); });
    setTimeout(function () { window.__m.idle = performance.now(); }, 0);
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['aria-busy'] });
window.__seen = {};
new MutationObserver(function (list) {
  var now = Date.now();
  list.forEach(function (m) { m.addedNodes.forEach(function (n) {
    if (n.nodeType === 1 && n.matches('article.qcard')) {
      var k = n.dataset.id + ':' + n.dataset.version;
      if (!(k in window.__seen)) window.__seen[k] = now;
    }
  }); });
}).observe(document, { subtree: true, childList: true });
"""


def shape(n: int) -> tuple[float, float]:
    """(share of questions filtered as spam, share of the others that start a new card) for n questions.

    At 5,000 questions: 5 % spam, and 80 % of the rest are new questions (4,064 cards). A bigger broadcast
    repeats itself more: distinct questions grow like n^0.475 (Heaps' law), so 1,000,000 questions make about
    50,000 cards, most of them groups of duplicates."""
    scale = min(1.0, (5000 / n) ** 0.525)
    spam = 0.05 * scale
    return spam, 0.76 * scale / (1 - spam)


def fill(stack: Stack, bid: int, n: int, batch: int = 5000) -> list[str]:
    """n questions through ``questions.add_new`` (the triage worker's bulk path) in batches of ``batch``, with
    synthetic triage (no text analysis); then the moderation a broadcast of that size has seen (some cards
    approved, queued, rejected). Returns the cards still new, in no particular order."""
    rnd = random.Random(7)
    r = stack.r
    now = time.time()
    spacing = min(0.7, 7200 / n)  # a big broadcast comes faster: a million questions within two hours
    spam, fresh = shape(n)
    leaders: list[str] = []       # question ids that started a card
    cards: list[str] = []         # their cluster ids
    started = time.monotonic()
    for lo in range(1, n + 1, batch):
        hi = min(n, lo + batch - 1)
        qids = questions.allocate_ids(r, bid, hi - lo + 1)
        todo: list[questions.NewQuestion] = []
        starts: list[str] = []
        for i, qid in zip(range(lo, hi + 1), qids, strict=True):
            s, v = rnd.choice(STREETS), rnd.choice(PLACES[1:])
            text = rnd.choice(PHRASES).format(s=s, v=v)
            if rnd.random() < 0.4:
                text += " " + " ".join(rnd.choice(PHRASES).format(s=s, v=v) for _ in range(rnd.randint(1, 4)))
            text += f" (вопрос {i})"
            place = rnd.choice(PLACES)
            filtered = "spam" if rnd.random() < spam else None
            merge_into = rnd.choice(leaders) if leaders and not filtered and rnd.random() >= fresh else None
            item = SourceItem(key=f"demo:{i}", text=text, author_id=f"vk:{i}", author_name=f"Житель {i} Фамилия",
                              author_url=f"https://vk.com/id{i}", created_at=now - (n - i) * spacing)
            todo.append(questions.NewQuestion(item, Triaged(
                reading_text=text, safe_text=text, topic=rnd.choice(TOPICS), place={"settlement": place},
                place_label=place, filter_reason=filtered, merge_into=merge_into), qid))
            if merge_into is None and not filtered:
                leaders.append(qid)
                starts.append(qid)
        done = questions.add_new(r, bid, todo)
        cards += [c for q in starts if (c := done.cluster_of.get(q))]
        if n >= 100_000 and (hi // batch) % 20 == 0:
            print(f"  {hi} questions, {len(cards)} cards, {time.monotonic() - started:.0f}s", flush=True)
    cids = list(dict.fromkeys(cards))
    rnd.shuffle(cids)
    approved, rejected = max(300, round(0.075 * len(cids))), max(200, round(0.05 * len(cids)))
    for cid in cids[:approved]:
        clusters.approve(r, bid, cid, "bench")
    for cid in cids[approved:approved + 20]:
        clusters.enqueue(r, bid, cid, "bench")
    for cid in cids[approved + 20:approved + 20 + rejected]:
        clusters.reject(r, bid, cid, "bench", "offtopic")
    return cids[approved + 20 + rejected:]


async def ws_board(url: str, cookie: str, origin: str, seen: dict[str, float], stop: asyncio.Event,
                   ready: asyncio.Event) -> None:
    async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": origin},
                                  max_size=2**28) as ws:
        first = True
        while not stop.is_set():
            try:
                msg = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            now = time.time() * 1000
            if first:
                first = False
                ready.set()
                continue
            for cid, version in CARD_V.findall(msg):
                seen.setdefault(f"{cid}:{version}", now)


def run_ws_clients(n: int, url: str, cookie: str, origin: str, seens: list[dict[str, float]],
                   stop_flag: threading.Event, started: threading.Event) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        readies = [asyncio.Event() for _ in range(n)]
        tasks = [asyncio.create_task(ws_board(url, cookie, origin, seens[i], stop, readies[i])) for i in range(n)]
        await asyncio.gather(*(e.wait() for e in readies))
        started.set()
        while not stop_flag.is_set():
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    asyncio.run(main())


def chromium_board(browser: Any, base: str, username: str, bid: int) -> Any:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ru-RU")
    page = ctx.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()
    page.add_init_script(PAINT_HOOK)
    return page


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--questions", type=int, default=5000)
    ap.add_argument("--boards", type=int, default=10)
    ap.add_argument("--actions", type=int, default=60)
    a = ap.parse_args()
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    stack = Stack(webs=1, worker=False)
    try:
        bid = live_broadcast(stack.r)
        t0 = time.monotonic()
        new_cards = fill(stack, bid, a.questions)
        n_clusters = stack.r.hlen(f"ll:{{b{bid}}}:cs")
        redis_mb = int(stack.r.info("memory")["used_memory"]) / 2**20
        print(f"filled {a.questions} questions into {n_clusters} cards in {time.monotonic() - t0:.1f}s "
              f"(Redis used_memory {redis_mb:.0f} MB)", flush=True)
        for name in ("bench", "bench2"):
            moderator_cookie(stack.r, stack.url(), name)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            # -- first paint and time to interactive (median of 5 loads) ------------------------------------
            page = chromium_board(browser, stack.url(), "bench", bid)
            paints, idles, sizes, completes = [], [], [], []
            for _ in range(5):
                page.goto(f"{stack.url()}/b/{bid}/board")
                page.wait_for_function("() => window.__m && window.__m.paint && window.__m.idle", timeout=60000)
                page.wait_for_function("() => document.body.dataset.boardComplete", timeout=60000)
                m = page.evaluate("() => window.__m")
                paints.append(m["paint"])
                idles.append(max(m["idle"], m["paint"]))
                completes.append(page.evaluate(
                    "() => performance.getEntriesByName('ll:snapshot-complete').map(e => e.startTime).pop() || 0"))
                sizes.append(page.evaluate("() => document.getElementById('board').outerHTML.length"))
                print("  phases (ms since navigation):", page.evaluate("""() => {
                    const n = performance.getEntriesByType('navigation')[0];
                    const out = {responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd};
                    performance.getEntriesByType('mark').forEach(m => { out[m.name] = m.startTime; });
                    out.paint = window.__m.paint; out.idle = window.__m.idle;
                    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v)])); }"""))
            first_paint, interactive = sorted(paints)[2], sorted(idles)[2]
            complete = sorted(completes)[2]
            # the cards this board holds of "new" (its window): the ones a moderator can click
            shown = page.eval_on_selector_all("#col-new > article.qcard", "els => els.map(e => e.dataset.id)")
            assert set(shown) <= set(new_cards)
            cid = shown[0]
            t = page.evaluate(f"""() => {{ const t = Date.now();
                document.querySelector('#c-{cid} button[data-act=approve]').click(); return t; }}""")
            page.wait_for_function(f"() => !document.querySelector('#col-new #c-{cid}')", timeout=20000)
            first_action = page.evaluate("() => Date.now()") - t
            cards_in_dom = page.evaluate("() => document.querySelectorAll('article.qcard').length")
            counts = page.evaluate("""() => Object.fromEntries(Array.from(document.querySelectorAll('[data-count-for]'))
                .map(e => [e.dataset.countFor, e.textContent]))""")
            print(f"cards in the DOM: {cards_in_dom} of {n_clusters} (columns: {counts}), board HTML "
                  f"{sizes[0] / 2**20:.1f} MB; paints {[round(x) for x in paints]} ms (the first starts the "
                  f"web process's channel), idle {[round(x) for x in idles]} ms, "
                  f"all cards in the DOM {[round(x) for x in completes]} ms")

            # -- action latency to every other board ------------------------------------------------------
            other = chromium_board(browser, stack.url(), "bench2", bid)
            other.goto(f"{stack.url()}/b/{bid}/board")
            other.wait_for_selector("#board[aria-busy=false]", timeout=60000)
            cookie, _ = moderator_cookie(stack.r, stack.url(), "bench")
            n_ws = max(0, a.boards - 2)
            seens: list[dict[str, float]] = [{} for _ in range(n_ws)]
            stop_flag, started = threading.Event(), threading.Event()
            url = stack.url().replace("http", "ws") + f"/ws/b/{bid}/board"
            th = threading.Thread(target=run_ws_clients, args=(n_ws, url, cookie, stack.url(), seens, stop_flag,
                                                               started), daemon=True)
            th.start()
            started.wait(120)
            lat: list[float] = []
            targets = shown[1:1 + a.actions]
            for cid in targets:
                c = page.locator(f"#c-{cid}")
                version = int(c.get_attribute("data-version"))
                key = f"{cid}:{version + 1}"
                t = page.evaluate(f"""() => {{ const t = Date.now();
                    document.querySelector('#c-{cid} button[data-act=pin]').click(); return t; }}""")
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    seen_other = other.evaluate(f"() => window.__seen['{key}'] || 0")
                    if seen_other and all(key in s for s in seens):
                        break
                    time.sleep(0.01)
                else:
                    raise RuntimeError(f"action on card {cid} did not reach every board")
                lat.append(seen_other - t)
                lat.extend(s[key] - t for s in seens)
            stop_flag.set()
            th.join(10)
            browser.close()
        print(f"action latency to other boards: p50={percentile(lat, 50):.1f} ms p99={percentile(lat, 99):.1f} ms "
              f"max={max(lat):.1f} ms over {len(lat)} deliveries; first approve on the loaded board "
              f"{first_action:.0f} ms; every card in the DOM (progressive) at {complete:.0f} ms")
        print(figures(first_paint_ms=first_paint, interactive_ms=interactive, action_p95_ms=percentile(lat, 95))
              + f" questions={a.questions} cards={n_clusters} boards={a.boards} actions={len(targets)}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
