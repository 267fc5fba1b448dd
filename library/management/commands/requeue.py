"""Convert books again, as the admin's "Queue a new conversion" does: through
services.start_conversion, so a book already waiting or converting is skipped, never given a
second job.

    python manage.py requeue BOOK_ID [BOOK_ID ...] [--voice ID]
    python manage.py requeue --failed [--voice ID]

--failed takes every failed book (after installing a voice, say, or fixing what failed them).
--voice sets the voice of their next conversions (an id from `manage.py voices`, or "auto").
An operator's command: not held to MAX_QUEUED_PER_USER. A book whose finished copy matches is
ready at once (its audio reused), as an upload would be.
"""

import uuid

from django.core.management.base import BaseCommand, CommandError

from conversions import speech
from library import services
from library.models import Audiobook


class Command(BaseCommand):
    help = "Queue a new conversion of these books (or of every failed one)."

    def add_arguments(self, parser):
        parser.add_argument("books", nargs="*", metavar="BOOK_ID", help="audiobook ids")
        parser.add_argument("--failed", action="store_true", help="every failed book")
        parser.add_argument("--voice", help='the voice for their conversions, or "auto"')

    def handle(self, *args, books=(), failed=False, voice=None, **options):
        if bool(books) == failed:
            raise CommandError("Name the books to convert again, or give --failed (not both).")
        if voice is not None and voice != speech.AUTOMATIC:
            try:
                voice = speech.get_voice(voice).id
            except speech.UnknownVoice:
                raise CommandError(f"There is no voice {voice!r}; see manage.py voices.") from None
        chosen = self.chosen_books(books, failed)
        queued = ready = 0
        for book in chosen:
            try:
                job = services.start_conversion(book, voice=voice, limit_queue=False)
            except services.AlreadyConverting:
                self.stdout.write(
                    f"skipped {book.pk} ({book.title}): already waiting or converting"
                )
                continue
            if job.status == job.Status.COMPLETED:
                ready += 1
                self.stdout.write(f"ready {book.pk} ({book.title}): audio reused")
            else:
                queued += 1
                self.stdout.write(f"queued {book.pk} ({book.title})")
        self.stdout.write(
            f"{queued} queued, {ready} ready at once, {len(chosen) - queued - ready} skipped"
        )

    def chosen_books(self, ids, failed) -> list[Audiobook]:
        if failed:
            return list(
                Audiobook.objects.filter(status=Audiobook.Status.FAILED).order_by("created_at")
            )
        try:
            wanted = [uuid.UUID(text) for text in ids]
        except ValueError as error:
            raise CommandError(f"Not an audiobook id: {error}") from None
        found = Audiobook.objects.in_bulk(wanted)
        missing = [str(pk) for pk in wanted if pk not in found]
        if missing:
            raise CommandError(f"No such audiobook: {', '.join(missing)}")
        return [found[pk] for pk in wanted]
