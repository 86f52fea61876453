"""Storage: the only package that knows SQLAlchemy. SQLite by default, PostgreSQL/PostGIS when shared.

Everything crossing out of here is a domain object; everything coming in goes through a UnitOfWork.
"""

from envservices.storage.accounts import AuditEntry, Role, User
from envservices.storage.database import (
    Database,
    is_retryable,
    local_user_name,
    open_database,
    run_with_retry,
)
from envservices.storage.engine import default_url, resolve_url
from envservices.storage.unit_of_work import UnitOfWork

__all__ = [
    "AuditEntry",
    "Database",
    "Role",
    "UnitOfWork",
    "User",
    "default_url",
    "is_retryable",
    "local_user_name",
    "open_database",
    "resolve_url",
    "run_with_retry",
]
