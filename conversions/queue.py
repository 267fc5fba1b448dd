"""The worker protocol: claim a job, write only while the job is ours, recover jobs whose
worker died, hand a job back on shutdown.

The database is the queue (no broker). The rules:

- Claim in one short transaction: the next queued job in fair order (the oldest job of the
  person served least recently, through their QueueTurn; `select_for_update(skip_locked=True)`
  on PostgreSQL, so that workers claiming together take different people's jobs; SQLite's
  `BEGIN IMMEDIATE` already serialises writers), then a conditional update queued -> running
  with `started_at`. The pair (id, started_at) is the claim's token.
- While a job runs, its worker holds a lock that dies with the process (conversions/locks.py):
  a PostgreSQL session advisory lock on a dedicated connection, or on SQLite an flock on a file
  next to the database. The lock is taken before the claim commits, so a running job is never
  seen unlocked while its worker lives.
- Every later write is conditional on the token; zero rows updated means the job was lost
  (its book deleted, or recovered by another worker): stop and clean up.
- Recovery: a running job whose lock can be taken, twice, `grace` seconds apart, lost its
  worker. (Twice: a PostgreSQL restart drops every advisory lock for a moment, until the living
  workers take theirs again.) It is marked failed and a new attempt is queued, at most
  WORKER_MAX_RETRIES times in a row per book; then the book fails.

No transaction here stays open during a conversion: each write is one statement or one short
`atomic()` block.

What this module writes: jobs' rows, people's turns, the statistics of finished jobs, and a
book's status, audio name and details while its job runs (each conditional on the claim). It
never touches storage: the worker stores and removes files through library/services.py, and
new jobs are created only by services.start_conversion (recovery calls it too).
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from library.models import Audiobook, AudiobookDetails

from .models import ConversionJob, JobStats, QueueTurn

log = logging.getLogger(__name__)

JobStatus = ConversionJob.Status
BookStatus = Audiobook.Status

WORKER_STOPPED = "The worker stopped during conversion."
GAVE_UP = (
    "The worker stopped during conversion {count} times in a row, so Audiobooker gave up: "
    "this PDF may be crashing the converter."
)


def work_folder(book_id) -> Path:
    """This machine's scratch folder for a book's conversion (its spoken chunks): kept across
    attempts so a retried job resumes, removed when the book is done or deleted."""
    return Path(settings.WORK_DIR) / str(book_id)


class JobLost(Exception):
    """The job is no longer ours: its audiobook was deleted or another worker recovered it."""


@dataclass(frozen=True)
class Claim:
    job_id: uuid.UUID
    book_id: uuid.UUID
    token: datetime  # the job's started_at, set by this claim

    def job(self):
        """The job row, only while this claim still owns it."""
        return ConversionJob.objects.filter(
            pk=self.job_id, status=JobStatus.RUNNING, started_at=self.token
        )


def retry_on_disconnect(fn, *args, attempts: int = 8, **kwargs):
    """Run a short database operation, reconnecting while the server is away (a restart)."""
    for attempt in range(attempts):
        try:
            return fn(*args, **kwargs)
        except (OperationalError, InterfaceError):
            if attempt == attempts - 1 or connection.in_atomic_block:
                raise
            log.warning("database unavailable, reconnecting (attempt %d)", attempt + 1)
            connection.close()
            time.sleep(min(0.25 * 2**attempt, 5))


# ---- claim, write, finish ----------------------------------------------------------------------


def queue_turn_of(user_id) -> None:
    """Mark `user_id` as having jobs waiting, in the caller's transaction (which queues one).

    The row is locked until that transaction ends, so a claim deciding at the same moment that
    this person has nothing left waits for it, and sees the new job.
    """
    if user_id is None:
        return
    QueueTurn.objects.bulk_create([QueueTurn(user_id=user_id)], ignore_conflicts=True)
    # Unconditional, so that it waits for a claim holding the row (a filter on `waiting`
    # would skip a row the claim is about to clear, and the new job would lose its turn).
    QueueTurn.objects.filter(pk=user_id).update(
        waiting=True,
        waiting_since=Case(
            When(waiting=False, then=Value(timezone.now())), default=F("waiting_since")
        ),
    )


# How many of a person's waiting books a claim looks at: their first, and a few more in case
# other workers are claiming those at the same moment.
LOOK_AHEAD = 4


def _queued_jobs_of(user_id) -> tuple[list[tuple], bool]:
    """(job id, book id) of the queued jobs of the person's first LOOK_AHEAD waiting books,
    in the order they uploaded them; and whether they have more than one job queued.

    Their books first: a book is pending while its newest job is queued, and
    audiobooks_user_status_idx (user, status, created_at) gives the first few whatever the
    size of their library or of the queue. Then the jobs by book (idx_conversion_jobs_audiobook_id),
    the status checked here: with the status in the query, PostgreSQL, whose statistics lag
    behind a queue that grew quickly, walked every queued job instead.
    """
    books = list(
        Audiobook.objects.filter(user_id=user_id, status=BookStatus.PENDING)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:LOOK_AHEAD]
    )
    if not books:
        return [], False
    queued = {
        book_id: job_id
        for job_id, book_id, status in ConversionJob.objects.filter(
            audiobook_id__in=books
        ).values_list("pk", "audiobook_id", "status")
        if status == JobStatus.QUEUED
    }
    jobs = [(queued[book], book) for book in books if book in queued]
    return jobs, len(jobs) > 1 or len(books) == LOOK_AHEAD


def _first_claimable(jobs: list[tuple], *, skip_locked: bool):
    """The first of `jobs` (from _queued_jobs_of) that no other worker is claiming."""
    for job_id, book_id in jobs:
        if not skip_locked:
            return {"pk": job_id, "audiobook_id": book_id}
        job = (
            ConversionJob.objects.filter(pk=job_id, status=JobStatus.QUEUED)
            .select_for_update(skip_locked=True)
            .values("pk", "audiobook_id")
            .first()
        )
        if job is not None:
            return job  # else another worker is claiming it: the next one
    return None


# How many people with a stale turn (their waiting books deleted) one claim clears on its way
# before it settles for the oldest job; the next claim clears the rest.
STALE_TURNS_PER_CLAIM = 20


def _next_fair_job(skip_locked: bool):
    """(job, its owner, whether they have other jobs queued) for the job of the first waiting
    book of the person served least recently, people with a job running last; None when no
    turn leads to a job. Called inside the claim's transaction; the turn's row stays locked
    until it ends, so what is read of the person's jobs after it holds (see queue_turn_of)."""
    busy = set(
        ConversionJob.objects.filter(
            status=JobStatus.RUNNING, audiobook__user__isnull=False
        ).values_list("audiobook__user_id", flat=True)
    )  # one row per running job: as many as there are workers
    turns = QueueTurn.objects.filter(waiting=True).order_by("served_at", "waiting_since", "user")
    if skip_locked:
        turns = turns.select_for_update(skip_locked=True)
    turns = turns.values_list("user", flat=True)
    passed: set = set()
    for _ in range(STALE_TURNS_PER_CLAIM):
        user = turns.exclude(user__in=busy | passed).first()
        if user is None:
            user = turns.exclude(user__in=passed).first()  # everyone waiting has one running
        if user is None:
            return None
        queued, more = _queued_jobs_of(user)
        job = _first_claimable(queued, skip_locked=skip_locked)
        if job is not None:
            return job, user, more
        if not queued:  # its books were deleted (or converted)
            QueueTurn.objects.filter(pk=user).update(waiting=False)
        passed.add(user)
    return None


