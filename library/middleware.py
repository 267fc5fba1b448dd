"""Refuse a request too long to be any valid upload before its body is read.

Django reads a multipart body the first time anything asks for request.POST (the CSRF check,
before any view), and writes its files to FILE_UPLOAD_TEMP_DIR as they arrive. A request whose
honest Content-Length is past `uploads.largest_upload_body` is answered 413 here, without a
byte of its body read; a dishonest one cannot be longer than it says (the server reads no
further), and a file past MAX_UPLOAD_MB inside an acceptable length is cut short by
`uploads.UploadSizeLimitHandler`. A reverse proxy should refuse such bodies even earlier
(docs/deploy.md: nginx's client_max_body_size).
"""

import logging

from . import uploads, views

log = logging.getLogger(__name__)


def content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # as Django reads it: no body


class UploadSizeMiddleware:
    """After the session, user and messages are known (the upload page shows the refusal),
    and before any view or the CSRF check reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = content_length(request)
        if length > uploads.largest_upload_body():
            log.warning("request refused unread: a body of %d bytes to %s", length, request.path)
            return views.upload_too_long(request, length)
        return self.get_response(request)
