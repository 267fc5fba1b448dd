"""The account page's voice and pronunciation list: adding, importing and exporting pairs, the
administrator's list, and a pair changing how the next conversion says a word (real eSpeak)."""

import re
import subprocess
import sys

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import listening
from accounts.models import Preferences, Pronunciation
from conversions.normalize import MAX_ENTRIES, Substitution
from library.models import Audiobook
from tests.corpus import REPO, corpus_pdf
from tests.factories import make_user, run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_account_page_is_linked_and_shows_voice_and_list(owner):
    assert 'href="/accounts/"' in owner.get("/library/").content.decode()
    page = page_text(owner.get("/accounts/"))
    assert "You sign in as owner@example.com" in page
    assert "Default voice" in page and "Pronunciation" in page and "Your list is empty." in page


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ("/accounts/", "/accounts/pronunciations.txt"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_default_voice_becomes_the_upload_forms_choice(owner, user):
    response = owner.post("/accounts/preferences/", {"voice": "espeak:ru"})
    assert response.status_code == 302
    assert Preferences.objects.get(user=user).voice == "espeak:ru"
    upload = owner.get("/library/upload/").content.decode()
    assert re.search(r'<option value="espeak:ru" selected>', upload)
    assert owner.post("/accounts/preferences/", {"voice": "piper:nobody"}).status_code == 422


def test_adding_and_removing_pairs(owner, user, stranger):
    response = owner.post(
        "/accounts/pronunciations/add/",
        {"written": "nginx", "spoken": "engine x", "language": ""},
    )
    assert response.status_code == 302
    pair = Pronunciation.objects.get(user=user)
    assert (pair.written, pair.spoken, pair.case_sensitive, pair.language) == (
        "nginx", "engine x", False, ""
    )  # fmt: skip
    assert "nginx" in page_text(owner.get("/accounts/"))
    # The same word again replaces the pair instead of adding a second one.
    owner.post("/accounts/pronunciations/add/", {"written": "NGINX", "spoken": "engine ex"})
    assert Pronunciation.objects.get(user=user).spoken == "engine ex"

    assert stranger.post(f"/accounts/pronunciations/{pair.pk}/delete/").status_code == 404
    assert stranger.get(f"/accounts/pronunciations/{pair.pk}/say.mp3").status_code == 404
    assert owner.post(f"/accounts/pronunciations/{pair.pk}/delete/").status_code == 302
    assert not Pronunciation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"written": "a=b", "spoken": "x"}, 'The written form cannot contain "="'),
        ({"written": "nginx", "spoken": "[x]"}, 'The spoken form cannot contain "[" or "]"'),
        ({"written": "...", "spoken": "dots"}, "The written form has no letter or digit"),
        ({"written": "x" * 101, "spoken": "y"}, "Ensure this value has at most 100 characters"),
    ],
)
def test_a_bad_pair_is_refused_next_to_the_form(owner, fields, message):
    response = owner.post("/accounts/pronunciations/add/", fields)
    assert response.status_code == 422
    assert message in response.content.decode().replace("&quot;", '"')
    assert not Pronunciation.objects.exists()


def test_an_import_with_a_bad_line_saves_nothing_and_names_the_line(owner, user):
    text = "nginx = engine x\nSQL sequel\nDebian = Debb-ian [ru]\nGNU = g new [case xx-yy-zz-zzzzzzzzz]\n"
    response = owner.post("/accounts/pronunciations/import/", {"text": text})
    assert response.status_code == 422
    page = response.content.decode().replace("&quot;", '"')
    assert 'Line 2: expected "written = spoken".' in page
    assert "Line 4:" in page
    assert not Pronunciation.objects.filter(user=user).exists()


def test_import_and_export_round_trip_through_a_file(owner, user):
    text = "nginx = engine x\nSQL = sequel [case]\nDebian = Дебиан [ru]\n"
    upload = SimpleUploadedFile("list.txt", text.encode(), "text/plain")
    response = owner.post("/accounts/pronunciations/import/", {"file": upload})
    assert response.status_code == 302
    assert Pronunciation.objects.filter(user=user).count() == 3
    exported = owner.get("/accounts/pronunciations.txt")
    assert exported["Content-Disposition"] == 'attachment; filename="pronunciations.txt"'
    assert sorted(exported.content.decode().splitlines()) == sorted(text.splitlines())
    # Importing the same list again changes nothing.
    owner.post("/accounts/pronunciations/import/", {"text": text})
    assert Pronunciation.objects.filter(user=user).count() == 3


