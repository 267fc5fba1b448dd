"""The orphan sweep: files and work folders no row needs go; nothing a row names is touched."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from library import services
from tests.factories import make_book, make_job

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def stored(name: str, content=b"x", old=True) -> str:
    name = default_storage.save(name, ContentFile(content))
    if old:
        age(Path(default_storage.path(name)), 2 * 3600)
    return name


def test_orphan_files_go_and_named_files_stay(settings):
    book = make_book(audio_path=stored("audio/kept.mp3"))
    age(Path(default_storage.path(book.pdf_path.name)), 2 * 3600)
    transcript = stored("audio/kept.vtt")
    orphans = [stored("audio/gone.mp3"), stored("audio/gone.vtt"), stored("pdfs/gone.pdf")]
    young = stored("pdfs/just-uploaded.pdf", old=False)

    assert services.sweep_orphans(HOUR)["files"] == 3
    for name in orphans:
        assert not default_storage.exists(name)
    for name in (book.pdf_path.name, book.audio_path.name, transcript, young):
        assert default_storage.exists(name)


def test_work_folders_of_finished_or_deleted_books_go(settings):
    waiting = make_job().audiobook
    done = make_job(status="completed").audiobook
    root = Path(settings.WORK_DIR)
    folders = {name: root / name for name in (str(waiting.pk), str(done.pk), "0" * 32)}
    for folder in folders.values():
        folder.mkdir(parents=True)
        (folder / "chunk.wav").write_bytes(b"RIFF")
        age(folder, 2 * 3600)
    (root / "locks").mkdir()  # not a book's folder: left alone

    assert services.sweep_orphans(HOUR)["folders"] == 2
    assert folders[str(waiting.pk)].exists()  # its job still needs the spoken chunks
    assert not folders[str(done.pk)].exists() and not folders["0" * 32].exists()
    assert (root / "locks").exists()


def test_the_cleanup_command(capsys):
    stored("pdfs/orphan.pdf")
    call_command("cleanup", "--min-age-minutes", "30")
    assert "removed 1 orphan file(s)" in capsys.readouterr().out
