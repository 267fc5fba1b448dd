"""Sign-up that does not tell which addresses have accounts.

With mail configured (SIGNUP_CONFIRM_BY_EMAIL, on unless EMAIL_URL is the console), the page
answers every address alike and the mail carries the difference; a new address has no account
until its link is used. Sign-up attempts are limited per IP address in either mode.
"""

import os
import re
import subprocess
import sys
import time

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from tests.corpus import REPO
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LINK = re.compile(r"http://testserver(/accounts/\S+/)")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the sign-up limits count in the cache
    yield
    cache.clear()


@pytest.fixture
def by_mail(settings):
    settings.SIGNUP_CONFIRM_BY_EMAIL = True
    return settings


def ask(client, email, **extra):
    return client.post(SIGNUP, {"email": email}, follow=True, **extra)


def link_in(mail) -> str:
    return LINK.search(mail.body).group(1)


def signed_in_as(client) -> str | None:
    response = client.get("/library/")
    return response.context["user"].email if response.status_code == 200 else None


# ---- sign-up by mail --------------------------------------------------------------------------


def test_every_address_gets_the_same_answer(client, by_mail, mailoutbox):
    make_user("taken@example.com")
    assert b'name="password1"' not in client.get(SIGNUP).content  # the link asks for it
    addresses = ["new@example.com", "taken@example.com", "TAKEN@Example.com", "taken@ex\u0430mple.com"]  # fmt: skip
    answers = [ask(Client(), address) for address in addresses]
    assert {a.status_code for a in answers} == {200}
    assert {tuple(a.redirect_chain) for a in answers} == {(("/accounts/signup/sent/", 302),)}
    assert len({a.content for a in answers}) == 1
    assert "Check your email" in answers[0].content.decode()
    assert len(mailoutbox) == 4  # each gets its mail
    assert User.objects.count() == 1


def test_a_new_address_gets_a_link_and_no_account_until_it_is_used(client, by_mail, mailoutbox):
    ask(client, "New.Reader@Example.com")
    assert not User.objects.exists()  # nothing to log in to yet
    assert client.post(
        "/accounts/login/", {"username": "new.reader@example.com", "password": PASSWORD}
    ).status_code == 422  # fmt: skip
    (mail,) = mailoutbox
    assert mail.to == ["new.reader@example.com"]
    assert mail.subject == "Finish signing up to Audiobooker"
    assert "works for 1\xa0day" in mail.body

    link = link_in(mail)
    page = client.get(link)
    assert page.status_code == 200
    assert "new.reader@example.com" in page.content.decode()
    weak = client.post(link, {"password1": "new.reader", "password2": "new.reader"})
    assert weak.status_code == 422 and not User.objects.exists()
    done = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302 and done.url == "/library/"
    user = User.objects.get()
    assert user.email == "new.reader@example.com" and user.is_active
    assert user.check_password(PASSWORD)
    assert signed_in_as(client) == "new.reader@example.com"


def test_a_link_makes_one_account_only(client, by_mail, mailoutbox):
    ask(client, "reader@example.com")
    link = link_in(mailoutbox[0])
    client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    again = Client()
    page = again.get(link)
    assert "There is an account already" in page.content.decode()
    response = again.post(link, {"password1": "another long secret", "password2": "another long secret"})  # fmt: skip
    assert "There is an account already" in response.content.decode()
    assert User.objects.count() == 1 and signed_in_as(again) is None
    assert User.objects.get().check_password(PASSWORD)


def test_a_link_expires(client, by_mail, mailoutbox, monkeypatch):
    ask(client, "late@example.com")
    link = link_in(mailoutbox[0])
    later = time.time() + 24 * 3600 + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    page = client.get(link)
    assert "This link does not work" in page.content.decode()
    client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert not User.objects.exists()


