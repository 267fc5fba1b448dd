"""The fair queue, one attempt per book and reuse, with real `manage.py worker` processes (the
fast fake pipeline) against the real test database (SQLite file or PostgreSQL)."""

import collections
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from conversions.models import ConversionJob
from library import services
from library.models import Audiobook
from tests.corpus import corpus_pdf
from tests.factories import make_book, make_user
from tests.test_worker_processes import assert_no_overlap
from tests.workers import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def queue_for(user, count, title="book"):
    books = []
    for i in range(count):
        book = make_book(user=user, title=f"{title} {i}")
        services.start_conversion(book, limit_queue=False)
        books.append(book)
    return books


def started(workers) -> list[str]:
    """Book ids in the order the workers started converting them."""
    return [event[1] for event in workers.events() if event[0] == "start"]


def test_one_worker_runs_a_newcomers_book_second_not_after_a_backlog(workers):
    backlog = queue_for(make_user("a@example.com"), 10, title="A")
    (newcomer,) = queue_for(make_user("b@example.com"), 1, title="B")
    proc = workers.start("--burst")
    assert workers.wait(proc) == 0
    order = started(workers)
    assert order.index(str(newcomer.pk)) == 1
    assert [book for book in order if book != str(newcomer.pk)] == [str(b.pk) for b in backlog]


def fair_race(workers, count, people, each):
    books = [book for _ in range(people) for book in queue_for(make_user(), each)]
    procs = [workers.start("--burst", FAKE_PIPELINE_STEPS="1") for _ in range(count)]
    assert [workers.wait(p, timeout=600) for p in procs] == [0] * count
    events = workers.events()
    assert_no_overlap(events)
    starts = collections.Counter(started(workers))
    assert len(starts) == len(books) and set(starts.values()) == {1}  # each book once
    assert ConversionJob.objects.filter(status="completed").count() == len(books)
    assert not ConversionJob.objects.exclude(status="completed").exists()
    assert len({e[2] for e in events if e[0] == "start"}) == count  # all took work


def test_four_workers_race_through_the_fair_queue_on_postgresql(postgres, workers):
    fair_race(workers, count=4, people=20, each=10)


def test_two_workers_race_through_the_fair_queue_on_sqlite(workers):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite run covers this")
    fair_race(workers, count=2, people=10, each=10)


def test_a_converting_book_gets_no_second_attempt_from_anywhere(workers, owner, user):
    """The retry view, the admin's action and start_conversion itself, while a real worker
    converts the book: one job, converted once."""
    from django.test import Client

    from accounts.models import User

    (book,) = queue_for(user, 1)
    proc = workers.start("--burst", FAKE_PIPELINE_STEPS="100", FAKE_PIPELINE_STEP_SECONDS="0.03")
    wait_until(lambda: ConversionJob.objects.get(audiobook=book).progress >= 5)
    owner.post(f"/library/{book.pk}/retry/", {"voice": "auto"})
    client = Client()
    client.force_login(User.objects.create_superuser("admin@example.com", "admin-password-1"))
    client.post(
        "/admin/library/audiobook/", {"action": "queue_conversion", "_selected_action": [book.pk]}
    )
    with pytest.raises(services.AlreadyConverting):
        services.start_conversion(book)
    assert workers.wait(proc) == 0
    assert [job.status for job in book.jobs.all()] == ["completed"]
    assert started(workers) == [str(book.pk)]


def test_requests_racing_to_start_one_book_make_one_job(user):
    """Eight requests at once to convert a failed book again: one job, seven refusals."""
    book = make_book(user=user, status="failed")
    barrier, outcomes = threading.Barrier(8), []

    def convert_again():
        try:
            barrier.wait()
            services.start_conversion(book)
            outcomes.append("queued")
        except services.AlreadyConverting:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=convert_again) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["queued"] + ["refused"] * 7
    assert book.jobs.count() == 1


def test_an_upload_of_a_converted_file_is_ready_without_a_worker_and_outlives_the_first(
    workers, owner, django_capture_on_commit_callbacks, settings
):
    data = corpus_pdf("pdflatex-4-pages.pdf").read_bytes()

    def upload(title):
        owner.post("/library/upload/", {"pdf": SimpleUploadedFile("a.pdf", data), "title": title})
        return Audiobook.objects.get(title=title)

    first = upload("First")
    # The workers read voices from the environment: the same one the web side has.
    proc = workers.start("--burst", TTS_VOICE=settings.TTS_VOICE)
    assert workers.wait(proc) == 0
    first.refresh_from_db()
    assert first.status == "completed"
    second = upload("Second")
    assert second.status == "completed" and second.audio_path == first.audio_path
    proc = workers.start("--burst", TTS_VOICE=settings.TTS_VOICE)
    assert workers.wait(proc) == 0
    assert started(workers) == [str(first.pk)]  # the second was never converted
    audio = b"".join(owner.get(f"/library/{first.pk}/audio.mp3").streaming_content)
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(f"/library/{first.pk}/delete/")
    response = owner.get(f"/library/{second.pk}/audio.mp3")
    assert response.status_code == 200 and b"".join(response.streaming_content) == audio
