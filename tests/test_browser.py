"""The pages in a real browser (Chromium through Playwright) against a live server.

- The whole journey: sign up, upload a corpus PDF, watch the progress bar move while a real
  `manage.py worker` process converts it, see the player, listen, jump to a chapter, change
  the speed, reload and find the place kept, delete.
- The player on its own, with a real (silent) MP3 made here: chapters, speed, skips,
  transcript highlighting and seeking, resume after a reload, inline rename.
- Screenshots of the library and the player on a desktop and a phone.

The journey uses the real pipeline when conversions.pipeline has one; BROWSER_TEST_PIPELINE=fake
swaps in tests/fake_pipeline.py (fast, but its MP3 does not play, so the listening steps are
left to the player test). UPDATE_SCREENSHOTS=1 writes the screenshots to docs/screenshots/.
"""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

import html  # noqa: E402
import importlib  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from accounts.models import User  # noqa: E402
from conversions.models import ConversionJob  # noqa: E402
from conversions.pdftext import inspect_pdf  # noqa: E402
from library.models import Audiobook, AudiobookDetails  # noqa: E402
from tests.corpus import REPO, corpus_pdf  # noqa: E402
from tests.factories import PASSWORD, make_book, make_job, make_user  # noqa: E402
from tests.listening import silent_mp3  # noqa: E402
from tests.workers import REAL_PIPELINE  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HAS_REAL_PIPELINE = hasattr(importlib.import_module("conversions.pipeline"), "convert_book")
PIPELINE = os.environ.get("BROWSER_TEST_PIPELINE", "real" if HAS_REAL_PIPELINE else "fake")
# A PDF with an outline (so chapters). For the real pipeline a book long enough (117 pages, about
# half a minute on two cores) for the progress bar to be seen moving through several polls.
JOURNEY_PDF = os.environ.get(
    "BROWSER_TEST_PDF", "GeoTopo-komprimiert.pdf" if PIPELINE == "real" else "pdflatex-outline.pdf"
)
SCREENSHOTS = REPO / "docs" / "screenshots"
HANG = 300_000  # ms: a hang detector for conversions, not a speed requirement
# What the journey's worker runs: the real pipeline, or the fake one slowed down so that the
# progress bar moves through a few polls (6 s).
WORKER_ENV = (
    {"CONVERSION_PIPELINE": REAL_PIPELINE}
    if PIPELINE == "real"
    else {"FAKE_PIPELINE_STEPS": "60", "FAKE_PIPELINE_STEP_SECONDS": "0.1"}
)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


# ---- helpers ----------------------------------------------------------------------------------


def vtt(seconds: int, every: int = 3) -> str:
    """One cue ("Sentence N.") every `every` seconds."""

    def stamp(s):
        return f"00:{s // 60:02}:{s % 60:02}.000"

    cues = ["WEBVTT", ""]
    for n, start in enumerate(range(0, seconds, every), 1):
        cues += [f"{stamp(start)} --> {stamp(start + every)}", f"Sentence {n}.", ""]
    return "\n".join(cues)


def playable_book(user, title="Moby Dick", seconds=90) -> Audiobook:
    book = make_book(user=user, title=title, status=Audiobook.Status.COMPLETED)
    job = make_job(book, status=ConversionJob.Status.COMPLETED, progress=100)
    audio = silent_mp3(seconds)
    book.audio_path = default_storage.save(f"audio/{job.pk}.mp3", ContentFile(audio))
    default_storage.save(f"audio/{job.pk}.vtt", ContentFile(vtt(seconds)))
    book.save()
    AudiobookDetails.objects.create(
        audiobook=book,
        page_count=214,
        author="Herman Melville",
        duration=float(seconds),
        audio_size=len(audio),
        chapters=[
            {"title": "Loomings", "start": 0.0},
            {"title": "The Carpet-Bag", "start": 30.0},
            {"title": "The Spouter-Inn", "start": 60.0},
        ],
    )
    return book


