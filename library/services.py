"""Multi-step writes on audiobooks: each keeps rows and files consistent.

Views, the admin and commands call these; nothing else writes audiobooks and their files.
"""

import errno
import logging
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversions.models import ConversionJob
from conversions.queue import queue_turn_of, work_folder

from .models import Audiobook, AudiobookDetails, transcript_name_for

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
    """Queue a conversion of `book`: the only way a job is created.

    Refuses (AlreadyConverting) while the book has a job waiting or running, and (QueueFull)
    when its owner would have more than MAX_QUEUED_PER_USER books waiting or converting. Both
    are decided under locks taken in this transaction, so that requests arriving together
    cannot pass them side by side: the book's row, and its owner's row (PostgreSQL; SQLite's
    IMMEDIATE transactions already admit one writer at a time). `voice` (an id, or "auto")
    replaces the book's chosen voice; None keeps it. `limit_queue=False` is for the worker
    queueing a new attempt of a book that was already counted as waiting.
    """
    from accounts.models import User

    with transaction.atomic():
        if book.user_id is not None and limit_queue:
            User.objects.select_for_update().filter(pk=book.user_id).first()
        Audiobook.objects.select_for_update().filter(pk=book.pk).first()
        if ConversionJob.objects.filter(
            audiobook=book, status__in=ConversionJob.ACTIVE_STATUSES
        ).exists():
            raise AlreadyConverting(f"“{book.title}” is already waiting or converting.")
        if book.user_id is not None and limit_queue:
            limit = settings.MAX_QUEUED_PER_USER
            others = (
                Audiobook.objects.filter(user_id=book.user_id, status__in=Audiobook.ACTIVE_STATUSES)
                .exclude(pk=book.pk)
                .count()
            )
            if others + 1 > limit:
                raise QueueFull(queue_full_message(limit))
        if voice is not None:
            AudiobookDetails.objects.update_or_create(
                audiobook=book, defaults={"voice_choice": "" if voice == "auto" else voice}
            )
        Audiobook.objects.filter(pk=book.pk).update(
            status=Audiobook.Status.PENDING, updated_at=timezone.now()
        )
        book.status = Audiobook.Status.PENDING
        job = ConversionJob.objects.create(audiobook=book)
        queue_turn_of(book.user_id)
        return job


def create_audiobook(
    user,
    upload,
    *,
    title: str,
    page_count: int | None = None,
    author: str = "",
    voice: str = "",
) -> Audiobook:
    """Store an uploaded PDF and queue its conversion: file, book and first job together.

    The file is streamed to storage under the book's UUID (never the uploaded name) before the
    rows are written; if writing the rows fails (or the queue is full: ConversionRefused), the
    file is removed again, so nothing is kept half-way. `voice` is the voice chosen for it
    ("" or "auto": the best one for its language).
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
        names += [book.audio_path.name, book.transcript_name]
    return [name for name in names if name]


def delete_audiobook(book: Audiobook) -> None:
    """Delete the book, its jobs (the database cascades) and its files."""
    delete_audiobooks(Audiobook.objects.filter(pk=book.pk))


def delete_audiobooks(books) -> int:
    """Delete a queryset of books with their jobs and files; returns how many books went.

    Files go only after the rows are gone for good (on commit), so a rolled-back delete never
    leaves a row pointing at a missing file. The database cascade skips Django's signals, so
    nothing else would remove them (the orphan sweep catches what a crash leaves behind).
    """
    with transaction.atomic():
        books = list(books.select_for_update())
        names = [name for book in books for name in storage_names(book)]
        Audiobook.objects.filter(pk__in=[book.pk for book in books]).delete()
        transaction.on_commit(lambda: remove_files(names))
        transaction.on_commit(lambda: remove_work_folders([book.pk for book in books]))
    return len(books)


def remove_work_folders(book_ids) -> None:
    """Drop the spoken chunks kept for these books on this machine (a worker elsewhere drops
    its own when it notices the book is gone)."""
    for book_id in book_ids:
        shutil.rmtree(work_folder(book_id), ignore_errors=True)


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
    Never touches a file a row still names.
    """
    min_age = settings.ORPHAN_MIN_AGE if min_age is None else min_age
    cutoff = timezone.now() - min_age
    named = set()
    for pdf, audio in Audiobook.objects.values_list("pdf_path", "audio_path").iterator():
        named.add(pdf)
        if audio:
            named.update((audio, transcript_name_for(audio)))
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
