"""Real worker processes against the real test database (SQLite file or PostgreSQL), with the
fast fake pipeline: crashes, races, signals, restarts, poison and deletion."""

import collections
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conversions import queue
from conversions.models import ConversionJob
from library import services
from library.models import Audiobook
from tests.factories import make_book, make_job, make_user
from tests.needs import missing
from tests.workers import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def queue_books(count, pdf=b"%PDF-1.4 fine"):
    user = make_user()
    books = []
    for _ in range(count):
        book = make_book(user=user, pdf_bytes=pdf)
        make_job(book)
        books.append(book)
    return books


def assert_no_overlap(events):
    """No book was converted by two processes at once."""
    open_runs = {}
    for event, book, pid, _ in events:
        if event == "start":
            assert book not in open_runs, f"book {book} started twice at once"
            open_runs[book] = pid
        elif event == "end":
            assert open_runs.pop(book) == pid


def test_kill_9_mid_job_is_recovered_and_completed_by_another_worker(workers):
    (book,) = queue_books(1)
    first = workers.start(FAKE_PIPELINE_STEPS="100", FAKE_PIPELINE_STEP_SECONDS="0.05")
    wait_until(lambda: ConversionJob.objects.get(audiobook=book).progress >= 10)
    first.kill()
    first.wait()
    second = workers.start("--burst", FAKE_PIPELINE_STEPS="100", FAKE_PIPELINE_STEP_SECONDS="0.001")
    assert workers.wait(second) == 0
    book.refresh_from_db()
    jobs = list(book.jobs.order_by("created_at"))
    assert [j.status for j in jobs] == ["failed", "completed"]
    assert jobs[0].error_message == queue.WORKER_STOPPED
    assert book.status == "completed"
    assert not ConversionJob.objects.filter(status="running").exists()
    # The second attempt started only after the first worker was dead, and reused its chunks.
    starts = [e for e in workers.events() if e[0] == "start"]
    assert len(starts) == 2 and starts[0][2] == str(first.pid) and starts[1][2] == str(second.pid)
    chunks_made = collections.Counter(e[0] for e in workers.events() if e[0].startswith("chunk"))
    assert set(chunks_made.values()) == {1} and len(chunks_made) == 100


def race(workers, count, jobs):
    queue_books(jobs)
    procs = [workers.start("--burst", FAKE_PIPELINE_STEPS="1") for _ in range(count)]
    assert [workers.wait(p, timeout=600) for p in procs] == [0] * count
    events = workers.events()
    assert_no_overlap(events)
    starts = collections.Counter(e[1] for e in events if e[0] == "start")
    assert len(starts) == jobs and set(starts.values()) == {1}  # each book converted once
    assert ConversionJob.objects.filter(status="completed").count() == jobs
    assert not ConversionJob.objects.exclude(status="completed").exists()
    assert Audiobook.objects.filter(status="completed").count() == jobs
    # Work was shared (each worker took at least one job).
    pids = {e[2] for e in events if e[0] == "start"}
    assert len(pids) == count


def test_four_workers_race_for_200_jobs_on_postgresql(postgres, workers):
    race(workers, count=4, jobs=200)


def test_two_workers_race_for_jobs_on_sqlite(workers):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite run covers this")
    race(workers, count=2, jobs=200)


def test_sigterm_while_idle_exits_at_once(workers):
    # An hour between polls, recoveries and sweeps, and an hour's grace: a worker that waited
    # for any of them would not have exited before the hang detector gives up.
    hour = "3600"
    proc = workers.start(
        WORKER_POLL_SECONDS=hour, WORKER_RECOVERY_INTERVAL=hour, CLEANUP_INTERVAL=hour,
        WORKER_SHUTDOWN_GRACE=hour,
    )  # fmt: skip
    wait_until(lambda: "worker ready" in proc.output.read_text())
    proc.send_signal(signal.SIGTERM)
    assert workers.wait(proc, timeout=60) == 0
    log = proc.output.read_text()
    assert log.index("worker ready") < log.index("SIGTERM") < log.index("worker stopped")


def test_sigterm_during_a_short_job_lets_it_complete(workers):
    (book,) = queue_books(1)
    proc = workers.start(FAKE_PIPELINE_STEPS="20", FAKE_PIPELINE_STEP_SECONDS="0.1")
    wait_until(lambda: ConversionJob.objects.get(audiobook=book).status == "running")
    proc.send_signal(signal.SIGTERM)
    assert workers.wait(proc) == 0
    book.refresh_from_db()
    assert book.status == "completed" and book.jobs.get().status == "completed"