def converted_book(user, pdf_name, title, tmp_path) -> Audiobook:
    """A book converted by the real pipeline (in this process), stored as the worker stores it.
    `pdf_name` names a corpus PDF, or is the Path of one made by the test."""
    from conversions.pipeline import convert_book

    pdf = pdf_name if isinstance(pdf_name, Path) else corpus_pdf(pdf_name)
    result = convert_book(pdf, tmp_path / "convert", progress=lambda p: None, should_stop=lambda: False, title=title)  # fmt: skip
    book = make_book(user=user, title=title, pdf_bytes=pdf.read_bytes(), status="completed")
    job = make_job(book, status=ConversionJob.Status.COMPLETED, progress=100)
    with open(result.mp3, "rb") as mp3, open(result.vtt, "rb") as vtt_file:
        book.audio_path = default_storage.save(f"audio/{job.pk}.mp3", ContentFile(mp3.read()))
        default_storage.save(f"audio/{job.pk}.vtt", ContentFile(vtt_file.read()))
    if result.cover:
        default_storage.save(f"audio/{job.pk}.png", ContentFile(result.cover.read_bytes()))
    book.save()
    AudiobookDetails.objects.create(
        audiobook=book,
        page_count=result.page_count,
        author=result.author,
        duration=result.duration,
        audio_size=book.audio_path.size,
        chapters=[{"title": t, "start": start} for t, start in result.chapters],
    )
    return book


