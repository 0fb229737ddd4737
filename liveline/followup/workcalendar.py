"""Working time in a region's time zone under the Russian production calendar.

A follow-up appeal gets a deadline: "24 working hours" for a regional management centre (ЦУР), or
30 days under Federal Law 59-ФЗ. Working time is the office day (09:00–18:00 with a lunch hour by
default) on working days. Which days are working comes from three places:

* the non-working public holidays of the Labour Code, art. 112 — from the ``holidays`` package;
* the Government's yearly transfers of days off (working Saturdays and extra days off) — from the
  ``holidays`` package as well, double-kept with their decrees in ``data/ru_transfers.json``, so a
  package upgrade that disagrees with a decree is caught by a test, not by a citizen;
* pre-holiday days shortened by an hour (art. 95) — from ``data/ru_transfers.json`` for the years
  it covers, otherwise "the working day right before an art. 112 holiday".

Datetimes in are aware (any zone); datetimes out are aware, in the calendar's zone. Arithmetic runs
on the local wall clock, so a zone with daylight saving (none in Russia since 2014) still gets
nine-to-six days.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Literal
from zoneinfo import ZoneInfo

from holidays import HolidayBase, country_holidays

from liveline.store import codec

RuleKind = Literal["working_hours", "working_days", "calendar_days"]

#: A search for the next working day gives up after this many days (a misconfigured calendar).
_MAX_DAYS = 3660

#: Non-working public holidays of art. 112 (month, day): the fallback rule for short days.
_ART112_DATES = frozenset([(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)])


@dataclass(frozen=True)
class DeadlineRule:
    """How long staff have to answer: ``amount`` units of ``kind``; ``name`` is shown to people."""

    name: str
    kind: RuleKind
    amount: int


CUR_24H = DeadlineRule("Ответ ЦУР: 24 рабочих часа", "working_hours", 24)
FZ59_30D = DeadlineRule("Обращение по 59-ФЗ: 30 дней", "calendar_days", 30)


@dataclass(frozen=True)
class CalendarExceptions:
    """The decrees' transfers and the short days, as read from ``ru_transfers.json``."""

    working_days: frozenset[date]
    days_off: frozenset[date]
    short_days: frozenset[date]
    years: frozenset[int]
    sources: dict[date, str]


@functools.cache
def calendar_exceptions() -> CalendarExceptions:
    """The packaged production-calendar exceptions (read once; the data is immutable)."""
    raw = codec.read_file(resources.files("liveline").joinpath("data/ru_transfers.json"))
    working: set[date] = set()
    off: set[date] = set()
    short: set[date] = set()
    sources: dict[date, str] = {}
    for year in raw["years"].values():
        for key, bucket in (("working_days", working), ("days_off", off), ("short_days", short)):
            for entry in year[key]:
                day = date.fromisoformat(entry["date"])
                bucket.add(day)
                sources.setdefault(day, entry["source"])
    return CalendarExceptions(
        working_days=frozenset(working),
        days_off=frozenset(off),
        short_days=frozenset(short),
        years=frozenset(int(y) for y in raw["years"]),
        sources=sources,
    )


