"""The words councils write in rota sheets: days ("Mon;Thu", "Monday and Thursday", "M W F", "Mon-Fri"),
how often ("fortnightly", "every 4 weeks", "monthly", 2), months in season ("Apr-Oct", "Nov-Feb") and
services ("empty bins", "litter pick", "mow", "sweep", "verge cut", "hedge cut").

Each parser returns a value or raises ValueError with a sentence naming what it could not read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from envservices.domain.model import ServiceType

DAY_WORDS = {
    "m": 0, "mo": 0, "mon": 0, "monday": 0,
    "tu": 1, "tue": 1, "tues": 1, "tuesday": 1,
    "w": 2, "we": 2, "wed": 2, "weds": 2, "wednesday": 2,
    "th": 3, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "f": 4, "fr": 4, "fri": 4, "friday": 4,
    "sa": 5, "sat": 5, "saturday": 5,
    "su": 6, "sun": 6, "sunday": 6,
}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_WORDS = {name: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")), start=1) for name in names}
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SERVICE_WORDS = {
    "empty_bin": ("empty bins", "empty bin", "bin emptying", "bins", "bin", "litter bins", "empty litter bins"),
    "litter_pick": ("litter pick", "litter picking", "litter", "pick litter", "manual sweep", "manual cleanse"),
    "mow": ("mow", "mowing", "grass cut", "grass cutting", "cut grass", "grass"),
    "mech_sweep": ("sweep", "sweeping", "mechanical sweep", "mechanical sweeping", "street sweep",
                   "road sweep", "channel sweep"),
    "verge_cut": ("verge cut", "verge cutting", "cut verge", "cut verges", "verges", "verge"),
    "hedge_cut": ("hedge cut", "hedge cutting", "cut hedge", "cut hedges", "hedges", "hedge"),
    "shrub_bed": ("shrub bed", "shrub beds", "shrubs", "shrub bed maintenance"),
    "fly_tip": ("fly tip", "fly tipping", "fly-tip", "clear fly tip"),
    "inspect": ("inspect", "inspection", "inspect place"),
}


def _plain(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def parse_days(text: str) -> tuple[int, ...]:
    """'Mon;Thu', 'Monday and Thursday', 'M W F', 'Mon-Fri', 'weekdays', 'daily' -> weekday numbers."""
    plain = _plain(text)
    if not plain:
        raise ValueError("no days given (write them like Mon;Thu)")
    if plain in ("weekdays", "every weekday", "daily", "every day", "mon fri"):
        return (0, 1, 2, 3, 4)
    out: set[int] = set()
    for part in re.split(r"[;,/&+]|\band\b", text.lower()):
        part = part.strip()
        if not part:
            continue
        span = re.fullmatch(r"([a-z]+)\s*(?:-|to)\s*([a-z]+)", part)
        if span:
            a, b = (DAY_WORDS.get(w) for w in span.groups())
            if a is None or b is None or b < a:
                raise ValueError(f"'{part}' is not a run of days (write it like Mon-Fri)")
            out.update(range(a, b + 1))
            continue
        for word in part.split():
            if word not in DAY_WORDS:
                hint = " ('T' could be Tuesday or Thursday: write Tu or Th)" if word == "t" else ""
                raise ValueError(f"'{word}' is not a day{hint}")
            out.add(DAY_WORDS[word])
    if not out:
        raise ValueError(f"'{text}' names no days")
    return tuple(sorted(out))


def format_days(days: tuple[int, ...]) -> str:
    return ";".join(DAY_NAMES[d] for d in sorted(days))


def parse_every_weeks(text: str) -> int:
    """'weekly', 'fortnightly', 'every 4 weeks', 'monthly', '3-weekly', '2' -> weeks (blank: weekly).
    'Monthly' is every four weeks: rotas run on whole weeks."""
    plain = _plain(text)
    if not plain:
        return 1
    words = {"weekly": 1, "every week": 1, "fortnightly": 2, "biweekly": 2, "every other week": 2,
             "every fortnight": 2, "monthly": 4, "four weekly": 4, "every month": 4, "three weekly": 3}
    if plain in words:
        return words[plain]
    m = re.fullmatch(r"(?:every\s+)?(\d+)(?:\s*(?:weeks?|weekly|wk|wks))?", plain)
    if not m:
        raise ValueError(f"'{text}' is not how often (write weekly, fortnightly, every 4 weeks, monthly or a number)")
    n = int(m.group(1))
    if not 1 <= n <= 52:
        raise ValueError(f"'{text}' weeks is not a cycle: give 1 to 52 weeks")
    return n


def parse_months(text: str) -> tuple[int, ...]:
    """'Apr-Oct', 'Nov-Feb', 'Apr;May;Jun', 'April to October' -> month numbers; blank: all year (())."""
    if not _plain(text):
        return ()
    out: set[int] = set()
    for part in re.split(r"[;,/&+]|\band\b", text, flags=re.IGNORECASE):
        part = part.strip()
        if not part:
            continue
        span = re.fullmatch(r"([a-z]+)\s*(?:-|to)\s*([a-z]+)", part, flags=re.IGNORECASE)
        words = span.groups() if span else (part,)
        nums = []
        for w in words:
            if w.lower() not in MONTH_WORDS:
                raise ValueError(f"'{w}' is not a month (write Apr-Oct)")
            nums.append(MONTH_WORDS[w.lower()])
        if span:
            a, b = nums
            out.update(range(a, b + 1) if a <= b else [*range(a, 13), *range(1, b + 1)])
        else:
            out.add(nums[0])
    return tuple(sorted(out)) if len(out) < 12 else ()


def format_months(months: tuple[int, ...]) -> str:
    """Month numbers as the shortest words: a run 'Apr-Oct', a wrapped run 'Nov-Feb', else 'Apr;Jun'."""
    if not months:
        return ""
    ms = sorted(set(months))
    for start in ms:
        run = [(start - 1 + i) % 12 + 1 for i in range(len(ms))]
        if sorted(run) == ms:
            return f"{MONTH_NAMES[run[0] - 1]}-{MONTH_NAMES[run[-1] - 1]}" if len(run) > 1 else MONTH_NAMES[run[0] - 1]
    return ";".join(MONTH_NAMES[m - 1] for m in ms)


def service_lookup(services: Mapping[str, ServiceType]) -> dict[str, str]:
    """Every way a sheet may name a service (code, name, the usual words) -> its code."""
    out: dict[str, str] = {}
    for code, s in services.items():
        for word in SERVICE_WORDS.get(code, ()):
            out[_plain(word)] = code
    for code, s in services.items():
        out[_plain(code)] = code
        out[_plain(s.name)] = code
    return out


def parse_service(text: str, lookup: Mapping[str, str]) -> str:
    code = lookup.get(_plain(text))
    if code is None:
        raise ValueError(f"'{text}' is not a service in the catalogue "
                         f"(known: {', '.join(sorted(set(lookup.values())))})")
    return code


def parse_clock(text: str) -> int:
    """'08:15', '8.15', '0815', '8:15am' -> seconds after midnight."""
    t = (text or "").strip().lower().replace(".", ":")
    m = re.fullmatch(r"(\d{1,2})(?::?(\d{2}))?\s*(am|pm)?", t)
    if not m:
        raise ValueError(f"'{text}' is not a time of day (write it like 08:15)")
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) == "pm" and h < 12:
        h += 12
    if m.group(3) == "am" and h == 12:
        h = 0
    if not (0 <= h <= 24 and 0 <= mi < 60) or (h == 24 and mi):
        raise ValueError(f"'{text}' is not a time of day")
    return h * 3600 + mi * 60


def format_clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


__all__ = ["DAY_NAMES", "format_clock", "format_days", "format_months", "parse_clock", "parse_days",
           "parse_every_weeks", "parse_months", "parse_service", "service_lookup"]
