#!/usr/bin/env python
"""Concurrent readers against gunicorn while two workers convert: latency, 5xx, locked database.

    .venv/bin/python bench/load.py                          # SQLite (a scratch file)
    scripts/with-postgres .venv/bin/python bench/load.py    # PostgreSQL (throwaway cluster)
    .venv/bin/python bench/load.py --clients 5 --seconds 5 --baseline-seconds 3   # smoke run

Sets up a scratch database and MEDIA_ROOT: a few people, each with a page and a bit of books
(finished ones with a real MP3 made once by `manage.py convert`, one failed, and real PDFs from
.cache/manuals and tests/data queued for conversion). Starts gunicorn with
gunicorn.conf.py (production settings, DEBUG off, over plain HTTP on 127.0.0.1) and signs the
clients in with session rows (not the login form: its password hashing and lockouts are not
what is measured here).

After 2 s of warm-up with every client (not measured), the baseline: 1 client for
--baseline-seconds, no worker running. Then the load: --workers `manage.py worker` processes
(the real pipeline, one speech process each) claim a job each, and --clients clients (threads;
no think time unless --think) run for --seconds. Every client loops over the library page,
status.json of a book waiting or converting and of a finished one, and a 64 KB Range of an MP3
(checked: 206 and the bytes asked for). Prints a Markdown table per request with p50/p95/p99
and the p95 ratio of load to baseline, the "database is locked" lines in every log, what the
workers got done meanwhile and where the CPU went. Exits 1 on any 5xx, connection error,
unexpected answer, failed conversion or locked database (the scratch folder and its logs are
then kept).
"""

