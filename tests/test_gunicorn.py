"""Production serving, for real: `collectstatic`, then gunicorn with gunicorn.conf.py and
DEBUG=false answers the health check and serves hashed, compressed static files (WhiteNoise)."""

import gzip
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.corpus import REPO
from tests.tools import free_port

pytestmark = pytest.mark.slow

GUNICORN = Path(sys.executable).with_name("gunicorn")
HANG = 60  # seconds: a hang detector for the server starting, not a speed requirement


def production_env(tmp_path) -> dict:
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE: a deployment does not have it.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CACHE_URL": f"filecache://{tmp_path / 'cache'}",
        # As behind a TLS proxy: the proxy says the request came over HTTPS.
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "WEB_CONCURRENCY": "2",
        "PYTHONUNBUFFERED": "1",
    }


def get(url, **headers):
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})
    try:
        with urllib.request.urlopen(request, timeout=HANG) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def server(tmp_path):
    env = production_env(tmp_path)
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert collect.returncode == 0, collect.stderr
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "audiobooker.wsgi"],
            cwd=REPO, env={**env, "PORT": str(port)}, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HANG
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"gunicorn did not answer:\n{log.read_text()}"
            time.sleep(0.2)
        yield base, Path(env["STATIC_ROOT"]), log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_gunicorn_serves_the_health_check_and_hashed_compressed_static_files(server):
    base, static_root, log = server
    status, headers, body = get(f"{base}/healthz")
    assert (status, body) == (200, b"ok")

    # collectstatic named each file after its content and wrote a gzip copy beside it.
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/app.css"]
    assert hashed != "css/app.css" and hashed.startswith("css/app.")
    assert (static_root / f"{hashed}.gz").exists()

    # The pages link to the hashed name.
    status, headers, body = get(f"{base}/")
    assert status == 200
    assert f'href="/static/{hashed}"'.encode() in body
    assert "Content-Security-Policy" in headers

    # WhiteNoise serves it compressed, to be cached for ever (its name changes with it).
    original = (REPO / "static" / "css" / "app.css").read_bytes()
    status, headers, body = get(f"{base}/static/{hashed}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == original
    assert "immutable" in headers["Cache-Control"]
    assert headers["Content-Type"].startswith("text/css")
    # And plain to a client that does not take gzip.
    status, headers, body = get(f"{base}/static/{hashed}")
    assert status == 200 and body == original and "Content-Encoding" not in headers

    # A private feed's token never reaches the access log (audiobooker/logredact.py).
    token = secrets.token_urlsafe(32)
    status, headers, body = get(f"{base}/feed/{token}/", Referer=f"{base}/feed/{token}/")
    assert status in (404, 500)  # no such feed (this database has no tables: a 500)

    # gunicorn.conf.py was read: threaded workers, each request in the access log on stdout.
    output = log.read_text()
    assert "Using worker: gthread" in output
    assert f"GET /static/{hashed}" in output
    assert "GET /feed/[token]/" in output
    assert token not in output
