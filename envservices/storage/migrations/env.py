"""Alembic environment: always handed an open connection by envservices.storage.migrate.upgrade.

No alembic.ini is needed: the Config is built in code, so an installed app can migrate its own database.
"""

from __future__ import annotations

from alembic import context

from envservices.storage.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run envservices migrations through envservices.storage.migrate.upgrade(url)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
