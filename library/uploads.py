"""Where uploads wait while the request is read: Django's temporary files, aware of a full disk."""

from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler

from audiobooker.disk import is_disk_full


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

    def give_up(self, error: OSError):
        if not is_disk_full(error):
            raise error
        self.request.upload_disk_full = True
        raise StopUpload(connection_reset=False) from error


def disk_was_full(request) -> bool:
    """Whether the request's files were dropped because the disk was full."""
    return getattr(request, "upload_disk_full", False)
