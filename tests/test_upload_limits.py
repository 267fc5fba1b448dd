"""Uploads over MAX_UPLOAD_MB are refused while they stream, and nothing of them is kept.

- A request whose Content-Length no valid upload could have is answered 413 before a byte of
  its body is read: checked on a live server by sending the headers alone.
- A file past the limit inside an acceptable request is cut off as it arrives: at most the
  limit is ever written to the temporary folder (measured by the real handler chain, with the
  temporary-file handler recording how far it wrote), and the answer is 413 with the form's
  message.
"""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # live_server with the sync ORM

import socket  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402

from conversions.models import ConversionJob  # noqa: E402
from library.models import Audiobook  # noqa: E402
from library.uploads import DiskAwareTemporaryFileUploadHandler  # noqa: E402
from tests.factories import make_user  # noqa: E402
from tests.tools import big_pdf  # noqa: E402

MB = 1024 * 1024
CHUNK = 64 * 1024  # Django's upload chunk
HANG = 120  # seconds: a hang detector for the socket, not a speed requirement
WRITTEN: list[int] = []  # bytes each temporary file reached, in the recording handler


class RecordingTemporaryFileHandler(DiskAwareTemporaryFileUploadHandler):
    """The real temporary-file handler, noting how many bytes it wrote to each file."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        WRITTEN.append(0)

    def receive_data_chunk(self, raw_data, start):
        result = super().receive_data_chunk(raw_data, start)
        WRITTEN[-1] = max(WRITTEN[-1], start + len(raw_data))
        return result


@pytest.fixture
def upload_temp(settings, tmp_path) -> Path:
    """FILE_UPLOAD_TEMP_DIR in a folder of the test's own, and the handler that records."""
    folder = tmp_path / "upload-temp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_HANDLERS = [
        f"{__name__}.RecordingTemporaryFileHandler"
        if name == "library.uploads.DiskAwareTemporaryFileUploadHandler"
        else name
        for name in settings.FILE_UPLOAD_HANDLERS
    ]
    WRITTEN.clear()
    return folder


def pdf_file(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), "application/pdf")


def exact_size_pdf(path: Path, size: int) -> Path:
    """A valid PDF of exactly `size` bytes."""
    extra = size
    for _ in range(5):  # the stream's length and the offsets are written in digits
        big_pdf(path, 0, extra=extra)
        if path.stat().st_size == size:
            return path
        extra += size - path.stat().st_size
    raise AssertionError(f"no PDF of exactly {size} bytes")


def nothing_kept(settings, temp: Path) -> bool:
    media = Path(settings.MEDIA_ROOT)
    stored = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    return (
        not Audiobook.objects.exists()
        and not ConversionJob.objects.exists()
        and stored == []
        and list(temp.iterdir()) == []
    )


def http_response(sock) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 response with a Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        assert more, f"the connection closed before an answer: {data!r}"
        data += more
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    while len(body) < int(headers["Content-Length"]):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), body


@pytest.mark.django_db(transaction=True)
def test_a_body_longer_than_any_upload_is_refused_before_it_is_read(
    live_server, settings, upload_temp
):
    settings.MAX_UPLOAD_MB = 1  # with MAX_QUEUED_PER_USER 10: no valid upload passes ~10 MB
    client = Client()
    client.force_login(make_user())
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port), timeout=HANG) as sock:
        # The headers of a 30 MB upload, and none of its body: the answer must not wait for it.
        sock.sendall(
            (
                "POST /library/upload/ HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\n"
                f"Cookie: {settings.SESSION_COOKIE_NAME}={session}\r\n"
                "Content-Type: multipart/form-data; boundary=----audiobooker\r\n"
                f"Content-Length: {30 * MB}\r\n"
                "\r\n"
            ).encode()
        )
        status, body = http_response(sock)
    assert status == 413
    page = body.decode()
    assert "This upload is too large (30.0\xa0MB); the limit is 1 MB for each PDF." in page
    assert 'name="pdf"' in page  # the upload form, to try again
    assert WRITTEN == []
    assert nothing_kept(settings, upload_temp)


@pytest.mark.django_db
def test_a_long_body_to_any_other_page_is_refused_too(client, settings, upload_temp):
    settings.MAX_UPLOAD_MB = 1
    response = client.post(
        "/accounts/login/", data=b"x" * (12 * MB), content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_a_file_past_the_limit_is_cut_off_as_it_streams(owner, settings, tmp_path, upload_temp):
    settings.MAX_UPLOAD_MB = 1
    settings.MAX_QUEUED_PER_USER = 40  # so that a 30 MB body is an acceptable length
    pdf = big_pdf(tmp_path / "thirty.pdf", 30)

    response = owner.post("/library/upload/", {"pdf": pdf_file(pdf)})

    assert response.status_code == 413
    size = f"{pdf.stat().st_size / MB:.1f}\xa0MB"
    assert f"This file is too large ({size}); the limit is 1 MB." in response.content.decode()
    assert len(WRITTEN) == 1 and WRITTEN[0] <= 1 * MB  # never more than the limit on disk
    assert nothing_kept(settings, upload_temp)


@pytest.mark.django_db
def test_one_file_too_large_among_several_keeps_the_others_and_names_it(
    owner, settings, tmp_path, upload_temp
):
    settings.MAX_UPLOAD_MB = 1
    small = exact_size_pdf(tmp_path / "small.pdf", 200_000)
    large = big_pdf(tmp_path / "large.pdf", 3)
    response = owner.post(
        "/library/upload/", {"pdf": [pdf_file(small), pdf_file(large)]}, follow=True
    )
    assert (
        "“large.pdf” was not uploaded: This file is too large (3.0\xa0MB); the limit is 1 MB."
        in (response.content.decode())
    )
    assert all(written <= 1 * MB for written in WRITTEN)
    assert [book.original_file_name for book in Audiobook.objects.all()] == ["small.pdf"]


@pytest.mark.django_db
def test_every_file_too_large_refuses_the_upload(owner, settings, tmp_path, upload_temp):
    settings.MAX_UPLOAD_MB = 1
    large = big_pdf(tmp_path / "large.pdf", 3)
    larger = big_pdf(tmp_path / "larger.pdf", 4)
    response = owner.post("/library/upload/", {"pdf": [pdf_file(large), pdf_file(larger)]})
    assert response.status_code == 413
    assert "large.pdf: This file is too large (3.0\xa0MB); the limit is 1 MB." in (
        response.content.decode()
    )
    assert all(written <= 1 * MB for written in WRITTEN)
    assert nothing_kept(settings, upload_temp)


@pytest.mark.django_db
def test_a_file_of_exactly_the_limit_is_taken(owner, settings, tmp_path, upload_temp):
    """The request is longer than the file (the multipart framing, the CSRF token, the
    title): the limit on its length leaves room for that."""
    settings.MAX_UPLOAD_MB = 1
    settings.MAX_QUEUED_PER_USER = 1  # the tightest length limit: one file
    pdf = exact_size_pdf(tmp_path / "exactly one megabyte.pdf", 1 * MB)
    response = owner.post("/library/upload/", {"pdf": pdf_file(pdf), "title": "t" * 500})
    assert response.status_code == 302
    book = Audiobook.objects.get()
    assert book.file_size == 1 * MB
    assert book.title == "t" * 500
