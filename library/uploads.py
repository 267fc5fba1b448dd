"""How uploads come in while the request is read: no file past MAX_UPLOAD_MB is kept, the
temporary files are aware of a full disk, and each file's content is hashed as it streams.

FILE_UPLOAD_HANDLERS runs `UploadSizeLimitHandler` first, then `HashingMemoryFileUploadHandler`
(Django's in-memory handler), then `DiskAwareTemporaryFileUploadHandler`. Whichever keeps a
file gives it a `content_hash` (SHA-256 of its bytes, hex), which finds a second upload of the
same file (library/services.py: reuse) without reading the file again. A request too long to be
any valid upload is refused before its body is read (library.middleware, with
`largest_upload_body`).
"""

import contextlib
import hashlib
import io
import logging
from typing import NoReturn

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    StopUpload,
    TemporaryFileUploadHandler,
)

from audiobooker.disk import is_disk_full

log = logging.getLogger(__name__)

# The multipart framing around the files of an upload: each file part's own headers (the
# boundary, Content-Disposition with a file name of up to 255 characters, Content-Type), and
# the form's other fields (the CSRF token, a title of up to 500 characters, a password) with
# the closing boundary. Generous: a browser sends a few hundred bytes of each.
PART_OVERHEAD = 4 * 1024
FORM_OVERHEAD = 64 * 1024


def max_file_bytes() -> int:
    """MAX_UPLOAD_MB in bytes: the largest file an upload may bring."""
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def largest_upload_body() -> int:
    """The longest request body a valid upload can have: as many files as one person may have
    waiting (MAX_QUEUED_PER_USER; an upload of more is refused anyway), each at the limit,
    with the multipart framing. A Content-Length past it is refused unread."""
    files = settings.MAX_QUEUED_PER_USER
    if settings.DATA_UPLOAD_MAX_NUMBER_FILES is not None:
        files = min(files, settings.DATA_UPLOAD_MAX_NUMBER_FILES)
    return max(files, 1) * (max_file_bytes() + PART_OVERHEAD) + FORM_OVERHEAD


class TooLargeUpload(UploadedFile):
    """A file refused for its size while it came in: its name and true size, none of its
    bytes. The upload form refuses it with its usual message."""

    def __init__(self, name, content_type, size):
        super().__init__(io.BytesIO(), name, content_type, size)


class UploadSizeLimitHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: no file is kept past MAX_UPLOAD_MB.

    Each file's bytes go on to the next handlers (memory, or a temporary file) until the file
    would pass the limit; then what they kept of it is dropped at once, and the rest of it is
    read only to count its size (the request must be read to its end for the browser to see
    the answer; the middleware already bounds how long that is). The form gets a
    `TooLargeUpload`, and the view answers 413 (`had_too_large`).
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.over_limit = False

    def receive_data_chunk(self, raw_data, start):
        if self.over_limit:
            return None
        if start + len(raw_data) <= max_file_bytes():
            return raw_data
        self.over_limit = True
        self.drop_what_was_kept()
        return None

    def file_complete(self, file_size):
        if not self.over_limit:
            return None  # the next handlers give the file
        log.warning("upload refused: a file of %d bytes, past MAX_UPLOAD_MB", file_size)
        self.request.upload_too_large = True
        return TooLargeUpload(self.file_name, self.content_type, file_size)

    def drop_what_was_kept(self):
        """Close (and so delete) the file the next handlers were filling with this upload."""
        for handler in self.request.upload_handlers:
            file = getattr(handler, "file", None) if handler is not self else None
            if file is not None:
                with contextlib.suppress(OSError):
                    file.close()


def had_too_large(request) -> bool:
    """Whether a file of the request was refused for its size as it came in."""
    return getattr(request, "upload_too_large", False)


class ContentHashMixin:
    """For the handlers that keep files: hash the bytes this handler keeps as they arrive, and
    give the file it completes a `content_hash` (SHA-256, hex). Bytes it passes on to the next
    handler are that handler's to hash."""

    def new_file(self, *args, **kwargs):
        self.hasher = hashlib.sha256()  # first: the memory handler's new_file stops the chain
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        passed_on = super().receive_data_chunk(raw_data, start)
        if passed_on is None:
            self.hasher.update(raw_data)
        return passed_on

    def file_complete(self, file_size):
        file = super().file_complete(file_size)
        if file is not None:
            file.content_hash = self.hasher.hexdigest()
        return file


class HashingMemoryFileUploadHandler(ContentHashMixin, MemoryFileUploadHandler):
    """Django's handler for small uploads (kept in memory), hashing them."""


class DiskAwareTemporaryFileUploadHandler(ContentHashMixin, TemporaryFileUploadHandler):
    """Django's handler for uploads too big for memory (they go to FILE_UPLOAD_TEMP_DIR),
    hashing them.

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