def test_sigterm_during_a_long_job_hands_it_back_for_the_next_worker(workers):
    (book,) = queue_books(1)
    slow = {"FAKE_PIPELINE_STEPS": "400", "FAKE_PIPELINE_STEP_SECONDS": "0.05"}
    proc = workers.start(WORKER_SHUTDOWN_GRACE="0.5", **slow)
    wait_until(lambda: ConversionJob.objects.get(audiobook=book).progress >= 5)
    proc.send_signal(signal.SIGTERM)
    assert workers.wait(proc) == 0
    job = book.jobs.get()
    book.refresh_from_db()
    assert (job.status, job.started_at, book.status) == ("queued", None, "pending")
    made_before = sum(1 for e in workers.events() if e[0].startswith("chunk"))
    assert 0 < made_before < 400

    nxt = workers.start("--burst", **{**slow, "FAKE_PIPELINE_STEP_SECONDS": "0.001"})
    assert workers.wait(nxt) == 0
    book.refresh_from_db()
    assert book.status == "completed" and book.jobs.get().status == "completed"
    chunks = collections.Counter(e[0] for e in workers.events() if e[0].startswith("chunk"))
    assert len(chunks) == 400 and set(chunks.values()) == {1}  # the cache spared the first part


def test_a_poison_pdf_fails_after_two_retries_not_in_a_loop(workers):
    (book,) = queue_books(1, pdf=b"%PDF-1.4 POISON")
    for _ in range(8):
        proc = workers.start("--burst")
        workers.wait(proc)
        book.refresh_from_db()
        if book.status == "failed":
            break
    assert book.status == "failed"
    jobs = list(book.jobs.order_by("created_at"))
    assert len(jobs) == 3 and all(j.status == "failed" for j in jobs)
    assert "gave up" in jobs[-1].error_message
    proc = workers.start("--burst")
    assert workers.wait(proc) == 0  # nothing more to do: no loop
    assert book.jobs.count() == 3


def test_a_book_deleted_mid_conversion_stops_its_job_and_leaves_no_files(
    workers, django_capture_on_commit_callbacks
):
    (book,) = queue_books(1)
    other = queue_books(1)[0]
    proc = workers.start("--burst", FAKE_PIPELINE_STEPS="200", FAKE_PIPELINE_STEP_SECONDS="0.02")
    wait_until(lambda: ConversionJob.objects.get(audiobook=book).progress >= 10)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_audiobook(book)
    assert workers.wait(proc) == 0
    other.refresh_from_db()
    assert other.status == "completed"  # the worker went on to the next job
    media = Path(settings.MEDIA_ROOT)
    files = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())
    assert not any(str(book.pk) in name for name in files)
    assert files == sorted([other.pdf_path.name, other.audio_path.name,
                            other.audio_path.name.replace(".mp3", ".vtt")])  # fmt: skip
    assert not (Path(settings.WORK_DIR) / str(book.pk)).exists()
    assert "lost" in proc.output.read_text()


def test_postgresql_restart_under_load(postgres, workers):
    pg_ctl, data = os.environ.get("PGTEST_PG_CTL"), os.environ.get("PGTEST_DATA")
    if not pg_ctl:
        missing("restarting the server needs the throwaway cluster of scripts/with-postgres")
    queue_books(30)
    procs = [workers.start("--burst", FAKE_PIPELINE_STEPS="10", FAKE_PIPELINE_STEP_SECONDS="0.03")
             for _ in range(2)]  # fmt: skip
    wait_until(lambda: ConversionJob.objects.filter(status="completed").count() >= 5)
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    log = str(Path(data).parent / "server.log")  # without -l the server would hold our pipe
    subprocess.run([*as_postgres, pg_ctl, "-D", data, "-l", log, "restart", "-m", "fast", "-w"],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    connection.close()
    assert [workers.wait(p, timeout=300) for p in procs] == [0, 0]
    connection.close()
    # Everything finished; nothing stuck. A job cut off by the restart may have been retried.
    assert not ConversionJob.objects.filter(status__in=ConversionJob.ACTIVE_STATUSES).exists()
    assert Audiobook.objects.filter(status="completed").count() == 30
    assert_no_overlap(workers.events())


def test_no_worker_holds_a_transaction_open_while_converting(postgres, workers):
    (book,) = queue_books(1)
    proc = workers.start(FAKE_PIPELINE_STEPS="60", FAKE_PIPELINE_STEP_SECONDS="0.05")
    wait_until(lambda: ConversionJob.objects.get(audiobook=book).status == "running")
    oldest = 0.0
    with connection.cursor() as cursor:
        while ConversionJob.objects.get(audiobook=book).status == "running":
            cursor.execute(
                "SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND xact_start IS NOT NULL"
            )
            oldest = max(oldest, float(cursor.fetchone()[0]))
            time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    workers.wait(proc)
    assert oldest < 1.0, f"a worker kept a transaction open for {oldest:.2f} s"
