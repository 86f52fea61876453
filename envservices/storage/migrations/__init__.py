"""Alembic migrations of the envservices database, run from envservices.storage.migrate."""
