"""One account, one address: addresses are normalised (NFKC, then casefolded) wherever they come
in, accounts are found by exact match on that form, and an address that looks like an
existing account's (the same UTS #39 skeleton) cannot make a second account.

The look-alike letters are those an attack on a running instance used: "ſ" (U+017F, long s),
"ı" (U+0131, dotless i) and "K" (U+212A, Kelvin sign). PostgreSQL with a UTF-8 locale folds
the first two to "S" and "I" in UPPER(), which `email__iexact` relied on; `make test` runs
this file on such a cluster as well as on SQLite.
"""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from accounts.addresses import normalize_email, skeleton
from accounts.models import User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LONG_S, DOTLESS_I, KELVIN = "\u017f", "\u0131", "\u212a"
LOOKALIKES = {
    f"{LONG_S}isko@example.com": 429,  # "sisko" once normalised: the same, locked account
    f"s{DOTLESS_I}sko@example.com": 422,  # another address, which no account has
    f"sis{KELVIN}o@example.com": 429,  # "sisko" once normalised
}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the mail and sign-up limits count in the cache
    yield
    cache.clear()


def log_in(client, email, password):
    return client.post("/accounts/login/", {"username": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def sign_up(client, email):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


# ---- the normal form and the skeleton ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Reader@Example.COM ", "reader@example.com"),
        (f"{LONG_S}isko@example.com", "sisko@example.com"),
        (f"sis{KELVIN}o@example.com", "sisko@example.com"),
        ("\uff53\uff49\uff53\uff4b\uff4f@example.com", "sisko@example.com"),  # full-width letters
        ("STRASSE@example.com", "strasse@example.com"),
        (f"s{DOTLESS_I}sko@example.com", f"s{DOTLESS_I}sko@example.com"),  # its own letter
    ],
)
def test_the_normal_form(typed, stored):
    assert normalize_email(typed) == stored
    assert normalize_email(stored) == stored


def test_look_alike_addresses_share_a_skeleton():
    alice = skeleton("alice@example.com")
    assert skeleton(f"al{DOTLESS_I}ce@example.com") == alice
    assert skeleton("alice@ex\u0430mple.com") == alice  # Cyrillic a
    assert skeleton("ALICE@Example.com") == alice
    assert skeleton("alice@example.org") != alice
    assert skeleton("alison@example.com") != alice


