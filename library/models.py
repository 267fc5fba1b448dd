"""An uploaded PDF and, once converted, its audiobook: the seed's `audiobooks` table."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models.functions import UUID4

from audiobooker.db import created_at_field


def transcript_name_for(audio_name: str) -> str:
    """The WebVTT captions' storage name: no column for it, so it sits beside the MP3."""
    return str(PurePosixPath(audio_name).with_suffix(".vtt"))


def cover_name_for(audio_name: str) -> str:
    """The cover's storage name (the PDF's first page, a PNG, when it had one): beside the MP3."""
    return str(PurePosixPath(audio_name).with_suffix(".png"))


def audio_file_names(audio_name: str) -> list[str]:
    """The MP3 and every file that goes with it: kept, shared and removed together."""
    return [audio_name, transcript_name_for(audio_name), cover_name_for(audio_name)]


def pdf_upload_name(book, filename):
    # Never a path built from the uploaded name: the book's own UUID names the file.
    return f"pdfs/{book.pk}.pdf"


class Audiobook(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        PROCESSING = "processing", "Converting"
        COMPLETED = "completed", "Ready"
        FAILED = "failed", "Failed"

    # Waiting or converting: the book's newest job is queued or running (ConversionJob's own
    # ACTIVE_STATUSES). The pages follow such a book live; MAX_QUEUED_PER_USER counts them.
    ACTIVE_STATUSES = (Status.PENDING, Status.PROCESSING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, db_default=UUID4(), editable=False)
    # Nullable as in the seed: the original app could leave a book without an owner.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.DB_CASCADE,
        null=True,
        blank=True,
        db_index=False,  # the seed's own idx_audiobooks_user_id below
        related_name="audiobooks",
    )
    title = models.CharField(max_length=500)
    original_file_name = models.CharField(max_length=500)
    file_size = models.IntegerField(help_text="Size of the uploaded PDF in bytes.")
    pdf_path = models.FileField("PDF", max_length=1000, upload_to=pdf_upload_name)
    audio_path = models.FileField("audio", max_length=1000, null=True, blank=True)
    status = models.CharField(
        max_length=50, choices=Status, default=Status.PENDING, db_default=Status.PENDING
    )
    created_at = created_at_field()
    updated_at = models.DateTimeField(auto_now=True, null=True, editable=False)

    class Meta:
        db_table = "audiobooks"
        indexes = [
            models.Index(fields=["user"], name="idx_audiobooks_user_id"),
            models.Index(fields=["status"], name="idx_audiobooks_status"),
            models.Index(fields=["-created_at"], name="idx_audiobooks_created_at"),
            # Not in the seed: the library page (one person's books, newest first, 20 at a
            # time) walks this and stops after a page, instead of sorting all of their books.
            models.Index(fields=["user", "-created_at"], name="audiobooks_user_newest_idx"),
            # Not in the seed: the worker's fair claim finds a person's first waiting books
            # through this (conversions/queue.py), however many books they have.
            models.Index(
                fields=["user", "status", "created_at"], name="audiobooks_user_status_idx"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def transcript_name(self) -> str:
        """Storage name of the WebVTT captions: no column for it, so it sits beside the MP3."""
        return transcript_name_for(self.audio_path.name) if self.audio_path else ""

    @property
    def cover_name(self) -> str:
        """Storage name of the cover; the file exists only when the first page gave one."""
        return cover_name_for(self.audio_path.name) if self.audio_path else ""


class AudiobookDetails(models.Model):
    """What we learn about a book beyond the seed's columns: pages, author, duration, chapters.

    A table of its own because the seed's `audiobooks` table takes no extra columns. Books that
    the original app made have no row here until they are converted again; pages show a dash.
    """

    audiobook = models.OneToOneField(
        Audiobook, models.DB_CASCADE, primary_key=True, related_name="details"
    )
    page_count = models.IntegerField(null=True, blank=True)
    author = models.CharField(max_length=500, blank=True, default="")
    duration = models.FloatField(null=True, blank=True, help_text="Seconds of audio.")
    audio_size = models.BigIntegerField(null=True, blank=True, help_text="Bytes of MP3.")
    chapters = models.JSONField(default=list, blank=True, help_text='[{"title", "start"}, ...]')
    voice_choice = models.CharField(
        max_length=200, blank=True, default="",
        help_text="The voice its owner chose for its conversions; empty: the best voice for "
        "its language.",
    )  # fmt: skip
    language = models.CharField(
        max_length=35, blank=True, default="", help_text="Its language, as a BCP 47 tag."
    )
    voice = models.CharField(
        max_length=200, blank=True, default="", help_text="The voice that reads its audio."
    )
    spoken_with = models.CharField(
        max_length=64, blank=True, default="",
        help_text="A hash of the pronunciation lists and text rules its audio was spoken with.",
    )  # fmt: skip
    reading_note = models.CharField(
        max_length=500, blank=True, default="",
        help_text="Why its language or voice is a fallback, for the listener.",
    )  # fmt: skip
    rate = models.IntegerField(
        null=True, blank=True, help_text="The speaking rate of its audio, words a minute."
    )
    word_count = models.IntegerField(
        null=True, blank=True,
        help_text="Words in the PDF's text, counted at upload: what its waiting time is "
        "estimated from.",
    )  # fmt: skip
    content_hash = models.CharField(
        max_length=64, blank=True, default="",
        help_text="SHA-256 of the uploaded file, computed as it streamed in; finds a second "
        "upload of the same file.",
    )  # fmt: skip
    reused = models.BooleanField(
        default=False, help_text="Its audio is that of an earlier conversion of the same file."
    )
    reused_from = models.ForeignKey(
        Audiobook, models.DB_SET_NULL, null=True, blank=True, related_name="+",
        help_text="The book whose audio it reused (empty once that book is deleted; the audio "
        "stays).",
    )  # fmt: skip

    class Meta:
        db_table = "audiobook_details"
        verbose_name_plural = "audiobook details"
        indexes = [
            # Reuse: a finished book of the same file (library/services.py).
            models.Index(fields=["content_hash"], name="audiobook_details_hash_idx"),
        ]

    def __str__(self):
        return f"details of {self.audiobook_id}"


class Bookmark(models.Model):
    """A place in a book that its listener marked, with a note; theirs alone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.DB_CASCADE, related_name="+")
    audiobook = models.ForeignKey(
        Audiobook, models.DB_CASCADE, related_name="bookmarks", db_index=False
    )  # idx_bookmarks_book_user starts with it
    position = models.FloatField(help_text="Seconds into the audio.")
    note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "bookmarks"
        indexes = [
            # The player's list: one person's bookmarks of one book, in order.
            models.Index(fields=["audiobook", "user", "position"], name="idx_bookmarks_book_user"),
        ]

    def __str__(self):
        return f"{self.audiobook_id} at {self.position:.0f} s"


class ListeningPosition(models.Model):
    """Where a person is in a book, saved by the player as they listen, so that any browser
    they sign in from continues there (static/js/position.js; library/positions.py writes it).

    A table of our own: the seed's tables take no new columns. No row: not started.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.DB_CASCADE, related_name="listening_positions"
    )
    audiobook = models.ForeignKey(Audiobook, models.DB_CASCADE, related_name="positions")
    position = models.FloatField(default=0, help_text="Seconds from the start.")
    finished = models.BooleanField(default=False, help_text="Listened to the end.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "listening_positions"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "audiobook"], name="listening_positions_user_book_key"
            ),
        ]
        indexes = [
            # The library's "Continue listening": one person's latest unfinished books.
            models.Index(fields=["user", "-updated_at"], name="listening_positions_recent_idx"),
        ]

    def __str__(self):
        return f"{self.user_id} at {self.position:.0f} s of {self.audiobook_id}"


