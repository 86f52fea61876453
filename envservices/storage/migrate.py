"""Bring a database to the schema this version of envservices expects, safely.

Alembic runs from code (no alembic.ini on disk), so an installed app migrates its own database at start. A
SQLite file that is about to change is first copied beside itself, so a failed or unwanted upgrade can be
undone by hand.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import make_url

from envservices.errors import UserError
from envservices.storage.engine import is_memory, make_engine
from envservices.storage.models import metadata

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
NEWEST = "0008"
"""The newest migration's revision, so that opening a database already at it needs neither Alembic nor a
scan of the migration scripts: together 0.3-0.4 s of every desktop start (`python -m
envservices.ui.start_bench`); `tests/test_storage.py` keeps it equal to the scripts' head."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config built in code; env.py uses the connection passed here."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision among the migration scripts (what NEWEST must say)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database envservices has not set up yet.

    Read with plain SQL (Alembic keeps one row in alembic_version; the history has no branches)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise UserError(f"The database records {len(rows)} schema revisions ({', '.join(rows)}); envservices "
                        "keeps one, so it was changed by hand.")
    return rows[0] if rows else None


def _check_upgradable(engine: Engine, current: str | None) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise UserError(
            f"The database is at schema revision {current}, which this version of envservices does not know; "
            "it was probably made by a newer version."
        )
    if current is None:
        with engine.connect() as connection:
            ours = set(inspect(connection).get_table_names()) & set(metadata.tables)
        if ours:
            raise UserError(
                f"The database already has tables ({', '.join(sorted(ours))}) but no envservices schema "
                "record, so it was not made by envservices; use an empty database."
            )


def backup_sqlite(engine: Engine, revision: str) -> Path | None:
    """Copy a SQLite file to <name>.backup-<revision>-<timestamp>.sqlite beside it; None for in-memory.

    Uses SQLite's backup API rather than a file copy, because in WAL mode recent commits may still sit in
    the -wal file. The copy is written to a .part file and renamed when complete, so a process killed
    mid-backup never leaves a half-written file that looks like a backup.
    """
    url = engine.url.render_as_string(hide_password=False)
    if is_memory(url):
        return None
    source = Path(make_url(url).database or "")
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    target = source.with_name(f"{source.stem}.backup-{revision}-{stamp}.sqlite")
    counter = 1
    while target.exists():
        counter += 1
        target = source.with_name(f"{source.stem}.backup-{revision}-{stamp}-{counter}.sqlite")
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
        src.backup(dst)
    partial.replace(target)
    return target


def upgrade(target: str | Engine, revision: str = "head") -> Path | None:
    """Migrate to `revision` (default: the newest); returns the backup file made, if any.

    A fresh database is created by the migrations themselves; a SQLite database older than the target
    is backed up first.
    """
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        current = current_revision(engine)
        if revision == "head" and current == NEWEST:
            return None
        from alembic import command

        _check_upgradable(engine, current)
        wanted = head_revision() if revision == "head" else revision
        if current == wanted:
            return None
        backup = None
        if current is not None and engine.dialect.name == "sqlite":
            backup = backup_sqlite(engine, current)
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
        return backup
    finally:
        if isinstance(target, str):
            engine.dispose()
