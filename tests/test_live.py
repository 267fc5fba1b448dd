"""Listening while a book converts: ready segments, on the worker's side and through their URLs.

The browser's side (Media Source Extensions, the switch to the finished MP3) is in
tests/test_browser_live.py.
"""

import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from conversions.pipeline import convert_pdf
from library import services
from library.models import Audiobook, ReadySegment, segment_folder
from tests.corpus import corpus_pdf
from tests.factories import make_user, run_worker
from tests.workers import REAL_PIPELINE, wait_until

LONG_PDF = "GeoTopo-komprimiert.pdf"  # a book: minutes of eSpeak work, many segments
ESPEAK = {"CONVERSION_PIPELINE": REAL_PIPELINE, "TTS_VOICE": "espeak:en-us"}


def upload(path, user, title="A real book"):
    with open(path, "rb") as f:
        return services.create_audiobook(
            user, File(f, name=path.name), title=title, page_count=None
        )


def segment_url(book, index):
    return reverse("library:segment", args=[book.pk, index])


def fetch(client, book, index, **headers):
    response = client.get(segment_url(book, index), **headers)
    return response.status_code, b"".join(
        response.streaming_content
    ) if response.status_code < 400 else b""


def segment_files(book) -> list[str]:
    try:
        return default_storage.listdir(segment_folder(book.pk))[1]
    except FileNotFoundError:
        return []


def audio_of(mp3: bytes) -> bytes:
    """An MP3's frames: what follows its ID3v2 tag (10 bytes of header, a syncsafe size)."""
    assert mp3[:3] == b"ID3"
    size = (mp3[6] & 0x7F) << 21 | (mp3[7] & 0x7F) << 14 | (mp3[8] & 0x7F) << 7 | mp3[9] & 0x7F
    return mp3[10 + size :]


def test_ready_audio_comes_in_order_and_is_the_finished_mp3(tmp_path):
    """Joined in order, the stretches published while converting are the finished MP3's audio,
    byte for byte, and each starts where the one before it ends."""
    ready = []

    def keep(stretch):
        ready.append((stretch, stretch.mp3.read_bytes()))

    result = convert_pdf(
        corpus_pdf("pdflatex-outline.pdf"), tmp_path, voice="espeak:en-us", rate=175,
        on_ready=keep,
    )  # fmt: skip
    assert [s.index for s, _ in ready] == list(range(len(ready)))
    assert len(ready) >= 4
    first = ready[0][0]
    assert first.start == 0 and first.duration < 30  # small: sound soon
    for (before, _), (after, _) in zip(ready, ready[1:], strict=False):
        assert after.start == pytest.approx(before.start + before.duration)
        assert after.chapter >= before.chapter
    assert ready[-1][0].start + ready[-1][0].duration == pytest.approx(result.duration)
    assert audio_of(result.mp3.read_bytes()) == b"".join(data for _, data in ready)
    # Every chapter mark falls on a stretch's start, so a chapter is never split oddly.
    starts = {round(s.start, 3) for s, _ in ready}
    assert all(round(start, 3) in starts for _, start in result.chapters)


