"""ISO weeks in one canonical form, "2026-W05", wherever a week is read, stored or compared.

Plans are stored and found by week, so " 2026-W26 ", "2026-w26" and "2026-W26" must be one week, not three
stored plans (a hostile-input run stored three). Accepted: optional spaces around, a lower-case w, a
one-digit week ("2026-W5" is week 05) and the compact "2026W05"; refused: digits other than ASCII 0-9
(full-width "２０２６"), weeks the year does not have, and years outside 2000-2200 (plan --week 9999-W52
used to overflow the calendar).
"""

from __future__ import annotations

import datetime as dt
import re

from envservices.errors import UserError

__all__ = ["FIRST_YEAR", "LAST_YEAR", "canonical_week", "normalise_week", "week_monday", "week_of"]

FIRST_YEAR, LAST_YEAR = 2000, 2200
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.ASCII | re.IGNORECASE)


def normalise_week(text: object) -> str:
    """'2026-W05' from any accepted spelling, for any year the calendar has (how weeks are stored and
    looked up); UserError naming the text otherwise."""
    match = _WEEK.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise UserError(f"'{text}' is not an ISO week; write it like 2026-W48")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        dt.date.fromisocalendar(year, number, 1)
    except ValueError:
        raise UserError(f"'{text}' is not an ISO week: {year} has no week {number}") from None
    return f"{year}-W{number:02d}"


def canonical_week(text: object) -> str:
    """A week a user may plan: normalised, and in the years 2000-2200."""
    week = normalise_week(text)
    if not FIRST_YEAR <= int(week[:4]) <= LAST_YEAR:
        raise UserError(f"'{text}' is outside the years envservices plans ({FIRST_YEAR} to {LAST_YEAR})")
    return week


def week_monday(text: object) -> dt.date:
    """The Monday of a week given in any accepted spelling."""
    year, number = canonical_week(text).split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 1)


def week_of(day: dt.date) -> str:
    """The canonical week a day falls in."""
    iso = day.isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"
