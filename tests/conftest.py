"""Shared fixtures: the real shared data folder, a fresh PostGIS database, and Qt offscreen before Qt loads."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED = Path(__file__).resolve().parents[2] / "shared"
PG_ADMIN_URL = os.environ.get("ENVSERVICES_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's shared data (real GIS files, benchmarks); tests that need it skip where it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED}")
    return SHARED


def _postgis_unavailable_reason() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=3, autocommit=True) as conn:
            row = conn.execute(
                "select count(*) from pg_available_extensions where name = 'postgis'"
            ).fetchone()
            if not row or row[0] == 0:
                return "the PostgreSQL server has no PostGIS extension available"
    except Exception as exc:  # noqa: BLE001 - any connection failure means: no server here
        return f"no PostgreSQL server at {dsn}: {exc.__class__.__name__}"
    return None


@pytest.fixture()
def pg_url() -> str:
    """A fresh, empty PostgreSQL database with PostGIS; dropped afterwards.

    Skips without a server, except in CI (ENVSERVICES_REQUIRE_POSTGIS=1) where a missing server is a failure.
    """
    reason = _postgis_unavailable_reason()
    if reason:
        if os.environ.get("ENVSERVICES_REQUIRE_POSTGIS") == "1":
            pytest.fail(f"PostGIS tests are required here but cannot run: {reason}")
        pytest.skip(reason)
    import psycopg

    name = f"envservices_test_{uuid.uuid4().hex[:10]}"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,)
            )
            conn.execute(f'drop database if exists "{name}"')
