"""Listening while a book converts, in a real browser (Chromium through Playwright): upload a
long PDF, press play before the job finishes, hear the ready part carry on across segment
boundaries while the status is still "converting", and go on, at the same place, in the
finished MP3 when the book is done, and get the finished book's full player, at the same place,
on pausing it. Screenshots of the converting-but-playable page on a
desktop and a phone (UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/)."""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

import pytest  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from library.models import Audiobook, ListeningPosition, ReadySegment  # noqa: E402
from tests.corpus import corpus_pdf  # noqa: E402
from tests.factories import make_user  # noqa: E402
from tests.test_browser import DESKTOP, PHONE, SCREENSHOTS, log_in, no_sideways_scroll  # noqa: E402
from tests.workers import REAL_PIPELINE, wait_until  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LONG_PDF = "GeoTopo-komprimiert.pdf"  # 117 pages: about half a minute of eSpeak on two cores
HANG = 300_000  # ms: a hang detector, not a speed requirement
LIVE_AUDIO = "document.querySelector('[data-live-audio]')"


def audio_state(page) -> dict:
    return page.evaluate(
        f"""() => {{ const a = {LIVE_AUDIO};
        return {{ t: a.currentTime, paused: a.paused, src: a.currentSrc,
                  final: 'final' in a.dataset }}; }}"""
    )


def status_of(book) -> str:
    return Audiobook.objects.get(pk=book.pk).status


def test_play_while_converting_then_carry_on_in_the_finished_mp3(
    page, live_server, workers, tmp_path
):
    page.set_default_timeout(HANG)
    page.set_viewport_size(DESKTOP)
    user = make_user("early@example.com")
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/upload/")
    page.get_by_label("PDF files").set_input_files(corpus_pdf(LONG_PDF))
    page.get_by_role("button", name="Upload").click()
    book = Audiobook.objects.get()
    expect(page).to_have_url(f"{live_server.url}/library/{book.pk}/")
    live = page.locator("[data-live]")
    expect(live).to_be_hidden()  # nothing is ready before a worker starts

    workers.start("--processes", "2", CONVERSION_PIPELINE=REAL_PIPELINE)
    # The player appears with the first ready audio, while the book is converting.
    expect(live).to_be_visible(timeout=HANG)
    expect(page.locator("[data-live-audio]")).to_be_visible()
    assert status_of(book) == "processing"
    first = ReadySegment.objects.filter(audiobook=book).order_by("index").first()
    assert first.index == 0 and first.start == 0

    # Press play; at 8x the first segment's end comes in a few seconds of the test.
    page.locator("[data-live-audio]").evaluate("a => { a.playbackRate = 8; return a.play(); }")
    page.wait_for_function(f"() => {LIVE_AUDIO}.currentTime > 0.5")
    before = audio_state(page)
    assert status_of(book) == "processing", "the book finished before playback began"
    boundary = first.duration
    page.wait_for_function(f"() => {LIVE_AUDIO}.currentTime > {boundary + 1}")
    crossed = audio_state(page)
    # Still converting: playback moved on, past at least one segment boundary, in the live
    # stream (not the finished file).
    assert status_of(book) == "processing", "the book finished before a boundary was crossed"
    assert crossed["t"] > before["t"] and crossed["t"] > boundary and not crossed["final"]
    assert not crossed["paused"]
    assert int(page.locator("[data-live]").get_attribute("data-appended")) >= 2
    expect(page.locator("[data-field=ready]")).not_to_have_text("0:00")
    expect(page.locator("[data-live-chapters] li").first).to_be_visible()
    # The transcript of what is ready follows the voice.
    expect(page.locator("[data-live-cues] .cue").first).to_be_visible()
    expect(page.locator('[data-live-cues] .cue[aria-current="true"]')).to_have_count(1)

    # Screenshots of the converting-but-playable page.
    out = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page.locator("[data-live-audio]").evaluate("a => { a.playbackRate = 1; }")
    if status_of(book) == "processing":
        page.screenshot(path=out / "converting-playable-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert no_sideways_scroll(page), "the converting page scrolls sideways on a phone"
        page.screenshot(path=out / "converting-playable-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)
    page.locator("[data-live-audio]").evaluate("a => { a.playbackRate = 2; }")

    # Done: the page does not reload; the same element's place goes on in the finished MP3.
    page.wait_for_function(f"() => 'final' in {LIVE_AUDIO}.dataset")
    assert status_of(book) == "completed"
    handed = audio_state(page)
    assert handed["src"].endswith(f"/library/{book.pk}/audio.mp3")
    assert handed["t"] >= crossed["t"], "the position went back at the handover"
    # The finished MP3 took over where the live stream was (it starts a fraction ahead, so
    # that it is ready when the stream gets there).
    frm, to = (float(live.get_attribute(f"data-handover-{end}")) for end in ("from", "to"))
    assert abs(to - frm) < 0.3, (frm, to)
    page.wait_for_function(f"() => {LIVE_AUDIO}.currentTime > {handed['t'] + 1}")
    after = audio_state(page)
    assert not after["paused"] and after["final"]
    assert page.locator("[data-live]").get_attribute("data-handed-over") == "true"
    # Segments are gone now that the whole book is stored.
    assert not ReadySegment.objects.filter(audiobook=book).exists()

    # The place was written as the finished player writes it, on the server.
    heard = ListeningPosition.objects.get(audiobook=book, user=user).position
    assert heard >= crossed["t"] - 1
    # Pausing the finished MP3 brings in the finished book's full player, at the same place.
    paused_at = page.locator("[data-live-audio]").evaluate(
        "a => { a.pause(); return a.currentTime; }"
    )
    player = page.locator("[data-player] audio")
    expect(player).to_be_attached()
    expect(page.locator("[data-live]")).to_have_count(0)
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('[data-player] audio').currentTime - {paused_at}) < 1"
    )
    expect(page.locator("[data-player] [data-controls]")).to_be_visible()
    wait_until(lambda: abs(ListeningPosition.objects.get(audiobook=book).position - paused_at) < 1)
    page.screenshot(path=out / "converted-after-listening-desktop.png", full_page=True)
