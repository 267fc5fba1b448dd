"""Multi-step writes on audiobooks: each keeps rows and files consistent.

Views, the admin and commands call these; nothing else writes audiobooks and their files.
"""

import logging

from django.core.files.storage import default_storage
from django.db import transaction

from conversions.models import ConversionJob

from .models import Audiobook

log = logging.getLogger(__name__)


@transaction.atomic
def queue_conversion(book: Audiobook) -> ConversionJob:
    """Queue a new conversion attempt: a new job row, and the book back to pending."""
    Audiobook.objects.filter(pk=book.pk).update(status=Audiobook.Status.PENDING)
    book.status = Audiobook.Status.PENDING
    return ConversionJob.objects.create(audiobook=book)


def storage_names(book: Audiobook) -> list[str]:
    """Every file in storage that belongs to `book`."""
    names = [book.transcript_name]
    for field in (book.pdf_path, book.audio_path):
        if field and field.name:
            names.append(field.name)
    return names


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
    return len(books)


def remove_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            log.exception("could not delete %s from storage", name)
