"""Errors a user can cause: each carries one clear sentence saying what is wrong, shown without a traceback."""


class UserError(Exception):
    """Bad input or an impossible request; the message names what is wrong and nothing was changed."""


class ImportRefused(UserError):
    """A GIS or CSV file that cannot be imported as it is."""


class ConflictError(UserError):
    """Somebody else changed the record since it was read."""


class PermissionDenied(UserError):
    """The signed-in user's role does not allow this change."""


class AlreadyStored(UserError):
    """A record with the same id (or an area with the same name, a plan for the same week) is stored."""


class DatabaseBusy(UserError):
    """Another envservices kept the database busy past the wait; nothing was changed, trying again is safe."""


BUSY_MESSAGE = "another envservices is writing to this database; try again"