def segment_folder(book_id) -> str:
    """Storage folder of a converting book's ready segments (one MP3 each, named by index)."""
    return f"segments/{book_id}"


class ReadySegment(models.Model):
    """A stretch of a converting book's audio that is already finished and playable.

    The worker adds one as each stretch is spoken and encoded, in order (conversions/pipeline.py
    ReadyAudio), and stores its MP3 under `segment_folder`; the detail page plays them while
    the rest converts. Joined in `index` order they are the start of the finished MP3's audio.
    They go when the book is finished, fails or is deleted (library/services.py); a worker that
    stops keeps them, so what was playable stays playable while the job resumes.
    """

    # Indexed by ready_segment_unique, which starts with it.
    audiobook = models.ForeignKey(
        Audiobook, models.DB_CASCADE, db_index=False, related_name="ready_segments"
    )
    index = models.IntegerField()
    chapter = models.IntegerField(help_text="Its chapter's place in the book, from 0.")
    chapter_title = models.CharField(max_length=500, blank=True, default="")
    start = models.FloatField(help_text="Seconds into the book.")
    duration = models.FloatField(help_text="Seconds of audio.")
    size = models.BigIntegerField(help_text="Bytes of MP3.")
    name = models.CharField(max_length=1000, help_text="Its storage name.")
    cues = models.JSONField(
        default=list, blank=True, help_text="Its captions: [[start, end, text], ...] in seconds."
    )

    class Meta:
        db_table = "ready_segments"
        constraints = [
            models.UniqueConstraint(fields=["audiobook", "index"], name="ready_segment_unique")
        ]
        ordering = ["audiobook", "index"]

    def __str__(self):
        return f"segment {self.index} of {self.audiobook_id}"

    @property
    def end(self) -> float:
        return self.start + self.duration
