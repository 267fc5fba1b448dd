"""Convert one PDF to an MP3 (with chapters and a WebVTT transcript) without the web or the
database, showing progress on the terminal.

    python manage.py convert FILE.pdf [-o OUT.mp3] [--text] [--voice ID] [--processes N]
                                      [--password P] [--pronunciations FILE]

--text prints the narration text with its chapter headings instead: what will be read aloud,
for checking a PDF before uploading it. --voice takes an id from `manage.py voices`, or "auto"
(the default unless TTS_VOICE says otherwise): the best voice for the book's language. An
unknown voice exits with status 2.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audiobooker.disk import is_disk_full
from conversions import pdftext, speech
from conversions.normalize import LexiconError, parse_lexicon
from conversions.pipeline import ConversionError, convert_pdf, read_document
from library.durations import format_duration


class Command(BaseCommand):
    help = "Convert one PDF into an MP3 audiobook (or print its narration text with --text)."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("pdf", type=Path, help="the PDF to convert")
        parser.add_argument(
            "-o", "--output", type=Path, help="the MP3 to write (default: FILE.mp3)"
        )
        parser.add_argument("--text", action="store_true", help="print the narration text instead")
        parser.add_argument(
            "--processes", type=int, help="speech processes (default: one per core)"
        )
        parser.add_argument("--password", help="the password of an encrypted PDF")
        parser.add_argument(
            "--voice", default=settings.TTS_VOICE,
            help='a voice id from `manage.py voices`, or "auto": the best for the language',
        )  # fmt: skip
        parser.add_argument("--rate", type=int, default=settings.TTS_RATE, help="words per minute")
        parser.add_argument(
            "--pronunciations", type=Path, metavar="FILE",
            help="a pronunciation list to say words by (one `written = spoken` pair a line)",
        )  # fmt: skip

    def handle(
        self, *args, pdf, output, text, processes, password, voice, rate, pronunciations, **options
    ):
        if voice != speech.AUTOMATIC:
            try:
                speech.get_voice(voice)
            except speech.UnknownVoice:
                raise CommandError(
                    f"There is no voice {voice!r} here; `manage.py voices` lists them.",
                    returncode=2,
                ) from None
        if not pdf.is_file():
            raise CommandError(f"{pdf}: no such file")
        lexicon = read_lexicon(pronunciations) if pronunciations else ()
        try:
            if text:
                self.stdout.write(pdftext.narration_text(read_document(pdf, password)), ending="")
                return
            output = output or pdf.with_suffix(".mp3")
            bar = ProgressBar(sys.stderr)
            started = time.monotonic()
            workdir = Path(tempfile.mkdtemp(prefix="audiobooker-convert-"))
            try:
                result = convert_pdf(
                    pdf, workdir, voice=voice, rate=rate, processes=processes,
                    progress=bar.update, password=password,
                    on_plan=lambda plan: bar.say(describe(plan)), on_ocr=bar.recognised,
                    lexicon=lexicon,
                )  # fmt: skip
                bar.done()
                save_beside(result, output)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
        except ConversionError as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            if is_disk_full(error):
                raise CommandError(f"Out of disk space: {error}") from error
            raise
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{output}: {result.duration / 3600:.2f} h of audio, {len(result.chapters)} chapters, "
            f"{result.words:,} words, in {seconds:.1f} s ({result.duration / seconds:.0f}x real time)"
        )
        self.stdout.write(f"{output.with_suffix('.vtt')}: captions")


def read_lexicon(path: Path) -> list:
    """The pairs of a pronunciation list file; a bad file exits with status 2, every bad line
    named."""
    try:
        return parse_lexicon(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(
            f"{path}: cannot read it as a text file ({error})", returncode=2
        ) from None
    except LexiconError as error:
        lines = "\n".join(f"  line {n}: {message}" for n, message in error.errors)
        raise CommandError(f"{path} has lines that are not pairs:\n{lines}", returncode=2) from None


def describe(plan) -> str:
    """ "Language: Russian (detected); voice: eSpeak Russian (espeak:ru)" and any note."""
    how = {"pdf": "from the PDF", "detected": "detected", "default": "a guess"}
    line = (
        f"Language: {speech.language_name(plan.language.code)} ({how[plan.language.source]}); "
        f"voice: {plan.voice.label} ({plan.voice.id})"
    )
    return f"{line}\n{plan.note}" if plan.note else line


def save_beside(result, output: Path) -> None:
    """Move the MP3 and its captions to `output`: both, or neither (no half-copied file)."""
    begun = []
    try:
        for source, target in [(result.mp3, output), (result.vtt, output.with_suffix(".vtt"))]:
            begun.append(target)
            shutil.move(source, target)
    except BaseException:
        for target in begun:  # whole or partly copied; files this run did not touch stay
            target.unlink(missing_ok=True)
        raise


def remaining(seconds: float) -> str:
    """Time left, as "ETA 2:05" or "ETA 1:02:05"."""
    return f"ETA {format_duration(round(seconds))}"


class ProgressBar:
    """A one-line progress bar on a terminal (plain lines every 10 % when not a terminal),
    with the time left beside it: measured on this book, from its pace since the first
    percent it reported after starting."""

    def __init__(self, stream, width: int = 40, clock=time.monotonic):
        self.stream, self.width, self.clock = stream, width, clock
        self.tty = stream.isatty()
        self.shown = -1
        self.stage = ""  # after the percentage while scanned pages are recognised
        self.first: tuple[float, float] | None = None  # (percent, time) the pace is measured from

    def eta(self, percent: float) -> str:
        """The time left at this book's pace so far ("" until there is a pace to go by)."""
        now = self.clock()
        if self.first is None or percent < self.first[0]:
            self.first = (percent, now)
            return ""
        done, elapsed = percent - self.first[0], now - self.first[1]
        if done < 1 or elapsed < 1 or percent >= 100:
            return ""
        return remaining(elapsed * (100 - percent) / done)

    def update(self, percent: float, *, again: bool = False) -> None:
        eta = self.eta(percent)
        percent = int(percent)
        if not again and (
            percent <= self.shown or (not self.tty and percent // 10 == self.shown // 10)
        ):
            return
        self.shown = percent
        if self.tty:
            filled = self.width * percent // 100
            bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}%"
            self.stream.write(f"\r\033[K{bar}{'  ' + eta if eta else ''}{self.stage}")
        else:
            self.stream.write(f"{percent}%{'  ' + eta if eta else ''}\n")
        self.stream.flush()

    def recognised(self, done: int, total: int) -> None:
        """OCR, page by page: "recognising scanned pages: 3 of 40" beside the bar."""
        self.stage = f"  recognising scanned pages: {done} of {total}" if done < total else ""
        if self.tty:
            self.update(max(0, self.shown), again=True)
        elif done == 0 or done == total or done % 10 == 0:
            self.stream.write(f"recognising scanned pages: {done} of {total}\n")
            self.stream.flush()

    def say(self, line: str) -> None:
        """A line of its own above the bar."""
        if self.tty and self.shown >= 0:
            self.stream.write("\r\033[K")
        self.stream.write(line + "\n")
        self.stream.flush()
        if self.tty and self.shown >= 0:
            shown, self.shown = self.shown, -1
            self.update(shown)

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
