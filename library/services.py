"""Multi-step writes on audiobooks: each keeps rows and files consistent.

Views, the admin, the worker and the commands call these. Who writes what:

- Files in storage (PDFs, audio, captions): only this module. The worker stores the audio it
  made, and removes audio it replaced, through `store_audio` and `release_audio`.
- Jobs are created only by `start_conversion`: upload, retry and "convert again", the admin's
  action, `manage.py requeue` and the worker's recovery all call it.
- A book's life (created, deleted, its audio reused from another copy): here.
- While a job runs, the worker protocol (conversions/queue.py) writes the job, and the book's
  status, audio name and details, each write conditional on holding the job's claim.
- A title is one column, changed by the rename view and the admin's form.

Audio can be shared: a book whose upload matched a finished book takes the same audio name
(no copy). A file therefore goes only when no book names it any more (`release_audio`, and
`delete_audiobooks`), so deleting either book keeps the other playable.
"""

import contextlib
import errno
import logging
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import listening
from conversions import speech
from conversions.models import ConversionJob
from conversions.queue import queue_turn_of, work_folder

from .models import (
    Audiobook,
    AudiobookDetails,
    ReadySegment,
    audio_file_names,
    segment_folder,
)

log = logging.getLogger(__name__)


class ConversionRefused(Exception):
    """A conversion that cannot be queued now; str(error) says why, in words for the user."""


class AlreadyConverting(ConversionRefused):
    """The book already has a job waiting or running: one attempt at a time."""


class QueueFull(ConversionRefused):
    """Its owner already has MAX_QUEUED_PER_USER books waiting or converting."""


def queue_full_message(limit: int) -> str:
    return (
        f"You already have {limit} book{'s' if limit != 1 else ''} waiting or converting, as "
        "many as one person may have at once. Try again when some of them are done."
    )


def start_conversion(
    book: Audiobook, *, voice: str | None = None, limit_queue: bool = True
) -> ConversionJob:
    """Start a conversion of `book`: the only way a job is created.

    The job is queued, unless the book has no audio yet and one of its owner's finished books
    (anyone's, with REUSE_AUDIO_ACROSS_USERS) is the same file read by the same voice at the
    same rate: then the job is completed at once and the book shares that book's audio.

    Refuses (AlreadyConverting) while the book has a job waiting or running, and (QueueFull)
    when its owner would have more than MAX_QUEUED_PER_USER books waiting or converting. Both
    are decided under locks taken in this transaction, so that requests arriving together
    cannot pass them side by side: the book's row, and its owner's row (PostgreSQL; SQLite's
    IMMEDIATE transactions already admit one writer at a time). `voice` (an id, or "auto")
    replaces the book's chosen voice; None keeps it. `limit_queue=False` is for the worker
    queueing a new attempt of a book that was already counted as waiting, and for the admin.
    """
    from accounts.models import User

    with transaction.atomic():
        if book.user_id is not None and limit_queue:
            User.objects.select_for_update().filter(pk=book.user_id).first()
        locked = Audiobook.objects.select_for_update().filter(pk=book.pk).first()
        if ConversionJob.objects.filter(
            audiobook=book, status__in=ConversionJob.ACTIVE_STATUSES
        ).exists():
            raise AlreadyConverting(f"“{book.title}” is already waiting or converting.")
        if voice is not None:
            AudiobookDetails.objects.update_or_create(
                audiobook=book, defaults={"voice_choice": "" if voice == "auto" else voice}
            )
        if locked is not None and not locked.audio_path:
            job = reuse_audio(book)
            if job is not None:
                return job
        if book.user_id is not None and limit_queue:
            limit = settings.MAX_QUEUED_PER_USER
            others = (
                Audiobook.objects.filter(user_id=book.user_id, status__in=Audiobook.ACTIVE_STATUSES)
                .exclude(pk=book.pk)
                .count()
            )
            if others + 1 > limit:
                raise QueueFull(queue_full_message(limit))
        Audiobook.objects.filter(pk=book.pk).update(
            status=Audiobook.Status.PENDING, updated_at=timezone.now()
        )
        book.status = Audiobook.Status.PENDING
        job = ConversionJob.objects.create(audiobook=book)
        queue_turn_of(book.user_id)
        return job


# ---- reuse ------------------------------------------------------------------------------------


