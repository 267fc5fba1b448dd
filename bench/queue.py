#!/usr/bin/env python
"""The queue: throughput, fairness, claim latency, the waiting-time estimates and their error.

    .venv/bin/python bench/queue.py                          # SQLite (a scratch file)
    scripts/with-postgres .venv/bin/python bench/queue.py    # PostgreSQL (throwaway cluster)

1. Throughput: jobs per second through claim -> progress -> complete with the fake pipeline,
   1, 2, 4, 8 workers on PostgreSQL and 1, 2 on SQLite (ratios against 1 worker in the run);
   ten books a person.
2. Fairness: person A queues 10 books, then B queues 1; one worker (a real `manage.py worker`
   process). How many jobs run before B's, beside the strict oldest-first order (the claim's
   former rule, played in this script): 10.
3. Claim latency: the median of 200 claims with 10,000 jobs queued by 1,000 people, as a ratio
   to 100 jobs by 10 people; and what the pages' estimate of the whole queue costs.
4. (SQLite run only; BENCH_ETA=0 skips it, BENCH_ETA=only runs it alone) The estimates' error: a worker converts a few corpus
   PDFs for a history, then 20 more are queued at once; each one's predicted finish at that
   moment against its real one, as a fraction of its real wait (median and worst), also for the
   defaults a fresh install would use. BENCH_VOICE (default espeak:en-us) reads them all.
Prints Markdown for docs/benchmarks.md.
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
from datetime import timedelta
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
    TTS_VOICE=os.environ.get("BENCH_VOICE", "espeak:en-us"), MAX_QUEUED_PER_USER="100",
)  # fmt: skip
MANUALS = Path(os.environ.get("AUDIOBOOKER_MANUALS", REPO / ".cache" / "manuals"))
CORPUS = REPO / "tests" / "data"

import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from conversions import queue  # noqa: E402
from conversions.locks import make_locks  # noqa: E402
from conversions.models import NEVER_SERVED, ConversionJob, JobStats, QueueTurn  # noqa: E402
from library import estimates, services, wordcount  # noqa: E402
from library.models import Audiobook  # noqa: E402

JOBS = int(os.environ.get("BENCH_JOBS", "400"))
# For the estimates: a history first, then the 20 measured, all queued at once (the corpus PDFs
# that have text, and the long manuals; the order mixes long and short).
HISTORY = [
    MANUALS / "fhs-3.0.pdf",
    CORPUS / "pdflatex-outline.pdf",
    CORPUS / "minimal-document.pdf",
]
MEASURED = [
    CORPUS / "pdflatex-4-pages.pdf", MANUALS / "maint-guide.en.pdf", CORPUS / "crazyones-pdfa.pdf",
    CORPUS / "google-doc-document.pdf", MANUALS / "bash.pdf", CORPUS / "002-trivial-libre-office-writer.pdf",
    CORPUS / "multicolumn.pdf", CORPUS / "GeoTopo-komprimiert.pdf", CORPUS / "mistitled_outlines_example.pdf",
    CORPUS / "pdfkit.pdf", MANUALS / "developers-reference.pdf", CORPUS / "annotated_pdf.pdf",
    CORPUS / "libreoffice-form.pdf", CORPUS / "manual-pages" / "debian-faq.ru.p11.pdf",
    CORPUS / "habibi.pdf", MANUALS / "bashref.pdf", CORPUS / "inline-image.pdf",
    CORPUS / "manual-pages" / "maint-guide.ja.p19.pdf", CORPUS / "habibi-rotated.pdf",
    CORPUS / "manual-pages" / "maint-guide.zh-cn.p5.pdf",
]  # fmt: skip


def say(message: str) -> None:
    print(f"[queue] {message}", file=sys.stderr, flush=True)


# ---- filling the queue --------------------------------------------------------------------------


@transaction.atomic  # workers may be polling: they see the whole queue at once
def fill(jobs: int, people: list, pdf_name: str, turns: bool = True) -> None:
    """`jobs` queued books shared round-robin by `people`, as start_conversion leaves them (book
    pending, job queued, each person's turn waiting); a third of the people served before.
    turns=False: no turns, so the claim goes oldest first, as it did before the fair queue."""
    now = timezone.now()
    books = [
        Audiobook(id=uuid.uuid4(), user=people[i % len(people)], title=f"book {i}",
                  original_file_name="b.pdf", file_size=10, pdf_path=pdf_name)
        for i in range(jobs)
    ]  # fmt: skip
    Audiobook.objects.bulk_create(books, batch_size=500)
    ConversionJob.objects.bulk_create(
        [ConversionJob(audiobook=book, created_at=now + timedelta(microseconds=i))
         for i, book in enumerate(books)], batch_size=500,
    )  # fmt: skip
    QueueTurn.objects.bulk_create(
        [] if not turns else [QueueTurn(user=user, waiting=True, waiting_since=now,
                   served_at=now - timedelta(minutes=i) if i % 3 == 0 else NEVER_SERVED)
         for i, user in enumerate(people)], batch_size=500,
    )  # fmt: skip


def empty() -> None:
    ConversionJob.objects.all().delete()
    Audiobook.objects.all().delete()
    QueueTurn.objects.all().delete()


def make_people(count: int, prefix: str) -> list:
    User.objects.bulk_create(
        [User(email=f"{prefix}{i}@example.com") for i in range(count)], batch_size=500,
        ignore_conflicts=True,
    )  # fmt: skip
    return list(User.objects.filter(email__startswith=prefix).order_by("email")[:count])


def worker(args: list[str], log: Path, **env) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "manage.py", "worker", *args], cwd=REPO,
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env})  # fmt: skip


# ---- 1. throughput ------------------------------------------------------------------------------


def throughput(workers: int, people: list, pdf_name: str) -> float:
    """Jobs per second for `workers` processes that are already up when the jobs arrive."""
    empty()
    procs, logs = [], []
    for i in range(workers):
        logs.append(SCRATCH / f"w{workers}-{i}.log")
        procs.append(worker([], logs[-1]))
    while not all("worker ready" in log.read_text() for log in logs):
        time.sleep(0.05)
    fill(JOBS, people, pdf_name)
    started = time.monotonic()
    while ConversionJob.objects.filter(status="completed").count() < JOBS:
        time.sleep(0.02)
    seconds = time.monotonic() - started
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=60)
    return JOBS / seconds


# ---- 2. fairness --------------------------------------------------------------------------------


def claim_oldest_first(locks):
    """The claim's former rule, for the baseline: the oldest queued job of all."""
    with transaction.atomic():
        job = ConversionJob.objects.filter(status="queued").order_by("created_at").first()
        ConversionJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    return job


def jobs_before_newcomer(pdf_name: str) -> tuple[int, int]:
    """(fair, strict): jobs run before B's one book, queued after A's ten; one worker."""
    a, b = make_people(1, "fair-a")[0], make_people(1, "fair-b")[0]

    def queue_books():
        empty()
        for owner, count in ((a, 10), (b, 1)):
            for i in range(count):
                book = Audiobook.objects.create(user=owner, title=f"{owner.email} {i}",
                                                original_file_name="b.pdf", file_size=10,
                                                pdf_path=pdf_name)  # fmt: skip
                services.start_conversion(book, limit_queue=False)
        return Audiobook.objects.get(user=b).pk

    newcomer = queue_books()
    proc = worker(["--burst"], SCRATCH / "fair.log")
    proc.wait(timeout=300)
    order = list(
        ConversionJob.objects.order_by("started_at").values_list("audiobook_id", flat=True)
    )
    fair = order.index(newcomer)
    newcomer, locks, strict = queue_books(), make_locks(), []
    while ConversionJob.objects.filter(status="queued").exists():
        strict.append(claim_oldest_first(locks).audiobook_id)
    locks.close()
    return fair, strict.index(newcomer)


# ---- 3. claim latency ---------------------------------------------------------------------------


def claim_latency(
    queued: int, people: int, pdf_name: str, samples: int = 200, turns: bool = True
) -> float:
    """Median seconds of one claim_next_job() with `queued` jobs of `people` people waiting.
    Each claimed job is completed at once (untimed), as a worker would before its next claim.
    turns=False: the strict oldest-first claim, for comparison."""
    empty()
    fill(queued + samples, make_people(people, "p"), pdf_name, turns=turns)
    locks, times = make_locks(), []
    for _ in range(samples):
        started = time.perf_counter()
        claim = queue.claim_next_job(locks)
        times.append(time.perf_counter() - started)
        queue.complete_job(claim, f"audio/{claim.job_id}.mp3")
        locks.release(claim.job_id)
    locks.close()
    return statistics.median(times)


def estimate_cost(rounds: int = 5) -> float:
    """Seconds for the pages' look at the whole queue (as it was left), best of `rounds`."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        estimates.plan_queue()
        best = min(best, time.perf_counter() - started)
    return best


# ---- 4. the estimates' error --------------------------------------------------------------------


def has_text(pdf: Path) -> bool:
    from conversions.pdftext import PdfError, extract_document

    try:
        return bool(extract_document(pdf).chapters)
    except PdfError:
        return False


def queue_pdf(user, pdf: Path, words: int | None = None) -> Audiobook:
    """An upload as the upload form makes it: the words counted, then file, book and job."""
    if words is None:
        (words,) = wordcount.count_words([pdf])
    with open(pdf, "rb") as f:
        return services.create_audiobook(user, File(f, name=pdf.name), title=pdf.stem,
                                         word_count=words)  # fmt: skip


def real_worker(log: Path, *args) -> subprocess.Popen:
    """A worker with the real pipeline (every core), up and polling when this returns."""
    proc = worker(list(args), log, CONVERSION_PIPELINE="conversions.pipeline.convert_book")
    while "worker ready" not in log.read_text():
        if proc.poll() is not None:
            raise SystemExit(f"the worker failed: see {log}")
        time.sleep(0.05)
    return proc


def eta_error() -> dict:
    empty()
    JobStats.objects.all().delete()
    user = make_people(1, "reader")[0]
    history = [p for p in HISTORY if p.exists() and has_text(p)]
    measured = [p for p in MEASURED if p.exists() and has_text(p)]
    say(f"history: {len(history)} conversions; measured: {len(measured)}")
    for pdf in history:
        queue_pdf(user, pdf)
    if real_worker(SCRATCH / "history.log", "--burst").wait(timeout=3600) != 0:
        raise SystemExit("the worker failed")
    # A worker already waiting, as in a running installation; the books queued at once.
    proc = real_worker(SCRATCH / "measured.log")
    counts = wordcount.count_words(measured)
    with transaction.atomic():
        books = [queue_pdf(user, pdf, words) for pdf, words in zip(measured, counts, strict=True)]
    t0 = timezone.now()
    predicted = estimates.plan_queue(t0)
    with transaction.atomic():  # what a fresh install would have said: no history
        JobStats.objects.all().delete()
        fresh = estimates.plan_queue(t0)
        transaction.set_rollback(True)
    while ConversionJob.objects.filter(status__in=["queued", "running"]).exists():
        time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    errors, fresh_errors, words = [], [], 0
    for book in books:
        job = book.jobs.get()
        if job.status != "completed":
            say(f"{book.title}: {job.status} ({job.error_message}); left out")
            continue
        wait = (job.completed_at - t0).total_seconds()
        guess = (predicted[book.pk].ready_at - t0).total_seconds()
        errors.append(abs(guess - wait) / wait)
        fresh_errors.append(abs((fresh[book.pk].ready_at - t0).total_seconds() - wait) / wait)
        words += book.details.word_count or 0
        took = (job.completed_at - job.started_at).total_seconds()
        say(f"{book.title}: {book.details.word_count} words, took {took:.1f} s; ready after "
            f"{wait:.0f} s, predicted {guess:.0f} s ({errors[-1]:.0%}; defaults "
            f"{fresh_errors[-1]:.0%})")  # fmt: skip
    last = max(book.jobs.get().completed_at for book in books)
    return {
        "voice": os.environ["TTS_VOICE"], "history": len(history), "count": len(errors),
        "words": words, "seconds": (last - t0).total_seconds(),
        "median": statistics.median(errors), "worst": max(errors),
        "fresh_median": statistics.median(fresh_errors), "fresh_worst": max(fresh_errors),
    }  # fmt: skip


# ---- report -------------------------------------------------------------------------------------


def main() -> None:
    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(email="bench@example.com")
    pdf_name = default_storage.save("pdfs/bench.pdf", ContentFile(b"%PDF-1.4 bench"))
    vendor = connection.vendor
    load = os.getloadavg()[0]
    eta = os.environ.get("BENCH_ETA", "1")
    if eta != "only":
        counts = [1, 2, 4, 8] if vendor == "postgresql" else [1, 2]
        # Ten books a person: MAX_QUEUED_PER_USER's default.
        people = make_people(JOBS // 10, "t")
        print(f"## Queue ({vendor}, {JOBS} jobs by {len(people)} people per run, fake pipeline, "
              f"load {load:.1f})\n")  # fmt: skip
        print("| workers | jobs/s | vs 1 worker |\n|---|---|---|")
        base = None
        for count in counts:
            rate = throughput(count, people, pdf_name)
            base = base or rate
            print(f"| {count} | {rate:.0f} | {rate / base:.2f}x |", flush=True)

        fair, strict = jobs_before_newcomer(pdf_name)
        print(f"\nA queues 10 books, then B 1; one worker: {fair} job(s) run before B's "
              f"(strict oldest-first order: {strict})")  # fmt: skip

        print("\n| claim (median of 200) | 100 queued by 10 people | 10,000 by 1,000 | ratio |")
        print("|---|---|---|---|")
        for name, turns in (("fair", True), ("strict oldest first (no turns)", False)):
            small = claim_latency(100, 10, pdf_name, turns=turns)
            large = claim_latency(10_000, 1_000, pdf_name, turns=turns)
            print(f"| {name} | {small * 1000:.2f} ms | {large * 1000:.2f} ms | "
                  f"{large / small:.2f}x |", flush=True)  # fmt: skip
        print(f"\nthe pages' estimate of the whole queue (10,000 jobs, 1,000 people): "
              f"{estimate_cost() * 1000:.0f} ms (load {os.getloadavg()[0]:.1f})")  # fmt: skip

    if vendor == "sqlite" and eta != "0":
        eta = eta_error()
        print(f"\nETA error, {eta['count']} real conversions queued at once ({eta['words']:,} "
              f"words, {eta['seconds']:.0f} s, voice {eta['voice']}, one worker), after "
              f"{eta['history']} for a history: predicted finish vs real, as a share of the "
              f"real wait: median {eta['median']:.0%}, worst {eta['worst']:.0%}; with no "
              f"history (defaults): median {eta['fresh_median']:.0%}, worst "
              f"{eta['fresh_worst']:.0%} (load {load:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after)")  # fmt: skip


if __name__ == "__main__":
    main()
