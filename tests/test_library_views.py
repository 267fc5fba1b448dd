"""Library pages with Django's client: upload (real PDFs from the corpus), list, detail, the
files (HTTP Range), status.json, rename, retry and delete; the owner, someone else (404) and
anonymous visitors (sent to log in) on every URL."""

import io
import re
from pathlib import Path

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conversions.models import ConversionJob
from library.models import Audiobook, AudiobookDetails
from tests.corpus import corpus_pdf
from tests.factories import make_book, make_job, make_user

pytestmark = pytest.mark.django_db

AUDIO = bytes(range(256)) * 40  # 10,240 bytes, each position recognisable
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nCall me Ishmael.\n"


def media_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def assert_nothing_kept(settings):
    assert not Audiobook.objects.exists()
    assert not ConversionJob.objects.exists()
    assert not AudiobookDetails.objects.exists()
    assert media_files(settings) == []


def pdf_upload(name, *, as_name=None) -> SimpleUploadedFile:
    path = corpus_pdf(name)
    return SimpleUploadedFile(as_name or path.name, path.read_bytes(), "application/pdf")


def completed_book(user, title="Moby Dick", audio=AUDIO, vtt=VTT, chapters=None) -> Audiobook:
    """A converted book, its files stored the way the worker stores them."""
    book = make_book(user=user, title=title)
    job = make_job(book, status=ConversionJob.Status.COMPLETED, progress=100)
    name = default_storage.save(f"audio/{job.pk}.mp3", ContentFile(audio))
    default_storage.save(f"audio/{job.pk}.vtt", ContentFile(vtt))
    book.audio_path = name
    book.status = Audiobook.Status.COMPLETED
    book.save()
    AudiobookDetails.objects.create(
        audiobook=book,
        page_count=12,
        duration=3725.0,
        audio_size=len(audio),
        chapters=chapters
        if chapters is not None
        else [{"title": "Loomings", "start": 0.0}, {"title": "The Carpet-Bag", "start": 1234.5}],
    )
    return book


def failed_book(user, message="This PDF has no text to read.") -> Audiobook:
    book = make_book(user=user, title="Scanned", status=Audiobook.Status.FAILED)
    make_job(book, status=ConversionJob.Status.FAILED, error_message=message)
    return book


# ---- upload -----------------------------------------------------------------------------------


def test_upload_form_offers_several_files_a_title_and_a_password(owner):
    page = owner.get("/library/upload/").content.decode()
    assert re.search(r'<input type="file" name="pdf"[^>]*multiple', page)
    assert 'accept=".pdf,application/pdf"' in page
    assert 'name="title"' in page and 'name="password"' in page
    assert 'enctype="multipart/form-data"' in page


def test_upload_one_pdf(owner, user, settings):
    upload = pdf_upload("minimal-document.pdf")
    response = owner.post("/library/upload/", {"pdf": upload})
    book = Audiobook.objects.get()
    assert response.status_code == 302 and response.url == f"/library/{book.pk}/"
    assert book.user == user
    assert book.title == "minimal-document"  # no title in the PDF: the file name
    assert book.original_file_name == "minimal-document.pdf"
    assert book.status == Audiobook.Status.PENDING
    assert book.details.page_count == 1
    assert book.jobs.get().status == ConversionJob.Status.QUEUED
    # Stored under the book's UUID, byte for byte.
    assert media_files(settings) == [f"pdfs/{book.pk}.pdf"]
    assert book.pdf_path.read() == corpus_pdf("minimal-document.pdf").read_bytes()
    assert book.file_size == corpus_pdf("minimal-document.pdf").stat().st_size
    page = owner.get(response.url).content.decode()
    assert "is uploaded and waiting to be converted" in page


def test_upload_through_a_temporary_file(owner, settings):
    # Files above FILE_UPLOAD_MAX_MEMORY_SIZE arrive as temporary files rather than in memory.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    response = owner.post(
        "/library/upload/", {"pdf": pdf_upload("pdflatex-outline.pdf"), "title": "  Outlined  "}
    )
    book = Audiobook.objects.get()
    assert response.url == f"/library/{book.pk}/"
    assert book.title == "Outlined"
    assert book.details.page_count == 4
    assert book.pdf_path.read() == corpus_pdf("pdflatex-outline.pdf").read_bytes()


