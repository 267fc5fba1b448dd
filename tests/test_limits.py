"""Limits against abuse: password guessing (django-axes), password-reset mail floods, and one
person filling the conversion queue. Each is tested switched on, as it runs in production."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from conversions.models import ConversionJob
from library.models import Audiobook
from tests.corpus import REPO, corpus_pdf
from tests.factories import PASSWORD, make_book, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RESET = "/accounts/password_reset/"


@pytest.fixture(autouse=True)
def _empty_cache():
    # The reset-mail counts live in the cache, which outlives a test's database transaction.
    cache.clear()
    yield
    cache.clear()


def log_in(client, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# ---- login lockout ----------------------------------------------------------------------------


def test_the_limits_default_to_five_failures_and_an_hour(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 3600
    assert settings.MAX_QUEUED_PER_USER == 10
    assert settings.AUTHENTICATION_BACKENDS[0] == "accounts.backends.LockoutBackend"


def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_429(client):
    make_user("reader@example.com")
    for _ in range(4):
        response = log_in(client, "reader@example.com", "wrong")
        assert response.status_code == 422
        assert "do not match an account" in response.content.decode()
    fifth = log_in(client, "reader@example.com", "wrong")
    assert fifth.status_code == 429
    assert "Too many attempts" in fifth.content.decode()

    locked = log_in(client, "reader@example.com", PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many attempts" in page and "Try again later, in 1\xa0hour" in page
    assert not signed_in(client)


def test_changing_the_case_of_the_address_does_not_buy_more_guesses(client):
    make_user("reader@example.com")
    for email in ["reader@example.com", "READER@example.com", "Reader@Example.com ", "rEader@example.COM"]:  # fmt: skip
        log_in(client, email, "wrong")
    assert log_in(client, "READER@EXAMPLE.COM", "wrong").status_code == 429
    assert log_in(client, "reader@example.com", PASSWORD).status_code == 429


def test_the_lock_is_for_that_address_from_that_ip_only(client):
    make_user("reader@example.com")
    make_user("other@example.com")
    for _ in range(5):
        log_in(client, "reader@example.com", "wrong")
    assert log_in(client, "reader@example.com", PASSWORD).status_code == 429
    # Someone else on the same network still logs in.
    other = Client()
    assert log_in(other, "other@example.com", PASSWORD).status_code == 302
    # The owner, from elsewhere, still logs in.
    elsewhere = Client()
    response = log_in(elsewhere, "reader@example.com", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302 and signed_in(elsewhere)


PROXY = "127.0.0.1"  # nginx on the same machine


def through_proxy(client, email, password, forwarded_for):
    return log_in(client, email, password, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_a_trusted_proxy_the_visitors_own_address_is_locked(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("reader@example.com")
    for _ in range(5):
        through_proxy(client, "reader@example.com", "wrong", "203.0.113.9")
    assert through_proxy(client, "reader@example.com", PASSWORD, "203.0.113.9").status_code == 429
    # The owner, through the same proxy from another address, is not locked out.
    owner = Client()
    response = through_proxy(owner, "reader@example.com", PASSWORD, "198.51.100.7")
    assert response.status_code == 302 and signed_in(owner)


def test_a_visitor_cannot_pick_their_address_by_writing_the_header(client, settings):
    """nginx appends the address it saw; what the visitor wrote stays to its left, unread."""
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("reader@example.com")
    for n in range(5):
        through_proxy(client, "reader@example.com", "wrong", f"10.0.0.{n}, 203.0.113.9")
    response = through_proxy(client, "reader@example.com", PASSWORD, "10.0.0.99, 203.0.113.9")
    assert response.status_code == 429


def test_without_trusted_proxies_the_header_is_ignored(client, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    make_user("reader@example.com")
    for n in range(5):
        through_proxy(client, "reader@example.com", "wrong", f"203.0.113.{n}")
    assert through_proxy(client, "reader@example.com", PASSWORD, "198.51.100.7").status_code == 429


def test_the_lock_lifts_after_the_cool_off_time(client):
    make_user("reader@example.com")
    for _ in range(5):
        log_in(client, "reader@example.com", "wrong")
    assert log_in(client, "reader@example.com", PASSWORD).status_code == 429
    # An hour and a minute later (the attempts are rows with a time).
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=61))
    response = log_in(client, "reader@example.com", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_a_successful_login_clears_the_failures(client):
    make_user("reader@example.com")
    for _ in range(4):
        log_in(client, "reader@example.com", "wrong")
    assert log_in(client, "reader@example.com", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert log_in(client, "reader@example.com", "wrong").status_code == 422
    assert log_in(client, "reader@example.com", PASSWORD).status_code == 302


def test_unknown_addresses_are_locked_the_same_way(client):
    for _ in range(5):
        log_in(client, "nobody@example.com", "guess")
    assert log_in(client, "nobody@example.com", "guess").status_code == 429


def test_the_limit_follows_the_setting(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    make_user("reader@example.com")
    assert log_in(client, "reader@example.com", "wrong").status_code == 422
    assert log_in(client, "reader@example.com", "wrong").status_code == 429


def test_the_admin_login_is_guarded_too(client):
    User = make_user().__class__
    User.objects.create_superuser("root@example.com", "pw-for-root-1")
    for _ in range(5):
        client.post("/admin/login/", {"username": "root@example.com", "password": "wrong"})
    response = client.post(
        "/admin/login/", {"username": "root@example.com", "password": "pw-for-root-1"}
    )
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_logins_without_a_request_are_not_locked_out(client):
    # The test client's login() and code on the server call authenticate() without a request;
    # there is no IP address to lock, so the lockout stays out of their way.
    user = make_user("reader@example.com")
    for _ in range(5):
        log_in(client, "reader@example.com", "wrong")
    assert Client().login(username="reader@example.com", password=PASSWORD)
    from django.contrib.auth import authenticate

    assert authenticate(username="reader@example.com", password=PASSWORD) == user


# ---- password-reset mails ---------------------------------------------------------------------


def request_reset(client, email, **extra):
    response = client.post(RESET, {"email": email}, **extra)
    assert response.status_code == 302 and response.url == "/accounts/password_reset/done/"
    return response


def test_at_most_three_reset_mails_an_hour_per_address(client, mailoutbox, monkeypatch):
    make_user("reader@example.com")
    for email in ["reader@example.com", "Reader@Example.com", "READER@example.com"]:
        request_reset(client, email)
    assert len(mailoutbox) == 3
    # The fourth gets the same page, and no mail.
    request_reset(client, "reader@example.com")
    request_reset(Client(), "reader@example.com", REMOTE_ADDR="198.51.100.7")
    assert len(mailoutbox) == 3
    # An hour later, mail goes again.
    import time

    later = time.time() + 3601
    monkeypatch.setattr("accounts.views.time.time", lambda: later)
    request_reset(client, "reader@example.com")
    assert len(mailoutbox) == 4


def test_a_limited_address_looks_like_any_other(client, mailoutbox):
    make_user("reader@example.com")
    for _ in range(3):
        request_reset(client, "reader@example.com")
    limited = client.post(RESET, {"email": "reader@example.com"}, follow=True)
    unknown = Client().post(RESET, {"email": "nobody@example.com"}, follow=True)
    assert limited.status_code == unknown.status_code == 200
    assert limited.redirect_chain == unknown.redirect_chain
    assert "Check your email" in limited.content.decode()
    # Addresses without an account count the same, so the limit tells nothing either.
    for _ in range(3):
        request_reset(client, "nobody@example.com")
    make_user("nobody@example.com")
    request_reset(client, "nobody@example.com")
    assert [m.to for m in mailoutbox] == [["reader@example.com"]] * 3


def test_one_client_cannot_send_reset_mails_to_many_addresses(client, mailoutbox, settings):
    settings.PASSWORD_RESET_MAILS_PER_IP = 4
    users = [make_user(f"reader{n}@example.com") for n in range(6)]
    for user in users:
        request_reset(client, user.email)
    assert len(mailoutbox) == 4
    # Another client is not affected.
    request_reset(Client(), users[5].email, REMOTE_ADDR="198.51.100.7")
    assert len(mailoutbox) == 5
    assert mailoutbox[-1].to == [users[5].email]


def test_a_reset_link_still_works_while_mails_are_limited(client, mailoutbox):
    user = make_user("reader@example.com")
    for _ in range(4):
        request_reset(client, "reader@example.com")
    import re

    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mailoutbox[-1].body).group(1)
    form = client.get(link, follow=True)
    new = "a brand new passphrase"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


# ---- queued conversions per person ------------------------------------------------------------


def pdf_upload(name="minimal-document.pdf") -> SimpleUploadedFile:
    path = corpus_pdf(name)
    return SimpleUploadedFile(path.name, path.read_bytes(), "application/pdf")


def stored_files(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_an_upload_past_the_queue_limit_is_refused_and_keeps_nothing(owner, user, settings):
    settings.MAX_QUEUED_PER_USER = 2
    make_book(user=user, title="Waiting")
    make_book(user=user, title="Converting", status=Audiobook.Status.PROCESSING)
    before = stored_files(settings)
    response = owner.post("/library/upload/", {"pdf": pdf_upload()})
    assert response.status_code == 422
    page = response.content.decode()
    assert "You already have 2 books waiting or converting" in page
    assert "Upload more when some of them are done" in page
    assert Audiobook.objects.count() == 2
    assert not ConversionJob.objects.exists()
    assert stored_files(settings) == before


def test_several_files_must_fit_in_the_room_left(owner, user, settings):
    settings.MAX_QUEUED_PER_USER = 3
    make_book(user=user, title="Waiting")
    names = ["minimal-document.pdf", "pdflatex-4-pages.pdf", "minimal-document.pdf"]
    response = owner.post("/library/upload/", {"pdf": [pdf_upload(name) for name in names]})
    assert response.status_code == 422
    assert "you have 1, so there is room for 2 more, and you chose 3 PDFs" in (
        response.content.decode()
    )
    assert Audiobook.objects.count() == 1
    # Exactly filling the room is fine.
    response = owner.post("/library/upload/", {"pdf": [pdf_upload(name) for name in names[:2]]})
    assert response.status_code == 302
    assert Audiobook.objects.filter(user=user, status=Audiobook.Status.PENDING).count() == 3


def test_finished_books_and_other_peoples_books_do_not_count(owner, user, settings):
    settings.MAX_QUEUED_PER_USER = 1
    make_book(user=user, title="Done", status=Audiobook.Status.COMPLETED)
    make_book(user=user, title="Broken", status=Audiobook.Status.FAILED)
    someone = make_user()
    make_book(user=someone, title="Theirs")
    make_book(user=someone, title="Theirs too", status=Audiobook.Status.PROCESSING)
    response = owner.post("/library/upload/", {"pdf": pdf_upload()})
    assert response.status_code == 302
    # Now the one place is taken.
    response = owner.post("/library/upload/", {"pdf": pdf_upload()})
    assert response.status_code == 422
    assert "You already have 1 book waiting or converting" in response.content.decode()


def test_settings_come_from_the_environment(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "AXES_FAILURE_LIMIT": "7",
        "AXES_COOLOFF_TIME": "0.5",
        "MAX_QUEUED_PER_USER": "3",
        "SECRET_KEY_FILE": str(tmp_path / "key"),
    }
    code = (
        "from django.conf import settings as s;"
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.MAX_QUEUED_PER_USER)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["7", "1800.0", "3"]
