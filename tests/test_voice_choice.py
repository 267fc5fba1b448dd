"""Choosing voices in the pages and on the command line, end to end with real engines: the
upload form's voice field and its samples, the detail page naming the language and the voice,
converting a finished book again with another voice, and a voice removed while a book waits."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from conversions.models import ConversionJob
from conversions.pipeline import VOICE_GONE
from library.models import Audiobook
from tests.corpus import REPO, corpus_pdf
from tests.factories import run_worker
from tests.test_voices import install_piper_voice

pytestmark = pytest.mark.django_db

PAGES = REPO / "tests" / "data" / "manual-pages"
JOE = "piper:en_US-joe-medium"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"  # voice samples are made here


def upload(client, path: Path, **fields):
    pdf = SimpleUploadedFile(path.name, path.read_bytes(), "application/pdf")
    return client.post("/library/upload/", {"pdf": pdf, **fields})


def uploaded_book(client, path: Path, **fields) -> Audiobook:
    response = upload(client, path, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Audiobook.objects.get(original_file_name=path.name)


def text_of(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_upload_form_offers_every_voice_grouped_by_language(owner):
    page = owner.get("/library/upload/").content.decode()
    select = re.search(r'<select name="voice".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="auto" selected>Automatic', select)
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S))
    assert JOE in groups["English"] and "espeak:en-us" in groups["English"]
    assert "kokoro:jf_alpha" in groups["Japanese"] and "espeak:ja" in groups["Japanese"]
    assert "espeak:ru" in groups["Russian"]
    assert 'data-voice-sample="/library/voices/VOICE/sample.mp3"' in page


def test_an_unknown_voice_is_refused_and_nothing_is_kept(owner, settings):
    response = upload(owner, corpus_pdf("pdflatex-outline.pdf"), voice="piper:nobody")
    assert response.status_code == 422
    assert "There is no voice piper:nobody here" in response.content.decode()
    assert not Audiobook.objects.exists() and not ConversionJob.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.pdf"))


@pytest.mark.slow
def test_an_english_book_is_read_by_the_natural_voice(owner, settings):
    settings.TTS_VOICE = "auto"
    book = uploaded_book(owner, corpus_pdf("crazyones-pdfa.pdf"))
    assert book.details.voice_choice == ""  # automatic
    assert run_worker(processes=2) == 1

    book.refresh_from_db()
    assert book.status == "completed"
    assert (book.details.language, book.details.voice) == ("en", JOE)
    audio = default_storage.open(book.audio_path.name)
    assert str(ID3(audio)["TLAN"]) == "eng"
    page = text_of(owner.get(f"/library/{book.pk}/"))
    assert "Language English" in page and "Voice Joe (English, United States)" in page
    assert 'srclang="en"' in owner.get(f"/library/{book.pk}/").content.decode()


@pytest.mark.slow
def test_a_russian_book_is_read_in_russian_and_the_page_says_so(owner, settings):
    settings.TTS_VOICE = "auto"
    book = uploaded_book(owner, PAGES / "debian-faq.ru.p11.pdf")
    run_worker(processes=2)

    book.refresh_from_db()
    assert (book.status, book.details.language, book.details.voice) == (
        "completed",
        "ru",
        "espeak:ru",
    )
    response = owner.get(f"/library/{book.pk}/")
    page = text_of(response)
    assert "Language Russian" in page and "Voice eSpeak Russian" in page
    assert 'lang="ru"' in response.content.decode()  # the transcript is marked Russian


@pytest.mark.slow
def test_a_japanese_book_is_read_by_kokoro_kanji_included(owner, settings):
    settings.TTS_VOICE = "auto"
    book = uploaded_book(owner, PAGES / "maint-guide.ja.p19.pdf")
    run_worker(processes=2)

    book.refresh_from_db()
    details = book.details
    assert (book.status, details.language, details.voice) == ("completed", "ja", "kokoro:jf_alpha")
    page = text_of(owner.get(f"/library/{book.pk}/"))
    assert "Language Japanese" in page and "Voice Kokoro Alpha (Japanese, female)" in page
    mp3 = default_storage.open(book.audio_path.name)
    assert MP3(mp3).info.sample_rate == 24000  # Kokoro's own rate, not resampled
    vtt = default_storage.open(book.transcript_name).read().decode()
    assert "ライブラリーの相違" in vtt
    characters = sum(
        len("".join(line.split())) for line in vtt.splitlines()[1:] if line and "-->" not in line
    )
    # Kokoro read this page at about 335 characters a minute (430 on plain prose); eSpeak's
    # Japanese voice, saying "Chinese letter" for each kanji, read it at 194.
    assert 250 < characters / (details.duration / 60) < 700


@pytest.mark.slow
def test_a_chosen_voice_is_used_and_a_finished_book_can_be_read_again_by_another(owner):
    book = uploaded_book(owner, corpus_pdf("crazyones-pdfa.pdf"), voice="espeak:en-gb")
    run_worker()
    book.refresh_from_db()
    assert (book.status, book.details.voice) == ("completed", "espeak:en-gb")
    first_audio = book.audio_path.name

    page = owner.get(f"/library/{book.pk}/").content.decode()
    assert "Convert again with another voice" in page
    response = owner.post(f"/library/{book.pk}/retry/", {"voice": "espeak:en-us"})
    assert response.status_code == 302
    book.refresh_from_db()
    assert book.jobs.count() == 2 and book.status == "pending"
    # The old audio stays playable until the new one is done.
    assert owner.get(f"/library/{book.pk}/audio.mp3").status_code == 200
    assert "the audio below stays until the new one is ready" in text_of(
        owner.get(f"/library/{book.pk}/")
    )
    assert book.details.voice == "espeak:en-gb"  # what plays now

    # A second click while it waits queues nothing more.
    owner.post(f"/library/{book.pk}/retry/", {"voice": "espeak:en-us"})
    assert book.jobs.count() == 2

    run_worker()
    book.refresh_from_db()
    assert (book.status, book.details.voice) == ("completed", "espeak:en-us")
    assert book.audio_path.name != first_audio
    assert not default_storage.exists(first_audio)


def test_converting_again_with_an_unknown_voice_is_refused(owner, user):
    from tests.test_library_views import completed_book

    book = completed_book(user)
    response = owner.post(f"/library/{book.pk}/retry/", {"voice": "espeak:nobody"})
    assert response.status_code == 422
    assert book.jobs.count() == 1


@pytest.mark.slow
def test_a_voice_removed_while_a_book_waits_fails_it_with_a_reason(owner, settings, tmp_path):
    folder = tmp_path / "voices"
    model = install_piper_voice(folder, "en_GB-gone-medium", "en_GB")
    settings.PIPER_VOICES_DIR = str(folder)
    book = uploaded_book(owner, corpus_pdf("crazyones-pdfa.pdf"), voice="piper:en_GB-gone-medium")
    model.unlink()  # the administrator removes the voice
    model.with_name(model.name + ".json").unlink()

    run_worker()
    book.refresh_from_db()
    assert book.status == "failed"
    assert book.jobs.get().error_message == VOICE_GONE.format(voice="piper:en_GB-gone-medium")
    page = owner.get(f"/library/{book.pk}/").content.decode()
    assert "is no longer installed" in page
    # Trying again offers the automatic choice.
    assert re.search(r'<option value="auto" selected>', page)


def test_the_voices_page_lists_every_voice_with_a_sample(owner):
    page = owner.get("/library/voices/").content.decode()
    assert "Joe (English, United States)" in page and "Kokoro Alpha" in page
    assert 'src="/library/voices/espeak:sit/yue-Latn-jyutping/sample.mp3"' in page
    assert page.count("<audio") > 100


@pytest.mark.slow
def test_a_voice_sample_is_made_once_and_kept(owner, settings):
    response = owner.get(f"/library/voices/{JOE}/sample.mp3")
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    data = b"".join(response.streaming_content)
    samples = list(Path(settings.DATA_DIR, "samples").glob("*.mp3"))
    assert len(samples) == 1 and samples[0].read_bytes() == data
    made = samples[0].stat().st_mtime_ns

    again = owner.get(f"/library/voices/{JOE}/sample.mp3")
    assert b"".join(again.streaming_content) == data
    assert samples[0].stat().st_mtime_ns == made  # served from the cache, not spoken again
    # An encoded voice id works too (the upload page's button encodes it).
    assert owner.get("/library/voices/espeak%3Asit%2Fyue/sample.mp3").status_code in (200, 404)


def test_samples_of_unknown_voices_are_404_and_need_a_login(owner, client):
    assert owner.get("/library/voices/piper:nobody/sample.mp3").status_code == 404
    assert owner.get("/library/voices/../../etc/passwd/sample.mp3").status_code == 404
    client.logout()
    response = client.get(f"/library/voices/{JOE}/sample.mp3")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *map(str, args)],
        cwd=REPO,
        env={**os.environ, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_voices_command_lists_id_engine_language_quality():
    result = manage("voices")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["id", "engine", "language", "quality"]
    assert lines[1].split()[:4] == [JOE, "piper", "en-us", "medium"]
    assert any(line.split()[:4] == ["espeak:ru", "espeak", "ru", "formant"] for line in lines)
    japanese = manage("voices", "--language", "ja").stdout.splitlines()[1:]
    assert {line.split()[1] for line in japanese} == {"kokoro", "espeak"}


def test_convert_with_an_unknown_voice_exits_2(tmp_path):
    result = manage("convert", corpus_pdf("minimal-document.pdf"), "--voice", "piper:nobody")
    assert result.returncode == 2
    assert "There is no voice 'piper:nobody' here" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_convert_with_a_voice_says_which_and_uses_it(tmp_path):
    out = tmp_path / "ru.mp3"
    result = manage(
        "convert", PAGES / "debian-faq.ru.p11.pdf", "-o", out, "--voice", "espeak:ru",
        DATA_DIR=str(tmp_path / "data"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Language: Russian (detected); voice: eSpeak Russian (espeak:ru)" in result.stderr
    assert str(ID3(out)["TLAN"]) == "rus"
    json.dumps(result.stdout)