def voice_that_would_read(choice: str, language: str) -> str:
    """The id of the voice a conversion would use now: the one chosen (or TTS_VOICE), or for
    "auto" the best installed voice for `language` ("" when none would)."""
    wanted = choice or settings.TTS_VOICE
    try:
        if wanted == speech.AUTOMATIC:
            return speech.choose_voice(language or "en")[0].id
        return speech.get_voice(wanted).id
    except speech.UnknownVoice:
        return ""


def reusable_source(book: Audiobook) -> Audiobook | None:
    """A finished book whose audio `book` can have: the same uploaded file (its content
    hash), read by the voice `book` would get, at today's TTS_RATE, with the pronunciation
    lists `book`'s owner has now. Its owner's books only, unless REUSE_AUDIO_ACROSS_USERS."""
    details = AudiobookDetails.objects.filter(audiobook=book).first()
    if details is None or not details.content_hash:
        return None
    candidates = (
        Audiobook.objects.filter(
            details__content_hash=details.content_hash, status=Audiobook.Status.COMPLETED
        )
        .exclude(pk=book.pk)
        .exclude(audio_path="")
        .exclude(audio_path__isnull=True)
        .select_related("details")
        .order_by("-updated_at")
    )
    if not settings.REUSE_AUDIO_ACROSS_USERS:
        candidates = candidates.filter(user_id=book.user_id)
    lexicon = listening.lexicon_for(book.user)
    for source in candidates[:20]:
        made = source.details
        if made.rate != settings.TTS_RATE or not made.voice:
            continue
        # The same file has the same language, so "auto" would pick what it picked, unless
        # the voices installed have changed since.
        # The same pronunciation lists too: its owner's own pairs, or another's, would say
        # the book's words otherwise.
        if (
            voice_that_would_read(details.voice_choice, made.language) == made.voice
            and listening.spoken_with(lexicon, made.voice) == made.spoken_with
        ):
            return source
    return None


def reuse_audio(book: Audiobook) -> ConversionJob | None:
    """Complete `book` at once with the audio of a finished copy of its file, if there is one;
    the completed job records it. Called by start_conversion, inside its transaction.

    The source's row is locked while its audio name is read and shared, so it cannot be
    deleted, or its audio replaced and removed, in between (delete_audiobooks and the
    worker's release_audio look for other books naming a file after that).
    """
    source = reusable_source(book)
    if source is None:
        return None
    source = (
        Audiobook.objects.select_for_update(of=("self",))
        .filter(pk=source.pk, status=Audiobook.Status.COMPLETED)
        .select_related("details")
        .first()
    )
    if source is None or not source.audio_path:
        return None  # deleted or being converted again meanwhile: convert this one
    made, now = source.details, timezone.now()
    AudiobookDetails.objects.update_or_create(
        audiobook=book,
        defaults={
            "duration": made.duration, "audio_size": made.audio_size, "chapters": made.chapters,
            "language": made.language, "voice": made.voice, "reading_note": made.reading_note,
            "rate": made.rate, "spoken_with": made.spoken_with, "reused": True,
            "reused_from": source,
        },
    )  # fmt: skip
    Audiobook.objects.filter(pk=book.pk).update(
        status=Audiobook.Status.COMPLETED, audio_path=source.audio_path.name, updated_at=now
    )
    book.status, book.audio_path = Audiobook.Status.COMPLETED, source.audio_path.name
    log.info("book %s reuses the audio of book %s (same file)", book.pk, source.pk)
    return ConversionJob.objects.create(
        audiobook=book, status=ConversionJob.Status.COMPLETED, progress=100, started_at=now,
        completed_at=now,
    )  # fmt: skip


# ---- books and files --------------------------------------------------------------------------


def create_audiobook(
    user,
    upload,
    *,
    title: str,
    page_count: int | None = None,
    author: str = "",
    voice: str = "",
    word_count: int | None = None,
    content_hash: str = "",
) -> Audiobook:
    """Store an uploaded PDF and start its conversion: file, book and first job together.

    The file is streamed to storage under the book's UUID (never the uploaded name) before the
    rows are written; if writing the rows fails (or the queue is full: ConversionRefused), the
    file is removed again, so nothing is kept half-way. `voice` is the voice chosen for it
    ("" or "auto": the best one for its language). `word_count` (the words in its text) sizes
    its waiting time; `content_hash` (SHA-256 of the upload) lets it reuse the audio of a
    finished copy of the same file (see start_conversion).
    """
    book = Audiobook(
        user=user,
        title=title[:500],
        original_file_name=(upload.name or "upload.pdf")[:500],
        file_size=upload.size,
    )
    book.pdf_path = store_file(book.pdf_path.field.generate_filename(book, "upload.pdf"), upload)
    try:
        with transaction.atomic():
            book.save(force_insert=True)
            AudiobookDetails.objects.create(
                audiobook=book,
                page_count=page_count,
                author=author,
                voice_choice="" if voice == "auto" else voice,
                word_count=word_count,
                content_hash=content_hash,
            )
            start_conversion(book)
    except BaseException:
        remove_files([book.pdf_path.name])
        raise
    return book