@pytest.mark.django_db
def test_without_listening_while_converting_nothing_is_published(settings):
    settings.LISTEN_WHILE_CONVERTING = False
    settings.CONVERSION_PIPELINE = REAL_PIPELINE
    book = upload(corpus_pdf("pdflatex-outline.pdf"), make_user())
    assert run_worker(processes=2) == 1
    book.refresh_from_db()
    assert book.status == "completed"
    assert not ReadySegment.objects.exists() and not segment_files(book)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_kill_9_while_listening_loses_no_playable_audio(workers, client, stranger):
    user = make_user("listener@example.com")
    client.force_login(user)
    book = upload(corpus_pdf(LONG_PDF), user)
    proc = workers.start("--processes", "2", **ESPEAK)
    wait_until(lambda: ReadySegment.objects.filter(audiobook=book).count() >= 3)

    state = client.get(reverse("library:status", args=[book.pk])).json()
    assert state["status"] == "processing" and state["ready"]["seconds"] > 0
    listed = state["ready"]["segments"]
    assert [s["index"] for s in listed] == list(range(len(listed)))
    heard = {}
    for segment in listed:
        status, data = fetch(client, book, segment["index"])
        assert status == 200 and data[:2] == b"\xff\xf3"  # an MPEG-2 Layer III frame
        heard[segment["index"]] = data
    # HTTP Range on a segment.
    response = client.get(segment_url(book, 0), HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == heard[0][100:200]
    assert response["Content-Range"] == f"bytes 100-199/{len(heard[0])}"
    # Someone else: a 404 for every segment, and for the list.
    for index in [*heard, len(heard) + 50]:
        assert stranger.get(segment_url(book, index)).status_code == 404
        cues = reverse("library:segment_cues", args=[book.pk, index])
        assert stranger.get(cues).status_code == 404
    assert client.get(reverse("library:segment_cues", args=[book.pk, 0])).json()["cues"]
    assert stranger.get(reverse("library:status", args=[book.pk])).status_code == 404

    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # No worker: what was playable still plays, byte for byte.
    for index, data in heard.items():
        assert fetch(client, book, index) == (200, data)

    # Another worker recovers the job and goes on from the spoken chunks; the same stretches
    # come again, identical, and more after them.
    workers.start("--processes", "2", **ESPEAK)

    def resumed():
        """the second attempt publishes past what the first did"""
        return (
            book.jobs.count() == 2
            and ReadySegment.objects.filter(audiobook=book, index__gt=max(heard)).exists()
        ) or Audiobook.objects.get(pk=book.pk).status == "completed"

    wait_until(resumed, timeout=600)
    if Audiobook.objects.get(pk=book.pk).status != "completed":
        for index, data in heard.items():
            assert fetch(client, book, index) == (200, data)
    wait_until(lambda: Audiobook.objects.get(pk=book.pk).status == "completed", timeout=1200)

    # Finished: the MP3 holds what was heard, and the segments are gone.
    book.refresh_from_db()
    heard_audio = b"".join(heard[i] for i in sorted(heard))
    assert audio_of(default_storage.open(book.audio_path.name).read()).startswith(heard_audio)
    assert not ReadySegment.objects.filter(audiobook=book).exists()
    assert not segment_files(book)
    assert client.get(segment_url(book, 0)).status_code == 404
    assert client.get(reverse("library:status", args=[book.pk])).json()["ready"] is None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_book_deleted_while_converting_leaves_no_segments(workers, settings):
    user = make_user()
    book = upload(corpus_pdf(LONG_PDF), user)
    proc = workers.start("--processes", "2", **ESPEAK)
    wait_until(lambda: ReadySegment.objects.filter(audiobook=book).count() >= 2)
    services.delete_audiobook(book)
    wait_until(lambda: "lost" in Path(proc.output).read_text())
    assert not ReadySegment.objects.exists()
    assert not segment_files(book)
    assert not (Path(settings.MEDIA_ROOT) / segment_folder(book.pk)).exists()


@pytest.mark.django_db
def test_the_orphan_sweep_removes_segments_no_conversion_needs():
    user = make_user()
    book = upload(corpus_pdf("pdflatex-outline.pdf"), user)
    gone = "00000000-0000-4000-8000-000000000001"
    for owner in (str(book.pk), gone):
        default_storage.save(f"segments/{owner}/0.mp3", ContentFile(b"\xff\xf3" * 100))
    services.sweep_orphans(min_age=timedelta(0))
    # The waiting book keeps its folder (its conversion will use it); the gone one's goes.
    assert default_storage.exists(f"segments/{book.pk}/0.mp3")
    assert not default_storage.exists(f"segments/{gone}/0.mp3")
    book.jobs.update(status="failed")
    services.sweep_orphans(min_age=timedelta(0))
    assert not default_storage.exists(f"segments/{book.pk}/0.mp3")


@pytest.mark.django_db
def test_segments_are_the_owners_only(client, stranger):
    user = make_user("owner2@example.com")
    book = upload(corpus_pdf("pdflatex-outline.pdf"), user)
    client.force_login(user)
    # Nothing ready yet: a 404 for the owner too, and none of the other person's.
    assert client.get(segment_url(book, 0)).status_code == 404
    assert stranger.get(segment_url(book, 0)).status_code == 404
    assert client.get(reverse("library:status", args=[book.pk])).json()["ready"] == {
        "segments": [], "seconds": 0.0, "seconds_display": "0:00", "chapters": [],
    }  # fmt: skip
    assert Client().get(segment_url(book, 0)).status_code == 302  # to the login page


def test_convert_shows_the_time_left_beside_its_bar():
    """`manage.py convert`: the time left at this book's own pace, beside the percentage."""
    from io import StringIO

    from conversions.management.commands.convert import ProgressBar

    moments = iter([100.0, 110.0, 120.0])
    out = StringIO()
    bar = ProgressBar(out, clock=lambda: next(moments))
    for percent in (10, 30, 50):
        bar.update(percent)
    # 20 % in 10 s: 70 % more is 35 s; then 40 % in 20 s: 50 % more is 25 s.
    assert out.getvalue().splitlines() == ["10%", "30%  ETA 0:35", "50%  ETA 0:25"]


@pytest.mark.django_db
def test_without_javascript_the_page_lists_the_ready_chapters_as_links(client):
    from tests.factories import make_book, make_job

    user = make_user("reader@example.com")
    book = make_book(user=user, title="Half done", status="processing")
    make_job(book, status="running", progress=40)
    parts = [(0, "Opening", 0.0, 12.5), (0, "Opening", 12.5, 60.0), (1, "The middle", 72.5, 90.0)]
    for index, (chapter, title, start, duration) in enumerate(parts):
        name = default_storage.save(f"{segment_folder(book.pk)}/{index}.mp3", ContentFile(b"x" * 9))
        ReadySegment.objects.create(
            audiobook=book, index=index, chapter=chapter, chapter_title=title, start=start,
            duration=duration, size=9, name=name,
        )  # fmt: skip
    client.force_login(user)
    page = client.get(reverse("library:detail", args=[book.pk])).content.decode()
    assert "Listen while it converts" in page and "Ready up to <strong" in page
    assert ">2:42<" in page  # 72.5 + 90 seconds
    for index in range(3):
        assert f'href="{segment_url(book, index)}"' in page
    # The first chapter is finished; the last is still converting.
    assert page.count("(converting)") == 1
    assert page.index("Opening") < page.index("The middle") < page.index("(converting)")
    assert "<audio" not in page  # the live player is made by live.js


@pytest.mark.django_db
def test_segments_are_handed_to_nginx_like_the_audio(settings, client, stranger):
    from tests.factories import make_book, make_job

    settings.AUDIO_ACCEL_REDIRECT = "/protected-media/"
    user = make_user("nginx@example.com")
    book = make_book(user=user, status="processing")
    make_job(book, status="running")
    name = default_storage.save(f"{segment_folder(book.pk)}/0.mp3", ContentFile(b"\xff\xf3" * 50))
    ReadySegment.objects.create(
        audiobook=book, index=0, chapter=0, start=0, duration=1, size=100, name=name
    )
    client.force_login(user)
    response = client.get(segment_url(book, 0), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{name}"
    assert response["Cache-Control"] == "private"
    refused = stranger.get(segment_url(book, 0))
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


def test_ready_audio_carries_the_captions_of_the_finished_book(tmp_path):
    """The transcript of what is ready: each stretch's cues are the finished WebVTT's cues."""
    ready = []
    result = convert_pdf(
        corpus_pdf("pdflatex-outline.pdf"), tmp_path, voice="espeak:en-us", rate=175,
        on_ready=ready.append,
    )  # fmt: skip
    cues = [cue for stretch in ready for cue in stretch.cues]
    vtt = result.vtt.read_text().split("\n\n")[1:]
    vtt = [block.split("\n", 1) for block in vtt if block.strip()]
    assert len(cues) == len(vtt) > 10

    def seconds(stamp):
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    for (start, end, text), (span, caption) in zip(cues, vtt, strict=True):
        first, last = span.split(" --> ")
        assert start == pytest.approx(seconds(first), abs=0.002)
        assert end == pytest.approx(seconds(last), abs=0.002)
        assert caption.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") == text


@pytest.mark.django_db
def test_the_place_in_the_ready_part_is_kept_for_the_finished_book(client, stranger):
    """live.js writes where the listener is, as the finished book's player does; that player
    starts there. A converting book with nothing ready yet, or someone else's, keeps nothing."""
    from library.models import ListeningPosition
    from tests.factories import make_book, make_job

    user = make_user("early-listener@example.com")
    book = make_book(user=user, status="processing")
    make_job(book, status="running", progress=30)
    client.force_login(user)
    url = reverse("library:position", args=[book.pk])
    assert client.post(url, {"position": "3"}).status_code == 404  # nothing ready yet
    name = default_storage.save(f"{segment_folder(book.pk)}/0.mp3", ContentFile(b"\xff\xf3" * 50))
    ReadySegment.objects.create(
        audiobook=book, index=0, chapter=0, start=0, duration=40, size=100, name=name
    )
    page = client.get(reverse("library:detail", args=[book.pk])).content.decode()
    assert f'data-position-url="{url}"' in page  # the live part knows where to write
    assert stranger.post(url, {"position": "12.5"}).status_code == 404
    assert client.post(url, {"position": "12.5"}).status_code == 200
    assert ListeningPosition.objects.get(audiobook=book).position == 12.5
