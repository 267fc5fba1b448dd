"""Uploading a scanned PDF: accepted where OCR is installed (the worker will recognise its
pages), refused at once with the reason where it is not, instead of failing in the queue."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conversions.pdftext import REASONS
from library.models import Audiobook
from tests.corpus import corpus_pdf, manual
from tests.needs import require_ocr
from tests.scans import image_only_copy

pytestmark = pytest.mark.django_db


def scan_upload(tmp_path) -> SimpleUploadedFile:
    scan = image_only_copy(manual("maint-guide.en.pdf"), tmp_path / "scan.pdf", range(6, 8))
    return SimpleUploadedFile("scanned manual.pdf", scan.read_bytes(), "application/pdf")


def test_a_scan_is_refused_at_upload_where_ocr_is_not_installed(owner, monkeypatch, tmp_path):
    monkeypatch.setattr("library.forms.ocr_available", lambda: False)
    for upload in (scan_upload(tmp_path), corpus_pdf("base64image.pdf")):
        if not isinstance(upload, SimpleUploadedFile):
            upload = SimpleUploadedFile(upload.name, upload.read_bytes(), "application/pdf")
        response = owner.post("/library/upload/", {"pdf": upload})
        assert response.status_code == 422
        errors = re.search(
            r'<ul class="errorlist" id="id_pdf_error">(.*?)</ul>', response.content.decode(), re.S
        )
        assert errors and REASONS["no_text"] in errors.group(1)
    assert not Audiobook.objects.exists()
    # A PDF with a text layer goes through as ever.
    text = SimpleUploadedFile("ok.pdf", corpus_pdf("minimal-document.pdf").read_bytes())
    assert owner.post("/library/upload/", {"pdf": text}).status_code == 302


def test_a_scan_is_accepted_where_ocr_is_installed(owner, tmp_path):
    require_ocr()
    response = owner.post("/library/upload/", {"pdf": scan_upload(tmp_path)})
    book = Audiobook.objects.get()
    assert response.status_code == 302 and response.url == f"/library/{book.pk}/"
    assert book.details.page_count == 2 and book.jobs.get().status == "queued"