def store_file(name: str, content) -> str:
    """Save `content` to storage as `name` (a new name: ours carry UUIDs); returns the name.

    A save that fails half-way (a full disk) would leave the part written so far, which no row
    names; it is removed before the error goes on, so nothing is kept half-way. A save can
    also come up short without an error: moving an upload's temporary file to another disk,
    Django ignores a short last write. The stored size is checked for that.
    """
    existed = default_storage.exists(name)  # then the storage saves under another name
    try:
        saved = default_storage.save(name, content)
        if content.size is not None and default_storage.size(saved) != content.size:
            raise OSError(errno.ENOSPC, "stored short: the disk is full", saved)
        return saved
    except BaseException:
        if not existed:
            remove_files([name])
        raise


def storage_names(book: Audiobook) -> list[str]:
    """Every file in storage that belongs to `book`."""
    names = [book.pdf_path.name]
    if book.audio_path:
        names += audio_file_names(book.audio_path.name)
    return [name for name in names if name]


def delete_audiobook(book: Audiobook) -> None:
    """Delete the book, its jobs (the database cascades) and its files."""
    delete_audiobooks(Audiobook.objects.filter(pk=book.pk))


def delete_audiobooks(books) -> int:
    """Delete a queryset of books with their jobs and files; returns how many books went.

    Files go only after the rows are gone for good (on commit), so a rolled-back delete never
    leaves a row pointing at a missing file, and audio another book shares stays. The database
    cascade skips Django's signals, so nothing else would remove them (the orphan sweep
    catches what a crash leaves behind).
    """
    with transaction.atomic():
        books = list(books.select_for_update())
        names = [name for book in books for name in storage_names(book)]
        Audiobook.objects.filter(pk__in=[book.pk for book in books]).delete()
        names = [name for name in names if name not in still_named(names)]
        transaction.on_commit(lambda: remove_files(names))
        transaction.on_commit(lambda: remove_work_folders([book.pk for book in books]))
        transaction.on_commit(lambda: remove_segment_files([book.pk for book in books]))
    return len(books)


def still_named(names) -> set[str]:
    """Those of `names` (audio files and their captions) that some book still names."""
    audio = Audiobook.objects.filter(audio_path__in=names).values_list("audio_path", flat=True)
    return {kept for name in audio for kept in audio_file_names(name)}


def store_audio(job_id, mp3: Path, vtt: Path, cover: Path | None = None) -> str:
    """Store a finished job's MP3, captions and cover (when the first page gave one), named
    after the job (a conversion never overwrites audio in use); returns the MP3's storage name.
    Nothing is left half-way."""
    names = []
    try:
        for path in (mp3, vtt, cover) if cover else (mp3, vtt):
            with open(path, "rb") as f:
                names.append(store_file(f"audio/{job_id}{path.suffix}", File(f)))
    except BaseException:
        remove_files(names)
        raise
    return names[0]


def release_audio(audio_name: str) -> None:
    """Remove an MP3 (and its captions) that a book no longer uses, unless another book still
    shares it. Called after the change that stopped using it has committed."""
    names = audio_file_names(audio_name)
    remove_files([name for name in names if name not in still_named(names)])


def remove_work_folders(book_ids) -> None:
    """Drop the spoken chunks kept for these books on this machine (a worker elsewhere drops
    its own when it notices the book is gone)."""
    for book_id in book_ids:
        shutil.rmtree(work_folder(book_id), ignore_errors=True)


# ---- ready segments: a converting book's finished audio -----------------------------------------


