"""Server-drawn HTML pages that need no script: the public schedule."""

from __future__ import annotations

import datetime as dt
from html import escape

from envservices.services.schedules import Upcoming

STYLE = ("body{font-family:system-ui,sans-serif;margin:1rem;max-width:48rem}table{border-collapse:collapse;"
         "width:100%}td,th{border-bottom:1px solid #ccc;padding:.4rem;text-align:left}")


def schedule_page(items: list[Upcoming], today: dt.date) -> str:
    """When each place is next cleaned, its bins emptied and its grass cut, with a calendar link per place."""
    rows: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for u in items:
        names[u.place_id] = u.place
        rows.setdefault(u.place_id, {}).setdefault(u.what, f"{u.day:%a %d %b}")
    body = "".join(
        f"<tr><td>{escape(names[pid])}</td><td>{escape(w.get('cleaned', '-'))}</td>"
        f"<td>{escape(w.get('bins emptied', '-'))}</td><td>{escape(w.get('grass cut', '-'))}</td>"
        f"<td><a href=\"/schedules/{escape(pid)}.ics\">calendar</a></td></tr>"
        for pid, w in sorted(rows.items(), key=lambda kv: names[kv[0]])
    ) or "<tr><td colspan=5>No work is planned yet from today.</td></tr>"
    return (f"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content=\"width=device-width\">"
            f"<title>When is my street cleaned?</title><style>{STYLE}</style>"
            f"<h1>When is my street cleaned?</h1><p>From the council's plans as of {today:%A %d %B %Y}. "
            f"<a href=\"/schedules.geojson\">GeoJSON</a></p><table><tr><th>Place</th><th>Next cleaned</th>"
            f"<th>Bins emptied</th><th>Grass cut</th><th></th></tr>{body}</table></html>")
