"""A second upload of a finished file is ready at once with the same audio, as its own book:
the content hash taken while the upload streams, the match on voice and rate, the setting for
other people's files, and sharing that survives deleting either book."""

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from conversions.models import ConversionJob
from library import services
from library.models import Audiobook
from tests.corpus import corpus_pdf
from tests.factories import make_user, run_worker

pytestmark = pytest.mark.django_db

PDF = "pdflatex-4-pages.pdf"


def upload(client, name=PDF, **fields):
    """POST one corpus PDF to the upload page; the book it made."""
    data = corpus_pdf(name).read_bytes()
    before = set(Audiobook.objects.values_list("pk", flat=True))
    response = client.post(
        "/library/upload/",
        {"pdf": SimpleUploadedFile(name, data, "application/pdf"), **fields},
        follow=True,
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    (book,) = Audiobook.objects.exclude(pk__in=before)
    book.page = response.content.decode()
    return book


@pytest.fixture
def converted(owner, fake_pipeline):
    """`owner`'s first upload, converted by a worker."""
    book = upload(owner, title="First copy")
    assert run_worker() == 1
    book.refresh_from_db()
    assert book.status == "completed"
    return book


@pytest.mark.parametrize("in_memory", [True, False])
def test_the_upload_is_hashed_as_it_streams(owner, settings, in_memory):
    if not in_memory:
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # through a temporary file
    book = upload(owner)
    expected = hashlib.sha256(corpus_pdf(PDF).read_bytes()).hexdigest()
    assert book.details.content_hash == expected


def test_the_words_are_counted_at_upload(owner):
    book = upload(owner, "pdflatex-outline.pdf")
    # pdftotext (poppler) counts 1,412 words in this PDF.
    assert book.details.word_count == pytest.approx(1412, rel=0.02)


def test_a_second_upload_of_a_finished_file_is_ready_at_once(owner, converted):
    again = upload(owner, title="Second copy")
    assert again.status == "completed"
    assert run_worker() == 0  # nothing was queued for it
    assert again.audio_path == converted.audio_path
    job = again.jobs.get()
    assert (job.status, job.progress) == ("completed", 100)
    assert "is ready: its audio is reused" in again.page
    assert "Same file as" in again.page and "First copy</a>; audio reused." in again.page
    details = again.details
    assert (details.duration, details.voice, details.reused) == (
        converted.details.duration,
        converted.details.voice,
        True,
    )
    assert owner.get(f"/library/{again.pk}/audio.mp3").status_code == 200


@pytest.mark.parametrize("which", ["first", "second"])
def test_deleting_either_book_keeps_the_other_playable(
    owner, converted, which, django_capture_on_commit_callbacks
):
    again = upload(owner, title="Second copy")
    audio = default_storage.open(converted.audio_path.name).read()
    gone, kept = (converted, again) if which == "first" else (again, converted)
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(f"/library/{gone.pk}/delete/")
    assert not Audiobook.objects.filter(pk=gone.pk).exists()
    response = owner.get(f"/library/{kept.pk}/audio.mp3")
    assert response.status_code == 200 and b"".join(response.streaming_content) == audio
    assert owner.get(f"/library/{kept.pk}/transcript.vtt").status_code == 200
    page = owner.get(f"/library/{kept.pk}/").content.decode()
    assert "<audio" in page
    # The last of them takes the files with it.
    name = kept.audio_path.name
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(f"/library/{kept.pk}/delete/")
    assert not default_storage.exists(name)
    assert not default_storage.exists(name.replace(".mp3", ".vtt"))


def test_converting_a_reused_book_again_gives_it_its_own_audio_and_keeps_the_shared_one(
    owner, converted, django_capture_on_commit_callbacks
):
    again = upload(owner, title="Second copy")
    owner.post(f"/library/{again.pk}/retry/", {"voice": "espeak:en-gb"})
    with django_capture_on_commit_callbacks(execute=True):
        assert run_worker() == 1
    again.refresh_from_db()
    assert again.audio_path != converted.audio_path
    assert not again.details.reused and again.details.reused_from is None
    assert default_storage.exists(converted.audio_path.name)  # still the first copy's
    assert owner.get(f"/library/{converted.pk}/audio.mp3").status_code == 200


def test_another_voice_or_rate_is_converted_anew(owner, converted, settings):
    other_voice = upload(owner, voice="espeak:en-gb")
    assert other_voice.status == "pending"
    settings.TTS_RATE = 200
    other_rate = upload(owner)
    assert other_rate.status == "pending"
    assert ConversionJob.objects.filter(status="queued").count() == 2


def test_someone_elses_finished_file_is_not_reused_unless_allowed(converted, client, settings):
    client.force_login(make_user("someone@example.com"))
    theirs = upload(client)
    assert theirs.status == "pending"  # converted anew: an instant result would tell
    services.delete_audiobook(theirs)
    settings.REUSE_AUDIO_ACROSS_USERS = True
    theirs = upload(client)
    assert theirs.status == "completed" and theirs.audio_path == converted.audio_path
    # The page says it was reused, and names no one else's book.
    assert "Same file as an earlier conversion; audio reused." in theirs.page
    assert "First copy" not in theirs.page


def test_an_upload_is_not_reused_when_the_pronunciation_list_changed(owner, user, converted):
    """The same file, voice and rate, but its owner has since asked for a word to be said
    otherwise: the old audio says it the old way, so the book is converted anew."""
    from accounts.models import Pronunciation

    Pronunciation.objects.create(user=user, written="Lorem", spoken="lore em")
    second = upload(owner)
    assert second.status == "pending"
    Pronunciation.objects.all().delete()
    assert upload(owner).status == "completed"  # the list as it was: reused again
