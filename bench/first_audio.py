#!/usr/bin/env python
"""Listen while it converts: how soon the first audio plays, and what it costs the whole book.

    .venv/bin/python bench/first_audio.py

1. Time to first audio: from the upload POST (the real upload view, through Django's test
   client) until the first byte of audio can be fetched through the book's URLs (its first
   ready segment, or audio.mp3), with a `manage.py worker` already idle and waiting (the
   default WORKER_POLL_SECONDS). A long manual (BENCH_LONG, default developers-reference.pdf),
   read by the default voice ("auto": Piper's natural English voice) and by eSpeak; BENCH_RUNS
   (default 3) times each, a new upload each time (the book is deleted after its first byte).
2. Whole book, streaming on against off: converted with LISTEN_WHILE_CONVERTING on and off by
   a worker started with each setting, in the order on, off, off, on, ... (BENCH_PAIRS pairs,
   default 2), job claim to completion, and the CPU time of the worker and its speech
   processes (start to stop; it counts the same start-up in both, and is not swayed by other
   work on the machine as the seconds are). eSpeak on a medium manual (BENCH_MEDIUM, default
   fhs-3.0.pdf), whose speed shows the segments' own overhead most; the natural voice on
   BENCH_NATURAL_WHOLE (default tests/data/pdflatex-outline.pdf, a few minutes of audio; a
   manual takes it 5 to 15 minutes a run on two busy cores).
Prints Markdown for docs/benchmarks.md.
"""

import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)
SCRATCH = Path(tempfile.mkdtemp(prefix="audiobooker-bench-"))
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
ENV = {
    "DATABASE_URL": f"sqlite:///{SCRATCH / 'bench.db'}",
    "DJANGO_SETTINGS_MODULE": "audiobooker.settings",
    "DEBUG": "true",
    "SECRET_KEY": "bench",
    "MEDIA_ROOT": str(SCRATCH / "media"),
    "WORK_DIR": str(SCRATCH / "work"),
    "ALLOWED_HOSTS": "testserver,localhost",
    "MAX_QUEUED_PER_USER": "100",
}
os.environ.update(ENV)
MANUALS = Path(os.environ.get("AUDIOBOOKER_MANUALS", REPO / ".cache" / "manuals"))
LONG = MANUALS / os.environ.get("BENCH_LONG", "developers-reference.pdf")
MEDIUM = MANUALS / os.environ.get("BENCH_MEDIUM", "fhs-3.0.pdf")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
PAIRS = int(os.environ.get("BENCH_PAIRS", "2"))
NATURAL_WHOLE = Path(
    os.environ.get("BENCH_NATURAL_WHOLE", REPO / "tests" / "data" / "pdflatex-outline.pdf")
)
NATURAL, ESPEAK = "auto", "espeak:en-us"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from conversions.models import ConversionJob  # noqa: E402
from library import services  # noqa: E402
from library.models import Audiobook  # noqa: E402


class Worker:
    """A `manage.py worker` process on the scratch database, with its output in a file."""

    def __init__(self, listen: bool):
        self.log = SCRATCH / f"worker-{time.monotonic_ns()}.log"
        env = {**os.environ, **ENV, "LISTEN_WHILE_CONVERTING": str(listen).lower()}
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "worker"], cwd=REPO, env=env, stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.wait_for("worker ready")
        time.sleep(3)  # idle and waiting: polling the queue

    def text(self) -> str:
        return self.log.read_text()

    def wait_for(self, words: str, count: int = 1) -> None:
        while self.text().count(words) < count:
            if self.proc.poll() is not None:
                raise SystemExit(f"the worker stopped:\n{self.text()}")
            time.sleep(0.05)

    def stop(self) -> float:
        """Stop it; the CPU seconds it and its speech processes used (user + system)."""
        self.proc.terminate()
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return usage.ru_utime + usage.ru_stime


def upload(client: Client, pdf: Path, voice: str) -> tuple[Audiobook, float]:
    """Upload through the real view; the book and the moment of the POST."""
    with open(pdf, "rb") as f:
        started = time.perf_counter()
        response = client.post("/library/upload/", {"pdf": f, "voice": voice})
    assert response.status_code == 302, response.status_code
    return Audiobook.objects.latest("created_at"), started