def store_ready_segment(book_id, ready) -> ReadySegment:
    """Store a stretch of a converting book's finished audio (pipeline.ReadyAudio) and record it.

    The same stretch made again (a resumed job reuses its spoken chunks) replaces the file and
    row of the same index. The worker calls this only while it holds the book's job; a book
    deleted meanwhile makes the row's insert fail, and its file is removed with the folder.
    """
    name = f"{segment_folder(book_id)}/{ready.index}.mp3"
    size = ready.mp3.stat().st_size
    if not (default_storage.exists(name) and default_storage.size(name) == size):
        default_storage.delete(name)
        with open(ready.mp3, "rb") as f:
            saved = store_file(name, File(f))
        if saved != name:  # saved beside a file that appeared meanwhile: not ours to serve
            remove_files([saved])
            raise OSError(errno.EEXIST, "segment stored under another name", saved)
    segment, _ = ReadySegment.objects.update_or_create(
        audiobook_id=book_id,
        index=ready.index,
        defaults={
            "chapter": ready.chapter,
            "chapter_title": ready.chapter_title[:500],
            "start": ready.start,
            "duration": ready.duration,
            "size": size,
            "name": name,
            "cues": [[round(a, 3), round(b, 3), text] for a, b, text in ready.cues],
        },
    )
    return segment


def remove_ready_segments(book_id) -> None:
    """Forget a book's ready segments: rows and files (when its audio is finished, or failed)."""
    ReadySegment.objects.filter(audiobook_id=book_id).delete()
    remove_segment_files([book_id])


def remove_segment_files(book_ids) -> None:
    """Remove these books' segment files from storage, whatever rows say (listed, not looked up:
    a file stored just before its row failed goes too)."""
    for book_id in book_ids:
        folder = segment_folder(book_id)
        try:
            _, names = default_storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        remove_files([f"{folder}/{name}" for name in names])
        if hasattr(default_storage, "path"):
            with contextlib.suppress(OSError, NotImplementedError):
                Path(default_storage.path(folder)).rmdir()


def remove_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            log.exception("could not delete %s from storage", name)


def sweep_orphans(min_age: timedelta | None = None) -> dict[str, int]:
    """Remove what no row needs any more; returns how many files and folders went.

    - Files in storage under pdfs/ and audio/ that no audiobook names: the database's cascades
      skip Django's signals, a crash can strike between a save and a delete, and a deleted
      user takes their books with them. Only files older than `min_age` go: an upload or a
      finishing job saves its file a moment before the row that names it is committed.
    - Work folders (spoken chunks) of books that are gone or have no job waiting or running.
    - Ready segments (segments/<book>/) of books that are gone or have no job waiting or
      running, older than `min_age` as well.
    Never touches a file a row still names.
    """
    min_age = settings.ORPHAN_MIN_AGE if min_age is None else min_age
    cutoff = timezone.now() - min_age
    named = set()
    for pdf, audio in Audiobook.objects.values_list("pdf_path", "audio_path").iterator():
        named.add(pdf)
        if audio:
            named.update(audio_file_names(audio))
    files = 0
    for folder in ("pdfs", "audio"):
        try:
            _, names = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        for name in names:
            path = f"{folder}/{name}"
            if path in named or default_storage.get_modified_time(path) > cutoff:
                continue
            # Looked up again at the moment of deleting: a row may have appeared meanwhile.
            if Audiobook.objects.filter(Q(pdf_path=path) | Q(audio_path=path)).exists():
                continue
            default_storage.delete(path)
            files += 1

    folders = 0
    root = Path(settings.WORK_DIR)
    active = {
        str(book_id)
        for book_id in ConversionJob.objects.filter(
            status__in=ConversionJob.ACTIVE_STATUSES
        ).values_list("audiobook_id", flat=True)
    }
    try:
        segment_books, _ = default_storage.listdir("segments")
    except FileNotFoundError:
        segment_books = []
    for book_id in segment_books:
        if not _is_uuid(book_id) or book_id in active:
            continue
        folder = segment_folder(book_id)
        try:
            _, names = default_storage.listdir(folder)
        except FileNotFoundError:  # removed meanwhile (the book finished)
            continue
        if any(default_storage.get_modified_time(f"{folder}/{n}") > cutoff for n in names):
            continue
        remove_ready_segments(book_id)
        files += len(names)
    for folder in root.iterdir() if root.is_dir() else ():
        if not _is_uuid(folder.name) or folder.name in active:
            continue
        if datetime.fromtimestamp(folder.stat().st_mtime, UTC) > cutoff:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        folders += 1
    if files or folders:
        log.info("swept %d orphan file(s) and %d work folder(s)", files, folders)
    return {"files": files, "folders": folders}


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
