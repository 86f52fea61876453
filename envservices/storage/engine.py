"""Where the database is and how to connect: a SQLite file by default, PostgreSQL/PostGIS when shared.

SQLite gets WAL (the GUI can read while a worker writes), foreign keys (off by default in SQLite) and a busy
timeout, and SQLAlchemy emits BEGIN itself so DDL in migrations is transactional and rolls back too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from envservices.errors import UserError

ENV_VAR = "ENVSERVICES_DB"
BUSY_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_S = 5


def default_url() -> str:
    """The per-user SQLite file, creating its folder so a first start just works."""
    folder = Path(platformdirs.user_data_dir("envservices"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'envservices.sqlite'}"


def _normalise(url: str) -> str:
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


EXAMPLE = "a SQLite file (a path) or postgresql://user@host/database"


def resolve_url(url: str | None) -> str:
    """The URL to use: the argument, else $ENVSERVICES_DB, else the per-user file; a bare path is SQLite.

    Refused with a sentence: an empty --db (it used to mean the default file silently), a database other
    than SQLite or PostgreSQL (mysql:// failed with ModuleNotFoundError), and a PostgreSQL URL without a
    server and a database (postgresql:// used to reach a database named after the login through the local
    socket and create the schema there).
    """
    if url is not None and not url.strip():
        raise UserError(f"--db is empty: name {EXAMPLE}, or leave --db out for your own database file")
    chosen = url or os.environ.get(ENV_VAR) or default_url()
    if "://" not in chosen:
        return f"sqlite:///{Path(chosen).expanduser().resolve()}"
    chosen = _normalise(chosen.strip())
    try:
        parsed = make_url(chosen)
        backend = parsed.get_backend_name()
    except (ArgumentError, ValueError) as exc:
        raise UserError(f"'{_shown(chosen)}' is not a database address envservices understands: give {EXAMPLE}") from exc
    if backend not in ("sqlite", "postgresql"):
        raise UserError(f"envservices keeps its data in SQLite or PostgreSQL, not {backend} "
                        f"('{_shown(chosen)}'): give {EXAMPLE}")
    if backend == "postgresql" and (not (parsed.host or parsed.query.get("host")) or not parsed.database):
        raise UserError(f"the PostgreSQL address '{_shown(chosen)}' must name the server and the database, "
                        "like postgresql://user@host/database")
    return chosen


def _shown(url: str) -> str:
    """The URL with any password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url.split("@")[-1] if "@" in url else url


def is_memory(url: str) -> bool:
    database = make_url(url).database
    return not database or database == ":memory:"


def refuse_memory(url: str | None, command: str) -> None:
    """An in-memory database vanishes when the command ends: refuse it for a command that stores."""
    resolved = resolve_url(url)
    if resolved.startswith("sqlite") and is_memory(resolved):
        raise UserError(f"'{resolved}' is a database in memory, so nothing '{command}' stores would be kept; "
                        "name a database file")


def make_engine(url: str) -> Engine:
    """An engine set up for its dialect (see module docstring); psycopg 3 for PostgreSQL."""
    url = _normalise(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        import geoalchemy2  # noqa: F401  its DDL hooks for PostGIS columns (storage/geometry.py imports it lazily)

        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    return create_engine(url)


def _sqlite_engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}}
    if is_memory(url):
        kwargs["poolclass"] = StaticPool  # one shared in-memory database, not one per connection
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the "begin" hook below starts transactions instead
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not is_memory(url):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine
