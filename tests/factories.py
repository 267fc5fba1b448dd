"""Objects for tests, made the way the app makes them."""

import itertools

from django.core.files.base import ContentFile

from accounts.models import User
from conversions.models import ConversionJob
from library.models import Audiobook

_numbers = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_user(email=None, password=PASSWORD, **fields) -> User:
    email = email or f"user{next(_numbers)}@example.com"
    return User.objects.create_user(email, password, **fields)


def make_book(user=None, title="A book", pdf_bytes=b"%PDF-1.4\n%%EOF\n", **fields) -> Audiobook:
    book = Audiobook(
        user=user or make_user(),
        title=title,
        original_file_name=f"{title}.pdf",
        file_size=len(pdf_bytes),
        **fields,
    )
    book.pdf_path.save("upload.pdf", ContentFile(pdf_bytes), save=False)
    book.save()
    return book


def make_job(book=None, **fields) -> ConversionJob:
    return ConversionJob.objects.create(audiobook=book or make_book(), **fields)


def run_worker(processes: int = 1, most: int = 50) -> int:
    """Run a worker's units in this process until the queue is empty; how many jobs it ran."""
    from io import StringIO

    from conversions.management.commands.worker import Command

    worker = Command(stdout=StringIO()).setup(processes=processes)
    runs = 0
    try:
        while worker.process_one():
            runs += 1
            assert runs < most, "the worker keeps finding jobs"
    finally:
        worker.locks.close()
    return runs
