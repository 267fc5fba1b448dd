"""The player and the detail page in Chromium: keyboard shortcuts, the Media Session's action
handlers, the transcript as one Tab stop with arrow keys, the sleep timer, a finished
conversion shown in place (a half-typed rename kept), and the page without JavaScript."""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

import re  # noqa: E402

import pytest  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from conversions.models import ConversionJob  # noqa: E402
from library.models import Audiobook, AudiobookDetails  # noqa: E402
from tests.factories import make_book, make_job, make_user  # noqa: E402
from tests.test_browser import (  # noqa: E402
    current_time,
    log_in,
    playable_book,
    silent_mp3,
    wait_for_time,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Before the page's scripts: keep every Media Session action handler the page sets, so that the
# test can call them as a lock screen or a headset would.
RECORD_MEDIA_HANDLERS = """
window.__media = {};
const session = navigator.mediaSession;
const set = session.setActionHandler.bind(session);
session.setActionHandler = (action, handler) => { window.__media[action] = handler; set(action, handler); };
"""


def long_book(user, seconds=300):
    """A book with one sentence a second (300 sentences) and three chapters."""
    book = make_book(user=user, title="A long read", status=Audiobook.Status.COMPLETED)
    job = make_job(book, status=ConversionJob.Status.COMPLETED, progress=100)
    audio = silent_mp3(seconds)
    book.audio_path = default_storage.save(f"audio/{job.pk}.mp3", ContentFile(audio))
    cues = ["WEBVTT", ""]
    for s in range(seconds):
        cues += [f"00:{s // 60:02}:{s % 60:02}.000 --> 00:{(s + 1) // 60:02}:{(s + 1) % 60:02}.000",
                 f"Line {s + 1} of https://example.org/a/very/long/path/without/any/spaces/{s}", ""]  # fmt: skip
    default_storage.save(f"audio/{job.pk}.vtt", ContentFile("\n".join(cues)))
    book.save()
    AudiobookDetails.objects.create(
        audiobook=book, page_count=40, author="A. Writer", duration=float(seconds),
        audio_size=len(audio),
        chapters=[{"title": "", "start": 0.0}, {"title": "Middle", "start": 100.0}, {"title": "End", "start": 200.0}],
    )  # fmt: skip
    return book


def test_keyboard_shortcuts(page, live_server):
    page.set_default_timeout(30_000)
    user = make_user("keys@example.com")
    book = playable_book(user)  # chapters at 0, 30 and 60 s of 90
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/{book.pk}/")
    expect(page.locator("[data-controls]")).to_be_visible()
    play = page.locator("[data-play]")

    page.locator("h1").click()  # focus on the page, not a control
    page.keyboard.press("Space")
    expect(play).to_have_text(re.compile("Pause"))
    expect(page.locator(".player")).to_have_class(re.compile("is-playing"))
    current = page.locator('.chapter[aria-current="true"]')
    expect(current).to_have_accessible_name(re.compile(r"^Loomings \(playing\)"))
    page.keyboard.press("k")
    expect(play).to_have_text(re.compile("Play"))
    # "(playing)" only while playing.
    expect(current).to_have_accessible_name("Loomings 0:00")

    page.keyboard.press("ArrowRight")
    wait_for_time(page, "t >= 29.5 && t < 31")
    expect(page.locator("[data-now-chapter]")).to_have_text("The Carpet-Bag")
    expect(page.locator("[data-chapter-left]")).to_have_text(
        re.compile(r"0:(30|29) left in chapter")
    )
    page.keyboard.press("ArrowLeft")
    wait_for_time(page, "t >= 14.5 && t < 16")
    page.keyboard.press("l")
    wait_for_time(page, "t >= 29.9 && t < 31")
    page.keyboard.press("Shift+ArrowRight")
    wait_for_time(page, "t >= 59.9 && t < 61")
    expect(page.locator("[data-now-chapter]")).to_have_text("The Spouter-Inn")
    page.keyboard.press("j")  # at a chapter's start: the one before
    wait_for_time(page, "t >= 29.9 && t < 31")
    page.keyboard.press("Shift+ArrowLeft")
    wait_for_time(page, "t < 1")

    # A field takes its keys: typing "k" or Space into the rename form plays nothing.
    page.get_by_text("Rename", exact=True).click()
    page.get_by_label("Title").press_sequentially(" k l")
    assert page.evaluate("document.querySelector('audio').paused")
    assert current_time(page) < 1

    # ? lists the shortcuts.
    page.locator("h1").click()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Chapter ticks on the seek bar: one at each chapter but the first.
    expect(page.locator("[data-ticks] span")).to_have_count(2)


def test_media_session_metadata_and_handlers(page, live_server):
    page.set_default_timeout(30_000)
    user = make_user("lockscreen@example.com")
    book = playable_book(user)
    page.add_init_script(RECORD_MEDIA_HANDLERS)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/{book.pk}/")
    expect(page.locator("[data-controls]")).to_be_visible()
    page.wait_for_function("() => navigator.mediaSession.metadata !== null")
    metadata = page.evaluate(
        "() => { const m = navigator.mediaSession.metadata; return [m.title, m.artist, m.album]; }"
    )
    assert metadata == ["Moby Dick", "Herman Melville", "Loomings"]
    actions = page.evaluate("() => Object.keys(window.__media).sort()")
    assert {"play", "pause", "seekbackward", "seekforward", "seekto", "previoustrack", "nexttrack"} <= set(actions)  # fmt: skip

    def act(action, **details):
        page.evaluate(
            "([action, details]) => window.__media[action]({action, ...details})", [action, details]
        )

    act("play")
    wait_for_time(page, "t > 0.3")
    page.wait_for_function("() => navigator.mediaSession.playbackState === 'playing'")
    act("pause")
    page.wait_for_function("() => document.querySelector('audio').paused")
    act("seekto", seekTime=40)
    wait_for_time(page, "t >= 39.9 && t < 41")
    act("nexttrack")
    wait_for_time(page, "t >= 59.9 && t < 61")
    page.wait_for_function("() => navigator.mediaSession.metadata.album === 'The Spouter-Inn'")
    act("previoustrack")  # at a chapter's start: the one before
    wait_for_time(page, "t >= 29.9 && t < 31")
    act("seekforward")
    wait_for_time(page, "t >= 59.9 && t < 61")
    act("seekbackward", seekOffset=10)
    wait_for_time(page, "t >= 49.9 && t < 51")


def test_the_transcript_is_one_tab_stop_with_arrow_keys(page, live_server):
    page.set_default_timeout(30_000)
    user = make_user("tabs@example.com")
    book = long_book(user)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/{book.pk}/")
    cues = page.locator("button.cue")
    expect(cues).to_have_count(300)
    # The first chapter has no title: "Beginning", as in the MP3.
    expect(page.locator(".chapter").first).to_contain_text("Beginning")

    # Tab from the top of the page to the last control, the delete link.
    page.locator("body").focus()
    presses = 0
    while presses < 100:
        page.keyboard.press("Tab")
        presses += 1
        if page.evaluate("document.activeElement.textContent.includes('Delete this audiobook')"):
            break
    print(f"{presses} Tab presses from the top of the page to its last control")
    assert presses < 40, f"{presses} Tab presses to get past the transcript"
    assert page.evaluate("document.querySelectorAll('.cue[tabindex=\"0\"]').length") == 1

    # Arrow keys, Home and End move inside; Enter plays from the sentence.
    first = cues.first
    first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(cues.nth(2)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(cues.nth(1)).to_be_focused()
    page.keyboard.press("End")
    expect(cues.last).to_be_focused()
    page.keyboard.press("Home")
    expect(first).to_be_focused()
    page.keyboard.press("PageDown")
    expect(cues.nth(10)).to_be_focused()
    page.keyboard.press("Enter")
    wait_for_time(page, "t >= 10")
    expect(cues.nth(10)).to_have_attribute("aria-current", "true")
    # The sentence said once, politely, after the jump.
    expect(page.locator("#announcer")).to_contain_text("Line 11 of")

    # "Skip the transcript" jumps past it.
    page.locator("body").focus()
    skip = page.get_by_role("link", name="Skip the transcript")
    skip.focus()
    skip.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!document.querySelector('.transcript').contains(document.activeElement)")

    # Nothing scrolls sideways, even with long URLs in the transcript, down to 320 px.
    for width in (320, 390, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width


def test_sleep_timer_pauses_at_the_end_of_the_chapter(page, live_server):
    page.set_default_timeout(30_000)
    user = make_user("sleepy@example.com")
    book = playable_book(user)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/{book.pk}/")
    expect(page.locator("[data-controls]")).to_be_visible()
    page.get_by_label("Speed").select_option("3")
    page.evaluate("document.querySelector('audio').currentTime = 24")
    wait_for_time(page, "t >= 24")
    page.get_by_label("Sleep").select_option("chapter")
    page.locator("[data-play]").click()
    page.wait_for_function("() => document.querySelector('audio').paused")
    assert 29 <= current_time(page) <= 31.5
    expect(page.get_by_label("Sleep")).to_have_value("")


def test_a_finished_conversion_shows_the_player_in_place_keeping_a_rename(page, live_server):
    page.set_default_timeout(30_000)
    user = make_user("patient@example.com")
    book = playable_book(user)
    Audiobook.objects.filter(pk=book.pk).update(status="processing", audio_path="")
    job = ConversionJob.objects.get(audiobook=book)
    ConversionJob.objects.filter(pk=job.pk).update(status="running", progress=40)
    audio_name = book.audio_path.name
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/{book.pk}/")
    expect(page.locator("[data-player]")).to_have_count(0)
    page.evaluate("window.__samePage = true")
    page.get_by_text("Rename", exact=True).click()
    page.get_by_label("Title").fill("Half-typed tit")

    Audiobook.objects.filter(pk=book.pk).update(status="completed", audio_path=audio_name)
    ConversionJob.objects.filter(pk=job.pk).update(status="completed", progress=100)
    expect(page.locator("[data-controls]")).to_be_visible()
    expect(page.locator("button.cue")).to_have_count(30)
    expect(page.locator("#announcer")).to_contain_text("Ready")
    assert page.evaluate("window.__samePage") is True
    expect(page.get_by_label("Title")).to_have_value("Half-typed tit")
    page.keyboard.press("Escape")
    page.locator("h1").click()
    page.keyboard.press("k")
    wait_for_time(page, "t > 0.3")


def test_the_detail_page_without_javascript(browser, live_server):
    user = make_user("nojs-listener@example.com")
    book = playable_book(user)
    waiting = make_book(user=user, title="Still waiting")
    make_job(waiting)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server, user.email)
        page.goto(f"{live_server.url}/library/{book.pk}/")
        chapter = page.get_by_role("link", name=re.compile("The Carpet-Bag"))
        assert chapter.get_attribute("href") == f"/library/{book.pk}/audio.mp3#t=30.0"
        expect(page.locator("li.cue")).to_have_count(30)
        expect(page.locator("li.cue").nth(10)).to_have_text("Sentence 11.")
        expect(page.locator("audio")).to_have_attribute("controls", "")

        # Chromium with scripts switched off by Playwright still parses <noscript> as if they
        # ran, so the hint and the refresh are checked in the page's source.
        source = page.goto(f"{live_server.url}/library/{waiting.pk}/").text()
        assert '<noscript><meta http-equiv="refresh" content="15"></noscript>' in source
        assert "This page reloads itself every 15 seconds" in source
    finally:
        context.close()


def test_bookmarks_with_a_note_saved_on_the_server(page, live_server):
    from library.models import Bookmark

    page.set_default_timeout(30_000)
    user = make_user("marker@example.com")
    book = playable_book(user)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/{book.pk}/")
    expect(page.locator("[data-controls]")).to_be_visible()
    expect(page.get_by_label("At (seconds from the start)")).to_be_hidden()
    page.evaluate("document.querySelector('audio').currentTime = 42")
    wait_for_time(page, "t >= 42")
    page.evaluate("window.__samePage = true")
    page.get_by_role("button", name="Bookmark", exact=True).click()
    note = page.get_by_label("Note")
    expect(note).to_be_focused()
    note.fill("Queequeg appears")
    note.press("Enter")
    mark = page.locator("a.bookmark")
    expect(mark).to_have_text(re.compile(r"0:42\s+Queequeg appears"))
    assert page.evaluate("window.__samePage") is True
    (saved,) = Bookmark.objects.filter(user=user, audiobook=book)
    assert saved.note == "Queequeg appears" and saved.position == pytest.approx(42, abs=0.5)

    page.evaluate("document.querySelector('audio').currentTime = 5")
    wait_for_time(page, "t < 6")
    mark.click()
    wait_for_time(page, "t >= 41.5 && t < 44")
    page.get_by_role("button", name=re.compile("Remove the bookmark at 0:42")).click()
    expect(page.locator("a.bookmark")).to_have_count(0)
    expect(page.locator("#announcer")).to_have_text("Bookmark removed.")
    assert not Bookmark.objects.exists()
