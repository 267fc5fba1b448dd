#!/usr/bin/env python
"""Queue throughput and claim latency, with the fast fake pipeline (the point is the queue).

    .venv/bin/python bench/queue.py                          # SQLite (a scratch file)
    scripts/with-postgres .venv/bin/python bench/queue.py    # PostgreSQL (throwaway cluster)

Jobs per second through claim -> progress -> complete with 1, 2, 4, 8 workers on PostgreSQL and
1, 2 on SQLite (each ratio against 1 worker in the same run), and the latency of one claim with
10,000 jobs queued against 100 queued. Prints a Markdown table for docs/benchmarks.md.
"""

import atexit
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # not bench/: this file would shadow the standard library queue
SCRATCH = Path(tempfile.mkdtemp(prefix="audiobooker-bench-"))
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'bench.db'}")
os.environ.update(
    DJANGO_SETTINGS_MODULE="audiobooker.settings", DEBUG="true", SECRET_KEY="bench",
    MEDIA_ROOT=str(SCRATCH / "media"), WORK_DIR=str(SCRATCH / "work"),
    CONVERSION_PIPELINE="tests.fake_pipeline.convert_book", FAKE_PIPELINE_STEPS="2",
    FAKE_PIPELINE_STEP_SECONDS="0", WORKER_POLL_SECONDS="0.05",
)  # fmt: skip

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from conversions import queue  # noqa: E402
from conversions.locks import make_locks  # noqa: E402
from conversions.models import ConversionJob  # noqa: E402
from library.models import Audiobook  # noqa: E402

JOBS = int(os.environ.get("BENCH_JOBS", "400"))


def fill(count: int, user, pdf_name: str) -> None:
    books = [
        Audiobook(id=uuid.uuid4(), user=user, title=f"book {i}", original_file_name="b.pdf",
                  file_size=10, pdf_path=pdf_name)
        for i in range(count)
    ]  # fmt: skip
    Audiobook.objects.bulk_create(books, batch_size=500)
    ConversionJob.objects.bulk_create(
        [ConversionJob(audiobook=book) for book in books], batch_size=500
    )


def empty() -> None:
    ConversionJob.objects.all().delete()
    Audiobook.objects.all().delete()


def throughput(workers: int, user, pdf_name: str) -> float:
    """Jobs per second for `workers` processes that are already up when the jobs arrive."""
    empty()
    procs, logs = [], []
    for i in range(workers):
        log = SCRATCH / f"w{workers}-{i}.log"
        logs.append(log)
        with open(log, "w") as out:
            procs.append(subprocess.Popen([sys.executable, "manage.py", "worker"], cwd=REPO,
                                          stdout=out, stderr=subprocess.STDOUT))  # fmt: skip
    while not all("worker ready" in log.read_text() for log in logs):
        time.sleep(0.05)
    fill(JOBS, user, pdf_name)
    started = time.monotonic()
    while ConversionJob.objects.filter(status="completed").count() < JOBS:
        time.sleep(0.02)
    seconds = time.monotonic() - started
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=60)
    return JOBS / seconds


def claim_latency(queued: int, user, pdf_name: str, samples: int = 200) -> float:
    """Median seconds of one claim_next_job() with `queued` jobs waiting."""
    empty()
    fill(queued + samples, user, pdf_name)
    locks = make_locks()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        claim = queue.claim_next_job(locks)
        times.append(time.perf_counter() - started)
        locks.release(claim.job_id)
    locks.close()
    return statistics.median(times)


def main() -> None:
    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(email="bench@example.com")
    pdf_name = default_storage.save("pdfs/bench.pdf", ContentFile(b"%PDF-1.4 bench"))
    vendor = connection.vendor
    counts = [1, 2, 4, 8] if vendor == "postgresql" else [1, 2]
    print(f"## Queue ({vendor}, {JOBS} jobs per run, fake pipeline)\n")
    print("| workers | jobs/s | vs 1 worker |\n|---|---|---|")
    base = None
    for count in counts:
        rate = throughput(count, user, pdf_name)
        base = base or rate
        print(f"| {count} | {rate:.0f} | {rate / base:.2f}x |", flush=True)
    small = claim_latency(100, user, pdf_name)
    large = claim_latency(10_000, user, pdf_name)
    print(f"\nclaim latency (median of 200): {small * 1000:.2f} ms with 100 queued, "
          f"{large * 1000:.2f} ms with 10,000 queued: {large / small:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
