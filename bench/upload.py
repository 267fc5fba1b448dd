#!/usr/bin/env python
"""Memory of the web process while it takes a 200 MB upload.

    .venv/bin/python bench/upload.py [MB]

Starts gunicorn (one worker process) on a scratch database, signs in, uploads a small PDF and
then a valid PDF of about 200 MB (one page plus a large uncompressed stream), and reads the
worker process's peak RSS (VmHWM) after each. The upload streams to a temporary file and then
to storage, so the peak must grow far less than the file: the target is under 50 MB.
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # not bench/: bench/queue.py would shadow the standard library's queue

import requests  # noqa: E402

from tests.tools import big_pdf, free_port  # noqa: E402

MB = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="audiobooker-bench-"))
    port = free_port()
    env = {**os.environ, "DEBUG": "true", "SECRET_KEY": "bench",
           "DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite3'}", "MEDIA_ROOT": str(scratch / "media"),
           "MAX_UPLOAD_MB": str(MB + 50), "WEB_CONCURRENCY": "1", "BIND": f"127.0.0.1:{port}"}  # fmt: skip
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
    code = "from accounts.models import User; User.objects.create_user('b@example.com', 'bench-pass-1')"
    subprocess.run([python, "manage.py", "shell", "--no-imports", "-c", code], cwd=REPO, env=env,
                   check=True)  # fmt: skip
    gunicorn = Path(python).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "audiobooker.wsgi"],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
        worker = int(children.stdout.split()[0])
        session = requests.Session()
        session.get(base + "/accounts/login/")
        session.post(base + "/accounts/login/", data={
            "username": "b@example.com", "password": "bench-pass-1",
            "csrfmiddlewaretoken": session.cookies["csrftoken"]}, headers={"Referer": base})  # fmt: skip

        def upload(path: Path) -> int:
            session.get(base + "/library/upload/")
            with open(path, "rb") as f:
                response = session.post(base + "/library/upload/", headers={"Referer": base},
                                        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
                                        files={"pdf": (path.name, f, "application/pdf")},
                                        allow_redirects=False)  # fmt: skip
            return response.status_code

        small, large = scratch / "small.pdf", scratch / "large.pdf"
        big_pdf(small, 1)
        big_pdf(large, MB)
        status_small = upload(small)
        before = peak_rss_mb(worker)
        started = time.monotonic()
        status_large = upload(large)
        seconds = time.monotonic() - started
        after = peak_rss_mb(worker)
        size = large.stat().st_size / 1024 / 1024
        print("## Upload memory (gunicorn, one worker process)\n")
        print("| upload | status | web process peak RSS MB | growth MB | seconds |")
        print("|---|---|---|---|---|")
        print(f"| 1 MB PDF | {status_small} | {before:.0f} | (baseline) | |")
        print(
            f"| {size:.0f} MB PDF | {status_large} | {after:.0f} | {after - before:.1f} | {seconds:.1f} |"
        )
        stored = sum(p.stat().st_size for p in (scratch / "media").rglob("*.pdf")) / 1024 / 1024
        print(f"\nstored: {stored:.0f} MB of PDFs (both uploads kept)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
