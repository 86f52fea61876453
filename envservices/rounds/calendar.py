"""The collection calendar: bank-holiday slides and the return-by day of a missed bin.

English councils mostly slide every collection from a bank holiday to the end of that week by one day, so
Monday's round goes out on Tuesday and Friday's on Saturday; some streams (garden waste) are just skipped
that week, and some collect on the holiday itself. Pure functions of dates, so the plan, the residents'
list and the tests agree.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Mapping

from envservices.domain.waste import Stream


class HolidayRule(str, enum.Enum):
    SLIDE = "slide"  # from the holiday on, every collection one day later (to the Saturday)
    SKIP = "skip"  # a collection on the holiday is not made that week
    COLLECT = "collect"  # collected on the holiday as usual


DEFAULT_RULES: Mapping[Stream, HolidayRule] = {s: HolidayRule.SLIDE for s in Stream}


def collection_date(
    week_start: dt.date,
    weekday: int,
    holidays: Collection[dt.date] = (),
    rule: HolidayRule = HolidayRule.SLIDE,
) -> dt.date | None:
    """The day a collection due on `weekday` of the week starting Monday `week_start` is made; None: skipped.

    SLIDE moves it one day for every holiday in the week on or before its day, skipping further holidays
    and Sundays, so two holidays in a week (Christmas) push Friday's round to the Monday after.
    """
    if week_start.weekday() != 0:
        raise ValueError(f"{week_start} is not a Monday")
    day = week_start + dt.timedelta(days=weekday)
    if rule is HolidayRule.COLLECT:
        return day
    if rule is HolidayRule.SKIP:
        return None if day in holidays else day
    shift = sum(1 for h in holidays if week_start <= h <= day and h.weekday() < 5)
    while shift or day in holidays or day.weekday() == 6:
        day += dt.timedelta(days=1)
        if day not in holidays and day.weekday() != 6:
            shift = max(0, shift - 1)
    return day


def week_collection_dates(
    week_start: dt.date,
    weekdays: Collection[int],
    holidays: Collection[dt.date] = (),
    rules: Mapping[Stream, HolidayRule] = DEFAULT_RULES,
    stream: Stream = Stream.RESIDUAL,
) -> dict[int, dt.date | None]:
    """Each usual weekday's actual collection day this week for one stream (the residents' list)."""
    rule = rules.get(stream, HolidayRule.SLIDE)
    return {d: collection_date(week_start, d, holidays, rule) for d in sorted(weekdays)}


def is_working_day(day: dt.date, holidays: Collection[dt.date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def return_by(reported_on: dt.date, working_days: int = 2, holidays: Collection[dt.date] = ()) -> dt.date:
    """The last day a missed bin may be collected: `working_days` working days after the report."""
    if working_days < 0:
        raise ValueError("the return must be within 0 or more working days")
    day = reported_on
    left = working_days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return day


def england_bank_holidays(years: Collection[int]) -> frozenset[dt.date]:
    """England and Wales bank holidays for the given years (from the `holidays` package)."""
    import holidays as holiday_calendars

    return frozenset(holiday_calendars.UK(subdiv="ENG", years=sorted(years)).keys())
