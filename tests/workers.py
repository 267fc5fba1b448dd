"""`manage.py worker` processes for the tests, on the test database and the test's MEDIA_ROOT,
and `wait_until` to watch what they do."""

import os
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection

from tests import pgschema
from tests.corpus import REPO

FAKE_PIPELINE = "tests.fake_pipeline.convert_book"
REAL_PIPELINE = "conversions.pipeline.convert_book"


class Workers:
    """Starts `manage.py worker` processes sharing the test database, MEDIA_ROOT and WORK_DIR.

    They run tests/fake_pipeline.py, which logs what it does to `self.log` (start one with
    CONVERSION_PIPELINE=REAL_PIPELINE for the real one), poll and recover often, and each
    writes its output to a file of its own (`proc.output`).
    """

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.log = tmp_path / "pipeline.log"
        self.procs = []
        name = connection.settings_dict["NAME"]
        url = f"sqlite:///{name}" if connection.vendor == "sqlite" else pgschema.database_url(name)
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "true",
            "SECRET_KEY": "test-workers",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "WORK_DIR": str(settings.WORK_DIR),
            "CONVERSION_PIPELINE": FAKE_PIPELINE,
            "FAKE_PIPELINE_LOG": str(self.log),
            "WORKER_POLL_SECONDS": "0.1",
            "WORKER_RECOVERY_INTERVAL": "1",
            "WORKER_RECOVERY_GRACE": "0.5",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, *args, **env):
        """A worker with these arguments, and these variables on top of `self.env`."""
        output = self.tmp / f"worker{len(self.procs)}.log"
        with open(output, "w") as out:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen(
                [sys.executable, "manage.py", "worker", *args],
                cwd=REPO, env={**self.env, **env}, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        proc.output = output
        self.procs.append(proc)
        return proc

    def wait(self, proc, timeout=120):
        """The worker's exit code. The timeout is a hang detector, not a speed limit."""
        return proc.wait(timeout=timeout)

    def events(self) -> list[list[str]]:
        """What the fake pipeline did, one event a line: start/end/chunk..., book, pid, ..."""
        if not self.log.exists():
            return []
        return [line.split() for line in self.log.read_text().splitlines()]

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def wait_until(predicate, timeout=120, interval=0.05):
    """Return once `predicate()` is true. An error it raises fails the test at once; `timeout`
    is a hang detector, not a speed limit."""
    end = time.monotonic() + timeout
    while True:
        connection.close()  # see the workers' latest commits; survive server restarts
        if predicate():
            return
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {predicate.__doc__ or predicate}")
        time.sleep(interval)
