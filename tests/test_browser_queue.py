"""Waiting times and reused audio in a real browser (Chromium through Playwright): the library
and detail pages show each waiting book's place in the queue with its estimated start and
finish, the line follows the queue live, and a reused book says whose audio it has.
UPDATE_SCREENSHOTS=1 writes the screenshots to docs/screenshots/ (queue-*.png, reused-*.png).
"""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

import time  # noqa: E402
import uuid  # noqa: E402
from datetime import timedelta  # noqa: E402

import pytest  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from conversions.models import ConversionJob, JobStats  # noqa: E402
from library import services  # noqa: E402
from library.models import Audiobook, AudiobookDetails  # noqa: E402
from tests.factories import make_book, make_user  # noqa: E402
from tests.test_browser import (  # noqa: E402
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    log_in,
    no_sideways_scroll,
    playable_book,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

VOICE = "espeak:en-us"  # TTS_VOICE in the tests


def waiting(user, title, words, pages):
    book = make_book(user=user, title=title)
    AudiobookDetails.objects.create(audiobook=book, word_count=words, page_count=pages)
    services.start_conversion(book, limit_queue=False)
    return book


def converting(user, title, words, pages, progress, minutes_ago):
    book = waiting(user, title, words, pages)
    ConversionJob.objects.filter(audiobook=book).update(
        status="running",
        progress=progress,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    Audiobook.objects.filter(pk=book.pk).update(status="processing")
    return book


def text_of(page, selector) -> str:
    return page.evaluate(f"() => document.querySelector({selector!r}).textContent")


def test_waiting_times_and_reused_audio_in_the_pages(page, live_server, tmp_path):
    out = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    # Measured history: about 20 words a second (a natural voice on two cores).
    for _ in range(5):
        JobStats.objects.create(
            job_id=uuid.uuid4(), voice=VOICE, words=40_000, counted_words=40_000,
            audio_seconds=14_000, seconds=2_000,
        )  # fmt: skip
    reader, other = make_user("reader@example.com"), make_user("other@example.com")
    first = playable_book(reader, title="Moby-Dick; or, The Whale")
    AudiobookDetails.objects.filter(audiobook=first).update(voice=VOICE, rate=175)
    ahead = converting(other, "Someone else's manual", 30_000, 120, 40, 12)
    converting(reader, "Debian Developer's Reference", 56_000, 114, 42, 20)
    waiting(other, "Someone else's second manual", 20_000, 80)
    war = waiting(reader, "War and Peace", 560_000, 1225)
    middlemarch = waiting(reader, "Middlemarch", 320_000, 880)
    copy = make_book(user=reader, title="Moby-Dick (the copy from my phone)")
    AudiobookDetails.objects.create(audiobook=copy)
    Audiobook.objects.filter(pk=copy.pk).update(
        status="completed", audio_path=first.audio_path.name
    )
    AudiobookDetails.objects.filter(audiobook=copy).update(
        reused=True, reused_from=first, duration=90.0, voice=VOICE, rate=175, page_count=214
    )
    log_in(page, live_server, reader.email)

    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/library/")
        rows = page.locator("li.book")
        expect(rows).to_have_count(5)
        row = rows.filter(has_text="War and Peace").locator(".eta")
        expect(row).to_contain_text("Number 2 in the queue: starts in about")
        expect(row).to_contain_text(", ready by ")
        expect(rows.filter(has_text="Middlemarch").locator(".eta")).to_contain_text(
            "Number 3 in the queue"
        )
        expect(rows.filter(has_text="Debian Developer").locator(".eta")).to_contain_text("Ready by")
        assert no_sideways_scroll(page), f"the library scrolls sideways on a {name}"
        page.screenshot(path=out / f"queue-library-{name}.png", full_page=True)

        page.goto(f"{live_server.url}/library/{war.pk}/")
        expect(page.locator(".state .eta")).to_contain_text("Number 2 in the queue: starts in")
        assert no_sideways_scroll(page), f"the detail page scrolls sideways on a {name}"
        page.screenshot(path=out / f"queue-detail-{name}.png", full_page=True)

        page.goto(f"{live_server.url}/library/{copy.pk}/")
        note = page.locator("[data-reused]")
        expect(note).to_have_text("Same file as Moby-Dick; or, The Whale; audio reused.")
        page.screenshot(path=out / f"reused-detail-{name}.png", full_page=True)

    # The line follows the queue: the other person's book is done and their next one starts,
    # so War and Peace moves up without a reload.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/library/{middlemarch.pk}/")
    expect(page.locator(".state .eta")).to_contain_text("Number 3 in the queue")
    ConversionJob.objects.filter(audiobook=ahead).update(status="completed", progress=100)
    Audiobook.objects.filter(pk=ahead.pk).update(status="completed")
    next_job = ConversionJob.objects.filter(status="queued").order_by("created_at").first()
    ConversionJob.objects.filter(pk=next_job.pk).update(status="running", started_at=timezone.now())
    Audiobook.objects.filter(pk=next_job.audiobook_id).update(status="processing")
    end = time.monotonic() + 30  # a hang detector; the page polls every 2 s
    while "Number 2 in the queue" not in text_of(page, ".state .eta"):
        assert time.monotonic() < end, text_of(page, ".state .eta")
        time.sleep(0.2)
