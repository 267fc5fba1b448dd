"""S3-compatible storage, chosen by settings alone: a PDF uploaded to the bucket is converted
by the worker, its audio lands in the bucket and plays with Range requests.

The S3 server is moto's, started by the test on a loopback port.
"""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.files import File
from django.core.files.storage import default_storage

from library import services
from tests.corpus import corpus_pdf
from tests.factories import make_user, run_worker
from tests.tools import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
BUCKET = "audiobooker-test"


@pytest.fixture(scope="module")
def s3_server():
    server = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    port = free_port()
    proc = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):  # a hang detector, not a speed limit
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def s3(s3_server, settings):
    client = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="test",
                          aws_secret_access_key="test", region_name="us-east-1")  # fmt: skip
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET, "endpoint_url": s3_server, "access_key": "test",
                "secret_key": "test", "region_name": "us-east-1", "file_overwrite": False,
            },
        },
    }  # fmt: skip
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_convert_and_play_from_s3(s3, client, django_capture_on_commit_callbacks):
    assert default_storage.bucket.name == BUCKET  # the settings alone chose S3
    user = make_user()
    with open(corpus_pdf("pdflatex-outline.pdf"), "rb") as f:
        book = services.create_audiobook(user, File(f, name="outline.pdf"), title="From S3")
    assert keys(s3) == {book.pdf_path.name}

    assert run_worker(processes=2) == 1
    book.refresh_from_db()
    assert book.status == "completed"
    assert keys(s3) == {
        book.pdf_path.name, book.audio_path.name, book.transcript_name, book.cover_name
    }  # fmt: skip
    stored = s3.get_object(Bucket=BUCKET, Key=book.audio_path.name)["Body"].read()

    client.force_login(user)
    url = f"/library/{book.pk}/audio.mp3"
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == stored
    middle = client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert middle.status_code == 206
    assert middle["Content-Range"] == f"bytes 1000-1999/{len(stored)}"
    assert b"".join(middle.streaming_content) == stored[1000:2000]
    tail = client.get(url, HTTP_RANGE="bytes=-500")
    assert b"".join(tail.streaming_content) == stored[-500:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(stored)}-").status_code == 416
    vtt = client.get(f"/library/{book.pk}/transcript.vtt")
    assert b"".join(vtt.streaming_content).startswith(b"WEBVTT")
    cover = client.get(f"/library/{book.pk}/cover")
    assert cover["Content-Type"] == "image/png"
    assert b"".join(cover.streaming_content).startswith(b"\x89PNG")

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_audiobook(book)
    assert keys(s3) == set()


def test_the_bucket_setting_alone_switches_storage_to_s3():
    import os

    from tests.corpus import REPO

    env = {
        **os.environ,
        "AWS_STORAGE_BUCKET_NAME": "books",
        "AWS_S3_ENDPOINT_URL": "http://s3.local:9000",
    }
    code = "from django.conf import settings; d = settings.STORAGES['default']; print(d['BACKEND'], d['OPTIONS']['bucket_name'], d['OPTIONS']['endpoint_url'])"
    out = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "books",
        "http://s3.local:9000",
    ], out.stderr


def test_the_private_feed_serves_its_episodes_from_s3(s3):
    import feedparser
    from django.test import Client

    from feeds import addresses
    from tests.listening import finished_book

    user = make_user()
    book = finished_book(user)
    assert book.audio_path.name in keys(s3)
    stored = s3.get_object(Bucket=BUCKET, Key=book.audio_path.name)["Body"].read()
    app = Client()  # a podcast app: no session
    feed = feedparser.parse(app.get(f"/feed/{addresses.make_new_address(user)}/").content)
    [entry] = feed.entries
    assert entry.summary.startswith("Call me Ishmael.")  # read from the transcript in S3
    [enclosure] = entry.enclosures
    assert int(enclosure.length) == len(stored)
    middle = app.get(enclosure.href, HTTP_RANGE="bytes=1000-1999")
    assert middle.status_code == 206
    assert b"".join(middle.streaming_content) == stored[1000:2000]
    vtt = app.get(entry.podcast_transcript["url"])
    assert b"".join(vtt.streaming_content).startswith(b"WEBVTT")


def test_ready_segments_in_s3(s3, client, tmp_path, django_capture_on_commit_callbacks):
    """A converting book's ready segments: stored in the bucket, played with Range, and gone
    with the book."""
    from conversions.pipeline import ReadyAudio

    user = make_user()
    with open(corpus_pdf("pdflatex-outline.pdf"), "rb") as f:
        book = services.create_audiobook(user, File(f, name="outline.pdf"), title="Live")
    mp3 = tmp_path / "segment.mp3"
    mp3.write_bytes(bytes(range(256)) * 20)
    for index in (0, 1):
        ready = ReadyAudio(index, 0, "Live", 2.0 * index, 2.0, mp3)
        services.store_ready_segment(book.pk, ready)
    services.store_ready_segment(book.pk, ready)  # made again after a restart: the same key
    assert keys(s3) == {
        book.pdf_path.name,
        f"segments/{book.pk}/0.mp3",
        f"segments/{book.pk}/1.mp3",
    }
    client.force_login(user)
    part = client.get(f"/library/{book.pk}/segments/1.mp3", HTTP_RANGE="bytes=256-511")
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == bytes(range(256))
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_audiobook(book)
    assert keys(s3) == set()