def test_a_forged_or_edited_link_does_not_work(client, by_mail, mailoutbox):
    ask(client, "reader@example.com")
    link = link_in(mailoutbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    for bad in [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "reader@example.com"]:
        page = client.get(f"/accounts/signup/confirm/{bad}/")
        assert "This link does not work" in page.content.decode()
    assert not User.objects.exists()


def test_an_existing_address_gets_word_of_its_account_and_a_reset_link(client, by_mail, mailoutbox):
    user = make_user("reader@example.com")
    ask(client, "Reader@Example.com")
    (mail,) = mailoutbox
    assert mail.to == ["reader@example.com"]
    assert mail.subject == "You already have an Audiobooker account"
    link = link_in(mail)
    assert link.startswith("/accounts/reset/")
    form = client.get(link, follow=True)
    new = "a brand new passphrase"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_a_look_alike_address_is_told_to_use_another(client, by_mail, mailoutbox):
    make_user("alice@example.com")
    ask(client, "al\u0131ce@example.com")  # a dotless i
    (mail,) = mailoutbox
    assert mail.to == ["al\u0131ce@example.com"]
    assert "looks too much like the address of an account" in mail.body
    assert not LINK.search(mail.body.replace("/accounts/signup/", ""))  # no way in
    assert User.objects.count() == 1


def test_a_link_for_an_address_that_became_a_look_alike_is_refused(client, by_mail, mailoutbox):
    ask(client, "al\u0131ce@example.com")
    link = link_in(mailoutbox[0])
    make_user("alice@example.com")  # meanwhile
    response = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert "There is an account already" in response.content.decode()
    assert User.objects.count() == 1


def test_sign_up_closed_closes_the_links_too(client, by_mail, mailoutbox, settings):
    ask(client, "reader@example.com")
    link = link_in(mailoutbox[0])
    settings.SIGNUP_OPEN = False
    assert "Sign-up is closed" in client.get(link).content.decode()
    assert client.post(link, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 403
    assert not User.objects.exists()


# ---- limits -----------------------------------------------------------------------------------


def test_one_client_cannot_try_address_after_address(by_mail, mailoutbox, settings):
    settings.SIGNUP_ATTEMPTS_PER_IP = 3
    make_user("taken@example.com")
    client = Client()
    answers = [ask(client, f"reader{n}@example.com") for n in range(3)]
    answers += [ask(client, "taken@example.com"), ask(client, "reader9@example.com")]
    assert len({a.content for a in answers}) == 1  # the limit does not show either
    assert [m.to for m in mailoutbox] == [[f"reader{n}@example.com"] for n in range(3)]
    # Another client is not affected.
    ask(Client(), "taken@example.com", REMOTE_ADDR="198.51.100.7")
    assert mailoutbox[-1].to == ["taken@example.com"]


def test_at_most_three_sign_up_mails_an_hour_to_one_address(by_mail, mailoutbox, monkeypatch):
    make_user("taken@example.com")
    for n in range(5):
        ask(Client(), "taken@example.com", REMOTE_ADDR=f"198.51.100.{n}")
    assert len(mailoutbox) == 3
    later = time.time() + 3601
    monkeypatch.setattr("accounts.views.time.time", lambda: later)
    ask(Client(), "taken@example.com", REMOTE_ADDR="198.51.100.9")
    assert len(mailoutbox) == 4


def test_at_once_sign_up_is_limited_per_ip_too(settings):
    """Where sign-up answers at once, "already exists" tells; the limit bounds how often."""
    settings.SIGNUP_ATTEMPTS_PER_IP = 3
    assert not settings.SIGNUP_CONFIRM_BY_EMAIL
    make_user("taken@example.com")
    client = Client()
    data = {"email": "taken@example.com", "password1": PASSWORD, "password2": PASSWORD}
    for _ in range(3):
        assert client.post(SIGNUP, data).status_code == 422
    response = client.post(SIGNUP, data)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "already exists" not in response.content.decode()
    data["email"] = "new@example.com"
    assert client.post(SIGNUP, data).status_code == 429
    assert User.objects.count() == 1
    elsewhere = Client().post(SIGNUP, data, REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 302


def test_the_settings_follow_the_mail_backend(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SIGNUP_CONFIRM_BY_EMAIL, s.SIGNUP_LINK_HOURS, s.SIGNUP_ATTEMPTS_PER_IP,"
        " s.SIGNUP_MAILS_PER_ADDRESS)"
    )
    chosen = {
        "SIGNUP_CONFIRM_BY_EMAIL": "false",
        "SIGNUP_LINK_HOURS": "2",
        "SIGNUP_ATTEMPTS_PER_IP": "5",
        "SIGNUP_MAILS_PER_ADDRESS": "1",
    }
    seen = {}
    for url, extra in [
        ("consolemail://", {}),
        ("dummymail://", {}),
        ("smtp://mail.example.com:587", {}),
        ("smtp://mail.example.com:587", chosen),
    ]:
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "EMAIL_URL": url,
            "SECRET_KEY_FILE": str(tmp_path / "key"),
            **extra,
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        seen[(url, bool(extra))] = result.stdout.split()
    assert seen == {
        ("consolemail://", False): ["False", "24.0", "10", "3"],
        ("dummymail://", False): ["False", "24.0", "10", "3"],
        ("smtp://mail.example.com:587", False): ["True", "24.0", "10", "3"],
        ("smtp://mail.example.com:587", True): ["False", "2.0", "5", "1"],
    }
