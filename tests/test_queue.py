"""The worker's units, called directly: claim, progress, finish, fail, hand back, recover."""

import time
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError, connection

from conversions import queue
from conversions.locks import make_locks
from conversions.management.commands.worker import Command
from conversions.models import ConversionJob, QueueTurn
from library import services
from library.models import Audiobook
from tests.factories import make_book, make_job, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(fake_pipeline):
    command = Command(stdout=StringIO()).setup()
    yield command
    command.locks.close()


def queued_book(pdf=b"%PDF-1.4 fine", **fields):
    book = make_book(pdf_bytes=pdf, **fields)
    make_job(book)
    return book


def test_claim_takes_the_oldest_queued_job_and_marks_both_rows(worker):
    first, second = queued_book(title="first"), queued_book(title="second")
    claim = queue.claim_next_job(worker.locks)
    assert claim.book_id == first.pk
    job = ConversionJob.objects.get(pk=claim.job_id)
    assert job.status == "running" and job.started_at == claim.token
    assert Audiobook.objects.get(pk=first.pk).status == "processing"
    assert queue.claim_next_job(worker.locks).book_id == second.pk
    assert queue.claim_next_job(worker.locks) is None


def test_a_job_converts_to_a_completed_audiobook(worker, settings):
    book = queued_book()
    assert worker.process_one() is True
    book.refresh_from_db()
    job = book.jobs.get()
    assert (job.status, job.progress, book.status) == ("completed", 100, "completed")
    assert job.completed_at >= job.started_at
    assert book.audio_path.name == f"audio/{job.pk}.mp3"
    assert default_storage.exists(book.audio_path.name)
    assert default_storage.exists(f"audio/{job.pk}.vtt")
    assert not (Path(settings.WORK_DIR) / str(book.pk)).exists()  # work folder removed
    assert worker.process_one() is False  # nothing left


def test_a_failing_pdf_fails_its_job_and_the_worker_goes_on(worker):
    bad, good = queued_book(pdf=b"%PDF FAIL"), queued_book()
    assert worker.process_one() and worker.process_one()
    bad.refresh_from_db()
    good.refresh_from_db()
    job = bad.jobs.get()
    assert job.status == "failed" and "damaged" in job.error_message
    assert bad.status == "failed" and good.status == "completed"


def test_an_unexpected_error_fails_the_job_with_a_plain_message(worker, monkeypatch):
    book = queued_book()

    def explode(*args, **kwargs):
        raise KeyError("bug")

    worker.pipeline = explode
    assert worker.process_one()
    job = book.jobs.get()
    assert job.status == "failed" and job.error_message.startswith("An unexpected error")


@pytest.mark.django_db(transaction=True)  # the worker closes the broken connection
def test_a_database_outage_mid_job_hands_the_job_back_instead_of_failing_the_book(worker):
    # A PostgreSQL restart outlasting a read's reconnects is not the book's fault.
    book = queued_book()

    def server_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    real, worker.pipeline = worker.pipeline, server_gone
    assert worker.process_one()
    job = book.jobs.get()
    book.refresh_from_db()
    assert (job.status, job.started_at, book.status) == ("queued", None, "pending")
    worker.pipeline = real  # the server is back: the next claim converts it
    assert worker.process_one()
    book.refresh_from_db()
    assert book.status == "completed"


def test_progress_rises_at_most_once_a_second_and_only_while_the_job_is_ours():
    book = queued_book()
    locks = make_locks()
    claim = queue.claim_next_job(locks)
    writer = queue.ProgressWriter(claim, min_interval=3600)
    writer(10)
    writer(20)  # within the interval: not written
    assert ConversionJob.objects.get(pk=claim.job_id).progress == 10
    writer.min_interval = 0
    writer(5)  # never backwards
    assert ConversionJob.objects.get(pk=claim.job_id).progress == 10
    writer(150)  # 100 only when completed
    assert ConversionJob.objects.get(pk=claim.job_id).progress == 99
    Audiobook.objects.filter(pk=book.pk).delete()
    with pytest.raises(queue.JobLost):
        writer.written = 0
        writer(50)
    locks.close()


def test_deleting_the_book_mid_conversion_stops_the_job_and_leaves_no_files(
    worker, settings, django_capture_on_commit_callbacks
):
    book = queued_book()
    real = worker.pipeline

    def delete_midway(pdf, workdir, *, progress, should_stop, **kwargs):
        def progress_then_delete(percent):
            if percent >= 40:
                with django_capture_on_commit_callbacks(execute=True):
                    services.delete_audiobook(book)
            progress(percent)

        return real(pdf, workdir, progress=progress_then_delete, should_stop=should_stop)

    worker.pipeline = delete_midway
    assert worker.process_one()
    assert not Audiobook.objects.exists() and not ConversionJob.objects.exists()
    leftovers = [p for p in Path(default_storage.location).rglob("*") if p.is_file()]
    assert leftovers == []
    assert not (Path(settings.WORK_DIR) / str(book.pk)).exists()


