"""The worker with the real pipeline: a queued PDF becomes a completed audiobook."""

import os
import signal
import subprocess

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from mutagen.mp3 import MP3

from library import services
from library.models import Audiobook
from tests.corpus import corpus_pdf
from tests.factories import make_user, run_worker
from tests.workers import REAL_PIPELINE, wait_until

pytestmark = [pytest.mark.slow]


def upload(path, user=None, title="A real book"):
    with open(path, "rb") as f:
        return services.create_audiobook(
            user or make_user(), File(f, name=path.name), title=title, page_count=None
        )


@pytest.mark.django_db
def test_a_queued_pdf_becomes_a_completed_audiobook(settings):
    book = upload(corpus_pdf("pdflatex-outline.pdf"), title="Foo, Bar and Baz")
    assert run_worker(processes=2) == 1
    book.refresh_from_db()
    job = book.jobs.get()
    assert (book.status, job.status, job.progress) == ("completed", "completed", 100)
    details = book.details
    assert details.page_count == 4 and details.duration > 60
    assert [c["title"] for c in details.chapters][:3] == ["Foo", "Bar", "Baz"]  # no contents page
    # mutagen estimates a length from the size and bitrate (no Xing header): within 0.2 %.
    assert MP3(default_storage.open(book.audio_path.name)).info.length == pytest.approx(
        details.duration, rel=2e-3
    )
    assert default_storage.size(book.audio_path.name) == details.audio_size
    assert default_storage.open(book.transcript_name).read().startswith(b"WEBVTT")


@pytest.mark.django_db(transaction=True)
def test_speech_processes_die_with_a_killed_worker(workers):
    book = upload(corpus_pdf("GeoTopo-komprimiert.pdf"))
    proc = workers.start("--processes", "2", CONVERSION_PIPELINE=REAL_PIPELINE)
    wait_until(lambda: Audiobook.objects.get(pk=book.pk).jobs.get().progress >= 5)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
    pids = [int(pid) for pid in children.stdout.split()]
    assert pids, "the worker should be speaking in child processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    def gone():
        """all speech processes gone"""
        alive = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().split()[2] != "Z":
                        alive.append(pid)
            except FileNotFoundError:
                pass
        return not alive

    wait_until(gone, timeout=30)
