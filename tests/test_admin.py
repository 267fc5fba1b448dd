"""The admin: superusers only; users, audiobooks and conversion jobs as an operator needs them."""

import pytest
from django.core.files.storage import default_storage

from accounts.models import User
from conversions.models import ConversionJob
from library.models import Audiobook
from tests.factories import make_book, make_job, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("admin@example.com", "admin-password-1")
    client.force_login(admin)
    client.admin = admin
    return client


def test_only_superusers_get_in(client):
    client.force_login(make_user())
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        "/admin/library/audiobook/",
        "/admin/conversions/conversionjob/",
    ],
)
def test_admin_pages_open(admin_client, url):
    make_job()
    assert admin_client.get(url).status_code == 200


def test_create_a_user_with_a_password(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.com",
            "usable_password": "true",
            "password1": "a fine long password",
            "password2": "a fine long password",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("a fine long password") and user.is_active
    assert not user.is_superuser


def test_a_second_account_with_the_same_address_is_refused(admin_client):
    make_user("taken@example.com")
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "TAKEN@example.com",
            "usable_password": "true",
            "password1": "a fine long password",
            "password2": "a fine long password",
        },
    )
    assert response.status_code == 200
    assert b"already exists" in response.content


def test_search_users_by_email(admin_client):
    make_user("findme@example.com")
    make_user("other@example.com")
    page = admin_client.get("/admin/accounts/user/", {"q": "findme"}).content.decode()
    assert "findme@example.com" in page and "other@example.com" not in page


def test_deactivate_and_activate_users(admin_client):
    user = make_user()
    admin_client.post(
        "/admin/accounts/user/", {"action": "deactivate", "_selected_action": [user.pk]}
    )
    user.refresh_from_db()
    assert not user.is_active
    admin_client.post(
        "/admin/accounts/user/", {"action": "activate", "_selected_action": [user.pk]}
    )
    user.refresh_from_db()
    assert user.is_active


def test_make_a_user_superuser(admin_client):
    user = make_user("promote@example.com")
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {"email": user.email, "is_active": "on", "is_superuser": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.is_superuser and user.is_staff


def test_audiobooks_filter_by_status_and_search(admin_client):
    make_book(title="Moby Dick", status="completed")
    make_book(title="War and Peace", status="failed")
    page = admin_client.get(
        "/admin/library/audiobook/", {"status__exact": "failed"}
    ).content.decode()
    assert "War and Peace" in page and "Moby Dick" not in page
    page = admin_client.get("/admin/library/audiobook/", {"q": "moby"}).content.decode()
    assert "Moby Dick" in page and "War and Peace" not in page


def test_queue_a_new_conversion_from_the_admin(admin_client):
    book = make_book(status="failed")
    make_job(book, status="failed", error_message="boom")
    admin_client.post(
        "/admin/library/audiobook/", {"action": "queue_conversion", "_selected_action": [book.pk]}
    )
    book.refresh_from_db()
    assert book.status == "pending"
    newest = book.jobs.order_by("-created_at").first()
    assert book.jobs.count() == 2 and newest.status == "queued"


def test_the_admin_action_does_not_queue_a_second_job_for_a_converting_book(admin_client):
    """A book being converted keeps its one job; the action says which books it skipped."""
    from conversions import queue
    from conversions.locks import make_locks
    from library import services

    converting = make_book(title="Converting now")
    services.start_conversion(converting)
    locks = make_locks()
    claim = queue.claim_next_job(locks)  # a worker has it: running
    failed = make_book(title="Failed before", status="failed")
    make_job(failed, status="failed", error_message="boom")
    try:
        response = admin_client.post(
            "/admin/library/audiobook/",
            {"action": "queue_conversion", "_selected_action": [converting.pk, failed.pk]},
            follow=True,
        )
        page = response.content.decode()
        assert [job.status for job in converting.jobs.all()] == ["running"]
        assert converting.jobs.get().pk == claim.job_id
        assert failed.jobs.filter(status="queued").count() == 1
        assert "Queued 1 conversion(s)." in page
        assert "Skipped 1 already waiting or converting: “Converting now”." in page
        # A second click while it waits: still one waiting job.
        admin_client.post(
            "/admin/library/audiobook/",
            {"action": "queue_conversion", "_selected_action": [failed.pk]},
        )
        assert failed.jobs.filter(status="queued").count() == 1
    finally:
        locks.close()


def test_deleting_an_audiobook_in_the_admin_removes_its_files(
    admin_client, django_capture_on_commit_callbacks
):
    book = make_book()
    make_job(book)
    pdf = book.pdf_path.name
    assert default_storage.exists(pdf)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/library/audiobook/{book.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Audiobook.objects.filter(pk=book.pk).exists()
    assert not ConversionJob.objects.exists()
    assert not default_storage.exists(pdf)


def test_deleting_a_user_in_the_admin_removes_their_files(
    admin_client, django_capture_on_commit_callbacks
):
    book = make_book()
    pdf = book.pdf_path.name
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/accounts/user/{book.user_id}/delete/", {"post": "yes"})
    assert not User.objects.filter(pk=book.user_id).exists()
    assert not default_storage.exists(pdf)


def test_conversion_jobs_are_read_only(admin_client):
    job = make_job(status="failed", error_message="The PDF is damaged.", progress=40)
    page = admin_client.get(f"/admin/conversions/conversionjob/{job.pk}/change/").content.decode()
    assert "The PDF is damaged." in page and 'name="_save"' not in page
    response = admin_client.post(
        f"/admin/conversions/conversionjob/{job.pk}/change/",
        {"status": "completed", "progress": 100},
    )
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == "failed"
    listing = admin_client.get("/admin/conversions/conversionjob/", {"status__exact": "failed"})
    assert "40%" in listing.content.decode()


def test_deleting_a_book_drops_its_spoken_chunks_on_this_machine(
    settings, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from library import services

    book = make_book()
    chunks = Path(settings.WORK_DIR) / str(book.pk) / "speech"
    chunks.mkdir(parents=True)
    (chunks / "chunk.wav").write_bytes(b"RIFF")
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_audiobook(book)
    assert not chunks.parent.exists()


def test_renaming_in_the_admin_does_not_overwrite_what_the_worker_wrote(admin_client, monkeypatch):
    from library.admin import AudiobookAdmin

    book = make_book(title="Old title")
    original = AudiobookAdmin.save_form

    def worker_finishes_meanwhile(self, request, form, change):
        # The admin has read the book (status pending); the worker completes it now.
        Audiobook.objects.filter(pk=book.pk).update(status="completed", audio_path="audio/x.mp3")
        return original(self, request, form, change)

    monkeypatch.setattr(AudiobookAdmin, "save_form", worker_finishes_meanwhile)
    response = admin_client.post(
        f"/admin/library/audiobook/{book.pk}/change/",
        {
            "title": "New title",
            "user": book.user_id,
            "jobs-TOTAL_FORMS": 0,
            "jobs-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    book.refresh_from_db()
    assert (book.title, book.status, book.audio_path.name) == (
        "New title",
        "completed",
        "audio/x.mp3",
    )
