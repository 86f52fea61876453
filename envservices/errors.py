"""Errors a user can cause: each carries one clear sentence saying what is wrong, shown without a traceback."""


class UserError(Exception):
    """Bad input or an impossible request; the message names what is wrong and nothing was changed."""


class ImportRefused(UserError):
    """A GIS or CSV file that cannot be imported as it is."""


class ConflictError(UserError):
    """Somebody else changed the record since it was read."""


class PermissionDenied(UserError):
    """The signed-in user's role does not allow this change."""
