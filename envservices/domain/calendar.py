"""The council's working calendar: bank holidays, council exception days, and where rota work goes on them.

England and Wales bank holidays come from the well-kept `holidays` package (it follows the substitute days
and one-off holidays the government announces, e.g. 8 May 2020 and 19 September 2022); a council adds its own
exception days (a depot closure, a Christmas shutdown) or marks a bank holiday as worked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from envservices.domain.model import CalendarDay

WORKED = "worked"
"""Kind of a council calendar day that is worked although it is a bank holiday."""


def bank_holidays(years: Iterable[int]) -> dict[dt.date, str]:
    """England and Wales bank holidays in `years` (date -> name)."""
    import holidays

    cal = holidays.country_holidays("GB", subdiv="ENG", years=sorted(set(years)))
    return {day: str(name) for day, name in sorted(cal.items())}


@dataclass(frozen=True)
class WorkCalendar:
    """Days on which no routine work is done, with their names, and the rule that moves rota work off them."""

    closed: Mapping[dt.date, str] = field(default_factory=dict)

    @classmethod
    def for_years(cls, years: Iterable[int], council_days: Iterable[CalendarDay] = ()) -> WorkCalendar:
        closed = bank_holidays(years)
        for d in council_days:
            if d.kind == WORKED:
                closed.pop(d.day, None)
            else:
                closed[d.day] = d.name or "council exception day"
        return cls(closed)

    @classmethod
    def around(cls, week_start: dt.date, council_days: Iterable[CalendarDay] = ()) -> WorkCalendar:
        """The calendar for a planning week and the weeks either side of it."""
        years = {(week_start + dt.timedelta(days=d)).year for d in (-14, 0, 14)}
        return cls.for_years(years, council_days)

    def is_closed(self, day: dt.date) -> bool:
        return day in self.closed

    def name(self, day: dt.date) -> str:
        return self.closed.get(day, "")

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first Monday-Friday after `day` that is not closed."""
        d = day + dt.timedelta(days=1)
        while d.weekday() >= 5 or d in self.closed:
            d += dt.timedelta(days=1)
        return d

    def move(self, day: dt.date, rule: str) -> dt.date | None:
        """Where work due on `day` goes: the day itself when it is open, else by `rule` (None: skipped)."""
        if day not in self.closed:
            return day
        if rule == "skip":
            return None
        if rule == "saturday":
            saturday = day + dt.timedelta(days=5 - day.weekday()) if day.weekday() <= 5 else None
            if saturday is not None and saturday not in self.closed:
                return saturday
        return self.next_working_day(day)

    def closed_in(self, start: dt.date, days: int = 7) -> list[dt.date]:
        return [start + dt.timedelta(days=i) for i in range(days) if start + dt.timedelta(days=i) in self.closed]


__all__ = ["WORKED", "WorkCalendar", "bank_holidays"]
