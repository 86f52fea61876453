"""Open the envservices database: resolve where it is, reach it, bring its schema up to date.

Failures a user can cause or fix (server down, PostGIS missing, a database from a newer version) become a
UserError with one sentence saying what is wrong, instead of a driver traceback.
"""

from __future__ import annotations

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.orm import sessionmaker

from envservices.errors import UserError
from envservices.storage import migrate
from envservices.storage.engine import make_engine, resolve_url
from envservices.storage.models import AreaRow
from envservices.storage.unit_of_work import UnitOfWork

POSTGIS_AVAILABLE_SQL = "select 1 from pg_available_extensions where name = 'postgis'"


class Database:
    """An open database: hands out units of work; dispose() when the app closes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The URL with any password hidden, fit for logs and the title bar."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._sessions)

    def is_empty(self) -> bool:
        """True until an area is stored: the app offers the demo district or an import then."""
        with self._sessions() as session:
            return session.execute(select(AreaRow.id).limit(1)).first() is None

    def integrity_check(self) -> str:
        """'ok' when the file (SQLite) or the server's catalogue (PostgreSQL) answers sanely."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                return str(conn.exec_driver_sql("pragma integrity_check").scalar())
            conn.exec_driver_sql("select postgis_version()").scalar()
            return "ok"

    def revision(self) -> str | None:
        return migrate.current_revision(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def _where(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"the database file {url.database or '(in memory)'}"
    return f"the database '{url.database}' on {url.host or 'localhost'}:{url.port or 5432}"


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


def _check_reachable(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                available = connection.execute(text(POSTGIS_AVAILABLE_SQL)).first()
                if available is None:
                    host = f"{engine.url.host or 'localhost'}:{engine.url.port or 5432}"
                    raise UserError(
                        f"PostGIS is not installed on the server at {host}; install the PostGIS package for "
                        "its PostgreSQL version (for example postgresql-15-postgis-3), or use a SQLite file."
                    )
    except OperationalError as exc:
        raise UserError(f"Cannot open {_where(engine)}: {_first_line(exc)}.") from exc


def open_database(url: str | None = None, *, upgrade: bool = True) -> Database:
    """Open (and by default create or upgrade) the database at url, $ENVSERVICES_DB, or the per-user file.

    With upgrade=False a database that is not at the newest schema is refused rather than changed.
    """
    engine = make_engine(resolve_url(url))
    try:
        _check_reachable(engine)
        if upgrade:
            try:
                migrate.upgrade(engine)
            except ProgrammingError as exc:
                if "postgis" in str(exc).lower() or "extension" in str(exc).lower():
                    raise UserError(
                        f"PostGIS is installed on the server but could not be enabled in {_where(engine)}; "
                        f"ask an administrator to run CREATE EXTENSION postgis there ({_first_line(exc)})."
                    ) from exc
                raise
            except DBAPIError as exc:
                raise UserError(f"Could not set up {_where(engine)}: {_first_line(exc)}.") from exc
        else:
            current, head = migrate.current_revision(engine), migrate.head_revision()
            if current != head:
                raise UserError(
                    f"{_where(engine).capitalize()} is at schema revision {current or 'none'}, not {head}; "
                    "open it with upgrade enabled first."
                )
    except BaseException:
        engine.dispose()
        raise
    return Database(engine)
