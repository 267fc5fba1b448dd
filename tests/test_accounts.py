"""Account pages: sign-up (open and closed), login, logout by POST, password change and reset."""

import re

import bcrypt
import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the password-reset mail limit counts in the cache (tests/test_limits.py)


def test_landing_page_for_visitors_links_to_sign_up_and_log_in(client):
    page = client.get("/")
    assert page.status_code == 200
    assert b"Turn your PDFs into audiobooks" in page.content
    assert b'href="/accounts/signup/"' in page.content
    assert b'href="/accounts/login/"' in page.content


def test_home_is_the_library_when_signed_in(client):
    client.force_login(make_user())
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/library/"


def test_sign_up_creates_the_account_and_signs_in(client):
    assert client.get("/accounts/signup/").status_code == 200
    response = client.post(
        "/accounts/signup/",
        {"email": "New.Reader@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response.url == "/library/"
    user = User.objects.get()
    assert user.email == "new.reader@example.com"
    assert user.check_password(PASSWORD)
    library = client.get("/library/")
    assert library.status_code == 200
    assert "Welcome to Audiobooker" in library.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "a@example.com", "password1": PASSWORD, "password2": "other"}, "didn’t match"),
        ({"email": "a@example.com", "password1": "password", "password2": "password"}, "too common"),
        ({"email": "a@example.com", "password1": "12345678913", "password2": "12345678913"}, "entirely numeric"),
        ({"email": "a@example.com", "password1": "short", "password2": "short"}, "too short"),
        ({"email": "not an address", "password1": PASSWORD, "password2": PASSWORD}, "valid email"),
        ({"email": "", "password1": PASSWORD, "password2": PASSWORD}, "required"),
    ],
)  # fmt: skip
def test_sign_up_refuses_bad_input_with_422_and_keeps_nothing(client, data, message):
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session


def test_sign_up_refuses_an_address_already_in_use_whatever_its_case(client):
    make_user("taken@example.com")
    response = client.post(
        "/accounts/signup/",
        {"email": "TAKEN@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_sign_up_closed_shows_a_friendly_page_and_creates_nobody(client, settings):
    settings.SIGNUP_OPEN = False
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    assert "Sign-up is closed" in page.content.decode()
    assert b'name="password1"' not in page.content
    response = client.post(
        "/accounts/signup/",
        {"email": "sneaky@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 403
    assert not User.objects.exists()
    # The landing page does not offer it either.
    assert b"Create an account" not in client.get("/").content


def test_signed_in_people_are_sent_from_sign_up_to_their_library(client):
    client.force_login(make_user())
    response = client.get("/accounts/signup/")
    assert response.status_code == 302 and response.url == "/library/"


def test_log_in_with_email_in_any_case_lands_in_the_library(client):
    make_user("reader@example.com")
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "Reader@Example.COM", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/library/"
    assert client.get("/library/").status_code == 200


def test_log_in_follows_next(client):
    make_user("reader@example.com")
    response = client.post(
        "/accounts/login/?next=/library/upload/",
        {"username": "reader@example.com", "password": PASSWORD, "next": "/library/upload/"},
    )
    assert response.url == "/library/upload/"


def test_wrong_password_is_422_and_does_not_sign_in(client):
    make_user("reader@example.com")
    response = client.post(
        "/accounts/login/", {"username": "reader@example.com", "password": "nope"}
    )
    assert response.status_code == 422
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_accounts_cannot_log_in(client):
    make_user("gone@example.com", is_active=False)
    response = client.post(
        "/accounts/login/", {"username": "gone@example.com", "password": PASSWORD}
    )
    assert response.status_code == 422
    assert "_auth_user_id" not in client.session


def test_an_account_from_the_original_app_logs_in_with_its_bcrypt_hash(client):
    user = make_user("old@example.com")
    User.objects.filter(pk=user.pk).update(
        password=bcrypt.hashpw(b"old secret", bcrypt.gensalt(4)).decode()
    )
    response = client.post(
        "/accounts/login/", {"username": "old@example.com", "password": "old secret"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.password.startswith("$2")  # upgraded to Django's hasher


def test_log_out_is_post_only(client):
    client.force_login(make_user())
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/library/").status_code == 200  # still signed in
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/library/").status_code == 302
    assert "signed out" in client.get("/").content.decode()


def test_log_out_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    assert client.post("/accounts/logout/").status_code == 403
    assert client.get("/library/").status_code == 200


def test_the_nav_offers_sign_out_as_a_form(client):
    client.force_login(make_user())
    page = client.get("/library/").content.decode()
    assert re.search(r'<form[^>]*method="post"[^>]*action="/accounts/logout/"', page)


def test_password_change(client):
    user = make_user("reader@example.com")
    assert client.get("/accounts/password_change/").status_code == 302  # log in first
    client.force_login(user)
    assert client.get("/accounts/password_change/").status_code == 200
    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.url == "/accounts/password_change/done/"
    assert client.get(response.url).status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/library/").status_code == 200  # the session survives the change


def test_password_reset_by_email(client, mailoutbox):
    user = make_user("reader@example.com")
    assert client.get("/accounts/password_reset/").status_code == 200
    response = client.post("/accounts/password_reset/", {"email": "Reader@example.com"})
    assert response.status_code == 302 and response.url == "/accounts/password_reset/done/"
    assert client.get(response.url).status_code == 200
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["reader@example.com"]
    assert mail.subject == "Reset your Audiobooker password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.body).group(1)

    form = client.get(link, follow=True)  # Django swaps the token for a session key
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    mismatch = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": "x"})
    assert mismatch.status_code == 422
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == "/accounts/reset/done/"
    assert client.get(done.url).status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once.
    again = client.get(link, follow=True)
    assert "no longer works" in again.content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and response.url == "/accounts/password_reset/done/"
    assert mailoutbox == []


def test_password_reset_with_a_malformed_address_is_422(client, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": "not an address"})
    assert response.status_code == 422
    assert mailoutbox == []


def test_no_sign_up_link_anywhere_when_sign_up_is_closed(client, settings):
    settings.SIGNUP_OPEN = False
    page = client.get("/").content.decode()
    assert "/accounts/signup/" not in page
    settings.SIGNUP_OPEN = True
    assert "/accounts/signup/" in client.get("/").content.decode()
