"""Plain domain model: no database, files or Qt."""

from envservices.domain.model import *
from envservices.domain.model import __all__ as _model_all  # noqa: F401