def _oldest_job(skip_locked: bool):
    """(job, its owner) for the oldest queued job of all: for jobs of no one's turn (a book
    without an owner, rows written before the fair queue existed)."""
    queued = ConversionJob.objects.filter(status=JobStatus.QUEUED, audiobook__isnull=False)
    if skip_locked:
        queued = queued.select_for_update(skip_locked=True, of=("self",))
    job = queued.order_by("created_at").values("pk", "audiobook_id", "audiobook__user").first()
    return (job, job["audiobook__user"]) if job else None


def _served(user_id, token, more_queued: bool | None = None) -> None:
    """Record that `user_id` was served at `token`, and whether they still have jobs waiting.

    Decided under their turn's lock (see queue_turn_of): a job queued for them at this moment
    is either seen here or sets `waiting` again after this transaction. `more_queued`: what
    the fair claim found, under that lock already; None: look.
    """
    if user_id is None:
        return
    if more_queued is None:
        QueueTurn.objects.bulk_create([QueueTurn(user_id=user_id)], ignore_conflicts=True)
        QueueTurn.objects.select_for_update().filter(pk=user_id).first()
        more_queued = bool(_queued_jobs_of(user_id)[0])  # the claimed book is no longer pending
    QueueTurn.objects.filter(pk=user_id).update(served_at=token, waiting=more_queued)