class WorkCalendar:
    """Office hours in one time zone on the Russian production calendar."""

    def __init__(
        self,
        tz: str,
        work_start: time = time(9),
        work_end: time = time(18),
        lunch: tuple[time, time] | None = (time(13), time(14)),
        *,
        shorten_pre_holiday: bool = True,
    ) -> None:
        if not work_start < work_end:
            raise ValueError("work_start must be before work_end")
        if lunch is not None and not work_start <= lunch[0] < lunch[1] <= work_end:
            raise ValueError("lunch must lie inside the working day")
        self.tz = ZoneInfo(tz)
        self.work_start = work_start
        self.work_end = work_end
        self.lunch = lunch
        self.shorten_pre_holiday = shorten_pre_holiday
        self._holidays: HolidayBase = country_holidays("RU")
        self._exceptions = calendar_exceptions()

    def __repr__(self) -> str:
        return f"WorkCalendar({self.tz.key!r}, {self.work_start}, {self.work_end}, lunch={self.lunch})"

    # ---- days -------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day of a five-day week under the production calendar."""
        if d in self._exceptions.working_days:
            return True
        if d in self._exceptions.days_off or d in self._holidays:  # `in` populates the year
            return False
        if d in self._holidays.weekend_workdays:
            return True
        return d.weekday() < 5

    def is_short_day(self, d: date) -> bool:
        """Whether ``d`` is a pre-holiday working day, one hour shorter (Labour Code art. 95)."""
        if not self.is_working_day(d):
            return False
        if d.year in self._exceptions.years:
            return d in self._exceptions.short_days
        following = d + timedelta(days=1)
        return (following.month, following.day) in _ART112_DATES

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        for _ in range(_MAX_DAYS):
            d += timedelta(days=1)
            if self.is_working_day(d):
                return d
        raise ValueError(f"no working day within {_MAX_DAYS} days after {d}")

    def working_intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """The working stretches of ``d`` as naive local wall-clock intervals (none on a day off)."""
        if not self.is_working_day(d):
            return []
        start = datetime.combine(d, self.work_start)
        end = datetime.combine(d, self.work_end)
        if self.shorten_pre_holiday and self.is_short_day(d):
            end -= timedelta(hours=1)
        if self.lunch is None:
            pieces = [(start, end)]
        else:
            lunch_start, lunch_end = (datetime.combine(d, t) for t in self.lunch)
            pieces = [(start, min(lunch_start, end)), (lunch_end, end)]
        return [(a, b) for a, b in pieces if a < b]

    def working_hours_on(self, d: date) -> float:
        """Length of the working day ``d`` in hours (0 on a day off)."""
        return sum(((b - a) for a, b in self.working_intervals(d)), timedelta()) / timedelta(hours=1)

    def day_end(self, d: date) -> datetime:
        """The end of the working day ``d`` (aware). ``d`` should be a working day."""
        intervals = self.working_intervals(d)
        naive = intervals[-1][1] if intervals else datetime.combine(d, self.work_end)
        return self._aware(naive)

    # ---- moments ----------------------------------------------------------------------------

    def next_working_moment(self, start: datetime) -> datetime:
        """``start`` itself if it is working time, else the next moment that is."""
        return self.add_working_hours(start, 0)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` of working time after ``start``.

        A start outside working time counts from the next working moment; a sum that ends exactly
        at the end of a stretch returns that end (18:00 rather than 09:00 next day).
        """
        if hours < 0:
            raise ValueError("hours must not be negative")
        cursor = self._local(start)
        remaining = timedelta(hours=hours)
        day = cursor.date()
        for _ in range(_MAX_DAYS):
            for a, b in self.working_intervals(day):
                if b <= cursor:
                    continue
                a = max(a, cursor)
                if remaining <= b - a:
                    return self._aware(a + remaining)
                remaining -= b - a
            day += timedelta(days=1)
        raise ValueError(f"{hours} working hours do not fit in {_MAX_DAYS} days")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same time of day ``days`` working days later, counted from the next working moment.

        On a shorter day the time is capped at that day's end.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        moment = self._local(self.next_working_moment(start))
        day = moment.date()
        for _ in range(days):
            day = self.next_working_day(day)
        naive = datetime.combine(day, moment.time())
        end = self.working_intervals(day)[-1][1]
        return self._aware(min(naive, end))

    def deadline(self, start: datetime, rule: DeadlineRule) -> datetime:
        """When an answer is due under ``rule`` for something received at ``start``.

        * ``working_hours``: exactly that much working time after the next working moment;
        * ``working_days``: the end of the ``amount``-th working day after the day of the next
          working moment (a term in days ends at the end of its last day, Civil Code art. 194);
        * ``calendar_days``: ``amount`` calendar days after the day of the next working moment, at
          the end of the working day; a last day that is a day off moves to the next working day
          (Civil Code art. 193).
        """
        if rule.amount < 0:
            raise ValueError("a deadline amount must not be negative")
        if rule.kind == "working_hours":
            return self.add_working_hours(start, rule.amount)
        day = self._local(self.next_working_moment(start)).date()
        if rule.kind == "working_days":
            for _ in range(rule.amount):
                day = self.next_working_day(day)
            return self.day_end(day)
        if rule.kind == "calendar_days":
            day += timedelta(days=rule.amount)
            if not self.is_working_day(day):
                day = self.next_working_day(day)
            return self.day_end(day)
        raise ValueError(f"unknown deadline kind {rule.kind!r}")

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        if b < a:
            return -self.working_hours_between(b, a)
        lo, hi = self._local(a), self._local(b)
        total = timedelta()
        day = lo.date()
        while day <= hi.date():
            for start, end in self.working_intervals(day):
                overlap = min(end, hi) - max(start, lo)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total / timedelta(hours=1)

    # ---- zones ------------------------------------------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        """``moment`` as a naive wall-clock time in the calendar's zone."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("an aware datetime is required")
        return moment.astimezone(self.tz).replace(tzinfo=None)

    def _aware(self, naive: datetime) -> datetime:
        return naive.replace(tzinfo=self.tz)
