"""Reading the sheets councils keep (surveys, rotas, crews, depots), CSV or Excel, the same way everywhere."""

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
    """The sheet's rows keyed by column_key; Excel workbooks (first sheet), Excel's UTF-8 marker and
    Windows-1252 all work, and quoted line breaks stay inside their cell. Files past the limits are refused."""
    path = Path(path)
    limits = DEFAULT_FILE_LIMITS
    try:
        if not path.is_file():
            raise UserError(f"file not found: {path}")
        size = path.stat().st_size
        if size > limits.max_file_mb * 1e6:
            raise UserError(f"{path.name} is {size / 1e6:,.0f} MB, more than a sheet of crews, depots, rota or "
                            f"survey readings can be ({limits.max_file_mb:,.0f} MB)")
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return _finish(path, _xlsx_rows(path, limits.max_columns), required, allow_empty)
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
        names = list(reader.fieldnames or [])
        rows = [{k: (v or "") for k, v in row.items() if isinstance(k, str)} for row in reader]
    except csv.Error as exc:
        raise UserError(f"{path.name} is not a readable CSV sheet ({exc})") from None
    return _finish(path, (names, rows), required, allow_empty)


def _xlsx_rows(path: Path, max_columns: int) -> tuple[list[str], list[dict[str, str]]]:
    """The first worksheet of an Excel workbook as header and rows of text (dates as 2026-05-04)."""
    import datetime as dt

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        if (sheet.max_column or 0) > max_columns:
            raise UserError(f"{path.name} has {sheet.max_column:,} columns, more than the {max_columns:,} a sheet "
                            "may have")
        values = list(sheet.iter_rows(values_only=True))
        book.close()
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise UserError(f"{path.name} is not a readable Excel workbook ({exc.__class__.__name__})") from None
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