def log_in(page, live_server, email, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/library/")


def current_time(page) -> float:
    return page.evaluate("document.querySelector('audio').currentTime")


def wait_for_time(page, condition: str):
    """Wait until `condition` (JS, with `t` the audio's currentTime) holds."""
    # A function, not an expression: Playwright evaluates expressions with eval(), which the
    # pages' Content Security Policy refuses.
    page.wait_for_function(
        f"() => {{ const t = document.querySelector('audio').currentTime; return {condition}; }}"
    )


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def media_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


# ---- the journey ------------------------------------------------------------------------------


def test_sign_up_upload_convert_listen_and_delete(page, live_server, workers):
    page.set_default_timeout(30_000)
    page.set_viewport_size(DESKTOP)
    # Sign up.
    page.goto(live_server.url)
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill("listener@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(f"{live_server.url}/library/")
    expect(page.get_by_text("Your library is empty")).to_be_visible()

    # Upload a PDF from the corpus.
    page.get_by_role("link", name="Upload your first PDF").click()
    page.get_by_label("PDF files").set_input_files(corpus_pdf(JOURNEY_PDF))
    expect(page.locator("[data-chosen] li")).to_have_text(re.compile(re.escape(JOURNEY_PDF)))
    page.get_by_role("button", name="Upload").click()
    title = inspect_pdf(corpus_pdf(JOURNEY_PDF)).title or JOURNEY_PDF.removesuffix(".pdf")
    expect(page.locator("h1")).to_have_text(title)
    book = Audiobook.objects.get()
    expect(page).to_have_url(f"{live_server.url}/library/{book.pk}/")
    expect(page.locator("[data-field=status]")).to_have_text("Waiting")

    # The worker converts it; the page follows without being reloaded by us.
    workers.start(**WORKER_ENV)
    seen = []
    deadline = time.monotonic() + HANG / 1000
    # The finished book's player (a converting one has a player of its own: test_browser_live.py).
    while time.monotonic() < deadline and not page.locator("[data-player] audio").count():
        try:
            value = page.evaluate(
                "document.querySelector('[data-field=progress]')?.getAttribute('value')"
            )
        except Exception:  # the finished page's parts are swapped in while we look
            value = None
        if value is not None and (not seen or seen[-1] != int(value)):
            seen.append(int(value))
        time.sleep(0.05)
    print(f"progress seen in the page ({PIPELINE} pipeline): {seen}")
    assert len([v for v in seen if 0 < v < 100]) >= 2, f"the bar never moved: {seen}"
    assert seen == sorted(seen), f"progress went backwards: {seen}"
    expect(page.locator("[data-field=status]")).to_have_text("Ready")
    expect(page.locator("[data-controls]")).to_be_visible()  # the player bar, in place
    book.refresh_from_db()
    assert book.status == Audiobook.Status.COMPLETED

    if PIPELINE == "real":
        # Listen: time passes, a chapter jumps, the speed changes, the place is kept.
        expect(page.locator(".cue").first).to_be_visible(timeout=HANG)
        page.evaluate("document.querySelector('audio').play()")
        wait_for_time(page, "t > 0.5")
        chapters = page.locator(".chapter")
        assert chapters.count() >= 2
        start = float(chapters.nth(1).get_attribute("data-start"))
        chapters.nth(1).click()
        wait_for_time(page, f"t >= {start}")
        expect(chapters.nth(1)).to_have_attribute("aria-current", "true")
        page.get_by_label("Speed").select_option("1.5")
        assert page.evaluate("document.querySelector('audio').playbackRate") == 1.5
        wait_for_time(page, f"t >= {start + 1}")
        page.evaluate("document.querySelector('audio').pause()")
        kept = current_time(page)
        page.reload()
        wait_for_time(page, f"Math.abs(t - {kept}) < 1.5")
        assert page.evaluate("document.querySelector('audio').playbackRate") == 1.5

    # Delete, after confirming.
    page.get_by_role("link", name="Delete this audiobook…").click()
    expect(page.locator("h1")).to_contain_text("Delete")
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{live_server.url}/library/")
    expect(page.get_by_text("is deleted.")).to_be_visible()
    expect(page.get_by_text("Your library is empty")).to_be_visible()
    assert not Audiobook.objects.exists()
    assert media_files() == []


# ---- the player -------------------------------------------------------------------------------


def test_player_chapters_speed_transcript_resume_and_rename(page, live_server):
    page.set_default_timeout(30_000)
    user = make_user("listener@example.com")
    book = playable_book(user)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/{book.pk}/")

    controls = page.locator("[data-controls]")
    expect(controls).to_be_visible()
    cues = page.locator(".cue")
    expect(cues).to_have_count(30)  # read from the <track>'s WebVTT
    assert page.evaluate("document.querySelector('audio').duration") == pytest.approx(90, abs=1)

    # Play: time passes.
    page.evaluate("document.querySelector('audio').play()")
    wait_for_time(page, "t > 0.5")
    expect(page.locator('.cue[aria-current="true"]')).to_have_text("Sentence 1.")

    # A chapter jumps there, and the transcript follows.
    page.get_by_role("link", name=re.compile("The Carpet-Bag")).click()
    wait_for_time(page, "t >= 30 && t < 40")
    expect(page.locator('.chapter[aria-current="true"]')).to_contain_text("The Carpet-Bag")
    expect(page.locator('.cue[aria-current="true"]')).to_have_text("Sentence 11.")

    # Skips.
    page.get_by_role("button", name="Back 15 seconds").click()
    wait_for_time(page, "t >= 15 && t < 25")
    page.get_by_role("button", name="Forward 30 seconds").click()
    wait_for_time(page, "t >= 45 && t < 55")

    # A sentence of the transcript seeks to it.
    cues.filter(has_text="Sentence 21.").click()
    wait_for_time(page, "t >= 60 && t < 70")
    expect(page.locator('.chapter[aria-current="true"]')).to_contain_text("The Spouter-Inn")

    # Speed.
    speed = page.get_by_label("Speed")
    assert [o.strip() for o in speed.locator("option").all_inner_texts()] == [
        "0.5×", "0.75×", "1×", "1.25×", "1.5×", "1.75×", "2×", "2.5×", "3×",
    ]  # fmt: skip
    speed.select_option("1.75")
    assert page.evaluate("document.querySelector('audio').playbackRate") == 1.75

    # Reload: the place and the speed are kept.
    wait_for_time(page, "t >= 61")
    page.evaluate("document.querySelector('audio').pause()")
    kept = current_time(page)
    page.reload()
    expect(page.locator("[data-controls]")).to_be_visible()
    wait_for_time(page, f"Math.abs(t - {kept}) < 1")
    assert page.evaluate("document.querySelector('audio').playbackRate") == 1.75
    expect(page.get_by_label("Speed")).to_have_value("1.75")

    # The download link.
    download = page.get_by_role("link", name="Download MP3")
    assert download.get_attribute("href") == f"/library/{book.pk}/audio.mp3?download=1"

    # Rename in place: no page load (a marker on window survives), the heading changes.
    page.evaluate("window.__samePage = true")
    page.get_by_text("Rename", exact=True).click()
    title = page.get_by_label("Title")
    title.fill("Moby-Dick; or, The Whale")
    title.press("Enter")
    expect(page.locator("h1")).to_have_text("Moby-Dick; or, The Whale")
    assert page.evaluate("window.__samePage") is True
    book.refresh_from_db()
    assert book.title == "Moby-Dick; or, The Whale"
    title_again = page.get_by_label("Title")
    page.get_by_text("Rename", exact=True).click()
    title_again.fill("")
    title_again.press("Enter")
    expect(page.locator("#id_title_error")).to_have_text("This field is required.")
    book.refresh_from_db()
    assert book.title == "Moby-Dick; or, The Whale"


# Text that WebVTT must escape, and text that only looks escaped: the PDF's own "&amp;" and
# "&lt;b&gt;" are words to show as they are, not markup to decode twice.
SYMBOLS = [
    "Fish & Chips cost less than 5 < 7 and more than 3 > 2.",
    'She said "hello" to R&D, and wrote &amp; and &lt;b&gt; in her notes.',
]


@pytest.mark.parametrize("source", ["track", "fetch"])
def test_the_transcript_shows_ampersands_angle_brackets_and_quotes(
    page, live_server, tmp_path, source
):
    """The cues come from the <track> (the browser parses the WebVTT), or, where a browser
    never loads a track for <audio>, from the player's own reader of the file."""
    from tests.test_pdftext import text_pdf

    pdf = tmp_path / "symbols.pdf"
    pdf.write_bytes(text_pdf([[(72, 720, 12, SYMBOLS[0]), (72, 700, 12, SYMBOLS[1])]]))
    user = make_user("reader@example.com")
    book = converted_book(user, pdf, "Symbols", tmp_path)
    with default_storage.open(book.transcript_name) as f:
        vtt_file = f.read().decode()
    assert "Fish &amp; Chips" in vtt_file and "&amp;amp;" in vtt_file  # escaped, as WebVTT asks
    # What a reader of the file should see: each cue's text with its references decoded once.
    cues = [block.split("\n", 1)[1] for block in vtt_file.split("\n\n") if "-->" in block]
    expected = " ".join(html.unescape(cue.strip()) for cue in cues)

    if source == "fetch":
        page.route(
            "**/transcript.vtt",
            lambda route: (
                route.abort() if route.request.resource_type == "texttrack" else route.continue_()
            ),
        )
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/{book.pk}/")
    shown = page.locator(".cue")
    expect(shown.first).to_be_visible()
    assert shown.count() == len(cues)
    text = " ".join(t.strip() for t in shown.all_inner_texts())
    assert text == expected
    assert "Fish & Chips cost less than 5 < 7 and more than 3 > 2." in text
    assert '"hello" to R&D, and wrote &amp; and &lt;b&gt; in her notes.' in text


def test_the_library_updates_a_converting_row_live(page, live_server):
    page.set_default_timeout(30_000)
    user = make_user("watcher@example.com")
    book = make_book(user=user, title="Converting", status=Audiobook.Status.PROCESSING)
    job = make_job(book, status=ConversionJob.Status.RUNNING, progress=10)
    log_in(page, live_server, user.email)
    row = page.locator("li.book")
    expect(row.locator("progress")).to_have_attribute("value", "10")
    ConversionJob.objects.filter(pk=job.pk).update(progress=55)
    expect(row.locator("progress")).to_have_attribute("value", "55")
    expect(row.locator("[data-field=percent]")).to_have_text("55%")
    # Done: the row says so and shows the length and size, without a reload.
    AudiobookDetails.objects.create(
        audiobook=book, page_count=3, duration=125, audio_size=2_000_000
    )
    ConversionJob.objects.filter(pk=job.pk).update(status="completed", progress=100)
    Audiobook.objects.filter(pk=book.pk).update(status="completed")
    expect(row.locator("[data-field=status]")).to_have_text("Ready")
    expect(row.locator("progress")).to_be_hidden()
    expect(row.locator("[data-field=duration]")).to_have_text("Length 2:05")
    expect(row.locator("[data-field=size]")).to_have_text("MP3 size 1.9 MB")


def test_upload_page_without_javascript_still_uploads(browser, live_server):
    user = make_user("nojs@example.com")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server, user.email)
        page.goto(f"{live_server.url}/library/upload/")
        page.get_by_label("PDF files").set_input_files(
            [corpus_pdf("minimal-document.pdf"), corpus_pdf("pdflatex-4-pages.pdf")]
        )
        page.get_by_role("button", name="Upload").click()
        expect(page).to_have_url(f"{live_server.url}/library/")
        expect(page.locator("li.book")).to_have_count(2)
        expect(page.locator("[data-field=status]").first).to_have_text("Waiting")
    finally:
        context.close()


# ---- screenshots ------------------------------------------------------------------------------


def test_screenshots_of_the_library_and_the_player(page, live_server, tmp_path):
    out = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    user = make_user("reader@example.com")
    waiting = make_book(user=user, title="The Pragmatic Programmer")
    make_job(waiting)
    AudiobookDetails.objects.create(audiobook=waiting, page_count=352)
    failed = make_book(user=user, title="Receipts 2024 (a damaged copy)", status="failed")
    make_job(failed, status="failed", error_message="This PDF is damaged and cannot be read.")  # fmt: skip
    AudiobookDetails.objects.create(audiobook=failed, page_count=12)
    converting = make_book(user=user, title="Debian Developer's Reference", status="processing")
    make_job(converting, status="running", progress=42)
    AudiobookDetails.objects.create(audiobook=converting, page_count=193)
    if PIPELINE == "real":  # real chapters and captions in the pictures
        book = converted_book(user, "pdflatex-outline.pdf", "A pdfLaTeX outline", tmp_path)
    else:
        book = playable_book(user, title="Moby-Dick; or, The Whale")
    chapter = AudiobookDetails.objects.get(audiobook=book).chapters[2]
    log_in(page, live_server, user.email)

    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/library/")
        expect(page.locator("li.book")).to_have_count(4)
        assert no_sideways_scroll(page), f"the library scrolls sideways on a {name}"
        page.screenshot(path=out / f"library-{name}.png", full_page=True)

        page.goto(f"{live_server.url}/library/{book.pk}/")
        expect(page.locator(".cue").first).to_be_visible()
        page.locator(".chapter").nth(2).click()
        wait_for_time(page, f"t >= {chapter['start'] + 1}")
        assert no_sideways_scroll(page), f"the player scrolls sideways on a {name}"
        page.screenshot(path=out / f"player-{name}.png", full_page=True)
        # Scrolled down the transcript: the player bar stays at the top of the screen.
        page.evaluate(
            "() => window.scrollTo(0, document.querySelector('.transcript-panel')"
            ".getBoundingClientRect().top + window.scrollY - 150)"
        )
        bar = page.locator("[data-controls]").bounding_box()
        assert 0 <= bar["y"] <= 2, f"the player bar scrolled away on a {name}"
        page.screenshot(path=out / f"player-scrolled-{name}.png")
        page.evaluate("document.querySelector('audio').pause()")

        page.goto(f"{live_server.url}/accounts/")
        assert no_sideways_scroll(page), f"the account page scrolls sideways on a {name}"
        page.screenshot(path=out / f"account-{name}.png", full_page=True)

        page.goto(f"{live_server.url}/library/upload/")
        assert no_sideways_scroll(page), f"the upload page scrolls sideways on a {name}"
        page.screenshot(path=out / f"upload-{name}.png", full_page=True)
    assert User.objects.count() == 1
