"""The upload page in Chromium: errors about the files chosen before go when new ones are
chosen, and the title field says how it applies to several files."""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

import pytest  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from tests.corpus import corpus_pdf  # noqa: E402
from tests.factories import make_user  # noqa: E402
from tests.test_browser import log_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_errors_clear_when_new_files_are_chosen(page, live_server, tmp_path):
    page.set_default_timeout(30_000)
    user = make_user("uploader@example.com")
    not_pdf = tmp_path / "notes.pdf"
    not_pdf.write_bytes(b"Just text, not a PDF.\n" * 20)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/upload/")
    expect(page.get_by_text("Is the PDF locked with a password?")).to_be_visible()
    page.get_by_label("PDF files").set_input_files([not_pdf])
    page.get_by_role("button", name="Upload").click()
    errors = page.locator(".dropfield .errorlist")
    expect(errors).to_contain_text("This file is not a PDF.")
    expect(page.get_by_text("Choose the files again")).to_be_visible()

    page.get_by_label("PDF files").set_input_files(
        [corpus_pdf("minimal-document.pdf"), corpus_pdf("pdflatex-4-pages.pdf")]
    )
    expect(errors).to_have_count(0)
    expect(page.get_by_text("Choose the files again")).to_have_count(0)
    expect(page.get_by_text("a title typed here goes before each PDF's own title")).to_be_visible()
    expect(page.get_by_label("Title")).to_be_enabled()


def test_the_waiting_message_goes_when_nothing_waits_and_changes_are_announced(page, live_server):
    from library.models import Audiobook

    page.set_default_timeout(30_000)
    user = make_user("batch@example.com")
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/upload/")
    page.get_by_label("PDF files").set_input_files(
        [corpus_pdf("minimal-document.pdf"), corpus_pdf("pdflatex-4-pages.pdf")]
    )
    page.get_by_role("button", name="Upload").click()
    message = page.get_by_text("2 PDFs are uploaded and waiting to be converted.")
    expect(message).to_be_visible()
    first, second = Audiobook.objects.order_by("created_at")
    Audiobook.objects.filter(pk=first.pk).update(status="processing")
    expect(page.locator("#announcer")).to_have_text(f"{first.title}: Converting")
    expect(message).to_be_visible()  # one still waits
    Audiobook.objects.filter(pk=second.pk).update(status="processing")
    expect(message).to_have_count(0)
