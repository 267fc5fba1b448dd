"""Scanned PDFs and chapters from headings, in a real browser (Chromium through Playwright).

- A scanned manual (an image-only copy of twelve pages of maint-guide.en made here) is
  uploaded through the page and converted by a real worker: the progress bar moves while its
  pages are recognised, and the transcript is the text of its pages.
- The player of a PDF without an outline (fhs-3.0.pdf): its chapters are named as its printed
  contents names them. UPDATE_SCREENSHOTS=1 writes the pictures to docs/screenshots/.
"""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

import re  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from library.models import Audiobook, AudiobookDetails  # noqa: E402
from tests import score_text  # noqa: E402
from tests.corpus import manual  # noqa: E402
from tests.factories import make_user  # noqa: E402
from tests.needs import require_ocr  # noqa: E402
from tests.scans import image_only_copy  # noqa: E402
from tests.test_browser import (  # noqa: E402
    DESKTOP,
    HANG,
    PHONE,
    SCREENSHOTS,
    converted_book,
    log_in,
    no_sideways_scroll,
)
from tests.workers import REAL_PIPELINE  # noqa: E402

PAGES = range(6, 18)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_scanned_manual_uploaded_in_the_browser_converts_with_progress(
    page, live_server, workers, tmp_path
):
    require_ocr()
    page.set_default_timeout(30_000)
    page.set_viewport_size(DESKTOP)
    # Twelve pages: recognising them takes several of the page's 2-second polls, so the bar
    # is seen between 0 and 100 more than once (with three, CI saw 0, then 79 when all were
    # done).
    scan = image_only_copy(manual("maint-guide.en.pdf"), tmp_path / "scanned-guide.pdf", PAGES)
    user = make_user("scanner@example.com")
    log_in(page, live_server, user.email)

    page.goto(f"{live_server.url}/library/upload/")
    page.get_by_label("PDF files").set_input_files(scan)
    page.get_by_label("Voice", exact=True).select_option("espeak:en-us")  # English, quickly
    page.get_by_role("button", name="Upload").click()
    book = Audiobook.objects.get()
    expect(page).to_have_url(f"{live_server.url}/library/{book.pk}/")

    out = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    workers.start(CONVERSION_PIPELINE=REAL_PIPELINE)
    seen = []
    deadline = time.monotonic() + HANG / 1000
    while time.monotonic() < deadline and not page.locator("[data-player] audio").count():
        try:
            value = page.evaluate(
                "document.querySelector('[data-field=progress]')?.getAttribute('value')"
            )
        except Exception:  # the page reloads itself when the conversion is done
            value = None
        if value is not None and (not seen or seen[-1] != int(value)):
            seen.append(int(value))
            if len([v for v in seen if v > 0]) == 1:  # the pages are being recognised
                page.screenshot(path=out / "converting-scan-desktop.png")
        time.sleep(0.05)
    print(f"progress seen while a scan converted: {seen}")
    assert seen == sorted(seen), f"progress went backwards: {seen}"
    assert len([v for v in seen if 0 < v < 100]) >= 2, f"the bar never moved: {seen}"
    expect(page.locator("[data-field=status]")).to_have_text("Ready")
    expect(page.locator(".cue").first).to_be_visible(timeout=HANG)

    # The transcript is the text of the scanned pages.
    transcript = " ".join(page.locator(".cue").all_inner_texts())
    pages = " ".join(manual_page_text(index) for index in PAGES)
    assert score_text.score(transcript, pages)["recall"] >= 0.85
    assert "Getting started The Right Way" in transcript
    book.refresh_from_db()
    assert book.status == Audiobook.Status.COMPLETED
    assert AudiobookDetails.objects.get(audiobook=book).reading_note == ""


def manual_page_text(index: int) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(manual("maint-guide.en.pdf")))
    try:
        return pdf[index].get_textpage().get_text_bounded()
    finally:
        pdf.close()


def test_the_player_shows_chapters_found_on_the_pages(page, live_server, tmp_path):
    out = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    user = make_user("reader@example.com")
    book = converted_book(user, manual("fhs-3.0.pdf"), "Filesystem Hierarchy Standard", tmp_path)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/{book.pk}/")
    expect(page.locator(".cue").first).to_be_visible()
    chapters = page.locator(".chapter")
    titles = [re.sub(r"\s+", " ", t).strip() for t in chapters.all_inner_texts()]
    expected = [
        "1. Introduction", "2. The Filesystem", "3. The Root Filesystem",
        "4. The /usr Hierarchy", "5. The /var Hierarchy", "6. Operating System Specific Annex",
        "7. Appendix",
    ]  # fmt: skip
    for title in ["Filesystem Hierarchy Standard", *expected]:
        assert any(t.startswith(title) for t in titles), (title, titles)
    # Chapter 4 starts where its heading is read.
    chapters.nth(4).click()
    start = float(chapters.nth(4).get_attribute("data-start"))
    page.evaluate("document.querySelector('audio').pause()")
    assert abs(page.evaluate("document.querySelector('audio').currentTime") - start) < 1.5
    expect(chapters.nth(4)).to_have_attribute("aria-current", "true")
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=out / f"player-headings-{name}.png", full_page=True)
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 80))"""
        )
        assert no_sideways_scroll(page), f"the player scrolls sideways on a {name}: {wide}"
