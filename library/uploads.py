"""Where uploads wait while the request is read: Django's temporary files, aware of a full disk."""

import contextlib
import logging
from typing import NoReturn

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler

from audiobooker.disk import is_disk_full

log = logging.getLogger(__name__)


class DiskAwareTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler for uploads too big for memory (they go to FILE_UPLOAD_TEMP_DIR).

    With the disk full, Django's own raises from whatever first reads request.POST (the CSRF
    check), a 500 that says nothing. This one drops the temporary file, reads the rest of the
    request, and marks it, so that the upload view says what happened.
    """

    def new_file(self, *args, **kwargs):
        try:
            super().new_file(*args, **kwargs)
        except OSError as error:
            self.give_up(error)

    def receive_data_chunk(self, raw_data, start):
        try:
            return super().receive_data_chunk(raw_data, start)
        except OSError as error:
            self.give_up(error)

    def file_complete(self, file_size):
        try:
            return super().file_complete(file_size)  # flushes the file's last buffered bytes
        except OSError as error:
            self.give_up(error)

    def give_up(self, error: OSError) -> NoReturn:
        """Stop this upload if the disk is full (any other error goes on as it is)."""
        if not is_disk_full(error):
            raise error
        log.error("upload dropped: %s in %s", error, settings.FILE_UPLOAD_TEMP_DIR or "/tmp")
        self.request.upload_disk_full = True
        # Closed (and so deleted) now: Django closes it too, and a close that flushes bytes
        # still buffered would raise the same error again, from the CSRF check.
        file = getattr(self, "file", None)
        if file is not None:
            with contextlib.suppress(OSError):
                file.close()
        raise StopUpload(connection_reset=False) from error


def disk_was_full(request) -> bool:
    """Whether the request's files were dropped because the disk was full."""
    return getattr(request, "upload_disk_full", False)
