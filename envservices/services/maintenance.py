"""Keeping the data safe: backup, restore, integrity check, and the installed application's self-test."""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
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
    try:
        if out.is_dir():
            raise UserError(f"{out} is a folder; name the backup file, e.g. {out / 'envservices-backup.sqlite'}")
        if not out.parent.is_dir():
            raise UserError(f"cannot write the backup to {out}: the folder {out.parent} does not exist")
        with closing(sqlite3.connect(src)) as source, closing(sqlite3.connect(tmp)) as target:
            source.backup(target)
        tmp.replace(out)
    except (sqlite3.Error, OSError) as exc:
        if tmp.parent.is_dir() and os.access(tmp.parent, os.W_OK):
            tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write the backup to {out}: {getattr(exc, 'strerror', None) or exc}") from None


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
    tmp = dest.with_name(dest.name + ".part")
    try:
        if dest.exists():
            shutil.copy2(dest, dest.with_name(dest.name + ".before-restore"))
        with closing(sqlite3.connect(backup_file)) as source, closing(sqlite3.connect(tmp)) as target:
            source.backup(target)
        for suffix in ("-wal", "-shm"):
            Path(str(dest) + suffix).unlink(missing_ok=True)
        tmp.replace(dest)
    except (sqlite3.Error, OSError) as exc:
        raise UserError(f"cannot restore into {dest}: {getattr(exc, 'strerror', None) or exc}; "
                        "the database was not changed") from None


RESTORE_ADVICE = ("PROBLEMS FOUND: the database is damaged; restore the last good backup with "
                  "`envservices restore BACKUP` (the damaged file is kept beside it as .before-restore)")


def check(db) -> dict:
    """Integrity of the file and of the data: every asset in a known place, every crew at a known depot.

    Damage (a failed integrity check, rows that cannot be read back) is listed as problems with the way out,
    rather than failing the check itself with a driver error.
    """
    messages: list[str] = []
    damage = db.damage()
    if damage:
        messages.append(f"{db.dialect} integrity: damaged")
        messages.extend(f"problem: {d}" for d in damage)
        messages.append(RESTORE_ADVICE)
        return {"ok": False, "messages": messages}
    messages.append(f"{db.dialect} integrity: ok")
    ok = True
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
