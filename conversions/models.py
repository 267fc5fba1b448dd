"""One attempt at converting an audiobook: the seed's `conversion_jobs` table.

Every attempt is its own row; the newest one decides the audiobook's status.
"""

import uuid

from django.db import models
from django.db.models.functions import UUID4

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
