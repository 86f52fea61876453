"""Reading the CSV sheets councils keep (surveys, crews, depots) the same way everywhere."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from envservices.domain.limits import DEFAULT_FILE_LIMITS
from envservices.errors import UserError


def column_key(text: str) -> str:
    """'Observed at', 'observed-at' and 'observed_at' name the same column."""
    return re.sub(r"[\s\-]+", "_", (text or "").strip().lower())


def read_rows(path: Path, required: tuple[str, ...], *, allow_empty: bool = False) -> list[dict[str, str]]:
    """The sheet's rows keyed by column_key; Excel's UTF-8 marker and Windows-1252 both work, and quoted
    line breaks stay inside their cell."""
    path = Path(path)
    limits = DEFAULT_FILE_LIMITS
    try:
        if not path.is_file():
            raise UserError(f"file not found: {path}")
        size = path.stat().st_size
        if size > limits.max_file_mb * 1e6:
            raise UserError(f"{path.name} is {size / 1e6:,.0f} MB, more than a sheet of crews, depots or survey "
                            f"readings can be ({limits.max_file_mb:,.0f} MB)")
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path.name[:60]}: {exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UserError(f"{path.name} is not a text file in UTF-8 or Windows-1252; save it as CSV (UTF-8)")
    longest = max((len(line) for line in io.StringIO(text)), default=0)
    if longest > limits.max_line_kb * 1000:
        raise UserError(f"{path.name} has a line of {longest / 1000:,.0f} KB; is it really a CSV sheet?")
    try:
        header_cells = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    except csv.Error:
        header_cells = []  # the reader below names the problem
    if len(header_cells) > limits.max_columns:
        raise UserError(f"{path.name} has {len(header_cells):,} columns, more than the {limits.max_columns:,} a "
                        "sheet may have")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [column_key(h) for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise UserError(f"{path.name} is not a readable CSV sheet ({exc})") from None
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
