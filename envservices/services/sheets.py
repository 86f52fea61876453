"""Reading the sheets councils keep (surveys, rotas, crews, depots), CSV or Excel, the same way everywhere."""

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
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _finish(path, _xlsx_rows(path), required, allow_empty)
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
    try:
        rows = [{k: (v or "") for k, v in row.items() if isinstance(k, str)} for row in reader]
    except csv.Error as exc:
        raise UserError(f"{path.name} is not a readable CSV sheet ({exc})") from None
    return _finish(path, (list(reader.fieldnames or []), rows), required, allow_empty)


def _xlsx_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The first worksheet of an Excel workbook as header and rows of text (dates as 2026-05-04)."""
    import datetime as dt

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise UserError(f"{path.name} is not a readable Excel workbook ({exc.__class__.__name__})") from None
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    book.close()
    if not values:
        return [], []

    def text(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%d %H:%M") if (v.hour, v.minute) != (0, 0) else v.date().isoformat()
        if isinstance(v, dt.time):
            return v.strftime("%H:%M")
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    header = [text(h) for h in values[0]]
    rows = [{h: text(v) for h, v in zip(header, row, strict=False) if h}
            for row in values[1:] if any(v is not None and str(v).strip() for v in row)]
    return header, rows


def _finish(path: Path, sheet: tuple[list[str], list[dict[str, str]]], required: tuple[str, ...],
            allow_empty: bool) -> list[dict[str, str]]:
    names, raw_rows = sheet
    header = [column_key(h) for h in names]
    missing = [c for c in required if c not in header]
    if missing:
        raise UserError(f"{path.name} lacks the column(s) {', '.join(missing)} "
                        f"(found: {', '.join(header) or 'none'})")
    rows = [{column_key(k): (v or "").strip() for k, v in row.items()} for row in raw_rows]
    if not rows and not allow_empty:
        raise UserError(f"{path.name} has a header but no rows")
    return rows