def test_the_pdfs_own_title_is_the_default(owner, monkeypatch):
    from conversions.pdftext import PdfInfo

    monkeypatch.setattr(
        "library.forms.inspect_pdf",
        lambda path, password=None: PdfInfo(3, "The Real Title", "A. Writer", False),
    )
    owner.post("/library/upload/", {"pdf": pdf_upload("minimal-document.pdf")})
    book = Audiobook.objects.get()
    assert book.title == "The Real Title"
    assert book.details.author == "A. Writer"


def test_upload_several_pdfs_at_once(owner, settings):
    response = owner.post(
        "/library/upload/",
        {
            "pdf": [pdf_upload("minimal-document.pdf"), pdf_upload("pdflatex-4-pages.pdf")],
            "title": "Course",
        },
    )
    assert response.status_code == 302 and response.url == "/library/"
    books = {b.title: b for b in Audiobook.objects.all()}
    # A title typed with several files goes before each one's own.
    assert set(books) == {"Course – minimal-document", "Course – pdflatex-4-pages"}
    assert books["Course – pdflatex-4-pages"].details.page_count == 4
    assert ConversionJob.objects.count() == 2
    assert len(media_files(settings)) == 2
    assert "2 PDFs are uploaded" in owner.get("/library/").content.decode()


def test_the_uploaded_name_never_becomes_a_path(owner, settings):
    owner.post(
        "/library/upload/",
        {"pdf": pdf_upload("minimal-document.pdf", as_name="../../etc/evil name.PDF")},
    )
    book = Audiobook.objects.get()
    assert media_files(settings) == [f"pdfs/{book.pk}.pdf"]
    assert book.title == "evil name"


