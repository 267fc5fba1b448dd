"""Listening while a book converts: its ready segments, for status.json, the detail page and the
segment URLs.

The worker publishes each finished stretch of a converting book's audio as a ReadySegment (an
MP3 in storage, conversions/pipeline.py ReadyAudio). static/js/live.js plays them one after
another (Media Source Extensions) and moves to the finished MP3 at the same position when the
book is done; without JavaScript the detail page lists them by chapter as links.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import streaming
from .access import get_book_for_user
from .durations import format_duration
from .models import Audiobook, ReadySegment


def listening_live(book: Audiobook) -> bool:
    """Is this book converting with no audio of its own yet, so that its ready part plays?"""
    return (
        settings.LISTEN_WHILE_CONVERTING
        and book.status in Audiobook.ACTIVE_STATUSES
        and not book.audio_path
    )


def has_ready_audio(book: Audiobook) -> bool:
    """Can a listener be somewhere in this book before it is finished?"""
    return listening_live(book) and ReadySegment.objects.filter(audiobook=book).exists()


def ready_of(book: Audiobook) -> dict | None:
    """The ready part of a converting book: its segments (URL, start, duration), how far audio
    is ready, and its chapters so far, each marked finished or not; None when it does not
    play live."""
    if not listening_live(book):
        return None
    rows = list(
        ReadySegment.objects.filter(audiobook=book)
        .order_by("index")
        .values_list("index", "chapter", "chapter_title", "start", "duration")
    )
    # Only a run from the start plays: a gap (never expected) ends what is ready.
    contiguous = []
    for expected, row in enumerate(rows):
        if row[0] != expected:
            break
        contiguous.append(row)
    url = reverse("library:segment", args=[book.pk, 0])[: -len("0.mp3")]
    segments = [
        {"index": i, "url": f"{url}{i}.mp3", "start": round(start, 3), "duration": round(d, 3)}
        for i, _, _, start, d in contiguous
    ]
    chapters: list[dict] = []
    for i, chapter, title, start, _ in contiguous:
        if not chapters or chapters[-1]["number"] != chapter + 1:
            if chapters:
                chapters[-1]["finished"] = True
            chapters.append(
                {
                    "number": chapter + 1,
                    "title": title or f"Part {chapter + 1}",
                    "start": round(start, 3),
                    "start_display": format_duration(start),
                    "finished": False,
                    "segments": [],
                }
            )
        chapters[-1]["segments"].append(
            {"index": i, "url": f"{url}{i}.mp3", "start_display": format_duration(start)}
        )
    seconds = contiguous[-1][3] + contiguous[-1][4] if contiguous else 0.0
    return {
        "segments": segments,
        "seconds": round(seconds, 3),
        "seconds_display": format_duration(seconds),
        "chapters": chapters,
    }


@login_required
@require_safe
def segment(request, pk, index):
    """One ready segment's MP3, with HTTP Range (or handed to nginx, as audio.mp3 is); someone
    else's book, or a segment that is not (or no longer) there, is a 404."""
    book = get_book_for_user(request, pk)
    row = ReadySegment.objects.filter(audiobook=book, index=index).first()
    if row is None:
        raise Http404("This part of the audiobook is not ready.")
    response = streaming.send_audio(request, row.name, row.size)
    response["Cache-Control"] = "private"
    return response


@login_required
@require_safe
def segment_cues(request, pk, index):
    """A ready segment's captions ({"cues": [[start, end, text], ...]}, seconds in the book),
    for the transcript of what is ready."""
    book = get_book_for_user(request, pk)
    row = ReadySegment.objects.filter(audiobook=book, index=index).only("cues").first()
    if row is None:
        raise Http404("This part of the audiobook is not ready.")
    response = JsonResponse({"cues": row.cues})
    response["Cache-Control"] = "private"
    return response
