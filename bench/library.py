#!/usr/bin/env python
"""The library page with 10, 1,000 and 10,000 audiobooks for one person: queries and latency.

    .venv/bin/python bench/library.py                          # SQLite (a scratch file)
    scripts/with-postgres .venv/bin/python bench/library.py    # PostgreSQL

Three people with 10, 1,000 and 10,000 audiobooks. For each: the number of SQL queries of one
page (it must not grow), and p50/p95 of 300 requests through Django's test client (the whole
view and template, no network, production settings), the three taking turns in a shuffled
order so that the machine's busy moments fall on all of them alike; the ratio is p95 against
the 10-book library's. For the first page, and for a title search with a status filter (a
substring search reads every one of the person's titles). Prints a Markdown table.
"""

import atexit
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)
SCRATCH = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="audiobooker-bench-"))
if not os.environ.get("BENCH_DIR"):  # a folder of one's own choosing is kept
    atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'bench.db'}")
# Production settings (DEBUG off: no SQL logging), over plain HTTP to the test client's host.
os.environ.update(DJANGO_SETTINGS_MODULE="audiobooker.settings", DEBUG="false",
                  SECRET_KEY="bench", ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="false",
                  SECURE_COOKIES="false", MEDIA_ROOT=str(SCRATCH / "media"),
                  STATIC_ROOT=str(SCRATCH / "static"),
                  CACHE_URL="locmemcache://")  # fmt: skip

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.signals import request_started  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from conversions.models import ConversionJob  # noqa: E402
from library.models import Audiobook, AudiobookDetails  # noqa: E402

STATUSES = ["completed", "completed", "completed", "failed", "processing", "pending"]
SIZES = (10, 1_000, 10_000)
ROUNDS = 300


def library_of(count: int):
    """A person with `count` audiobooks (half of them finished, the rest failed, converting
    or waiting), signed in."""
    user = User.objects.create_user(f"reader{count}-{uuid.uuid4().hex[:6]}@example.com", "pw-1")
    books = [
        Audiobook(id=uuid.uuid4(), user=user, title=f"Book {i}", original_file_name=f"b{i}.pdf",
                  file_size=1000 + i, pdf_path=f"pdfs/{i}.pdf", status=STATUSES[i % 6],
                  audio_path=f"audio/{i}.mp3" if STATUSES[i % 6] == "completed" else None)
        for i in range(count)
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
    client = Client()
    client.force_login(user)
    return client


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def measure(clients: dict, url: str, rounds: int) -> dict:
    """Seconds of each request, per library size. The sizes take turns in a shuffled order
    each round, so a busy moment of the machine falls on all of them alike."""
    times = {size: [] for size in clients}
    order = list(clients)
    for _ in range(rounds):
        random.shuffle(order)
        for size in order:
            started = time.perf_counter()
            response = clients[size].get(url)
            times[size].append(time.perf_counter() - started)
            assert response.status_code == 200
    return {size: sorted(samples) for size, samples in times.items()}


def main() -> None:
    # Not setup_test_environment(): it makes every template render send a signal and the
    # client copy each context (two includes per row), a cost production does not have.
    # CaptureQueriesContext counts the queries with DEBUG off too, all of a request's once
    # Django no longer empties its log when a request starts.
    request_started.disconnect(reset_queries)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)  # hashed names, as deployed
    clients = {size: library_of(size) for size in SIZES}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a table that has settled
    print(f"## Library page ({connection.vendor}, {ROUNDS} requests per size, interleaved)\n")
    print("| books | page | queries | p50 ms | p95 ms | p95 vs 10 books |")
    print("|---|---|---|---|---|---|")
    pages = {"first page": "/library/", "search + status": "/library/?q=Book+1&status=completed"}
    for name, url in pages.items():
        for client in clients.values():  # warm-up, not measured
            client.get(url)
        times = measure(clients, url, ROUNDS)
        base = p95(times[SIZES[0]])
        for size, samples in times.items():
            print(f"| {size:,} | {name} | {queries_of(clients[size], url)} "
                  f"| {statistics.median(samples) * 1000:.1f} | {p95(samples) * 1000:.1f} "
                  f"| {p95(samples) / base:.2f}x |", flush=True)  # fmt: skip


def p95(sorted_samples: list[float]) -> float:
    return sorted_samples[math.ceil(0.95 * len(sorted_samples)) - 1]


if __name__ == "__main__":
    main()