def test_a_password_protected_pdf_asks_for_its_password(owner, settings):
    response = owner.post(
        "/library/upload/", {"pdf": pdf_upload("libreoffice-writer-password.pdf")}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "protected by a password" in page
    assert re.search(r'<details class="password" open>', page)
    assert_nothing_kept(settings)


def test_a_wrong_password_is_refused(owner, settings):
    response = owner.post(
        "/library/upload/",
        {"pdf": pdf_upload("libreoffice-writer-password.pdf"), "password": "guess"},
    )
    assert response.status_code == 422
    assert "That password does not open this PDF." in response.content.decode()
    assert_nothing_kept(settings)


def test_with_the_right_password_a_decrypted_copy_is_stored(owner, settings):
    response = owner.post(
        "/library/upload/",
        {"pdf": pdf_upload("libreoffice-writer-password.pdf"), "password": "openpassword"},
    )
    book = Audiobook.objects.get()
    assert response.url == f"/library/{book.pk}/"
    assert book.original_file_name == "libreoffice-writer-password.pdf"
    assert book.details.page_count == 1
    stored = pypdf.PdfReader(io.BytesIO(book.pdf_path.read()))
    assert not stored.is_encrypted  # the worker needs no password
    assert len(stored.pages) == 1
    assert book.file_size == book.pdf_path.size
    assert media_files(settings) == [f"pdfs/{book.pk}.pdf"]


def non_pdf(name="notes.pdf"):
    return SimpleUploadedFile(name, b"Just some text, not a PDF at all.\n" * 10, "application/pdf")


def truncated():
    return pdf_upload("derived-truncated-pdflatex-4-pages.pdf")


@pytest.mark.parametrize(
    ("make_upload", "message"),
    [
        (lambda: non_pdf(), "This file is not a PDF."),
        (lambda: non_pdf("notes.txt"), "its name does not end in .pdf"),
        (lambda: SimpleUploadedFile("pdf.txt", corpus_pdf("minimal-document.pdf").read_bytes()), "its name does not end in .pdf"),
        (truncated, "This PDF is damaged and cannot be read."),
        (lambda: pdf_upload("unreadablemetadata.pdf"), "This PDF is damaged and cannot be read."),
        (lambda: SimpleUploadedFile("empty.pdf", b""), "This file is empty."),
        (lambda: SimpleUploadedFile("header-only.pdf", b"%PDF-1.7\n%%EOF\n"), "damaged"),
    ],
)  # fmt: skip
def test_invalid_uploads_are_422_with_the_reason_and_keep_nothing(
    owner, settings, make_upload, message
):
    response = owner.post("/library/upload/", {"pdf": make_upload()})
    assert response.status_code == 422
    page = response.content.decode()
    # The reason sits with the file field (its error list, linked to the input).
    errors = re.search(r'<ul class="errorlist" id="id_pdf_error">(.*?)</ul>', page, re.S)
    assert errors and message in errors.group(1)
    assert 'aria-invalid="true"' in page
    assert_nothing_kept(settings)


def test_a_file_over_the_size_limit_is_refused(owner, settings):
    settings.MAX_UPLOAD_MB = 0
    response = owner.post("/library/upload/", {"pdf": pdf_upload("minimal-document.pdf")})
    assert response.status_code == 413  # refused as it came in (tests/test_upload_limits.py)
    assert "This file is too large (16.6\xa0KB); the limit is 0 MB." in response.content.decode()
    assert_nothing_kept(settings)


def test_no_file_is_422(owner, settings):
    response = owner.post("/library/upload/", {"title": "Nothing"})
    assert response.status_code == 422
    assert "Choose at least one PDF file." in response.content.decode()
    assert_nothing_kept(settings)


def test_one_bad_file_among_several_keeps_the_good_ones_and_names_it(owner, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # the good one arrives as a temporary file
    response = owner.post(
        "/library/upload/",
        {"pdf": [pdf_upload("minimal-document.pdf"), non_pdf("bad.pdf")]},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "“bad.pdf” was not uploaded: This file is not a PDF." in page
    assert "“minimal-document” is uploaded and waiting to be converted." in page
    assert [b.title for b in Audiobook.objects.all()] == ["minimal-document"]
    assert len(media_files(settings)) == 1


def test_every_file_of_a_batch_refused_keeps_none_and_names_them(owner, settings):
    response = owner.post("/library/upload/", {"pdf": [non_pdf("a.pdf"), non_pdf("b.pdf")]})
    assert response.status_code == 422
    page = response.content.decode()
    assert "a.pdf: This file is not a PDF." in page and "b.pdf: This file is not a PDF." in page
    assert "Choose the files again" in page
    assert_nothing_kept(settings)


def test_no_file_chosen_does_not_ask_to_choose_them_again(owner):
    page = owner.post("/library/upload/", {"title": "x"}).content.decode()
    assert "Choose at least one PDF file." in page
    assert "Choose the files again" not in page


def test_a_storage_failure_half_way_keeps_nothing(
    owner, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from library import services

    real = services.create_audiobook
    calls = []

    def failing_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "create_audiobook", failing_second)
    owner.raise_request_exception = False
    with django_capture_on_commit_callbacks(execute=True):  # files go when the delete commits
        response = owner.post(
            "/library/upload/",
            {"pdf": [pdf_upload("minimal-document.pdf"), pdf_upload("pdflatex-4-pages.pdf")]},
        )
    assert response.status_code == 500
    assert_nothing_kept(settings)


# ---- list -------------------------------------------------------------------------------------


def test_empty_library_points_to_upload(owner):
    page = owner.get("/library/").content.decode()
    assert "Your library is empty" in page
    assert 'href="/library/upload/"' in page


def test_the_list_shows_my_books_newest_first_with_their_state(owner, user):
    done = completed_book(user, title="Done book")
    running = make_book(user=user, title="Running book", status=Audiobook.Status.PROCESSING)
    make_job(running, status=ConversionJob.Status.FAILED, progress=90)  # an older attempt
    make_job(running, status=ConversionJob.Status.RUNNING, progress=37)
    AudiobookDetails.objects.create(audiobook=running, page_count=7)
    waiting = make_book(user=user, title="Waiting book")
    make_job(waiting)
    failed = failed_book(user)
    make_book(user=make_user(), title="Someone else's book")

    page = owner.get("/library/").content.decode()
    titles = re.findall(r'class="book-title" href="/library/[^"]+/">([^<]+)<', page)
    assert titles == ["Scanned", "Waiting book", "Running book", "Done book"]
    assert "Someone else" not in page

    def row(book):
        return re.search(rf'<li class="book"[^>]*>\s*<img class="cover"[^>]*>\s*<div class="book-main">\s*<a class="book-title" href="/library/{book.pk}/">.*?</li>', page, re.S).group(0)  # fmt: skip

    assert ">Converting<" in row(running)
    assert re.search(r'<progress max="100" value="37"', row(running))
    assert "7 pages" in row(running)
    assert f'data-status-url="/library/{running.pk}/status.json"' in page
    assert ">Waiting<" in row(waiting) and "<progress" in row(waiting)
    assert ">Ready<" in row(done) and "1:02:05" in row(done) and "10.0\xa0KB" in row(done)
    assert 'data-field="progress-wrap" hidden' in row(done)  # no bar once it is done
    assert 'data-field="progress-wrap" hidden' not in row(running)
    assert "data-status-url" not in row(done) and "data-status-url" not in row(failed)
    assert ">Failed<" in row(failed) and "This PDF has no text to read." in row(failed)
    assert "js/progress.js" in page


def test_search_and_filter(owner, user):
    completed_book(user, title="Moby Dick")
    make_book(user=user, title="Dick Tracy")
    make_book(user=user, title="Emma")
    page = owner.get("/library/", {"q": "dick"}).content.decode()
    assert "Moby Dick" in page and "Dick Tracy" in page and "Emma" not in page
    page = owner.get("/library/", {"q": "dick", "status": "completed"}).content.decode()
    assert "Moby Dick" in page and "Dick Tracy" not in page
    page = owner.get("/library/", {"status": "failed"}).content.decode()
    assert "No audiobooks match" in page
    page = owner.get("/library/", {"status": "bogus"}).content.decode()  # ignored, not an error
    assert "Moby Dick" in page and "Emma" in page
    page = owner.get("/library/", {"status": "bogus", "q": "emma"}).content.decode()
    assert "Moby Dick" not in page and "Emma" in page


def test_twenty_a_page_and_the_pages_keep_the_search(owner, user):
    for n in range(45):
        make_book(user=user, title=f"Book {n:02}")
    first = owner.get("/library/", {"q": "book"}).content.decode()
    assert first.count('class="book-title"') == 20
    assert "Book 44" in first and "Book 24" not in first
    assert "Page 1 of 3" in first
    assert 'href="?q=book&amp;page=2"' in first
    third = owner.get("/library/", {"q": "book", "page": 3}).content.decode()
    assert third.count('class="book-title"') == 5 and "Book 00" in third
    assert owner.get("/library/", {"page": "999"}).status_code == 200  # the last page


def test_the_list_takes_the_same_number_of_queries_for_1_or_100_books(owner, user):
    def fill(count):
        for _ in range(count):
            book = completed_book(user) if _ % 2 else make_book(user=user)
            make_job(book, progress=10)

    fill(1)
    with CaptureQueriesContext(connection) as one:
        assert owner.get("/library/").status_code == 200
    fill(99)
    with CaptureQueriesContext(connection) as hundred:
        page = owner.get("/library/").content.decode()
    assert page.count('class="book-title"') == 20
    assert len(hundred) == len(one), [q["sql"] for q in hundred.captured_queries]


# ---- detail -----------------------------------------------------------------------------------


def test_detail_of_a_waiting_book(owner, user):
    book = make_book(user=user, title="Pending")
    make_job(book)
    page = owner.get(f"/library/{book.pk}/").content.decode()
    assert "<h1" in page and "Pending" in page
    assert "Pending.pdf" in page  # the original file name
    assert ">Waiting<" in page
    assert f'data-status-url="/library/{book.pk}/status.json"' in page
    assert "<audio" not in page
    assert f'action="/library/{book.pk}/rename/"' in page
    assert f'href="/library/{book.pk}/delete/"' in page


def test_detail_of_a_failed_book_says_why_and_offers_a_retry(owner, user):
    book = failed_book(user, message="This PDF is damaged and cannot be read.")
    page = owner.get(f"/library/{book.pk}/").content.decode()
    assert "The conversion failed." in page
    assert "This PDF is damaged and cannot be read." in page
    assert f'action="/library/{book.pk}/retry/"' in page
    assert "data-status-url" not in page


def test_detail_of_a_completed_book_has_the_player(owner, user):
    book = completed_book(user)
    page = owner.get(f"/library/{book.pk}/").content.decode()
    assert (
        f'<audio id="audio" controls preload="metadata" src="/library/{book.pk}/audio.mp3">' in page
    )
    assert f'<track kind="captions" src="/library/{book.pk}/transcript.vtt"' in page
    assert re.search(r'data-start="0\.0"[^>]*>\s*<span class="chapter-title">Loomings', page)
    assert re.search(
        r'data-start="1234\.5"[^>]*>\s*<span class="chapter-title">The Carpet-Bag', page
    )
    assert "20:34" in page  # the chapter's start
    speeds = re.findall(r'<option value="([\d.]+)"[^>]*>[\d.]+×', page)
    assert speeds == ["0.5", "0.75", "1", "1.25", "1.5", "1.75", "2", "2.5", "3"]
    # Without JavaScript a chapter is a link to the audio at its time.
    assert f'href="/library/{book.pk}/audio.mp3#t=1234.5"' in page
    assert f'href="/library/{book.pk}/audio.mp3?download=1"' in page
    assert "js/player.js" in page
    assert "1:02:05" in page and "12" in page


def test_detail_of_a_book_the_original_app_made_without_details(owner, user):
    book = make_book(user=user, title="Legacy", status=Audiobook.Status.COMPLETED)
    page = owner.get(f"/library/{book.pk}/")
    assert page.status_code == 200
    assert "—" in page.content.decode()  # pages unknown
    assert "Pages unknown" in owner.get("/library/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/library/",
        "/library/upload/",
        "/library/voices/",
        "/accounts/",
        "/accounts/password_change/",
        "DETAIL",
        "DELETE",
    ],  # fmt: skip
)
def test_pages_have_no_inline_scripts_or_styles(owner, user, url):
    # The Content Security Policy (SECURE_CSP in settings) forbids them.
    book = completed_book(user)
    url = {"DETAIL": f"/library/{book.pk}/", "DELETE": f"/library/{book.pk}/delete/"}.get(url, url)
    page = owner.get(url, follow=True).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"\son[a-z]+=", page)  # onclick= and friends


def test_anonymous_pages_have_no_inline_scripts_or_styles(client):
    for url in ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"]:
        page = client.get(url).content.decode()
        assert "<script>" not in page and " style=" not in page


# ---- status.json ------------------------------------------------------------------------------


def test_status_json_while_converting(owner, user):
    book = make_book(user=user, status=Audiobook.Status.PROCESSING)
    make_job(book, status=ConversionJob.Status.RUNNING, progress=42)
    response = owner.get(f"/library/{book.pk}/status.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert data["status"] == "processing" and data["status_display"] == "Converting"
    assert data["progress"] == 42 and data["error"] == "" and data["active"] is True
    assert data["duration"] is None


def test_status_json_when_done_and_failed(owner, user):
    data = owner.get(f"/library/{completed_book(user).pk}/status.json").json()
    assert data["status"] == "completed" and data["progress"] == 100
    assert data["duration"] == 3725.0 and data["duration_display"] == "1:02:05"
    assert data["size_display"] == "10.0\xa0KB"
    data = owner.get(f"/library/{failed_book(user, 'Out of luck.').pk}/status.json").json()
    assert data["status"] == "failed" and data["error"] == "Out of luck."


# ---- audio and transcript ---------------------------------------------------------------------


def test_audio_plain_get(owner, user):
    book = completed_book(user)
    response = owner.get(f"/library/{book.pk}/audio.mp3")
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Content-Length"] == str(len(AUDIO))
    assert response["Accept-Ranges"] == "bytes"
    assert "Content-Disposition" not in response
    assert b"".join(response.streaming_content) == AUDIO


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),  # the first bytes
        ("bytes=5000-5099", 5000, 5099),  # the middle
        ("bytes=-500", len(AUDIO) - 500, len(AUDIO) - 1),  # the last 500
        ("bytes=100-", 100, len(AUDIO) - 1),  # open-ended
        ("bytes=10000-99999", 10000, len(AUDIO) - 1),  # runs past the end: clipped
        ("bytes=-99999", 0, len(AUDIO) - 1),  # a suffix longer than the file
        ("bytes=10239-10239", 10239, 10239),  # the very last byte
    ],
)
def test_audio_range_requests(owner, user, header, first, last):
    book = completed_book(user)
    response = owner.get(f"/library/{book.pk}/audio.mp3", HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(AUDIO)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/mpeg"
    assert b"".join(response.streaming_content) == AUDIO[first : last + 1]


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=20000-30000", "bytes=-0"])
def test_audio_range_beyond_the_end_is_416(owner, user, header):
    book = completed_book(user)
    response = owner.get(f"/library/{book.pk}/audio.mp3", HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(AUDIO)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=50-10", "bytes=-"])
def test_audio_ranges_it_does_not_serve_give_the_whole_file(owner, user, header):
    book = completed_book(user)
    response = owner.get(f"/library/{book.pk}/audio.mp3", HTTP_RANGE=header)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == AUDIO


def test_audio_streams_in_chunks_without_reading_the_whole_file(owner, user, monkeypatch):
    book = completed_book(user)
    reads = []
    real_open = default_storage.open

    class Spy:
        def __init__(self, file):
            self.file = file

        def read(self, size=-1):
            reads.append(size)
            return self.file.read(size)

        def __getattr__(self, name):
            return getattr(self.file, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    def spying_open(name, mode="rb"):
        return Spy(real_open(name, mode))

    monkeypatch.setattr(default_storage, "open", spying_open)
    monkeypatch.setattr("library.streaming.STREAM_CHUNK", 1000)
    response = owner.get(f"/library/{book.pk}/audio.mp3", HTTP_RANGE="bytes=100-4099")
    assert b"".join(response.streaming_content) == AUDIO[100:4100]
    assert reads and all(0 < size <= 1000 for size in reads)


def test_audio_download_names_the_file_after_the_title(owner, user):
    book = completed_book(user, title='Moby Dick: or, "The Whale"')
    response = owner.get(f"/library/{book.pk}/audio.mp3?download=1")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Moby Dick or, The Whale.mp3"'
    book = completed_book(user, title="Tschüß/Ärger")
    response = owner.get(f"/library/{book.pk}/audio.mp3?download=1")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Tsch%C3%BC%C3%9F%20%C3%84rger.mp3"
    )


def test_no_audio_yet_is_404(owner, user):
    book = make_book(user=user)
    make_job(book)
    assert owner.get(f"/library/{book.pk}/audio.mp3").status_code == 404
    assert owner.get(f"/library/{book.pk}/transcript.vtt").status_code == 404


def test_audio_missing_from_storage_is_404(owner, user):
    book = completed_book(user)
    default_storage.delete(book.audio_path.name)
    assert owner.get(f"/library/{book.pk}/audio.mp3").status_code == 404


def test_transcript(owner, user):
    book = completed_book(user)
    response = owner.get(f"/library/{book.pk}/transcript.vtt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert b"".join(response.streaming_content).decode() == VTT


# ---- rename, retry, delete --------------------------------------------------------------------


def test_rename(owner, user):
    book = completed_book(user)
    response = owner.post(f"/library/{book.pk}/rename/", {"title": "  Call me Ishmael "})
    assert response.status_code == 302 and response.url == f"/library/{book.pk}/"
    book.refresh_from_db()
    assert book.title == "Call me Ishmael"
    assert book.status == Audiobook.Status.COMPLETED  # nothing else touched


def test_rename_in_place_answers_json(owner, user):
    book = completed_book(user)
    response = owner.post(
        f"/library/{book.pk}/rename/", {"title": "New"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200 and response.json() == {"title": "New"}
    response = owner.post(
        f"/library/{book.pk}/rename/", {"title": " "}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["title"][0]["code"] == "required"
    book.refresh_from_db()
    assert book.title == "New"


def test_rename_to_nothing_is_422_next_to_the_field(owner, user):
    book = completed_book(user)
    response = owner.post(f"/library/{book.pk}/rename/", {"title": ""})
    assert response.status_code == 422
    page = response.content.decode()
    assert '<details class="rename" open>' in page
    assert 'id="id_title_error"' in page
    book.refresh_from_db()
    assert book.title == "Moby Dick"


def test_retry_a_failed_conversion(owner, user):
    book = failed_book(user)
    response = owner.post(f"/library/{book.pk}/retry/")
    assert response.status_code == 302 and response.url == f"/library/{book.pk}/"
    book.refresh_from_db()
    assert book.status == Audiobook.Status.PENDING
    newest = book.jobs.order_by("-created_at").first()
    assert newest.status == ConversionJob.Status.QUEUED
    assert book.jobs.count() == 2
    # A second click queues nothing more.
    owner.post(f"/library/{book.pk}/retry/")
    assert book.jobs.count() == 2


def test_a_finished_book_converted_again_stays_playable_meanwhile(owner, user):
    book = completed_book(user)
    owner.post(f"/library/{book.pk}/retry/", {"voice": "espeak:en-gb"})
    assert book.jobs.count() == 2
    book.refresh_from_db()
    assert book.status == Audiobook.Status.PENDING
    assert book.details.voice_choice == "espeak:en-gb"
    assert owner.get(f"/library/{book.pk}/audio.mp3").status_code == 200


def test_delete_asks_first_then_removes_rows_and_files(
    owner, user, settings, django_capture_on_commit_callbacks
):
    book = completed_book(user)
    keep = completed_book(user, title="Keep me")
    assert len(media_files(settings)) == 6
    page = owner.get(f"/library/{book.pk}/delete/")
    assert page.status_code == 200
    assert "Delete “Moby Dick”?" in page.content.decode()
    assert Audiobook.objects.filter(pk=book.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):  # files go when the delete commits
        response = owner.post(f"/library/{book.pk}/delete/")
    assert response.status_code == 302 and response.url == "/library/"
    assert not Audiobook.objects.filter(pk=book.pk).exists()
    assert not ConversionJob.objects.filter(audiobook_id=book.pk).exists()
    assert not AudiobookDetails.objects.filter(audiobook_id=book.pk).exists()
    assert sorted(media_files(settings)) == sorted(
        [keep.pdf_path.name, keep.audio_path.name, keep.transcript_name]
    )
    assert "“Moby Dick” is deleted." in owner.get("/library/").content.decode()


# ---- who may do what, on every URL ------------------------------------------------------------

BOOK_URLS = [
    ("get", "/library/{pk}/"),
    ("get", "/library/{pk}/audio.mp3"),
    ("get", "/library/{pk}/transcript.vtt"),
    ("get", "/library/{pk}/status.json"),
    ("get", "/library/{pk}/delete/"),
    ("post", "/library/{pk}/delete/"),
    ("post", "/library/{pk}/rename/"),
    ("post", "/library/{pk}/retry/"),
]


@pytest.mark.parametrize(("method", "url"), BOOK_URLS)
def test_someone_elses_book_is_404_everywhere(stranger, user, settings, method, url):
    book = failed_book(user)
    book.audio_path = completed_book(user).audio_path  # so that the files exist too
    book.save()
    files = media_files(settings)
    response = getattr(stranger, method)(url.format(pk=book.pk), {"title": "Mine now"} if method == "post" else {})  # fmt: skip
    assert response.status_code == 404
    book.refresh_from_db()
    assert book.title == "Scanned" and book.status == Audiobook.Status.FAILED
    assert book.jobs.count() == 1
    assert media_files(settings) == files


@pytest.mark.parametrize(("method", "url"), [*BOOK_URLS, ("get", "/library/"), ("get", "/library/upload/"), ("post", "/library/upload/")])  # fmt: skip
def test_anonymous_visitors_are_sent_to_log_in(client, user, method, url):
    book = failed_book(user)
    url = url.format(pk=book.pk)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert Audiobook.objects.filter(pk=book.pk).exists()
    assert book.jobs.count() == 1


def test_an_unknown_book_is_404(owner):
    assert owner.get("/library/00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.parametrize("url", ["/library/{pk}/rename/", "/library/{pk}/retry/"])
def test_state_changes_are_post_only(owner, user, url):
    book = failed_book(user)
    assert owner.get(url.format(pk=book.pk)).status_code == 405


@pytest.mark.parametrize("url", ["/library/{pk}/rename/", "/library/{pk}/retry/", "/library/{pk}/delete/"])  # fmt: skip
def test_state_changes_need_the_csrf_token(user, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    book = failed_book(user)
    assert client.post(url.format(pk=book.pk), {"title": "x"}).status_code == 403
    book.refresh_from_db()
    assert book.title == "Scanned" and book.jobs.count() == 1


def test_upload_needs_the_csrf_token(user, settings):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/library/upload/", {"pdf": pdf_upload("minimal-document.pdf")})
    assert response.status_code == 403
    assert_nothing_kept(settings)


def test_a_failure_without_a_recorded_reason_still_reads_well(owner, user):
    book = failed_book(user, message=None)
    page = owner.get(f"/library/{book.pk}/").content.decode()
    assert "The conversion failed.</strong> No reason was recorded; try again." in page
    assert owner.get(f"/library/{book.pk}/status.json").json()["error"] == ""


def test_titles_from_file_names_and_forms_lose_control_and_bidi_characters():
    from library.forms import RenameForm, title_from_name

    assert title_from_name("Invoice\u202egpj.exe.pdf") == "Invoicegpj.exe"
    assert title_from_name("a\x00b.pdf") == "ab"
    form = RenameForm({"title": "Moby\x00 Dick\u202e"})
    assert form.is_valid() and form.cleaned_data["title"] == "Moby Dick"
    assert not RenameForm({"title": "\u202e\x00"}).is_valid()  # nothing left: required
