"""Open the envservices database: resolve where it is, reach it, bring its schema up to date.

Failures a user can cause or fix (server down, PostGIS missing, a database from a newer version) become a
UserError with one sentence saying what is wrong, instead of a driver traceback.

A Database acts for one user. On PostgreSQL that is the database login (`current_user`), so people sign in
with the server's own accounts; on SQLite it is a local name chosen at start (argument, $ENVSERVICES_USER,
else the operating-system login). The first user of a database with no users becomes its administrator, so
a single-user install keeps working with no set-up.
"""

from __future__ import annotations

import getpass
import os
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.orm import sessionmaker

from envservices.errors import UserError
from envservices.storage import migrate
from envservices.storage.accounts import Role, User
from envservices.storage.engine import make_engine, resolve_url
from envservices.storage.models import areas_table
from envservices.storage.unit_of_work import UnitOfWork

POSTGIS_AVAILABLE_SQL = "select 1 from pg_available_extensions where name = 'postgis'"
USER_ENV_VAR = "ENVSERVICES_USER"
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected
T = TypeVar("T")


class Database:
    """An open database acting for one user: hands out units of work; dispose() when the app closes."""

    def __init__(self, engine: Engine, user: str | None = None) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.user = user or local_user_name()

    def as_user(self, name: str) -> Database:
        """The same database (same engine and pool) acting for another user; dispose only one of them.

        On PostgreSQL only an administrator's login may act for someone else (an import on their behalf, a
        test); everyone else is who the server says they are.
        """
        if self.dialect == "postgresql" and name != self.user:
            me = self.current_user()
            if me is None or me.role is not Role.ADMINISTRATOR or not me.active:
                raise UserError(
                    f"On PostgreSQL you act as your database login ({self.user}); only an administrator "
                    f"may act for {name}."
                )
        other = Database.__new__(Database)
        other.engine, other._sessions, other.user = self.engine, self._sessions, name
        return other

    def current_user(self) -> User | None:
        """The users row of the acting user; None when they are not (or not yet) a user of this database."""
        with self.unit_of_work() as uow:
            return uow.users.get_by_name(self.user)

    @property
    def url(self) -> str:
        """The URL with any password hidden, fit for logs and the title bar."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, self.user)

    def is_empty(self) -> bool:
        """True until an area is stored: the app offers the demo district or an import then."""
        with self._sessions() as session:
            return session.execute(select(areas_table.c.id).limit(1)).first() is None

    def integrity_check(self) -> str:
        """'ok' when the file (SQLite) or the server's catalogue (PostgreSQL) answers sanely."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                return str(conn.exec_driver_sql("pragma integrity_check").scalar())
            conn.exec_driver_sql("select postgis_version()").scalar()
            return "ok"

    def revision(self) -> str | None:
        return migrate.current_revision(self.engine)

    def damage(self) -> list[str]:
        """What cannot be read back, one sentence each: a failed integrity check, or a table with rows that
        do not decode (a flipped bit in a text column made `check` itself fail before)."""
        from envservices.storage.models import metadata

        problems: list[str] = []
        try:
            result = self.integrity_check()
            if result != "ok":
                problems.append(f"the integrity check failed ({result.splitlines()[0]})")
        except DBAPIError as exc:
            problems.append(f"the integrity check could not run ({_first_line(exc)})")
        for table in metadata.sorted_tables:
            try:
                with self.engine.connect() as connection:
                    rows = connection.execution_options(stream_results=True, yield_per=2_000).execute(select(table))
                    for _ in rows:
                        pass
            except Exception as exc:  # noqa: BLE001 - any row that cannot be read back is damage to report
                problems.append(f"table {table.name} has rows that cannot be read ({_first_line(exc)[:200]})")
        return problems

    def dispose(self) -> None:
        self.engine.dispose()


def local_user_name() -> str:
    """$ENVSERVICES_USER, else the operating-system login: who a SQLite user is when none was chosen."""
    chosen = os.environ.get(USER_ENV_VAR, "").strip()
    if chosen:
        return chosen
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def is_retryable(exc: BaseException) -> bool:
    """True for a PostgreSQL deadlock or serialization failure, or SQLite's 'database is locked': the
    transaction was rolled back whole and running it again is safe."""
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(orig).lower()


def run_with_retry(work: Callable[[], T], *, attempts: int = 5, on_retry: Callable[[], None] | None = None) -> T:
    """Run a whole transaction, again (with a short growing pause) while it fails only for a retryable
    reason; on_retry is told each time so a caller can count them."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            if on_retry is not None:
                on_retry()
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


def _login(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("select current_user")).scalar_one())


def _ensure_first_user(database: Database) -> None:
    """Make the acting user the administrator of a database that has no users yet (a new install)."""
    from envservices.domain import new_id

    with database.unit_of_work() as uow:
        if uow.users.count():
            return
        uow.users.add(User(id=new_id("user"), name=database.user, role=Role.ADMINISTRATOR))
        try:
            uow.commit()
        except UserError:
            uow.rollback()  # somebody else became the first user at the same moment


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
    except DBAPIError as exc:  # e.g. "file is not a database": damaged, or not a database at all
        raise UserError(f"Cannot open {_where(engine)}: {_first_line(exc)}; if it is a damaged envservices "
                        "database, restore a backup with `envservices restore BACKUP`.") from exc


def open_database(url: str | None = None, *, upgrade: bool = True, user: str | None = None) -> Database:
    """Open (and by default create or upgrade) the database at url, $ENVSERVICES_DB, or the per-user file.

    With upgrade=False a database that is not at the newest schema is refused rather than changed. `user`
    names the local user on SQLite; on PostgreSQL the login is the user (see Database.as_user).
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
            current, head = migrate.current_revision(engine), migrate.NEWEST
            if current != head:
                raise UserError(
                    f"{_where(engine).capitalize()} is at schema revision {current or 'none'}, not {head}; "
                    "open it with upgrade enabled first."
                )
        postgres = engine.dialect.name == "postgresql"
        database = Database(engine, _login(engine) if postgres else (user or local_user_name()))
        _ensure_first_user(database)
        if user is not None and user != database.user:
            database = database.as_user(user)
    except BaseException:
        engine.dispose()
        raise
    return database
