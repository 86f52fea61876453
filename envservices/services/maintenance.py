"""Keeping the data safe: backup, restore, integrity check, and the installed application's self-test."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from envservices.errors import UserError


def _sqlite_file(url: str | None) -> Path:
    from envservices.storage import resolve_url

    resolved = resolve_url(url)
    if not resolved.startswith("sqlite"):
        raise UserError("backup and restore here are for SQLite files; on PostgreSQL use pg_dump and pg_restore")
    path = Path(resolved.split("///", 1)[1])
    return path


def backup(url: str | None, out: Path) -> None:
    """A consistent copy even while others write (SQLite's online backup), never a half-written file."""
    src = _sqlite_file(url)
    if not src.exists():
        raise UserError(f"there is no database at {src}")
    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    with sqlite3.connect(src) as source, sqlite3.connect(tmp) as target:
        source.backup(target)
    tmp.replace(out)


def restore(url: str | None, backup_file: Path) -> None:
    """Replace the database with a backup, after checking the backup is sound; the old file is kept aside."""
    dest = _sqlite_file(url)
    backup_file = Path(backup_file)
    if not backup_file.exists():
        raise UserError(f"there is no backup at {backup_file}")
    try:
        with sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True) as conn:
            ok = conn.execute("pragma integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{backup_file.name} is not an envservices database ({exc})") from None
    if ok != "ok" or "areas" not in tables:
        raise UserError(f"{backup_file.name} is not a sound envservices database")
    if dest.exists():
        shutil.copy2(dest, dest.with_name(dest.name + ".before-restore"))
    tmp = dest.with_name(dest.name + ".part")
    with sqlite3.connect(backup_file) as source, sqlite3.connect(tmp) as target:
        source.backup(target)
    for suffix in ("-wal", "-shm"):
        Path(str(dest) + suffix).unlink(missing_ok=True)
    tmp.replace(dest)


def check(db) -> dict:
    """Integrity of the file and of the data: every asset in a known place, every crew at a known depot."""
    messages: list[str] = []
    ok = True
    result = db.integrity_check()
    messages.append(f"{db.dialect} integrity: {result}")
    ok &= result == "ok"
    messages.append(f"schema revision: {db.revision()}")
    with db.unit_of_work() as uow:
        places = {p.id for p in uow.places.list()}
        depots = {s.id for s in uow.sites.list()}
        orphans = [a.id for a in uow.assets.list() if a.place_id and a.place_id not in places]
        crews = [c.name for c in uow.crews.list() if c.depot_id not in depots]
        invalid = [p.name for p in uow.places.list() if not p.geometry.is_valid]
    for label, items in (("assets in unknown places", orphans), ("crews at unknown depots", crews),
                         ("places with invalid geometry", invalid)):
        messages.append(f"{label}: {len(items)}" + (f" ({', '.join(items[:5])})" if items else ""))
        ok &= not items
    messages.append("OK" if ok else "PROBLEMS FOUND")
    return {"ok": bool(ok), "messages": messages}
