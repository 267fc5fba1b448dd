"""One conversion, start to end: PDF -> narration text -> speech -> MP3 + WebVTT.

Plain functions with a progress callback, used by the worker and by `manage.py convert`:

1. pdftext reads the PDF in a child process (time and memory limits) into chapters of clean
   narration text, or fails with a reason a person understands;
2. speech cuts the text into chunks at sentence ends and speaks them with pyttsx3/eSpeak NG in
   child processes, encoding MP3 parts as it goes (finished chunks are cached in `workdir`);
3. audio joins the parts into one tagged MP3 with ID3 chapters, and writes the WebVTT captions.

Progress rises from 0 to 100: reading ~3 %, speaking and encoding ~95 %, joining the rest.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import audio, pdftext, speech

Progress = Callable[[float], None]
StopCheck = Callable[[], bool]

READ_SHARE, SPEAK_SHARE = 3.0, 95.0
# Words per chunk: each chunk is one caption cue, so a sentence or a few (about 10 s of
# speech) lets the transcript follow the voice sentence by sentence. Measured on fhs-3.0.pdf
# with 2 processes: 30-word chunks cost 6 % more time than 250-word ones (412x vs 433x).
CHUNK_WORDS = 30
SPEECH_FAILED = (
    "The speech engine failed on part of this PDF, even after a retry. Try again; if it keeps "
    "failing, the text may contain something eSpeak cannot read."
)


class ConversionError(Exception):
    """A conversion that cannot succeed; str(error) is the reason, in words for the user."""


class Interrupted(Exception):
    """The caller asked the conversion to stop (shutdown); the work done so far is kept."""


@dataclass
class ConversionResult:
    mp3: Path
    vtt: Path
    duration: float  # seconds of audio
    title: str = ""
    author: str = ""
    page_count: int = 0
    chapters: list[tuple[str, float]] = field(default_factory=list)  # (title, start in seconds)
    words: int = 0


def read_document(pdf: Path, password: str | None = None) -> pdftext.Document:
    """The PDF's narration text, parsed in a child process; ConversionError when it cannot be."""
    try:
        return pdftext.extract_document_isolated(pdf, password)
    except pdftext.PdfError as error:
        raise ConversionError(str(error)) from error


def convert_pdf(
    pdf: Path,
    workdir: Path,
    *,
    title: str | None = None,
    voice: str,
    rate: int,
    processes: int | None = None,
    progress: Progress = lambda percent: None,
    should_stop: StopCheck = lambda: False,
    password: str | None = None,
) -> ConversionResult:
    """Convert `pdf` into `workdir`/book.mp3 and book.vtt.

    `workdir` also keeps the spoken chunks, so a second call for the same PDF (a retried or
    resumed job) speaks only what is missing. `should_stop()` is asked as the work goes on;
    when it returns True the conversion raises Interrupted, keeping what is done.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    progress(0)
    doc = read_document(pdf, password)
    if should_stop():
        raise Interrupted()
    progress(READ_SHARE)

    chapters = [
        (chapter.title, speech.split_into_chunks(chapter.paragraphs, max_words=CHUNK_WORDS))
        for chapter in doc.chapters
    ]
    words = sum(len(chunk.split()) for _, chunks in chapters for chunk in chunks)

    def spoken(fraction: float) -> None:
        if should_stop():
            raise Interrupted()
        progress(READ_SHARE + SPEAK_SHARE * fraction)

    try:
        parts = speech.speak_chapters(
            chapters, workdir / "speech", voice=voice, rate=rate, processes=processes,
            progress=spoken,
        )  # fmt: skip
    except speech.SpeechError as error:
        raise ConversionError(SPEECH_FAILED) from error

    title = title or doc.title or Path(pdf).stem
    mp3, vtt = workdir / "book.mp3", workdir / "book.vtt"
    duration = audio.write_audiobook(parts, mp3, title=title, author=doc.author)
    audio.write_webvtt(parts, vtt)
    starts = [start / 1000 for start, _ in audio.chapter_times(parts)]
    progress(100)
    return ConversionResult(
        mp3=mp3,
        vtt=vtt,
        duration=duration,
        title=title,
        author=doc.author,
        page_count=doc.page_count,
        chapters=[(part.title, start) for part, start in zip(parts, starts, strict=True)],
        words=words,
    )


def convert_book(pdf: Path, workdir: Path, *, progress, should_stop, processes=None, title=None):
    """The worker's entry point: `convert_pdf` with the voice and rate from the settings."""
    from django.conf import settings

    return convert_pdf(
        pdf, workdir, title=title, voice=settings.TTS_VOICE, rate=settings.TTS_RATE,
        processes=processes, progress=progress, should_stop=should_stop,
    )  # fmt: skip