def test_shutdown_hands_the_job_back_and_a_resumed_job_reuses_its_chunks(
    worker, settings, monkeypatch, tmp_path
):
    monkeypatch.setenv("FAKE_PIPELINE_LOG", str(tmp_path / "log"))
    book = queued_book()
    real = worker.pipeline
    calls = []

    def stop_midway(pdf, workdir, *, progress, should_stop, **kwargs):
        def progress_and_signal(percent):
            progress(percent)
            if percent >= 60 and not calls:
                calls.append(percent)
                worker.signals = 2  # as if SIGTERM came twice: hand back now

        return real(pdf, workdir, progress=progress_and_signal, should_stop=should_stop)

    worker.pipeline = stop_midway
    assert worker.process_one()
    book.refresh_from_db()
    job = book.jobs.get()
    assert (job.status, job.started_at, book.status) == ("queued", None, "pending")
    chunks = Path(settings.WORK_DIR) / str(book.pk) / "chunks"
    done_before = sorted(p.name for p in chunks.iterdir())
    assert len(done_before) == 3

    worker.signals = 0
    worker.pipeline = real
    assert worker.process_one()
    book.refresh_from_db()
    assert book.status == "completed"
    assert book.jobs.get().status == "completed"
    # Each of the five chunks was made once: the resumed job skipped the three it found.
    made = [line.split()[0] for line in (tmp_path / "log").read_text().splitlines()]
    assert sorted(e for e in made if e.startswith("chunk")) == [f"chunk{i}" for i in range(5)]
    assert made.count("start") == 2


def lock_released(job_id):
    """Wait until a closed lock connection's lock is free: PostgreSQL releases a session's
    advisory locks when its backend has ended, a moment after the client closed it."""
    probe = make_locks()
    end = time.monotonic() + 30  # a hang detector
    while not probe.acquire(job_id):
        assert time.monotonic() < end, "the dead worker's lock was never released"
        time.sleep(0.01)
    probe.release(job_id)
    probe.close()


def test_recovery_requeues_a_job_whose_worker_is_gone_after_a_second_look(worker):
    book = queued_book()
    dead = make_locks()
    claim = queue.claim_next_job(dead)
    dead.close()  # the worker is gone: its lock with it
    lock_released(claim.job_id)
    recovery = queue.Recovery(worker.locks, grace=0.2, max_retries=2)
    assert recovery.run() == 0 and recovery.pending  # first look: a suspect only
    time.sleep(0.25)
    assert recovery.run() == 1
    lost = ConversionJob.objects.get(pk=claim.job_id)
    assert lost.status == "failed" and lost.error_message == queue.WORKER_STOPPED
    book.refresh_from_db()
    assert book.status == "pending"
    assert book.jobs.filter(status="queued").count() == 1


def test_recovery_leaves_jobs_of_living_workers_alone(worker):
    queued_book()
    alive = make_locks()
    claim = queue.claim_next_job(alive)
    recovery = queue.Recovery(worker.locks, grace=0, max_retries=2)
    assert recovery.run() == 0 and recovery.run() == 0
    assert ConversionJob.objects.get(pk=claim.job_id).status == "running"
    alive.close()


def test_recovery_gives_up_after_two_retries_in_a_row(worker):
    book = queued_book()
    recovery = queue.Recovery(worker.locks, grace=0, max_retries=2)
    for _ in range(3):
        dead = make_locks()
        claim = queue.claim_next_job(dead)
        assert claim.book_id == book.pk
        dead.close()
        lock_released(claim.job_id)
        recovery.run()
        recovery.run()
    book.refresh_from_db()
    assert book.status == "failed"
    jobs = list(book.jobs.order_by("created_at"))
    assert [job.status for job in jobs] == ["failed"] * 3
    assert "3 times in a row" in jobs[-1].error_message
    assert queue.claim_next_job(worker.locks) is None


def test_a_lock_connection_cut_by_the_server_is_replaced(postgres):
    """A PostgreSQL restart cuts the lock connection; the next lock taken (recovery, or a claim
    between jobs) reconnects instead of crashing the worker with psycopg2's error."""
    locks = make_locks()
    first, second = uuid.uuid4(), uuid.uuid4()
    assert locks.acquire(first)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'audiobooker-worker-lock'"
        )
    assert locks.acquire(second)
    assert locks.check()  # and the first lock is taken back on the new connection
    locks.close()


def test_a_lost_claim_cannot_write():
    book = queued_book()
    locks = make_locks()
    claim = queue.claim_next_job(locks)
    ConversionJob.objects.filter(pk=claim.job_id).update(status="queued", started_at=None)
    assert queue.complete_job(claim, "audio/x.mp3") is None
    assert queue.fail_job(claim, "nope") is False
    assert queue.hand_back(claim) is False
    book.refresh_from_db()
    assert book.status == "processing" and not book.audio_path
    locks.close()