def first_byte_url(client: Client, book: Audiobook) -> str | None:
    state = client.get(f"/library/{book.pk}/status.json").json()
    if state["ready"] and state["ready"]["segments"]:
        return state["ready"]["segments"][0]["url"]
    if state["status"] == "completed":
        return f"/library/{book.pk}/audio.mp3"
    assert state["status"] != "failed", state["error"]
    return None


def time_to_first_audio(client: Client, worker: Worker, voice: str, lost: int) -> float:
    book, started = upload(client, LONG, voice)
    while True:
        url = first_byte_url(client, book)
        if url:
            response = client.get(url, HTTP_RANGE="bytes=0-0")
            if response.status_code == 206 and len(b"".join(response.streaming_content)) == 1:
                seconds = time.perf_counter() - started
                break
        time.sleep(0.05)
    services.delete_audiobook(book)
    worker.wait_for("lost", lost)  # it noticed, and stopped speaking
    time.sleep(3)
    return seconds


def whole_book(client: Client, voice: str, pdf: Path) -> tuple[float, float]:
    """Seconds from the job's claim to its completion, and of audio."""
    book, _ = upload(client, pdf, voice)
    while Audiobook.objects.get(pk=book.pk).status != "completed":
        assert Audiobook.objects.get(pk=book.pk).status != "failed"
        time.sleep(0.2)
    job = ConversionJob.objects.filter(audiobook=book).get()
    seconds = (job.completed_at - job.started_at).total_seconds()
    duration = book.details.duration
    services.delete_audiobook(book)
    return seconds, duration


def main():
    for pdf in (LONG, MEDIUM, NATURAL_WHOLE):
        if not pdf.exists():
            raise SystemExit(f"{pdf} is missing: run scripts/fetch-manuals")
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench@example.com", "bench-password-1")
    client = Client()
    client.force_login(user)
    connection.close()

    print("## Listen while it converts: `bench/first_audio.py`\n")
    print(f"Time to first audio, {LONG.name}, a worker idle and waiting ({RUNS} runs each):\n")
    print("| voice | median s | worst s | runs |")
    print("|---|---|---|---|")
    worker = Worker(listen=True)
    lost = 0
    try:
        for voice in (NATURAL, ESPEAK):
            times = []
            for _ in range(RUNS):
                lost += 1
                times.append(time_to_first_audio(client, worker, voice, lost))
            runs = ", ".join(f"{t:.2f}" for t in times)
            print(
                f"| {voice} | {statistics.median(times):.2f} | {max(times):.2f} | {runs} |",
                flush=True,
            )
    finally:
        worker.stop()
    load = os.getloadavg()[0]

    print(f"\nLoad average at the start of this table: {load:.1f}.")
    print("\nWhole book, claim to completion, streaming on and off:\n")
    print("| voice | PDF | streaming | seconds | CPU seconds | audio min | x real time |")
    print("|---|---|---|---|---|---|---|")
    totals = {}
    whole = ((ESPEAK, MEDIUM), (NATURAL, NATURAL_WHOLE))
    for voice, pdf in whole:
        order = [True, False, False, True] * (PAIRS // 2) + [True, False] * (PAIRS % 2)
        for listen in order:
            worker = Worker(listen=listen)
            try:
                seconds, duration = whole_book(client, voice, pdf)
            finally:
                cpu = worker.stop()
            totals.setdefault((voice, listen), []).append((seconds, cpu))
            state = "on" if listen else "off"
            print(
                f"| {voice} | {pdf.name} | {state} | {seconds:.1f} | {cpu:.1f} | "
                f"{duration / 60:.1f} | {duration / seconds:.0f}x |",
                flush=True,
            )
    print()
    for voice, _ in whole:
        on, off = totals[voice, True], totals[voice, False]
        wall = sum(s for s, _ in on) / sum(s for s, _ in off)
        cpu = sum(c for _, c in on) / sum(c for _, c in off)
        print(f"- {voice}: streaming on / off = {wall:.3f} in seconds, {cpu:.3f} in CPU time")


if __name__ == "__main__":
    main()
