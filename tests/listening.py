"""Finished books for the feed and position tests: a real (silent) MP3, a WebVTT transcript and
chapters, stored as the worker stores them, without running a conversion."""

import lameenc
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from conversions.models import ConversionJob
from library.models import Audiobook, AudiobookDetails
from tests.factories import make_book, make_job

SENTENCES = [
    "Call me Ishmael.",
    "Some years ago, never mind how long precisely, I thought I would sail about a little.",
    "It is a way I have of driving off the spleen & regulating the circulation.",
    "Whenever I find myself growing grim about the mouth, I account it high time to get to sea.",
]


def silent_mp3(seconds: int) -> bytes:
    """A real, playable MP3 of silence (22,050 Hz mono, like the pipeline's)."""
    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(22050)
    encoder.set_channels(1)
    encoder.set_bit_rate(32)
    encoder.set_quality(7)
    return bytes(encoder.encode(bytes(2 * 22050 * seconds)) + encoder.flush())


def transcript(seconds: int, every: int = 3) -> str:
    """A cue every `every` seconds, the SENTENCES first (escaped as the pipeline writes them)."""

    def stamp(s):
        return f"00:{s // 60:02}:{s % 60:02}.000"

    cues = ["WEBVTT", ""]
    for n, start in enumerate(range(0, seconds, every)):
        text = SENTENCES[n] if n < len(SENTENCES) else f"Sentence {n + 1}."
        text = text.replace("&", "&amp;")
        cues += [f"{stamp(start)} --> {stamp(start + every)}", text, ""]
    return "\n".join(cues)


def finished_book(user, title="Moby Dick", seconds=90, author="Herman Melville") -> Audiobook:
    book = make_book(user=user, title=title, status=Audiobook.Status.COMPLETED)
    job = make_job(
        book, status=ConversionJob.Status.COMPLETED, progress=100, completed_at=timezone.now()
    )
    audio = silent_mp3(seconds)
    book.audio_path = default_storage.save(f"audio/{job.pk}.mp3", ContentFile(audio))
    default_storage.save(f"audio/{job.pk}.vtt", ContentFile(transcript(seconds)))
    book.save()
    AudiobookDetails.objects.create(
        audiobook=book,
        page_count=214,
        author=author,
        duration=float(seconds),
        audio_size=len(audio),
        language="en",
        chapters=[
            {"title": "Loomings", "start": 0.0},
            {"title": "The Carpet-Bag", "start": 30.0},
            {"title": "The Spouter-Inn", "start": 60.0},
        ],
    )
    return book