def test_postgresql_tests_run_with_a_utf8_locale(postgres):
    """As in production: a cluster made with --no-locale would fold ASCII only, and the
    lockout test below could not fail the way the attack succeeded."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW lc_ctype")
        ctype = cursor.fetchone()[0]
        cursor.execute("SELECT upper(%s)", [f"{LONG_S}{DOTLESS_I}"])
        folded = cursor.fetchone()[0]
    assert "utf8" in ctype.lower().replace("-", ""), ctype
    assert folded == "SI"


# ---- login lockout and reset mails ------------------------------------------------------------


def test_look_alike_letters_neither_get_more_guesses_nor_open_the_account():
    make_user("sisko@example.com")
    client = Client()
    for _ in range(4):
        assert log_in(client, "sisko@example.com", "wrong").status_code == 422
    assert log_in(client, "sisko@example.com", "wrong").status_code == 429

    for address, status in LOOKALIKES.items():
        other = Client()  # a fresh session from the same IP address
        response = log_in(other, address, PASSWORD)
        assert (address, response.status_code) == (address, status)
        assert not signed_in(other)
    # Nothing above cleared the real address's lock.
    assert log_in(client, "sisko@example.com", PASSWORD).status_code == 429
    assert not signed_in(client)


def test_a_look_alike_address_logs_in_only_to_its_own_normal_form():
    make_user("sisko@example.com")
    client = Client()
    assert log_in(client, f"{LONG_S}isko@EXAMPLE.com", PASSWORD).status_code == 302
    assert client.get("/library/").context["user"].email == "sisko@example.com"
    assert log_in(Client(), f"s{DOTLESS_I}sko@example.com", PASSWORD).status_code == 422


def test_look_alike_letters_do_not_buy_more_reset_mails(client, mailoutbox):
    make_user("sisko@example.com")
    for address in ["sisko@example.com", "Sisko@example.com", "SISKO@EXAMPLE.COM", *LOOKALIKES]:
        response = client.post("/accounts/password_reset/", {"email": address})
        assert response.status_code == 302
    assert [mail.to for mail in mailoutbox] == [["sisko@example.com"]] * 3


def test_a_reset_mail_goes_to_the_account_found_by_its_normal_form(client, mailoutbox):
    make_user("sisko@example.com")
    client.post("/accounts/password_reset/", {"email": f"sis{KELVIN}o@example.com"})
    client.post("/accounts/password_reset/", {"email": f"s{DOTLESS_I}sko@example.com"})
    assert [mail.to for mail in mailoutbox] == [["sisko@example.com"]]


# ---- new accounts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("alice@example.com", "already exists"),
        ("ALICE@Example.com", "already exists"),
        ("\uff41lice@example.com", "already exists"),  # a full-width a: NFKC makes it "a"
        (f"al{DOTLESS_I}ce@example.com", "looks too much like"),
        ("alice@ex\u0430mple.com", "looks too much like"),  # a Cyrillic a in the domain
        ("a1ice@example.com", "looks too much like"),
    ],
)
def test_sign_up_refuses_an_address_that_is_or_looks_like_an_account(client, address, message):
    make_user("alice@example.com")
    response = sign_up(client, address)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert list(User.objects.values_list("email", flat=True)) == ["alice@example.com"]


def test_sign_up_stores_the_normal_form(client):
    response = sign_up(client, "\uff33isko@Example.COM")  # a full-width S
    assert response.status_code == 302
    assert User.objects.get().email == "sisko@example.com"
    client.post("/accounts/logout/")
    assert log_in(client, "SISKO@example.com", PASSWORD).status_code == 302


def test_an_account_from_the_original_app_is_still_told_apart(client):
    """A row written before addresses were normalised still blocks its look-alikes."""
    make_user("placeholder@example.com")
    User.objects.filter(email="placeholder@example.com").update(email="Alice@Example.com")
    assert sign_up(client, f"al{DOTLESS_I}ce@example.com").status_code == 422
    assert sign_up(client, "alice@example.com").status_code == 422


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("admin@example.com", "admin-password-1")
    client.force_login(admin)
    return client


def admin_add(client, email):
    return client.post(
        "/admin/accounts/user/add/",
        {
            "email": email,
            "usable_password": "true",
            "password1": "a fine long password",
            "password2": "a fine long password",
        },
    )


def test_the_admin_refuses_look_alikes_and_stores_the_normal_form(admin_client):
    make_user("alice@example.com")
    response = admin_add(admin_client, f"al{DOTLESS_I}ce@example.com")
    assert response.status_code == 200
    assert "looks too much like" in response.content.decode()
    assert admin_add(admin_client, f"Bob{KELVIN}@Example.com").status_code == 302
    assert User.objects.filter(email="bobk@example.com").exists()


def test_the_admin_edits_an_account_without_tripping_over_its_own_address(admin_client):
    user = make_user("alice@example.com")
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {"email": "Alice@Example.com", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.email == "alice@example.com"


def test_createsuperuser_normalises_and_refuses_look_alikes(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "root-password-1")
    make_user("alice@example.com")
    with pytest.raises(CommandError, match="looks too much like"):
        call_command(
            "createsuperuser", "--no-input", email=f"al{DOTLESS_I}ce@example.com",
            stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip
    with pytest.raises(CommandError, match="already taken"):
        call_command(
            "createsuperuser", "--no-input", email="ALICE@example.com",
            stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip
    call_command(
        "createsuperuser", "--no-input", email="Root@Example.com",
        stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    assert User.objects.get(is_superuser=True).email == "root@example.com"


# ---- rows the original app wrote --------------------------------------------------------------


def test_the_migration_stores_old_addresses_in_their_normal_form(client):
    migration = importlib.import_module("accounts.migrations.0002_normalize_emails")
    carol, bob_upper, bob = (make_user(f"placeholder{n}@example.com") for n in range(3))
    # As the original app could have stored them (rows written past the model's save()).
    for user, email in [(carol, "Carol@Example.COM"), (bob_upper, "Bob@Example.com"), (bob, "bob@example.com")]:  # fmt: skip
        User.objects.filter(pk=user.pk).update(email=email)

    migration.normalize_addresses(apps, None)

    assert User.objects.get(pk=carol.pk).email == "carol@example.com"
    assert log_in(client, "CAROL@example.com", PASSWORD).status_code == 302
    # Two rows that are one address now: the one in normal form keeps it, the other is left.
    assert User.objects.get(pk=bob.pk).email == "bob@example.com"
    assert User.objects.get(pk=bob_upper.pk).email == "Bob@Example.com"
