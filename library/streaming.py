"""Sending a stored file over HTTP: a single Range at a time (206, 416) streamed in chunks,
or the whole transfer handed to nginx (X-Accel-Redirect).

The views decide who may have a file; this module only sends it. Nothing here reads a whole
file into memory: the bytes go out a chunk at a time, and on S3 only the range asked for is
fetched.
"""

import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse

STREAM_CHUNK = 64 * 1024
# One range of bytes; several ("bytes=0-1,5-9") do not match, and get the whole file.
RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# Positions past any file, without turning thousands of digits into an int (Python refuses
# more than 4,300 digits: a 500 for "bytes=" followed by 5,000 of them).
_MAX_DIGITS = 18
_PAST_ANY_FILE = 10**_MAX_DIGITS


class RangeNotSatisfiable(Exception):
    """The range starts past the end of the file: answered with 416."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The (first, last) byte positions, inclusive, of a single-range `Range` header.

    None means "send the whole file": no header, a malformed one, or several ranges (which
    the HTTP spec lets a server ignore). Raises RangeNotSatisfiable for a range past the end.
    """
    match = RANGE.fullmatch(header.strip()) if header else None
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # "bytes=-500": the last 500 bytes
        length = _position(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable()
        return max(0, size - length), size - 1
    start = _position(first)
    if last and _position(last) < start:
        return None  # invalid: ignored, as the spec says
    if start >= size:
        raise RangeNotSatisfiable()
    end = _position(last) if last else size - 1
    return start, min(end, size - 1)


def _position(digits: str) -> int:
    """A byte position as written; any number too long to be a real one is past every file."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else _PAST_ANY_FILE


def stream(name: str, start: int, length: int):
    """The bytes [start, start + length) of a stored file, a chunk at a time; the file is
    opened only when the response is sent (and never read whole into memory)."""
    bucket = getattr(default_storage, "bucket", None)
    if bucket is not None:
        # S3: ask the server for just these bytes. (Its file object would first download
        # the whole MP3, for every seek of the player.)
        if length:
            key = default_storage._normalize_name(name)  # the storage's own key for `name`
            body = bucket.Object(key).get(Range=f"bytes={start}-{start + length - 1}")["Body"]
            yield from body.iter_chunks(STREAM_CHUNK)
        return
    with default_storage.open(name, "rb") as file:
        file.seek(start)
        remaining = length
        while remaining > 0:
            chunk = file.read(min(STREAM_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def ranged_response(name: str, size: int, range_header: str, content_type: str = "audio/mpeg"):
    """The stored file `name` of `size` bytes: 200 with all of it, 206 with the range that
    `range_header` asks for, or 416 (with the size) for a range past its end."""
    try:
        byte_range = parse_range(range_header, size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    if byte_range is None:
        start, end, status = 0, size - 1, 200
    else:
        (start, end), status = byte_range, 206
    length = end - start + 1 if size else 0
    response = StreamingHttpResponse(
        stream(name, start, length), status=status, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def handed_to_proxy(name: str, content_type: str = "audio/mpeg") -> HttpResponse:
    """Let nginx send the file (X-Accel-Redirect to its internal location for MEDIA_ROOT): it
    answers Range requests itself, and no web process is held while a listener downloads."""
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = settings.AUDIO_ACCEL_REDIRECT + quote(name)
    return response


def stored_size(name: str) -> int:
    """The size of a stored file the database names; 404 when it is gone from storage."""
    try:
        return default_storage.size(name)
    except OSError:
        raise Http404("The audio file is missing.") from None


def send_audio(request, name: str, size: int | None = None) -> HttpResponse:
    """A stored MP3 as every audio URL sends it (the book's, a ready segment, a feed enclosure):
    handed to nginx when AUDIO_ACCEL_REDIRECT is set, else with HTTP Range; `size` when the
    caller knows it, else read from storage."""
    if settings.AUDIO_ACCEL_REDIRECT:
        return handed_to_proxy(name)
    if size is None:
        size = stored_size(name)
    return ranged_response(name, size, request.headers.get("Range", ""))


def stored_file(name: str, content_type: str, cache_control: str) -> FileResponse:
    """A file the conversion stored beside the MP3 (transcript, cover), or 404 when it is not
    there."""
    try:
        file = default_storage.open(name, "rb")
    except OSError:
        raise Http404("That file is missing.") from None
    response = FileResponse(file, content_type=content_type)
    response["Cache-Control"] = cache_control
    return response
