#!/usr/bin/env python
"""The library page with 10, 1,000 and 10,000 audiobooks for one person: queries and latency.

    .venv/bin/python bench/library.py                          # SQLite (a scratch file)
    scripts/with-postgres .venv/bin/python bench/library.py    # PostgreSQL

For each size: the number of SQL queries of one page (it must not grow), and p50/p95 of 200
requests through Django's test client (the whole view and template, no network), with the
ratio of p95 to the 10-book p95 in the same run, for the first page and for a title search
with a status filter (a substring search reads every one of the person's titles). Prints a
Markdown table.
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)
SCRATCH = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="audiobooker-bench-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'bench.db'}")
os.environ.update(DJANGO_SETTINGS_MODULE="audiobooker.settings", DEBUG="true",
                  SECRET_KEY="bench", MEDIA_ROOT=str(SCRATCH / "media"))  # fmt: skip

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.signals import request_started  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from conversions.models import ConversionJob  # noqa: E402
from library.models import Audiobook, AudiobookDetails  # noqa: E402

STATUSES = ["completed", "completed", "completed", "failed", "processing", "pending"]


def grow_to(user, count: int) -> None:
    have = Audiobook.objects.filter(user=user).count()
    books = [
        Audiobook(id=uuid.uuid4(), user=user, title=f"Book {i}", original_file_name=f"b{i}.pdf",
                  file_size=1000 + i, pdf_path=f"pdfs/{i}.pdf", status=STATUSES[i % 6],
                  audio_path=f"audio/{i}.mp3" if STATUSES[i % 6] == "completed" else None)
        for i in range(have, count)
    ]  # fmt: skip
    Audiobook.objects.bulk_create(books, batch_size=1000)
    AudiobookDetails.objects.bulk_create(
        [AudiobookDetails(audiobook=b, page_count=100, duration=3600.0, audio_size=10**7)
         for b in books], batch_size=1000,
    )  # fmt: skip
    ConversionJob.objects.bulk_create(
        [ConversionJob(audiobook=b, status="completed", progress=100) for b in books],
        batch_size=1000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(client, url: str, samples: int = 200) -> tuple[int, float, float]:
    """Queries of one request, then p50 and p95 seconds over `samples` requests."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    times.sort()
    return len(queries), statistics.median(times), times[int(0.95 * len(times)) - 1]


def main() -> None:
    setup_test_environment()
    # Count every query of a request (Django resets its log when a request starts).
    request_started.disconnect(reset_queries)
    call_command("migrate", verbosity=0)
    user = User.objects.create_user(f"bench-{uuid.uuid4().hex[:6]}@example.com", "pw-bench-1")
    client = Client()
    client.force_login(user)
    print(f"## Library page ({connection.vendor}, one person, 200 requests each)\n")
    print("| books | page | queries | p50 ms | p95 ms | p95 vs 10 books |")
    print("|---|---|---|---|---|---|")
    pages = {"first page": "/library/", "search + status": "/library/?q=Book+1&status=completed"}
    base = {}
    for size in (10, 1_000, 10_000):
        grow_to(user, size)
        for name, url in pages.items():
            queries, p50, p95 = measure(client, url)
            base.setdefault(name, p95)
            print(f"| {size:,} | {name} | {queries} | {p50 * 1000:.1f} | {p95 * 1000:.1f} "
                  f"| {p95 / base[name]:.2f}x |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