# ---- fair order --------------------------------------------------------------------------------


def queue_for(user, count=1, title="book"):
    """`count` books of `user`, queued the way the app queues them (start_conversion)."""
    books = []
    for i in range(count):
        book = make_book(user=user, title=f"{title} {i}")
        services.start_conversion(book, limit_queue=False)
        books.append(book)
    return books


def claim_order(locks, complete=True):
    """Claim until the queue is empty (completing each job first, as one worker would);
    the titles in the order they were claimed."""
    order = []
    while (claim := queue.claim_next_job(locks)) is not None:
        order.append(Audiobook.objects.get(pk=claim.book_id).title)
        if complete:
            assert queue.complete_job(claim, f"audio/{claim.job_id}.mp3") is not None
        locks.release(claim.job_id)
    return order


def test_a_newcomer_waits_behind_one_job_of_a_backlog_not_all_of_it(worker):
    a, b = make_user("a@example.com"), make_user("b@example.com")
    queue_for(a, 10, title="A")
    queue_for(b, 1, title="B")
    order = claim_order(worker.locks)
    assert order.index("B 0") == 1  # one of A's ran before it, not ten
    assert [t for t in order if t.startswith("A")] == [f"A {i}" for i in range(10)]


def test_people_take_turns_served_least_recently_first(worker):
    a, b, c = make_user(), make_user(), make_user()
    queue_for(a, 3, title="A")
    queue_for(b, 2, title="B")
    queue_for(c, 1, title="C")
    assert claim_order(worker.locks) == ["A 0", "B 0", "C 0", "A 1", "B 1", "A 2"]


def test_someone_with_a_job_running_comes_after_those_without(worker):
    a, b = make_user(), make_user()
    queue_for(a, 2, title="A")
    first = queue.claim_next_job(worker.locks)  # A's first, still running
    assert Audiobook.objects.get(pk=first.book_id).title == "A 0"
    queue_for(b, 1, title="B")
    second = queue.claim_next_job(worker.locks)
    assert Audiobook.objects.get(pk=second.book_id).title == "B 0"
    # Only A waits now, though A has one running: a free worker still takes it.
    third = queue.claim_next_job(worker.locks)
    assert Audiobook.objects.get(pk=third.book_id).title == "A 1"


def test_served_longest_ago_goes_first_even_if_queued_later(worker):
    a, b = make_user(), make_user()
    queue_for(a, 1, title="A early")
    queue_for(b, 1, title="B early")
    assert claim_order(worker.locks) == ["A early 0", "B early 0"]  # A served before B
    queue_for(b, 1, title="B late")
    queue_for(a, 1, title="A late")
    assert claim_order(worker.locks) == ["A late 0", "B late 0"]


def test_a_deleted_waiting_book_leaves_no_stale_turn_in_the_way(worker):
    a, b = make_user(), make_user()
    (gone,) = queue_for(a, 1, title="A")
    queue_for(b, 1, title="B")
    Audiobook.objects.filter(pk=gone.pk).delete()  # the database cascade takes its job
    assert claim_order(worker.locks) == ["B 0"]
    assert not QueueTurn.objects.filter(waiting=True).exists()


def test_jobs_of_no_turn_are_claimed_too_after_the_fair_ones(worker):
    orphan = queued_book(title="made by the original app", user=None)  # no owner, no turn
    legacy = queued_book(title="legacy")  # a job row written without start_conversion
    (fair,) = queue_for(make_user(), 1, title="fair")
    assert claim_order(worker.locks) == ["fair 0", orphan.title, legacy.title]


def test_a_handed_back_job_keeps_its_owner_in_the_queue(worker):
    a = make_user()
    queue_for(a, 1, title="A")
    claim = queue.claim_next_job(worker.locks)
    assert not QueueTurn.objects.get(user=a).waiting  # nothing else of A's waits
    assert queue.hand_back(claim)
    worker.locks.release(claim.job_id)
    assert QueueTurn.objects.get(user=a).waiting
    assert claim_order(worker.locks) == ["A 0"]


def test_a_persons_books_go_in_upload_order_a_retried_one_keeps_its_place(worker):
    a = make_user()
    first, *rest = queue_for(a, 6, title="A")
    assert claim_order(worker.locks)[:1] == ["A 0"]  # and the rest, in order
    ConversionJob.objects.filter(audiobook=first).update(status="failed")
    Audiobook.objects.filter(pk=first.pk).update(status="failed")
    for book in rest:  # all waiting again
        services.start_conversion(Audiobook.objects.get(pk=book.pk), limit_queue=False)
    services.start_conversion(Audiobook.objects.get(pk=first.pk), limit_queue=False)  # retried last
    assert claim_order(worker.locks) == [f"A {i}" for i in range(6)]
