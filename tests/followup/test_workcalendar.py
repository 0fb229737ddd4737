"""Deadlines in working time on the Russian production calendar, in the region's own time zone."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import holidays
import pytest

from liveline.followup.workcalendar import CUR_24H, FZ59_30D, DeadlineRule, WorkCalendar, calendar_exceptions

MSK = ZoneInfo("Europe/Moscow")
UTC = ZoneInfo("UTC")


@pytest.fixture
def moscow() -> WorkCalendar:
    return WorkCalendar("Europe/Moscow")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, tz: ZoneInfo = MSK) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


# ---- the default rules ---------------------------------------------------------------------------


def test_default_rules_are_named_in_russian() -> None:
    assert CUR_24H == DeadlineRule("Ответ ЦУР: 24 рабочих часа", "working_hours", 24)
    assert FZ59_30D == DeadlineRule("Обращение по 59-ФЗ: 30 дней", "calendar_days", 30)


# ---- working hours -------------------------------------------------------------------------------


def test_24_working_hours_from_friday_afternoon_skip_the_weekend(moscow: WorkCalendar) -> None:
    # Fri 16–18 (2 h), Mon 8 h, Tue 8 h, Wed 09–13 + 14–16 (6 h).
    assert moscow.deadline(at(2026, 11, 20, 16), CUR_24H) == at(2026, 11, 25, 16)


def test_lunch_is_not_working_time(moscow: WorkCalendar) -> None:
    assert moscow.add_working_hours(at(2026, 11, 23, 12), 2) == at(2026, 11, 23, 15)


def test_a_start_outside_working_time_counts_from_the_next_working_moment(moscow: WorkCalendar) -> None:
    assert moscow.next_working_moment(at(2026, 11, 21, 11)) == at(2026, 11, 23, 9)  # Saturday
    assert moscow.next_working_moment(at(2026, 11, 23, 13, 30)) == at(2026, 11, 23, 14)  # lunch
    assert moscow.next_working_moment(at(2026, 11, 23, 20)) == at(2026, 11, 24, 9)  # evening
    assert moscow.add_working_hours(at(2026, 11, 22, 23), 1) == at(2026, 11, 23, 10)


def test_a_sum_ending_with_the_day_ends_at_six_not_at_nine_next_morning(moscow: WorkCalendar) -> None:
    assert moscow.add_working_hours(at(2026, 11, 23, 9), 8) == at(2026, 11, 23, 18)


def test_fractional_hours(moscow: WorkCalendar) -> None:
    assert moscow.add_working_hours(at(2026, 11, 23, 17, 45), 0.5) == at(2026, 11, 24, 9, 15)


def test_new_year_holidays_and_the_transferred_31_december(moscow: WorkCalendar) -> None:
    # Wed 30 Dec 2026: 12–13 and 14–18 (5 h); 31 Dec is a transferred day off (decree № 1466),
    # 1–8 Jan are holidays, 9–10 Jan a weekend; Mon 11 Jan 8 h, Tue 12 Jan 8 h, Wed 13 Jan 3 h.
    assert not moscow.is_working_day(date(2026, 12, 31))
    assert moscow.deadline(at(2026, 12, 30, 12), CUR_24H) == at(2027, 1, 13, 12)


def test_a_transferred_working_saturday_counts_and_is_a_short_day(moscow: WorkCalendar) -> None:
    saturday = date(2025, 11, 1)  # worked instead of Monday 3 November (decree № 1335)
    assert moscow.is_working_day(saturday)
    assert not moscow.is_working_day(date(2025, 11, 3))
    assert moscow.working_hours_on(saturday) == 7
    # Fri 17–18 (1 h), Sat 09–13 + 14–17 (7 h), Sun–Tue off, Wed 5 Nov 8 h, Thu 6 Nov 8 h.
    assert moscow.deadline(at(2025, 10, 31, 17), CUR_24H) == at(2025, 11, 6, 18)


def test_working_saturdays_of_2024_and_2027(moscow: WorkCalendar) -> None:
    for saturday in (date(2024, 4, 27), date(2024, 11, 2), date(2024, 12, 28), date(2027, 2, 20)):
        assert saturday.weekday() == 5
        assert moscow.is_working_day(saturday)
    assert moscow.add_working_hours(at(2024, 4, 26, 18), 1) == at(2024, 4, 27, 10)


def test_unity_day_and_its_short_eve(moscow: WorkCalendar) -> None:
    assert not moscow.is_working_day(date(2026, 11, 4))
    assert moscow.is_short_day(date(2026, 11, 3))
    # Tue 3 Nov ends at 17:00: 15–17 (2 h); Wed 4 Nov off; Thu 5 Nov 09–13 + 14–16.
    assert moscow.add_working_hours(at(2026, 11, 3, 15), 8) == at(2026, 11, 5, 16)
    full_days = WorkCalendar("Europe/Moscow", shorten_pre_holiday=False)
    assert full_days.add_working_hours(at(2026, 11, 3, 15), 8) == at(2026, 11, 5, 15)


def test_friday_evening_in_volgograd_is_saturday_night_in_vladivostok() -> None:
    volgograd = WorkCalendar("Europe/Volgograd")  # UTC+3
    vladivostok = WorkCalendar("Asia/Vladivostok")  # UTC+10
    instant = at(2026, 11, 20, 17, 30, tz=ZoneInfo("Europe/Volgograd"))
    assert instant.astimezone(UTC) == at(2026, 11, 20, 14, 30, tz=UTC)

    # Volgograd: Fri 0.5 h, Mon 8, Tue 8, Wed 7.5 → Wed 17:30 local.
    west = volgograd.deadline(instant, CUR_24H)
    assert west == at(2026, 11, 25, 17, 30, tz=ZoneInfo("Europe/Volgograd"))
    assert west.tzinfo == ZoneInfo("Europe/Volgograd")
    # Vladivostok: it is already 00:30 on Saturday, so the clock starts on Monday at 09:00.
    east = vladivostok.deadline(instant, CUR_24H)
    assert east == at(2026, 11, 25, 18, tz=ZoneInfo("Asia/Vladivostok"))
    assert east.tzinfo == ZoneInfo("Asia/Vladivostok")
    assert east.astimezone(UTC) == at(2026, 11, 25, 8, tz=UTC)
    assert west.astimezone(UTC) == at(2026, 11, 25, 14, 30, tz=UTC)


def test_no_daylight_saving_jump_in_russian_zones(moscow: WorkCalendar) -> None:
    # The last weekend of March used to move Moscow clocks; since 2014 it does not.
    start = at(2026, 3, 27, 17)
    end = moscow.add_working_hours(start, 2)
    assert end == at(2026, 3, 30, 10)
    assert start.utcoffset() == end.utcoffset() == timedelta(hours=3)
    assert end - start == timedelta(days=2, hours=17)


def test_a_zone_with_daylight_saving_still_works_nine_to_six_on_the_wall_clock() -> None:
    berlin = WorkCalendar("Europe/Berlin")
    start = datetime(2026, 3, 27, 17, tzinfo=ZoneInfo("Europe/Berlin"))  # CET; Sunday 29 → CEST
    end = berlin.add_working_hours(start, 2)
    assert end == datetime(2026, 3, 30, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    assert end.utcoffset() == timedelta(hours=2)
    assert berlin.working_hours_between(start, end) == 2


def test_an_instant_in_another_zone_is_read_in_the_calendars_zone(moscow: WorkCalendar) -> None:
    result = moscow.add_working_hours(at(2026, 11, 23, 6, tz=UTC), 1)  # 09:00 MSK
    assert result == at(2026, 11, 23, 10)
    assert result.tzinfo == MSK


def test_naive_datetimes_are_refused(moscow: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        moscow.add_working_hours(datetime(2026, 11, 23, 10), 1)


# ---- working days and calendar days --------------------------------------------------------------


def test_add_working_days_keeps_the_time_of_day(moscow: WorkCalendar) -> None:
    assert moscow.add_working_days(at(2026, 11, 20, 17, 30), 1) == at(2026, 11, 23, 17, 30)
    assert moscow.add_working_days(at(2026, 11, 21, 12), 1) == at(2026, 11, 24, 9)  # from Monday 09:00
    # Capped at the end of a short day: Mon 2 Nov 17:30 + 1 → Tue 3 Nov ends at 17:00.
    assert moscow.add_working_days(at(2026, 11, 2, 17, 30), 1) == at(2026, 11, 3, 17)


def test_a_deadline_in_working_days_ends_with_the_last_day(moscow: WorkCalendar) -> None:
    three_days = DeadlineRule("Ответ за 3 рабочих дня", "working_days", 3)
    # Received Thu 30 Apr 2026 (short day); 1–3 May off; Mon 4, Tue 5, Wed 6.
    assert moscow.deadline(at(2026, 4, 30, 11), three_days) == at(2026, 5, 6, 18)


def test_59_fz_thirty_calendar_days(moscow: WorkCalendar) -> None:
    assert moscow.deadline(at(2026, 11, 23, 10), FZ59_30D) == at(2026, 12, 23, 18)


def test_59_fz_deadline_on_a_day_off_moves_to_the_next_working_day(moscow: WorkCalendar) -> None:
    # 2 Dec 2026 + 30 days = 1 Jan 2027: holidays until Sunday 10 January.
    assert moscow.deadline(at(2026, 12, 2, 10), FZ59_30D) == at(2027, 1, 11, 18)
    # 16 Oct 2026 + 30 = Sunday 15 Nov → Monday 16 Nov.
    assert moscow.deadline(at(2026, 10, 16, 10), FZ59_30D) == at(2026, 11, 16, 18)


def test_59_fz_counted_from_the_next_working_day_when_received_on_a_day_off(moscow: WorkCalendar) -> None:
    assert moscow.deadline(at(2026, 11, 21, 12), FZ59_30D) == at(2026, 12, 23, 18)


# ---- measuring -----------------------------------------------------------------------------------


def test_working_hours_between_over_a_weekend_and_backwards(moscow: WorkCalendar) -> None:
    friday, monday = at(2026, 11, 20, 16), at(2026, 11, 23, 10)
    assert moscow.working_hours_between(friday, monday) == 3
    assert moscow.working_hours_between(monday, friday) == -3
    assert moscow.working_hours_between(friday, friday) == 0


@pytest.mark.parametrize("hours", [0.25, 1, 7.5, 24, 100])
def test_adding_then_measuring_gives_the_hours_back(moscow: WorkCalendar, hours: float) -> None:
    start = at(2026, 12, 29, 10, 10)
    assert moscow.working_hours_between(start, moscow.add_working_hours(start, hours)) == pytest.approx(hours)


def test_custom_office_hours_without_lunch() -> None:
    cal = WorkCalendar("Asia/Yekaterinburg", work_start=time(8), work_end=time(17), lunch=None)
    ekb = ZoneInfo("Asia/Yekaterinburg")
    assert cal.add_working_hours(datetime(2026, 11, 23, 12, tzinfo=ekb), 9) == datetime(
        2026, 11, 24, 12, tzinfo=ekb
    )


# ---- the production calendar as a whole ----------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "days", "hours"),
    # The official norms for a 40-hour week (КонсультантПлюс production calendars).
    [(2024, 248, 1979), (2025, 247, 1972), (2026, 247, 1972), (2027, 247, 1972)],
)
def test_yearly_working_days_and_hours_match_the_production_calendar(
    year: int, days: int, hours: int
) -> None:
    cal = WorkCalendar("Europe/Moscow")
    every_day = [
        date(year, 1, 1) + timedelta(n) for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)
    ]
    assert sum(cal.is_working_day(d) for d in every_day) == days
    assert sum(cal.working_hours_on(d) for d in every_day) == hours


def test_every_transfer_cites_its_source_and_agrees_with_the_holidays_package() -> None:
    raw = json.loads(resources.files("liveline").joinpath("data/ru_transfers.json").read_text("utf-8"))
    assert set(raw["years"]) == {"2024", "2025", "2026", "2027"}
    package = holidays.Russia(years=range(2024, 2028))
    for year, data in raw["years"].items():
        assert data["decree"].startswith("Постановление Правительства РФ от ")
        for entry in data["working_days"] + data["days_off"] + data["short_days"]:
            assert entry["source"]
            assert date.fromisoformat(entry["date"]).year == int(year)
        for entry in data["days_off"]:
            assert date.fromisoformat(entry["date"]) in package
    exceptions = calendar_exceptions()
    assert exceptions.working_days == frozenset(package.weekend_workdays)
    assert "№ 1314" in exceptions.sources[date(2024, 4, 27)]