import argparse
import math
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # not bench/: bench/queue.py would shadow the standard library's queue
SCRATCH = Path(tempfile.mkdtemp(prefix="audiobooker-bench-"))
CORPUS = REPO / "tests" / "data"
MANUALS = Path(os.environ.get("AUDIOBOOKER_MANUALS", REPO / ".cache" / "manuals"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'bench.db'}")
# Production settings (DEBUG off: no query log, hashed static files) minus what needs HTTPS.
os.environ.update(
    DJANGO_SETTINGS_MODULE="audiobooker.settings", DEBUG="false", SECRET_KEY="bench",
    ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false",
    SECURE_HSTS_SECONDS="0", CACHE_URL="locmemcache://", STATIC_ROOT=str(SCRATCH / "static"),
    MEDIA_ROOT=str(SCRATCH / "media"), WORK_DIR=str(SCRATCH / "work"),
    WORKER_SHUTDOWN_GRACE="2", PYTHONUNBUFFERED="1",
)  # fmt: skip

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from conversions.models import ConversionJob  # noqa: E402
from library.models import Audiobook, AudiobookDetails  # noqa: E402
from tests.tools import free_port  # noqa: E402

KINDS = ["library page", "status.json, converting", "status.json, ready", "audio 64 KB range"]
RANGE_BYTES = 64 * 1024
SAMPLE_PDF = "pdflatex-4-pages.pdf"  # 4 pages: a 0.23 h MP3 (4.9 MB) in about 4 s
# Claimed oldest first: two short books first (the load starts once both are claimed; they
# complete during it, and completing is the worker's biggest write), then medium and long ones
# so that both workers convert until the end.
QUEUE = [
    CORPUS / "pdflatex-4-pages.pdf", CORPUS / "pdflatex-outline.pdf", MANUALS / "fhs-3.0.pdf",
    MANUALS / "fhs-3.0.pdf", CORPUS / "pdflatex-4-pages.pdf", MANUALS / "maint-guide.en.pdf",
    CORPUS / "pdflatex-outline.pdf", MANUALS / "developers-reference.pdf", MANUALS / "bash.pdf",
    MANUALS / "bashref.pdf", MANUALS / "fhs-3.0.pdf", MANUALS / "bashref.pdf",
]  # fmt: skip
READY_PER_USER, FAILED_PER_USER = 20, 1
LOCKED = re.compile(rb"database is locked", re.IGNORECASE)


def say(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


# ---- setup --------------------------------------------------------------------------------------


def sample_mp3() -> Path:
    """One real MP3 (and its captions), made by the app's own converter."""
    mp3 = SCRATCH / "sample.mp3"
    with open(SCRATCH / "convert.log", "w") as log:
        subprocess.run([sys.executable, "manage.py", "convert", str(CORPUS / SAMPLE_PDF),
                        "-o", str(mp3)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                       check=True)  # fmt: skip
    return mp3


def fill(users: int, mp3: Path, repeat: int) -> list[dict]:
    """People with finished, failed and queued books; returns each person with the ids of their
    finished ("ready") and queued ("active") books."""
    media = SCRATCH / "media"
    (media / "pdfs").mkdir(parents=True, exist_ok=True)
    (media / "audio").mkdir(parents=True, exist_ok=True)
    size = mp3.stat().st_size
    duration = size * 8 / 48_000  # 48 kb/s CBR
    now = timezone.now()
    people = []
    for u in range(users):
        user = User.objects.create_user(f"listener{u}@example.com", None)
        ready = []
        for i in range(READY_PER_USER + FAILED_PER_USER):
            book_id = uuid.uuid4()
            shutil.copyfile(CORPUS / SAMPLE_PDF, media / "pdfs" / f"{book_id}.pdf")
            done = i < READY_PER_USER
            audio = f"audio/{book_id}.mp3" if done else None
            if done:  # links: the same bytes under each book's own name, as the worker saves them
                os.link(mp3, media / audio)
                os.link(mp3.with_suffix(".vtt"), media / "audio" / f"{book_id}.vtt")
            created = now - timedelta(days=30 - i)
            book = Audiobook.objects.create(
                id=book_id, user=user, title=f"Finished book {i}" if done else f"Broken {i}",
                original_file_name=SAMPLE_PDF, file_size=1000, pdf_path=f"pdfs/{book_id}.pdf",
                audio_path=audio, status="completed" if done else "failed", created_at=created,
            )  # fmt: skip
            AudiobookDetails.objects.create(
                audiobook=book, page_count=4, duration=duration if done else None,
                audio_size=size if done else None, chapters=[{"title": "", "start": 0.0}],
            )  # fmt: skip
            ConversionJob.objects.create(
                audiobook=book, status="completed" if done else "failed",
                progress=100 if done else 40, started_at=created, completed_at=created,
                created_at=created, error_message=None if done else "The PDF has no text.",
            )  # fmt: skip
            if done:
                ready.append(book_id)
        people.append({"user": user, "ready": ready, "active": []})
    for n, pdf in enumerate(QUEUE * repeat):
        person, book_id = people[n % users], uuid.uuid4()
        created = now - timedelta(minutes=60 - n % 60, seconds=n)
        shutil.copyfile(pdf, media / "pdfs" / f"{book_id}.pdf")
        book = Audiobook.objects.create(
            id=book_id, user=person["user"], title=f"{pdf.stem} ({n})",
            original_file_name=pdf.name, file_size=pdf.stat().st_size,
            pdf_path=f"pdfs/{book_id}.pdf", created_at=created,
        )  # fmt: skip
        AudiobookDetails.objects.create(audiobook=book)
        ConversionJob.objects.create(audiobook=book, created_at=created)
        person["active"].append(book_id)
    return people


def session_cookie(user) -> str:
    """A signed-in session, as `login()` leaves it, without the login form."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def start(name: str, args: list[str]) -> subprocess.Popen:
    """A child in its own process group (stopped with its children), output to SCRATCH/name.log."""
    with open(SCRATCH / f"{name}.log", "ab") as log:
        return subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def stop(procs: list[subprocess.Popen], timeout: float = 60) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ---- clients ------------------------------------------------------------------------------------


class Results:
    """What the clients of one phase saw, per kind of request."""

    def __init__(self):
        self.times = defaultdict(list)  # kind -> seconds of each request
        self.codes = defaultdict(Counter)  # kind -> status code -> count (0: connection error)
        self.failures = Counter()  # kind -> requests with any problem (5xx included)
        self.problems = Counter()  # "kind: what" -> count, for the report
        self.lock = threading.Lock()
        self.seconds = 0.0


def request_for(kind: str, person: dict, rng) -> tuple[str, dict]:
    """The URL and headers of one request of `kind` by `person`."""
    if kind == "library page":
        return ("/library/?page=2" if rng.random() < 0.25 else "/library/"), {}
    if kind == "status.json, converting":
        return f"/library/{rng.choice(person['active'] or person['ready'])}/status.json", {}
    if kind == "status.json, ready":
        return f"/library/{rng.choice(person['ready'])}/status.json", {}
    first = rng.randrange(0, person["mp3_size"] - RANGE_BYTES)
    headers = {"Range": f"bytes={first}-{first + RANGE_BYTES - 1}"}
    return f"/library/{rng.choice(person['ready'])}/audio.mp3", headers


def problem_with(kind: str, response) -> str | None:
    """What is wrong with an answer, or None: the code and content each kind must have."""
    if kind == "audio 64 KB range":
        if response.status_code != 206:
            return f"{response.status_code}"
        if len(response.content) != RANGE_BYTES:
            return f"206 with {len(response.content)} bytes"
        return None
    if response.status_code != 200:
        return f"{response.status_code}"
    if kind.startswith("status.json"):
        try:
            response.json()["progress"]
        except (ValueError, KeyError):
            return "status.json without progress"
    elif b"</html>" not in response.content:
        return "library page cut short"
    return None


def client(base, cookie: str, person: dict, rng, until: float, think: float, results) -> None:
    session = requests.Session()  # one keep-alive connection, as a browser tab would
    session.cookies.set("sessionid", cookie, domain="127.0.0.1")
    while time.monotonic() < until:
        kind = rng.choice(KINDS)
        url, headers = request_for(kind, person, rng)
        started = time.perf_counter()
        try:
            response = session.get(base + url, headers=headers, allow_redirects=False, timeout=60)
            code, problem = response.status_code, problem_with(kind, response)
        except requests.RequestException as error:
            code, problem = 0, f"connection error ({type(error).__name__})"
        seconds = time.perf_counter() - started
        with results.lock:
            results.times[kind].append(seconds)
            results.codes[kind][code] += 1
            if problem:
                results.failures[kind] += 1
                results.problems[f"{kind}: {problem}"] += 1
        if think:
            time.sleep(rng.expovariate(1 / think))


def run_clients(base, cookies, people, count: int, seconds: float, seed: int, think=0.0):
    """`count` clients (threads) for `seconds`; client i is person i % people."""
    results = Results()
    started = time.monotonic()
    threads = [
        threading.Thread(target=client, daemon=True, args=(
            base, cookies[i], people[i % len(people)], random.Random(seed + i),
            started + seconds, think, results))
        for i in range(count)
    ]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.seconds = time.monotonic() - started
    return results


# ---- measuring ----------------------------------------------------------------------------------


def percentile(sorted_times: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_times:
        return float("nan")
    return sorted_times[max(0, math.ceil(p / 100 * len(sorted_times)) - 1)]


def summary(results: Results) -> dict:
    """Per kind (and "all"): requests, rate, percentiles, 5xx and other failures."""
    rows, every = {}, []
    for kind in [*KINDS, "all"]:
        times = sorted(results.times[kind]) if kind != "all" else sorted(every)
        every += times
        kinds = KINDS if kind == "all" else [kind]
        fivexx = sum(n for k in kinds for code, n in results.codes[k].items() if code >= 500)
        rows[kind] = {
            "n": len(times), "rate": len(times) / results.seconds,
            "p50": percentile(times, 50), "p95": percentile(times, 95),
            "p99": percentile(times, 99), "5xx": fivexx,
            "other": sum(results.failures[k] for k in kinds) - fivexx,
        }  # fmt: skip
    return rows


def jobs() -> dict:
    """Each job's (status, progress), read fresh."""
    connection.close()
    rows = {pk: (status, progress) for pk, status, progress in
            ConversionJob.objects.values_list("pk", "status", "progress")}  # fmt: skip
    connection.close()  # no connection of ours held open beside the server's
    return rows


def cpu_busy() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def tree_ticks(roots: dict[str, list[int]]) -> dict[str, int]:
    """CPU clock ticks used so far by each named set of processes and all their descendants
    (gunicorn's web processes, a worker's speech processes, PostgreSQL's backends)."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        # ppid; utime, stime, and those of its children that it has waited for
        stats[int(stat.parent.name)] = (int(fields[1]), sum(int(v) for v in fields[11:15]))
    ticks = dict.fromkeys(roots, 0)
    for pid, (_, used) in stats.items():
        while pid > 1:
            name = next((name for name, pids in roots.items() if pid in pids), None)
            if name:
                ticks[name] += used
                break
            pid = stats.get(pid, (0, 0))[0]
    return ticks


def postmaster() -> list[int]:
    """The throwaway PostgreSQL server of scripts/with-postgres, if that is where we run."""
    pid_file = Path(os.environ.get("PGTEST_DATA", "/nonexistent")) / "postmaster.pid"
    return [int(pid_file.read_text().split()[0])] if pid_file.exists() else []


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def scan_logs() -> tuple[int, dict]:
    """'database is locked' lines in every log we captured (and PostgreSQL's server log)."""
    logs = sorted(SCRATCH.glob("*.log"))
    server_log = Path(os.environ.get("PGTEST_DIR", "/nonexistent")) / "server.log"
    if server_log.exists():
        logs.append(server_log)
    locked, notes = 0, {}
    for log in logs:
        text = log.read_bytes()
        locked += len(LOCKED.findall(text))
        notes[log.name] = {
            "tracebacks": text.count(b"Traceback"),
            "worker timeouts": text.count(b"WORKER TIMEOUT"),
            "pg errors": len(re.findall(rb"(?m)^.*\b(ERROR|FATAL|PANIC):", text))
            if log == server_log
            else 0,
        }
    return locked, notes


# ---- report -------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(vendor, args, shape, base, load, before, after, extra) -> int:
    """Print the Markdown; returns how many things went wrong."""
    base_rows, load_rows = summary(base), summary(load)
    print(f"## Load ({vendor}): {args.clients} clients for {args.seconds:g} s against gunicorn "
          f"({shape}), {args.workers} workers converting\n")  # fmt: skip
    pace = "No think time: each client sends its next request as soon as the last is answered."
    if args.think:
        pace = f"Under load each client waits {args.think:g} s on average between requests."
    print(f"Baseline: 1 client for {args.baseline_seconds:g} s with no worker running, same "
          f"request mix, same server, same run, after 2 s of warm-up. {pace}\n")  # fmt: skip
    print("| phase | request | requests | req/s | p50 ms | p95 ms | p99 ms | 5xx | other failures "
          "| p95 vs baseline |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for phase, rows in (("baseline", base_rows), ("load", load_rows)):
        for kind in [*KINDS, "all"]:
            row = rows[kind]
            ratio = row["p95"] / base_rows[kind]["p95"]
            name = f"**{kind}**" if kind == "all" else kind
            print(f"| {phase} | {name} | {row['n']:,} | {row['rate']:.1f} | {ms(row['p50'])} "
                  f"| {ms(row['p95'])} | {ms(row['p99'])} | {row['5xx']} | {row['other']} "
                  f"| {ratio:.2f}x |")  # fmt: skip
    rate_ratio = load_rows["all"]["rate"] / base_rows["all"]["rate"]
    print(f"\n- throughput: {load_rows['all']['rate']:.0f} req/s under load, "
          f"{base_rows['all']['rate']:.0f} req/s for one client alone "
          f"({rate_ratio:.2f}x)")  # fmt: skip
    fivexx = base_rows["all"]["5xx"] + load_rows["all"]["5xx"]
    other = base_rows["all"]["other"] + load_rows["all"]["other"]
    print(f"- 5xx: {fivexx}; other failures (other non-2xx codes, connection errors, a wrong "
          f"body): {other}")  # fmt: skip
    problems = base.problems + load.problems
    for problem, count in sorted(problems.items()):
        print(f"  - {problem}: {count}")
    locked, notes = scan_logs()
    print(f'- "database is locked" in the logs (gunicorn, workers, setup): {locked}')
    tracebacks = {name: n["tracebacks"] for name, n in notes.items() if n["tracebacks"]}
    timeouts = sum(n["worker timeouts"] for n in notes.values())
    line = f"- tracebacks in the logs: {sum(tracebacks.values())}"
    line += f" {tracebacks}" if tracebacks else ""
    line += f"; gunicorn worker timeouts: {timeouts}"
    if "server.log" in notes:
        line += f"; PostgreSQL server log ERROR/FATAL lines: {notes['server.log']['pg errors']}"
    print(line)
    changed = {pk: now for pk, now in after.items() if before.get(pk, ("", 0))[0] != now[0]}
    finished = sum(status == "completed" for status, _ in changed.values())
    failed = sum(status == "failed" for status, _ in changed.values())
    points = sum(progress - before.get(pk, ("", 0))[1] for pk, (_, progress) in after.items())
    running = sorted(progress for status, progress in after.values() if status == "running")
    print(f"- workers during the load: conversions completed {finished}, failed {failed}; "
          f"{points} percentage points of progress in all; converting at the end: "
          f"{', '.join(f'{p} %' for p in running) or 'nothing'}")  # fmt: skip
    shares = ", ".join(f"{name} {share:.0%}" for name, share in extra["shares"].items())
    print(f"- machine ({os.cpu_count()} cores): load average {extra['loadavg_start']} at the "
          f"start, {extra['loadavg_end']} at the end of the load; CPU busy during the load "
          f"{extra['cpu_busy']:.0%} of all cores: {shares}")  # fmt: skip
    return fivexx + other + locked + failed


# ---- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--think", type=float, default=0,
        help="mean seconds a client waits between requests under load (default 0: none)",
    )  # fmt: skip
    parser.add_argument("--users", type=int, default=5, help="people the clients are spread over")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and logs")
    try:
        args = parser.parse_args()
        missing = sorted({str(pdf) for pdf in [*QUEUE, CORPUS / SAMPLE_PDF] if not pdf.exists()})
        if missing:
            sys.exit(f"missing PDFs (scripts/fetch-manuals brings the manuals): {missing}")
    except SystemExit:  # --help, a bad option, no PDFs: nothing in the scratch folder yet
        shutil.rmtree(SCRATCH, ignore_errors=True)
        raise
    loadavg_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    port = free_port()
    os.environ["BIND"] = f"127.0.0.1:{port}"
    base = f"http://127.0.0.1:{port}"
    procs, failed = [], True
    try:
        say(f"scratch {SCRATCH}; load average {loadavg_start}; migrate, collectstatic")
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        vendor = connection.vendor
        say("making the sample MP3 with manage.py convert")
        mp3 = sample_mp3()
        repeat = 1 + int(args.seconds // 120)  # enough queued work to outlast the run
        people = fill(args.users, mp3, repeat)
        for person in people:
            person["mp3_size"] = mp3.stat().st_size
        cookies = [session_cookie(people[i % len(people)]["user"]) for i in range(args.clients)]
        connection.close()

        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = start("gunicorn", [str(gunicorn), "-c", "gunicorn.conf.py", "audiobooker.wsgi"])
        procs.append(server)
        for _ in range(600):
            try:
                if requests.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # listening, but no web process up yet
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not answer /healthz; see gunicorn.log")
        time.sleep(1)  # every web process booted, not only the first
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                  text=True).stdout.split()  # fmt: skip
        shape = f"{len(children)} processes x {os.environ.get('WEB_THREADS') or 4} threads"

        # Not measured: the first request of each web process loads templates and URLs, and a
        # single baseline client would only ever warm one of them.
        say("warm-up: 2 s of every client, not measured")
        run_clients(base, cookies, people, args.clients, 2, seed=0)
        say(f"baseline: 1 client for {args.baseline_seconds:g} s")
        baseline = run_clients(base, cookies, people, 1, args.baseline_seconds, seed=1)

        say(f"starting {args.workers} workers; waiting until each has claimed a job")
        for i in range(args.workers):
            procs.append(start(f"worker-{i + 1}", [sys.executable, "manage.py", "worker",
                                                   "--processes", "1"]))  # fmt: skip
        deadline = time.monotonic() + 120
        while sum(status == "running" for status, _ in jobs().values()) < args.workers:
            if time.monotonic() > deadline:
                raise RuntimeError("the workers claimed no jobs in 120 s; see worker-*.log")
            time.sleep(0.2)

        say(f"load: {args.clients} clients for {args.seconds:g} s")
        groups = {"web": [server.pid], "workers": [proc.pid for proc in procs[1:]]}
        if postmaster():
            groups["PostgreSQL"] = postmaster()
        before, cpu_before, own_before = jobs(), cpu_busy(), own_cpu()
        ticks_before = tree_ticks(groups)
        load = run_clients(
            base, cookies, people, args.clients, args.seconds, seed=1000, think=args.think
        )
        ticks_after, cpu_after, own_after = tree_ticks(groups), cpu_busy(), own_cpu()
        total = max(1, cpu_after[1] - cpu_before[1])  # ticks of all cores together
        hz = os.sysconf("SC_CLK_TCK")
        shares = {name: (ticks_after[name] - ticks_before[name]) / total for name in groups}
        shares["clients (this script)"] = (own_after - own_before) * hz / total
        shares["anything else"] = (cpu_after[0] - cpu_before[0]) / total - sum(shares.values())
        extra = {
            "loadavg_start": loadavg_start,
            "loadavg_end": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
            "cpu_busy": (cpu_after[0] - cpu_before[0]) / total,
            "shares": shares,
        }
        after = jobs()
        say("stopping workers and gunicorn")
        stop(procs)
        failed = bool(report(vendor, args, shape, baseline, load, before, after, extra))
    finally:
        stop(procs)
        if failed or args.keep:
            say(f"logs and scratch files kept in {SCRATCH}")
        else:
            shutil.rmtree(SCRATCH, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
