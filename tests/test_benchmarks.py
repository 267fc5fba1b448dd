"""The load benchmark, in small, so that it keeps working: the whole stack (gunicorn, two real
workers, the checks on every answer) for a few seconds. It measures nothing here; its own exit
status says whether any request failed or the database was locked."""

import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.corpus import MANUAL_TRUTH, REPO, manual

pytestmark = pytest.mark.slow


def test_the_load_benchmark_runs_and_finds_no_error():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite run covers the script (it makes its own scratch database)")
    for name in MANUAL_TRUTH:  # the benchmark queues the manuals for conversion
        manual(name)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    args = ["--clients", "6", "--seconds", "4", "--baseline-seconds", "2", "--users", "2"]
    result = subprocess.run(
        [sys.executable, "bench/load.py", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    assert "| load | **all** |" in result.stdout
    assert '"database is locked" in the logs (gunicorn, workers, setup): 0' in result.stdout
