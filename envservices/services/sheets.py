"""Reading the CSV sheets councils keep (surveys, crews, depots) the same way everywhere."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from envservices.errors import UserError


def column_key(text: str) -> str:
    """'Observed at', 'observed-at' and 'observed_at' name the same column."""
    return re.sub(r"[\s\-]+", "_", (text or "").strip().lower())


def read_rows(path: Path, required: tuple[str, ...], *, allow_empty: bool = False) -> list[dict[str, str]]:
    """The sheet's rows keyed by column_key; Excel's UTF-8 marker and Windows-1252 both work, and quoted
    line breaks stay inside their cell."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"file not found: {path}")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UserError(f"{path.name} is not a text file in UTF-8 or Windows-1252; save it as CSV (UTF-8)")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [column_key(h) for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise UserError(f"{path.name} lacks the column(s) {', '.join(missing)} "
                        f"(found: {', '.join(header) or 'none'})")
    try:
        rows = [{column_key(k): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
                for row in reader]
    except csv.Error as exc:
        raise UserError(f"{path.name} is not a readable CSV sheet ({exc})") from None
    if not rows and not allow_empty:
        raise UserError(f"{path.name} has a header but no rows")
    return rows
