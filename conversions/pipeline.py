"""One conversion, start to end: PDF -> narration text -> speech -> MP3 + WebVTT.

Plain functions with a progress callback, used by the worker and by `manage.py convert`:

1. pdftext reads the PDF in a child process (time and memory limits) into chapters of clean
   narration text, or fails with a reason a person understands;
2. the book's language is settled (the PDF's /Lang, else detected from the text), and with it
   the voice, unless one was chosen: the best installed voice for that language;
3. speech cuts the text into chunks at sentence ends and speaks them with the voice's engine in
   child processes, encoding MP3 segments as it goes (finished chunks are cached in `workdir`);
4. audio joins the segments into one tagged MP3 with ID3 chapters, and writes the WebVTT captions.

Progress rises from 0 to 100: reading ~3 %, speaking and encoding ~95 %, joining the rest.
A PDF with scanned pages reads for longer (OCR, page by page): its reading share grows with
the pages to recognise, against an estimate of the speaking still to come.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import audio, cover, pdftext, speech
from .language import LanguageGuess, book_language, count_words, iso_639_2

Progress = Callable[[float], None]
StopCheck = Callable[[], bool]

READ_SHARE, SPEAK_SHARE = 3.0, 95.0
# Seconds of one core per page, to weigh OCR against speech in the progress bar. Measured:
# Tesseract at pdftext.ocr.OCR_DPI ~1.3 s a page (bench/ocr.py); about 350 words a page spoken
# by a natural voice (Piper ~12x real time a core) ~10 s, by eSpeak with MP3 encoding ~0.3 s.
OCR_SECONDS_PER_PAGE = 1.3
SPEECH_SECONDS_PER_PAGE = {True: 10.0, False: 0.3}  # natural voice or not
# Words per chunk: each chunk is one caption cue, so a sentence or a few (about 10 s of
# speech) lets the transcript follow the voice sentence by sentence. Measured on fhs-3.0.pdf
# with 2 processes: 30-word chunks cost 6 % more time than 250-word ones (412x vs 433x).
CHUNK_WORDS = 30
# Japanese and Chinese have no spaces: about the same ten seconds of speech in characters
# (Kokoro reads ~430 characters a minute).
CHUNK_CHARS_UNSPACED = 70
SPEECH_FAILED = (
    "The speech engine failed on part of this PDF, even after a retry. Try again; if it keeps "
    "failing, the text may contain something the voice cannot read."
)
VOICE_GONE = (
    "The voice chosen for this book ({voice}) is no longer installed. Try again to have it "
    "read by the best voice for its language, or choose another voice."
)
VOICE_FAILED = (
    "The voice {voice} could not start ({reason}). Try again with another voice, or ask the "
    "administrator."
)


@dataclass(frozen=True)
class ReadyAudio:
    """A stretch of a book's audio that is finished while the rest is still being spoken: an
    MP3 file, playable on its own, that starts `start` seconds into the finished book. The
    ready stretches of a book, joined in `index` order, are the start of its finished MP3's
    audio (the same frames, without its tags)."""

    index: int
    chapter: int  # its chapter's place in the book (from 0); a stretch is never in two
    chapter_title: str
    start: float
    duration: float
    mp3: Path
    cues: tuple[tuple[float, float, str], ...] = ()  # (start, end, text): captions, in the book


ReadyCallback = Callable[[ReadyAudio], None]


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
    language: str = ""  # the book's language ("en", "ru", a PDF's "en-gb")
    voice: str = ""  # the id of the voice that read it
    note: str = ""  # for the listener: why the language or the voice is a fallback
    cover: Path | None = None  # the first page as a PNG; None when it gives no picture


@dataclass(frozen=True)
class Plan:
    """How a book is read: its language (and how it was found) and the voice."""

    language: LanguageGuess
    voice: speech.Voice
    voice_note: str = ""
    reading_note: str = ""  # how the scanned pages were read, when that was a fallback

    @property
    def note(self) -> str:
        notes = (self.reading_note, self.language.note, self.voice_note)
        return " ".join(n for n in notes if n)


def read_document(
    pdf: Path,
    password: str | None = None,
    *,
    language: str = "",
    processes: int | None = None,
    progress: pdftext.ReadingProgress | None = None,
) -> pdftext.Document:
    """The PDF's narration text, parsed in a child process; ConversionError when it cannot be.

    Scanned pages are recognised in `language` ("" to find it) by `processes` OCR processes
    (default: one per core); `progress(done, to_recognise, pages)` hears of each.
    """
    try:
        return pdftext.extract_document_isolated(
            pdf, password, ocr_language=language, processes=processes or speech.cpu_count(),
            progress=progress,
        )  # fmt: skip
    except pdftext.PdfError as error:
        raise ConversionError(str(error)) from error


class ReadingProgress:
    """Progress while the PDF is read: `share` of the bar goes to OCR, fixed when the pages to
    recognise are known (the time they take against the speaking to come), and filled page
    by page; a PDF with a text layer reads in the first READ_SHARE %."""

    def __init__(
        self,
        progress: Progress,
        should_stop: StopCheck,
        natural_voice: bool,
        on_ocr: Callable[[int, int], None] = lambda done, total: None,
    ) -> None:
        self.progress, self.should_stop, self.on_ocr = progress, should_stop, on_ocr
        self.natural_voice = natural_voice
        self.share = READ_SHARE

    def __call__(self, done: int, to_recognise: int, pages: int) -> None:
        if self.should_stop():
            raise Interrupted()
        if done == 0:
            ocr = to_recognise * OCR_SECONDS_PER_PAGE
            speaking = pages * SPEECH_SECONDS_PER_PAGE[self.natural_voice]
            self.share = max(READ_SHARE, (READ_SHARE + SPEAK_SHARE) * ocr / (ocr + speaking))
        self.on_ocr(done, to_recognise)
        self.progress(self.share * done / max(1, to_recognise))


def ocr_language(voice: str) -> str:
    """The language a chosen voice speaks ("" for automatic: found from the pages)."""
    if not voice or voice == speech.AUTOMATIC:
        return ""
    try:
        return speech.get_voice(voice).language
    except speech.UnknownVoice:
        return ""


def reads_naturally(voice: str) -> bool:
    """Will a natural voice read the book (the automatic choice for English is one)?"""
    if voice and voice != speech.AUTOMATIC:
        try:
            return speech.get_voice(voice).natural
        except speech.UnknownVoice:
            return False
    return any(v.natural for v in speech.installed_voices())


def plan_reading(doc: pdftext.Document, voice: str) -> Plan:
    """The book's language, and the voice: the one asked for, or the best for the language.

    `voice` is a voice id or "auto" (or blank). A voice that is not installed (removed after
    the book was queued) is a ConversionError that says so.
    """
    paragraphs = [p for chapter in doc.chapters for p in chapter.paragraphs]
    language = book_language(doc.language, paragraphs)
    if voice and voice != speech.AUTOMATIC:
        try:
            return Plan(language, speech.get_voice(voice), reading_note=doc.note)
        except speech.UnknownVoice:
            raise ConversionError(VOICE_GONE.format(voice=voice)) from None
    try:
        chosen, note = speech.choose_voice(language.code)
    except speech.UnknownVoice as error:
        raise ConversionError(
            f"No voice is installed that could read this book ({error})."
        ) from None
    return Plan(language, chosen, note, doc.note)


def chunk_chapters(doc: pdftext.Document, language: str) -> list[tuple[str, list[str]]]:
    """(title, chunks) per chapter: chunks of about ten seconds of speech, one caption each."""
    unspaced = speech.primary_language(language) in speech.chunking.UNSPACED_LANGUAGES
    limits = {"max_chars": CHUNK_CHARS_UNSPACED} if unspaced else {"max_words": CHUNK_WORDS}
    return [
        (chapter.title, speech.split_into_chunks(chapter.paragraphs, language=language, **limits))
        for chapter in doc.chapters
    ]


class _ReadyCounter:
    """Turns the speech pool's finished segments (in order) into ReadyAudio: numbered, with
    their start in the book."""

    def __init__(self, chapters: Sequence[tuple[str, Sequence[str]]], on_ready: ReadyCallback):
        self.titles = [title for title, _ in chapters]
        # What the speech pool speaks of each chapter: its title (when it has one), then chunks.
        self.texts = [((t,) if t.strip() else ()) + tuple(chunks) for t, chunks in chapters]
        self.used = [0] * len(chapters)  # chunks of each chapter in the stretches so far
        self.on_ready = on_ready
        self.index, self.start = 0, 0.0

    def cues(self, chapter: int, segment: audio.AudioSegment) -> tuple:
        """The stretch's captions, timed as audio.write_webvtt times them."""
        texts, first = self.texts[chapter], self.used[chapter]
        rate, cues = segment.sample_rate, []
        position = audio.CODEC_DELAY_SAMPLES
        for i, samples in enumerate(segment.chunk_samples):
            text = texts[first + i] if first + i < len(texts) else ""
            begin, position = position, position + samples
            if samples and text:
                cues.append((self.start + begin / rate, self.start + position / rate, text))
        self.used[chapter] += len(segment.chunk_samples)
        return tuple(cues)

    def __call__(self, chapter: int, segment: audio.AudioSegment) -> None:
        cues = self.cues(chapter, segment)
        self.on_ready(
            ReadyAudio(
                self.index,
                chapter,
                self.titles[chapter],
                self.start,
                segment.duration,
                segment.mp3_path,
                cues,
            )  # fmt: skip
        )
        self.index += 1
        self.start += segment.duration