def test_a_list_is_bounded(owner, user):
    Pronunciation.objects.bulk_create(
        Pronunciation(user=user, written=f"word{i}", spoken="w") for i in range(MAX_ENTRIES)
    )
    response = owner.post("/accounts/pronunciations/import/", {"text": "one = more\n"})
    assert response.status_code == 422
    assert f"at most {MAX_ENTRIES} pairs" in response.content.decode()
    assert Pronunciation.objects.filter(user=user).count() == MAX_ENTRIES


def test_a_file_that_is_not_text_is_refused(owner):
    upload = SimpleUploadedFile("list.txt", b"\xff\xfe\x00bad", "text/plain")
    response = owner.post("/accounts/pronunciations/import/", {"file": upload})
    assert response.status_code == 422
    assert "not text in UTF-8" in response.content.decode()


def test_the_administrators_list_applies_first_and_a_persons_own_pair_wins(user):
    Pronunciation.objects.create(user=None, written="Debian", spoken="Deb ian")
    Pronunciation.objects.create(user=None, written="GNU", spoken="g new")
    Pronunciation.objects.create(user=user, written="Debian", spoken="Debb-ian")
    Pronunciation.objects.create(user=make_user(), written="GNU", spoken="someone else's")
    assert listening.lexicon_for(user) == [
        Substitution("Debian", "Deb ian"),
        Substitution("GNU", "g new"),
        Substitution("Debian", "Debb-ian"),  # later: it wins
    ]


def test_the_admin_manages_the_server_wide_list(client):
    admin = make_user("admin@example.com", is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/pronunciation/add/",
        {"written": "SQL", "spoken": "sequel", "case_sensitive": "on", "language": ""},
    )
    assert response.status_code == 302
    pair = Pronunciation.objects.get()
    assert (pair.user, pair.written, pair.case_sensitive) == (None, "SQL", True)
    bad = client.post("/admin/accounts/pronunciation/add/", {"written": "a=b", "spoken": "x"})
    assert bad.status_code == 200 and 'cannot contain "="' in bad.content.decode().replace(
        "&quot;", '"'
    )


@pytest.mark.slow
def test_the_play_button_says_the_pair(owner, user):
    pair = Pronunciation.objects.create(user=user, written="nginx", spoken="engine x")
    response = owner.get(f"/accounts/pronunciations/{pair.pk}/say.mp3")
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    data = b"".join(response.streaming_content)
    assert data[:3] == b"ID3" and len(data) > 2000


@pytest.mark.slow
def test_a_pair_on_the_account_page_changes_the_next_conversion(owner, user):
    # crazyones-pdfa.pdf says "crazy" three times: once said as a long phrase, each adds
    # seconds; the transcript still shows the word as the page has it.
    pdf = corpus_pdf("crazyones-pdfa.pdf")
    upload = SimpleUploadedFile(pdf.name, pdf.read_bytes(), "application/pdf")
    assert owner.post("/library/upload/", {"pdf": upload}).status_code == 302
    book = Audiobook.objects.get()
    run_worker()
    book.refresh_from_db()
    before = book.details.duration

    owner.post(
        "/accounts/pronunciations/add/",
        {"written": "crazy", "spoken": "wonderfully and magnificently unconventional"},
    )
    owner.post(f"/library/{book.pk}/retry/", {"voice": "auto"})
    run_worker()
    book.refresh_from_db()
    assert book.status == "completed"
    assert book.details.duration > before + 4
    vtt = default_storage.open(book.transcript_name).read().decode()
    assert "crazy" in vtt.lower() and "magnificently" not in vtt


def test_convert_with_a_bad_pronunciation_file_exits_2(tmp_path):
    bad = tmp_path / "list.txt"
    bad.write_text("fine = okay\nnot a pair\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "convert", corpus_pdf("minimal-document.pdf"),
         "--pronunciations", bad],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    assert 'line 2: expected "written = spoken"' in result.stderr
    assert "Traceback" not in result.stderr
