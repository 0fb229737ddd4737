"""Brigading waves: one text from accounts that look alike within a window, and the detector stays fast."""

from __future__ import annotations

from liveline.triage.brigading import BrigadeDetector, name_template, text_signature


def test_a_wave_from_neighbouring_accounts_is_detected() -> None:
    detector = BrigadeDetector(min_size=5, window=600)
    text = "Требуем отставки директора УК Уют! Позор!"
    waves = [detector.observe(f"q{k}", f"id{700_100 + k}", f"Анна Смирнова {k}",
                              text_signature(text + " " + "!" * k), ts=100.0 + k * 20) for k in range(7)]
    assert waves[:4] == [None] * 4
    assert waves[4] is not None and set(waves[4:]) == {waves[4]}
    assert detector.members(waves[4]) == [f"q{k}" for k in range(7)]


def test_honest_neighbours_asking_the_same_thing_are_not_a_wave() -> None:
    detector = BrigadeDetector(min_size=5, window=600)
    people = [("id1834", "Ольга Петрова"), ("id92311870", "Игорь Лаптев"), ("id450021", "Марина Кузнецова"),
              ("id270055443", "Пётр Семёнов"), ("id61200", "Наталья Иванова"), ("id733004511", "Олег Зуев")]
    sig = text_signature("Когда в Сосновку проведут газ?")
    assert all(detector.observe(f"q{k}", who, name, sig, ts=100.0 + k) is None
               for k, (who, name) in enumerate(people))


def test_template_names_count_as_alike_even_with_scattered_ids() -> None:
    assert name_template("Иван  Иванов_12") == "иван иванов"
    detector = BrigadeDetector(min_size=3, window=600)
    sig = text_signature("Голосуйте за сквер у рынка")
    results = [detector.observe(f"q{k}", f"id{k * 9_000_001}", f"Иван Иванов {k}", sig, ts=float(k))
               for k in range(1, 4)]
    assert results[-1] is not None


def test_a_wave_needs_its_texts_within_the_window() -> None:
    detector = BrigadeDetector(min_size=3, window=60)
    sig = text_signature("Позор УК")
    results = [detector.observe(f"q{k}", f"id{500 + k}", f"user{k}", sig, ts=k * 100.0) for k in range(5)]
    assert results == [None] * 5


def test_the_brigading_detector_stays_fast_with_a_window_full_of_distinct_texts() -> None:
    # a live broadcast at 200 comments/s keeps ~180k distinct signatures in a 15-minute window; sweeping them
    # all on every question once there were 20k made the worker fall behind (found by bench/load.py)
    detector = BrigadeDetector(min_size=5, window=900)
    sweeps = 0
    original = detector._sweep

    def counting(now: float) -> None:
        nonlocal sweeps
        sweeps += 1
        original(now)

    detector._sweep = counting  # type: ignore[method-assign]
    for n in range(50_000):
        detector.observe(str(n), f"vk:{n * 7919}", "Житель", f"sig{n}", 1.7e9 + n / 200)
    assert sweeps <= 2
