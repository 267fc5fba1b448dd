"""A full disk is an error of the server, not of the user's file: every layer that writes
(upload, speech children, the worker) asks this, and reports it in the same words."""

import errno


def is_disk_full(error: BaseException) -> bool:
    """No space left, or the quota used up."""
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
