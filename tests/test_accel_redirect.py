"""AUDIO_ACCEL_REDIRECT: Django checks the owner, nginx sends the MP3 (with Range requests).

The view's answer with Django's client, and the whole exchange through a real nginx in front of
the live server, configured as docs/deploy.md says.
"""

import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.needs import require_tool
from tests.test_library_views import AUDIO, completed_book
from tests.tools import free_port

PREFIX = "/protected-media/"


@pytest.fixture
def accel(settings):
    settings.AUDIO_ACCEL_REDIRECT = PREFIX
    return settings


@pytest.mark.django_db
def test_the_owner_gets_the_file_handed_to_the_proxy(accel, owner, user):
    book = completed_book(user, title="Moby Dick")
    response = owner.get(f"/library/{book.pk}/audio.mp3", headers={"range": "bytes=0-99"})
    assert response.status_code == 200  # nginx answers the Range itself
    assert response["X-Accel-Redirect"] == PREFIX + book.audio_path.name
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Cache-Control"] == "private"
    assert response.content == b""
    download = owner.get(f"/library/{book.pk}/audio.mp3?download=1")
    assert download["Content-Disposition"] == 'attachment; filename="Moby Dick.mp3"'


@pytest.mark.django_db
def test_someone_else_gets_nothing_to_hand_over(accel, user, stranger):
    book = completed_book(user)
    response = stranger.get(f"/library/{book.pk}/audio.mp3")
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


# ---- through nginx ----------------------------------------------------------------------------


NGINX_CONF = """
daemon off;
master_process off;  # one process, as the user running the test (MEDIA_ROOT is private)
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    server {{
        listen 127.0.0.1:{port};
        location {prefix} {{
            internal;
            add_header X-Content-Type-Options nosniff always;
            alias {media}/;
        }}
        location / {{
            proxy_pass {upstream};
            proxy_set_header Host $host;
        }}
    }}
}}
"""


@pytest.fixture
def nginx(accel, live_server, tmp_path):
    nginx = require_tool("nginx", "make test installs nginx-light")
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            tmp=tmp_path, port=port, prefix=PREFIX, media=Path(accel.MEDIA_ROOT).resolve(),
            upstream=live_server.url,
        )
    )  # fmt: skip
    server = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if server.poll() is not None:
                errors = (tmp_path / "error.log").read_text(errors="replace")
                pytest.fail(f"nginx stopped at start:\n{errors}")
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_nginx_serves_ranges_of_the_owners_audio_and_nothing_else(nginx, user, owner, stranger):
    book = completed_book(user, title="Moby Dick")
    url = f"{nginx}/library/{book.pk}/audio.mp3"

    def get(client, url, **headers):
        cookies = {"sessionid": client.cookies["sessionid"].value}
        return requests.get(url, cookies=cookies, headers=headers, timeout=10)

    whole = get(owner, url)
    assert whole.status_code == 200
    assert whole.content == AUDIO
    assert whole.headers["Content-Type"] == "audio/mpeg"
    assert whole.headers["Cache-Control"] == "private"
    assert "ETag" in whole.headers  # nginx's own, for the file it sent (Django's stream has none)
    assert whole.headers["X-Content-Type-Options"] == "nosniff"

    part = get(owner, url, Range="bytes=1000-1999")
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(AUDIO)}"
    assert part.content == AUDIO[1000:2000]

    download = get(owner, url + "?download=1")
    assert download.headers["Content-Disposition"] == 'attachment; filename="Moby Dick.mp3"'

    assert get(stranger, url).status_code == 404
    # The internal location cannot be asked for directly, signed in or not.
    assert get(owner, f"{nginx}{PREFIX}{book.audio_path.name}").status_code == 404
