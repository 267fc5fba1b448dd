"""A full disk is an error of the server, not of the user's file: every layer that writes
(upload, speech children, the worker) asks this, and reports it in the same words."""

import errno

# SQLite's SQLITE_FULL, and PostgreSQL's disk_full (SQLSTATE 53100): the database's own disk.
SQLITE_FULL = "database or disk is full"
POSTGRES_DISK_FULL = "53100"


def is_disk_full(error: BaseException) -> bool:
    """No space left or the quota used up, for a file or for the database."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    cause = error.__cause__ or error  # Django's database errors wrap the driver's
    return SQLITE_FULL in str(cause) or getattr(cause, "pgcode", None) == POSTGRES_DISK_FULL