def convert_pdf(
    pdf: Path,
    workdir: Path,
    *,
    title: str | None = None,
    voice: str = speech.AUTOMATIC,
    rate: int,
    processes: int | None = None,
    progress: Progress = lambda percent: None,
    should_stop: StopCheck = lambda: False,
    password: str | None = None,
    on_plan: Callable[[Plan], None] = lambda plan: None,
    lexicon: Sequence = (),
    on_ocr: Callable[[int, int], None] = lambda done, total: None,
    on_ready: ReadyCallback | None = None,
) -> ConversionResult:
    """Convert `pdf` into `workdir`/book.mp3 and book.vtt, read by `voice` ("auto": the best
    voice for the book's language).

    `workdir` also keeps the spoken chunks, so a second call for the same PDF (a retried or
    resumed job) speaks only what is missing. `should_stop()` is asked as the work goes on;
    when it returns True the conversion raises Interrupted, keeping what is done. `on_plan` is
    told the language and the voice as soon as they are settled, before the speaking starts;
    `on_ocr(done, total)` of each scanned page recognised.
    `lexicon` is the pronunciation list (normalize.Substitution pairs) the voice says.
    With `on_ready`, the book is spoken front to back and `on_ready` hears of each finished
    stretch of audio (ReadyAudio) in order, so that it can be played before the end.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    progress(0)
    reading = ReadingProgress(progress, should_stop, reads_naturally(voice), on_ocr)
    doc = read_document(
        pdf, password, language=ocr_language(voice), processes=processes, progress=reading
    )
    if should_stop():
        raise Interrupted()
    title = title or doc.title or Path(pdf).stem
    if len(doc.chapters) > 1 and not doc.chapters[0].title:
        # What comes before the first heading (a title page, a preface) is named after the
        # book, not "Chapter 1" ahead of the book's own chapter 1.
        doc.chapters[0].title = title
    plan = plan_reading(doc, voice)
    on_plan(plan)
    read_share = reading.share
    speak_share = READ_SHARE + SPEAK_SHARE - read_share
    progress(read_share)

    chapters = chunk_chapters(doc, plan.language.code)
    words = sum(count_words(chunk) for _, chunks in chapters for chunk in chunks)

    def spoken(fraction: float) -> None:
        if should_stop():
            raise Interrupted()
        progress(read_share + speak_share * fraction)

    ready = _ReadyCounter(chapters, on_ready) if on_ready is not None else None
    try:
        spoken_chapters = speech.speak_chapters(
            chapters, workdir / "speech", voice=plan.voice, rate=rate, processes=processes,
            progress=spoken, lexicon=lexicon, on_ready=ready,
        )  # fmt: skip
    except speech.VoiceUnusable as error:
        raise ConversionError(VOICE_FAILED.format(voice=plan.voice.label, reason=error)) from error
    except speech.SpeechError as error:
        raise ConversionError(SPEECH_FAILED) from error

    mp3, vtt = workdir / "book.mp3", workdir / "book.vtt"
    front = cover.write_cover(pdf, workdir / "cover.png", password, title=title, author=doc.author)
    duration = audio.write_audiobook(
        spoken_chapters, mp3, title=title, author=doc.author,
        language=iso_639_2(plan.language.code), cover=front.read_bytes() if front else None,
    )  # fmt: skip
    audio.write_webvtt(spoken_chapters, vtt)
    starts = [start / 1000 for start, _ in audio.chapter_times(spoken_chapters)]
    progress(100)
    return ConversionResult(
        mp3=mp3,
        vtt=vtt,
        duration=duration,
        title=title,
        author=doc.author,
        page_count=doc.page_count,
        chapters=[(c.title, start) for c, start in zip(spoken_chapters, starts, strict=True)],
        words=words,
        language=plan.language.code,
        voice=plan.voice.id,
        note=plan.note,
        cover=front,
    )


def convert_book(
    pdf: Path, workdir: Path, *, progress, should_stop, processes=None, title=None, voice="",
    on_plan=lambda plan: None, lexicon=(), on_ready=None,
):  # fmt: skip
    """The worker's entry point: `convert_pdf` with the rate, and the voice unless the book
    has its own, from the settings."""
    from django.conf import settings

    return convert_pdf(
        pdf, workdir, title=title, voice=voice or settings.TTS_VOICE, rate=settings.TTS_RATE,
        processes=processes, progress=progress, should_stop=should_stop, on_plan=on_plan,
        lexicon=lexicon, on_ready=on_ready,
    )  # fmt: skip
