"""A full disk, for real: small tmpfs mounts as MEDIA_ROOT, the work folder and the upload
temporary folder. An upload, a conversion (in a speech process and while the result is saved)
and `manage.py convert` each end with a clear message, keep nothing half-written, and the
worker goes on with the next job once there is room again.

Mounting a tmpfs needs root (CI runs as root): elsewhere these tests are skipped, and under
CI=true they fail (tests/needs.py).
"""

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import Client

from audiobooker.disk import is_disk_full
from conversions.management.commands.worker import DISK_FULL as WORKER_DISK_FULL
from conversions.queue import work_folder
from library import services
from library.models import Audiobook
from library.views import DISK_FULL as UPLOAD_DISK_FULL
from tests.corpus import corpus_pdf
from tests.factories import PASSWORD, make_user, run_worker
from tests.needs import missing
from tests.tools import big_pdf
from tests.workers import REAL_PIPELINE, wait_until

pytestmark = [pytest.mark.slow]


class SmallDisk:
    """A tmpfs of `megabytes`, and a filler file that leaves only so many bytes free."""

    def __init__(self, path: Path, megabytes: int):
        self.path = path
        path.mkdir()
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0755", "tmpfs", str(path)],
            capture_output=True, text=True,
        )  # fmt: skip
        if mounted.returncode:
            missing(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
        self.filler = path / "filler"

    def free(self) -> int:
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize

    def fill(self, leave: int) -> None:
        """Take all the space but `leave` bytes."""
        with open(self.filler, "ab") as f:
            os.posix_fallocate(f.fileno(), f.tell(), max(0, self.free() - leave))
        assert self.free() <= leave + 4096

    def make_room(self) -> None:
        self.filler.unlink(missing_ok=True)

    def files(self, folder="") -> list[str]:
        """What is stored here, besides the filler."""
        root = self.path / folder
        return sorted(
            str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p != self.filler
        )

    def unmount(self) -> None:
        subprocess.run(["umount", "--lazy", str(self.path)], check=True)


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        missing("mounting a tmpfs needs root (CI runs as root)")
    disks = []

    def make(name, megabytes):
        disk = SmallDisk(tmp_path / name, megabytes)
        disks.append(disk)
        return disk

    yield make
    for disk in disks:
        disk.unmount()


@pytest.fixture
def full_media(small_disk, settings):
    """MEDIA_ROOT and the work folder on one small disk."""
    disk = small_disk("disk", 64)
    settings.MEDIA_ROOT = disk.path / "media"
    settings.WORK_DIR = disk.path / "work"
    return disk


def store(path, user=None, title="A real book"):
    with open(path, "rb") as f:
        return services.create_audiobook(
            user or make_user(), File(f, name=path.name), title=title, page_count=None
        )


def signed_in_browser_client(user) -> Client:
    """A client that, like a browser, must send the CSRF token (the check reads the body)."""
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.email, password=PASSWORD)
    client.get("/library/upload/")
    return client


def post_upload(client, path: Path):
    with open(path, "rb") as f:
        return client.post(
            "/library/upload/",
            # In the page's order: the token comes before the file (it is read before the disk
            # fills up).
            {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, "pdf": f},
        )


# ---- upload -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_upload_onto_a_full_disk_is_refused_and_keeps_nothing(full_media):
    user = make_user()
    client = signed_in_browser_client(user)
    pdf = corpus_pdf("GeoTopo-komprimiert.pdf")  # 1.8 MB: read in memory, then stored
    full_media.fill(leave=256 * 1024)

    response = post_upload(client, pdf)

    assert response.status_code == 507
    page = response.content.decode()
    assert UPLOAD_DISK_FULL in page
    assert not Audiobook.objects.exists()
    assert full_media.files() == []  # no half-written PDF

    full_media.make_room()
    response = post_upload(client, pdf)
    assert response.status_code == 302
    book = Audiobook.objects.get()
    assert default_storage.size(book.pdf_path.name) == pdf.stat().st_size


@pytest.mark.django_db
# Where the disk ends within the 64 KB chunk being written: on a chunk boundary, or part-way
# through one, when the file's buffer takes the rest and the error comes at the next write
# (and again when the file is closed).
@pytest.mark.parametrize("spare", [0, 4096, 12288, 61440])
def test_an_upload_that_fills_the_temporary_folder_is_refused(
    small_disk, settings, tmp_path, spare
):
    temp = small_disk("temp", 4)
    settings.FILE_UPLOAD_TEMP_DIR = str(temp.path)
    user = make_user()
    client = signed_in_browser_client(user)
    pdf = big_pdf(tmp_path / "large.pdf", 3)  # past 2.5 MB: it waits in a temporary file
    temp.fill(leave=1024 * 1024 + spare)

    response = post_upload(client, pdf)

    # Django's own handler would raise from the CSRF check: a 500 that says nothing.
    assert response.status_code == 507
    assert UPLOAD_DISK_FULL in response.content.decode()
    assert not Audiobook.objects.exists()
    assert temp.files() == []

    temp.make_room()
    assert post_upload(client, pdf).status_code == 302
    assert Audiobook.objects.count() == 1


