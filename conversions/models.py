"""One attempt at converting an audiobook: the seed's `conversion_jobs` table; and the queue's
own tables beside it: each person's turn in the fair queue, and what finished jobs measured.

Every attempt is its own row; the newest one decides the audiobook's status.
"""

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import UUID4
from django.utils import timezone

from audiobooker.db import created_at_field


class ConversionJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    # A job still to be done or being done; its book is then pending or processing
    # (Audiobook.ACTIVE_STATUSES).
    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, db_default=UUID4(), editable=False)
    # Nullable as in the seed's SQL (its SQLAlchemy model said otherwise; the SQL is what ran).
    audiobook = models.ForeignKey(
        "library.Audiobook",
        models.DB_CASCADE,
        null=True,
        blank=True,
        db_index=False,  # the seed's own idx_conversion_jobs_audiobook_id below
        related_name="jobs",
    )
    status = models.CharField(
        max_length=50, choices=Status, default=Status.QUEUED, db_default=Status.QUEUED
    )
    progress = models.IntegerField(default=0, db_default=0)
    error_message = models.TextField(null=True, blank=True)  # noqa: DJ001 (the seed allows NULL)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "conversion_jobs"
        indexes = [
            models.Index(fields=["audiobook"], name="idx_conversion_jobs_audiobook_id"),
            models.Index(fields=["status"], name="idx_conversion_jobs_status"),
            # Not in the seed: the worker's claim query (the oldest queued job) walks this
            # instead of sorting every queued row (SQLite's planner ignores a partial index
            # here). The schema test lists it among our additions to the seed's tables.
            models.Index(fields=["status", "created_at"], name="conversion_jobs_queue_idx"),
        ]

    def __str__(self):
        return f"{self.get_status_display()} job {self.pk}"


# The served_at of someone never served: earlier than any real start, so they come first.
NEVER_SERVED = datetime(1970, 1, 1, tzinfo=UTC)


class QueueTurn(models.Model):
    """A person's place in the fair queue (conversions/queue.py): when their latest job
    started, and whether they have jobs waiting.

    The claim reads this instead of the jobs: it walks the people with jobs waiting, served
    least recently first, along one index, however long the queue. `waiting` is set in the
    same transaction that queues a job (start_conversion, hand_back) and cleared by the claim
    when it finds none left; a book deleted with its job leaves it set until the next claim
    looks (and clears it). A table of our own: the seed's tables take no new columns.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.DB_CASCADE, primary_key=True, related_name="+"
    )
    served_at = models.DateTimeField(
        default=NEVER_SERVED, help_text="When this person's latest job started."
    )
    waiting = models.BooleanField(default=False, help_text="Whether they have jobs queued.")
    waiting_since = models.DateTimeField(
        default=timezone.now,
        help_text="When they last began to wait (after having nothing queued): among people "
        "never served, the first to wait goes first.",
    )

    class Meta:
        db_table = "queue_turns"
        indexes = [
            # The claim: people waiting, served least recently first, then waiting longest.
            models.Index(
                fields=["waiting", "served_at", "waiting_since", "user"],
                name="queue_turns_next_idx",
            ),
        ]

    def __str__(self):
        return f"turn of {self.user_id}"


class JobStats(models.Model):
    """What a completed job measured: how many words its voice read, and how long it took.

    The waiting-time estimates (library/estimates.py) learn each voice's speed from the
    latest of these. No foreign keys: the history outlives the books and jobs it came from.
    """

    job_id = models.UUIDField(primary_key=True)
    finished_at = models.DateTimeField(default=timezone.now)
    voice = models.CharField(max_length=200, help_text="The id of the voice that read it.")
    words = models.IntegerField(help_text="Words spoken (the narration text, after cleaning).")
    counted_words = models.IntegerField(
        null=True, blank=True,
        help_text="Words in the PDF as counted at upload: the measure queued books are "
        "estimated by.",
    )  # fmt: skip
    audio_seconds = models.FloatField(help_text="Seconds of audio made.")
    seconds = models.FloatField(help_text="Seconds the job took, from its claim to completion.")
    resumed = models.BooleanField(
        default=False,
        help_text="It began with chunks an earlier attempt had spoken, so it was faster than a "
        "fresh conversion; the estimates leave it out.",
    )

    class Meta:
        db_table = "conversion_stats"
        verbose_name_plural = "job stats"
        indexes = [
            models.Index(fields=["voice", "-finished_at"], name="conversion_stats_voice_idx")
        ]

    def __str__(self):
        return f"stats of job {self.job_id}"