def claim_next_job(locks) -> Claim | None:
    """Claim the next job in fair order for this worker, or return None when there is none.

    Fair order: the person served least recently (whose latest job started longest ago, or who
    was never served), people with a job running after those with none; of that person's
    waiting books, the one uploaded first. One person's backlog never makes a newcomer wait
    behind all of it: with one worker, A's ten books and then B's one, B's runs second. (By
    upload, not by when each job was queued: a book retried, or recovered from a dead worker,
    keeps its place in its owner's line; and the next book is one step along an index.) Jobs
    of no one's turn come last, oldest first.
    """
    with transaction.atomic():
        skip_locked = connection.features.has_select_for_update_skip_locked
        found = _next_fair_job(skip_locked)
        if found is not None:
            job, owner, more_queued = found
        else:
            found = _oldest_job(skip_locked)
            if found is None:
                return None
            (job, owner), more_queued = found, None
        job_id, book_id = job["pk"], job["audiobook_id"]
        if not locks.acquire(job_id):
            return None  # another worker is looking at it right now; take it next time
        try:
            token = timezone.now()
            claimed = ConversionJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
                status=JobStatus.RUNNING, started_at=token, progress=0, completed_at=None,
                error_message=None,
            )  # fmt: skip
            if not claimed:
                locks.release(job_id)
                return None
            Audiobook.objects.filter(pk=book_id).update(
                status=BookStatus.PROCESSING, updated_at=token
            )
            _served(owner, token, more_queued)
        except BaseException:
            locks.release(job_id)
            raise
    return Claim(job_id, book_id, token)


class ProgressWriter:
    """Writes a job's progress: rising, at most once a second, only while the job is ours."""

    def __init__(self, claim: Claim, min_interval: float = 1.0):
        self.claim = claim
        self.min_interval = min_interval
        self.written = 0
        self.written_at = float("-inf")

    def __call__(self, percent: float) -> None:
        percent = max(0, min(99, int(percent)))  # 100 is written by complete_job
        now = time.monotonic()
        if percent <= self.written or now - self.written_at < self.min_interval:
            return
        try:
            updated = self.claim.job().update(progress=percent)
        except (OperationalError, InterfaceError):
            connection.close()  # the server went away; the next write reconnects
            return
        if not updated:
            raise JobLost()
        self.written, self.written_at = percent, now


def complete_job(
    claim: Claim, audio_name: str, details: dict | None = None, stats: dict | None = None
) -> str | None:
    """Mark the job and its book completed with `audio_name` (and `details` of the result);
    keep `stats` (JobStats fields) of what the job measured.

    Returns the storage name of the audio this replaces ("" when none), or None when the job
    was lost (the caller then removes the files it saved).
    """

    def write():
        with transaction.atomic():
            now = timezone.now()
            if not claim.job().update(status=JobStatus.COMPLETED, progress=100, completed_at=now):
                return None
            old = Audiobook.objects.filter(pk=claim.book_id).values_list("audio_path", flat=True)
            old = old.first() or ""
            Audiobook.objects.filter(pk=claim.book_id).update(
                status=BookStatus.COMPLETED, audio_path=audio_name, updated_at=now
            )
            if details is not None:
                # Its own audio now, not one reused from another copy of the file.
                AudiobookDetails.objects.update_or_create(
                    audiobook_id=claim.book_id,
                    defaults={**details, "reused": False, "reused_from": None},
                )
            if stats is not None:
                JobStats.objects.update_or_create(
                    job_id=claim.job_id, defaults={**stats, "finished_at": now}
                )
            return old if old != audio_name else ""

    return retry_on_disconnect(write)


def record_plan(claim: Claim, plan) -> None:
    """Show how a book is being read (its language and voice) while its first conversion runs.

    A book that already has audio keeps the details of that audio until the new one completes
    (complete_job writes them then). Raises JobLost when the job is no longer ours.
    """

    def write():
        with transaction.atomic():
            if not claim.job().exists():
                raise JobLost()
            if (
                Audiobook.objects.filter(pk=claim.book_id, audio_path__isnull=False)
                .exclude(audio_path="")
                .exists()
            ):
                return
            AudiobookDetails.objects.update_or_create(
                audiobook_id=claim.book_id,
                defaults={
                    "language": plan.language.code,
                    "voice": plan.voice.id,
                    "reading_note": plan.note[:500],
                },
            )

    retry_on_disconnect(write)


