"""Storage: the only package that knows SQLAlchemy. SQLite by default, PostgreSQL/PostGIS when shared.

Everything crossing out of here is a domain object; everything coming in goes through a UnitOfWork.
"""

from envservices.storage.database import Database, open_database
from envservices.storage.engine import default_url, resolve_url
from envservices.storage.unit_of_work import UnitOfWork

__all__ = ["Database", "UnitOfWork", "default_url", "open_database", "resolve_url"]
