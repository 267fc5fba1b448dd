"""The account page's own changes: a new email address (normalised and checked as at sign-up,
confirmed by the password, the old address told) and deleting the account with every book and
file of it (confirmed by the password, a goodbye mail)."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from accounts.models import Pronunciation, User
from library.models import Audiobook
from tests.factories import PASSWORD, make_book, make_user
from tests.test_library_views import completed_book

pytestmark = pytest.mark.django_db


def media_files() -> list[Path]:
    return [p for p in Path(django_settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_the_account_page_offers_every_section(owner):
    page = owner.get("/accounts/").content.decode()
    for heading in ("Signing in", "Voice", "Pronunciation", "Delete your account"):
        assert f">{heading}</h2>" in page
    assert 'action="/accounts/email/"' in page and 'href="/accounts/password_change/"' in page
    assert page.count('id="id_email-password"') == 1 and page.count('id="id_delete-password"') == 1


def test_change_email_normalises_and_tells_the_old_address(owner, user):
    old = user.email
    response = owner.post(
        "/accounts/email/", {"email-email": "  New.Name@EXAMPLE.org ", "email-password": PASSWORD}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "new.name@example.org"
    assert [m.to for m in mail.outbox] == [[old]]
    assert "new.name@example.org" in mail.outbox[0].body
    assert Client().login(email="NEW.name@example.org", password=PASSWORD)


@pytest.mark.parametrize(
    "email, password, message",
    [
        ("taken@example.com", PASSWORD, "An account with this email address already exists."),
        ("TAKEN@example.com", PASSWORD, "An account with this email address already exists."),
        ("taken@exаmple.com", PASSWORD, "looks too much like"),  # a Cyrillic "а"
        ("fresh@example.com", "wrong password", "This is not your password."),
        ("not an address", PASSWORD, "Enter a valid email address."),
    ],
)
def test_change_email_refuses(owner, user, email, password, message):
    make_user("taken@example.com")
    old = user.email
    response = owner.post("/accounts/email/", {"email-email": email, "email-password": password})
    assert response.status_code == 422
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.email == old and not mail.outbox


def test_deleting_the_account_asks_the_password_then_removes_everything(
    owner, user, django_capture_on_commit_callbacks
):
    completed_book(user)
    make_book(user=user, title="Waiting")
    Pronunciation.objects.create(user=user, written="nginx", spoken="engine x")
    mine = set(media_files())
    assert len(mine) == 4  # two PDFs, an MP3 and its captions
    other = make_user("stays@example.com")
    kept = completed_book(other, title="Not yours")

    response = owner.post("/accounts/delete/", {"delete-password": "wrong"})
    assert response.status_code == 422
    assert Audiobook.objects.filter(user=user).count() == 2

    with django_capture_on_commit_callbacks(execute=True):  # files go once the rows are gone
        response = owner.post("/accounts/delete/", {"delete-password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Audiobook.objects.filter(user_id=user.pk).exists()
    assert not Pronunciation.objects.filter(user_id=user.pk).exists()
    assert not mine & set(media_files())
    assert Audiobook.objects.filter(pk=kept.pk).exists() and len(media_files()) == 3
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "2 audiobooks" in mail.outbox[0].body
    # Signed out: the library asks to log in.
    assert owner.get("/library/").status_code == 302