def fail_job(claim: Claim, message: str) -> bool:
    """Mark the job and its book failed with a user-facing `message`; False if it was lost."""

    def write():
        with transaction.atomic():
            now = timezone.now()
            if not claim.job().update(
                status=JobStatus.FAILED, error_message=message, completed_at=now
            ):
                return False
            Audiobook.objects.filter(pk=claim.book_id).update(
                status=BookStatus.FAILED, updated_at=now
            )
            return True

    return retry_on_disconnect(write)


def hand_back(claim: Claim) -> bool:
    """Put a job we could not finish back in the queue (shutdown); its spoken chunks stay."""

    def write():
        with transaction.atomic():
            if not claim.job().update(status=JobStatus.QUEUED, started_at=None):
                return False
            Audiobook.objects.filter(pk=claim.book_id).update(
                status=BookStatus.PENDING, updated_at=timezone.now()
            )
            owner = Audiobook.objects.filter(pk=claim.book_id).values_list("user_id", flat=True)
            queue_turn_of(owner.first())
            return True

    return retry_on_disconnect(write)


# ---- recovery ---------------------------------------------------------------------------------


class Recovery:
    """Finds running jobs whose worker died, and queues them again (or gives up)."""

    def __init__(self, locks, grace: float | None = None, max_retries: int | None = None):
        self.locks = locks
        self.grace = settings.WORKER_RECOVERY_GRACE if grace is None else grace
        self.max_retries = settings.WORKER_MAX_RETRIES if max_retries is None else max_retries
        self.suspects: dict[tuple, float] = {}  # (job id, token) -> when first seen unlocked

    def run(self) -> int:
        """One pass; returns how many jobs it recovered."""
        now = time.monotonic()
        running = ConversionJob.objects.filter(status=JobStatus.RUNNING).values_list(
            "pk", "started_at", "audiobook_id"
        )
        seen, recovered = set(), 0
        for job_id, token, book_id in running:
            if job_id in self.locks.held:
                continue  # our own
            key = (job_id, token)
            if not self.locks.acquire(job_id):
                continue  # its worker is alive
            try:
                seen.add(key)
                first = self.suspects.setdefault(key, now)
                if now - first >= self.grace:
                    recovered += self._recover(job_id, token, book_id)
                    del self.suspects[key]
            finally:
                self.locks.release(job_id)
        self.suspects = {key: t for key, t in self.suspects.items() if key in seen}
        return recovered

    @property
    def pending(self) -> bool:
        """Whether a suspect awaits its second look."""
        return bool(self.suspects)

    def _recover(self, job_id, token, book_id) -> int:
        with transaction.atomic():
            now = timezone.now()
            lost = ConversionJob.objects.filter(
                pk=job_id, status=JobStatus.RUNNING, started_at=token
            )
            if not lost.update(
                status=JobStatus.FAILED, error_message=WORKER_STOPPED, completed_at=now
            ):
                return 0
            if book_id is None:
                return 1
            in_a_row = self._stops_in_a_row(book_id)
            if in_a_row <= self.max_retries:
                from library.services import start_conversion

                start_conversion(Audiobook.objects.get(pk=book_id), limit_queue=False)
                log.warning("job %s lost its worker; queued attempt %d", job_id, in_a_row + 1)
            else:
                ConversionJob.objects.filter(pk=job_id).update(
                    error_message=GAVE_UP.format(count=in_a_row)
                )
                Audiobook.objects.filter(pk=book_id).update(
                    status=BookStatus.FAILED, updated_at=now
                )
                log.warning("job %s lost its worker %d times in a row; gave up", job_id, in_a_row)
        return 1

    @staticmethod
    def _stops_in_a_row(book_id) -> int:
        """How many of the book's latest attempts ended with their worker gone."""
        count = 0
        for status, message in (
            ConversionJob.objects.filter(audiobook_id=book_id)
            .order_by("-created_at")
            .values_list("status", "error_message")
        ):
            if status != JobStatus.FAILED or message != WORKER_STOPPED:
                break
            count += 1
        return count