@pytest.mark.django_db
def test_a_large_upload_that_does_not_fit_is_not_kept_cut_short(small_disk, settings, tmp_path):
    """Past 2.5 MB an upload waits in a temporary file; on another disk than MEDIA_ROOT it is
    copied in 64 KB writes, and Django ignores a short last write: with room for all but the
    end of the file, it would keep a truncated PDF without an error."""
    media = small_disk("media", 8)
    settings.MEDIA_ROOT = media.path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)  # not the tmpfs: copied, not renamed
    (media.path / "media" / "pdfs").mkdir(parents=True)
    pdf = big_pdf(tmp_path / "large.pdf", 3, extra=20_000)
    size = pdf.stat().st_size
    last_chunk = size % (64 * 1024)
    assert last_chunk > 8192, "the file must end in a part-filled chunk"
    media.fill(leave=size - last_chunk + 4096)  # all of it but most of the last chunk
    client = signed_in_browser_client(make_user())

    response = post_upload(client, pdf)

    assert response.status_code == 507
    assert not Audiobook.objects.exists()
    assert media.files() == []


# ---- conversion -------------------------------------------------------------------------------


def assert_failed_for_disk_space(book, disk_with_media: SmallDisk):
    book.refresh_from_db()
    job = book.jobs.latest("created_at")
    assert (book.status, job.status) == ("failed", "failed")
    assert job.error_message == WORKER_DISK_FULL
    assert not book.audio_path
    # Nothing half-kept: only the PDF is stored, and the spoken chunks are gone.
    assert disk_with_media.files("media") == [book.pdf_path.name]
    assert not work_folder(book.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_disk_fills_fails_the_book_and_goes_on(full_media, workers):
    """The speech processes' WAV files do not fit: a real worker process fails the job with the
    reason (no retry can help, no hang), and converts the next book once there is room."""
    first = store(corpus_pdf("pdflatex-outline.pdf"), title="First")
    full_media.fill(leave=192 * 1024)  # a word fits (the speech process's check), a chunk not
    worker = workers.start("--processes", "1", CONVERSION_PIPELINE=REAL_PIPELINE)
    wait_until(lambda: Audiobook.objects.get(pk=first.pk).status == "failed")
    assert_failed_for_disk_space(first, full_media)

    full_media.make_room()
    second = store(corpus_pdf("pdflatex-4-pages.pdf"), user=first.user, title="Second")
    wait_until(lambda: Audiobook.objects.get(pk=second.pk).status == "completed")
    assert worker.poll() is None, "the worker should still be running"
    second.refresh_from_db()
    assert default_storage.size(second.audio_path.name) == second.details.audio_size
    workers.stop_all()
    log = worker.output.read_text()
    assert "No space left on device" in log
    assert "Traceback" not in log


@pytest.mark.django_db
def test_no_room_for_the_finished_audio_fails_the_book_and_keeps_no_part_of_it(
    small_disk, settings
):
    """The work folder has room, MEDIA_ROOT not: the ready segments or the MP3 are cut short
    while they are copied into storage. The parts written are removed; a retry with room
    completes (the segments and the MP3 are both in storage at the end: twice the audio)."""
    media = small_disk("media", 8)
    settings.MEDIA_ROOT = media.path / "media"
    book = store(corpus_pdf("pdflatex-outline.pdf"))  # minutes of audio: ~1 MB of MP3
    media.fill(leave=256 * 1024)

    assert run_worker(processes=2) == 1
    assert_failed_for_disk_space(book, media)

    media.make_room()
    services.start_conversion(book)
    assert run_worker(processes=2) == 1
    book.refresh_from_db()
    assert book.status == "completed"
    assert default_storage.size(book.audio_path.name) == book.details.audio_size


def test_convert_command_reports_a_full_disk(small_disk):
    out = small_disk("out", 1)
    out.fill(leave=64 * 1024)
    with pytest.raises(CommandError, match="Out of disk space"):
        call_command(
            "convert", str(corpus_pdf("pdflatex-4-pages.pdf")), "-o", str(out.path / "b.mp3")
        )
    assert out.files() == []


def test_the_databases_own_full_disk_is_recognised(small_disk):
    """SQLite on a full disk: the upload view answers 507 for it too, not a bare 500."""
    disk = small_disk("db", 1)
    db = sqlite3.connect(disk.path / "full.sqlite3")
    db.execute("CREATE TABLE t (x BLOB)")
    with pytest.raises(sqlite3.OperationalError) as caught:
        for _ in range(100):
            db.execute("INSERT INTO t VALUES (?)", [os.urandom(64 * 1024)])
            db.commit()
    db.close()
    assert is_disk_full(caught.value)
    # As Django raises it (DatabaseErrorWrapper): its own class, the driver's error as cause.
    wrapped = OperationalError(*caught.value.args)
    wrapped.__cause__ = caught.value
    assert is_disk_full(wrapped)
    assert not is_disk_full(sqlite3.OperationalError("database is locked"))
