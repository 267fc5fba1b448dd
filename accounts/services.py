"""Sign-up by mail: the one mail each request gets, and the account its link makes.

The sign-up page answers every address the same way ("check your mail"); what differs goes
to the mailbox, where only its owner reads it:
- an address that no account has, or looks like: a signed link (no row until it is used)
  that makes the account once its owner chooses a password;
- an address that has an account: word of it, with a link to reset the password;
- an address that looks like an account's (accounts.addresses.skeleton): word that it
  cannot be used.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.timesince import timeuntil

from .addresses import normalize_email
from .models import User

log = logging.getLogger(__name__)

SIGNUP_SALT = "accounts.signup"  # a sign-up link's signature is good for nothing else
MAILS = {
    "new": ("Finish signing up to Audiobooker", "accounts/signup_new_email.txt"),
    "exists": ("You already have an Audiobooker account", "accounts/signup_exists_email.txt"),
    "lookalike": ("Sign up to Audiobooker with another address", "accounts/signup_lookalike_email.txt"),
}  # fmt: skip


class AddressTaken(Exception):
    """By the time its link was used, the address (or a look-alike) had an account."""


def link_lifetime() -> str:
    """How long a sign-up link works, for people: "1 day", "2 hours"."""
    now = timezone.now()
    return timeuntil(now + timedelta(hours=settings.SIGNUP_LINK_HOURS), now)


def signup_token(address: str) -> str:
    """The secret part of a sign-up link: the address, signed with SECRET_KEY and the time.

    A signature rather than a row: nothing is stored until the link is used, so an address
    someone typed but never confirmed blocks no one. Using it twice finds the account made
    the first time, so a link makes at most one account.
    """
    return signing.dumps(normalize_email(address), salt=SIGNUP_SALT, compress=True)


def address_from_token(token: str) -> str | None:
    """The address a sign-up link was sent to, or None for a link too old or not ours."""
    try:
        address = signing.loads(
            token, salt=SIGNUP_SALT, max_age=timedelta(hours=settings.SIGNUP_LINK_HOURS)
        )
    except signing.BadSignature:  # SignatureExpired too
        return None
    return address if isinstance(address, str) else None


def send_signup_mail(request, address: str) -> str:
    """Send the mail a sign-up for `address` gets; which one ("new", "exists", "lookalike")."""
    address = normalize_email(address)
    account = User.objects.lookalike(address)
    context = {"address": address, "domain": request.get_host(), "hours": link_lifetime()}
    if account is None:
        kind, to = "new", address
        path = reverse("accounts:signup_confirm", args=[signup_token(address)])
        context["link"] = request.build_absolute_uri(path)
    elif normalize_email(account.email) == address:
        kind, to = "exists", account.email
        if account.is_active and account.has_usable_password():  # as the reset form does
            path = reverse(
                "accounts:password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(account.pk)),
                    "token": default_token_generator.make_token(account),
                },
            )
            context["link"] = request.build_absolute_uri(path)
    else:
        kind, to = "lookalike", address
        context["signup"] = request.build_absolute_uri(reverse("accounts:signup"))
    subject, template = MAILS[kind]
    send_mail(subject, render_to_string(template, context, request=request), None, [to])
    return kind


def create_account(address: str, password: str) -> User:
    """The account a sign-up link promised, active at once (the link proved the mailbox).

    AddressTaken when the address, or one like it, got an account meanwhile: the same link
    used twice, or two links for look-alike addresses.
    """
    try:
        with transaction.atomic():
            return User.objects.create_user(address, password)
    except (ValidationError, IntegrityError) as error:
        raise AddressTaken(address) from error


def change_email(user: User, address: str) -> None:
    """Give the account a new address (already normalised and checked by ChangeEmailForm) and
    tell the old one, so that a change its owner did not make does not go unnoticed."""
    old = user.email
    user.email = address
    user.save(update_fields=["email"])
    send_mail(
        "Your Audiobooker address changed",
        render_to_string("accounts/email_changed_email.txt", {"old": old, "new": address}),
        None,
        [old],
    )
    log.info("account %s changed its address", user.pk)


def delete_account(user: User) -> int:
    """Delete the account, every book of it with its files (library.services owns those
    writes), and send a goodbye mail. Returns how many books went."""
    from library.services import delete_audiobooks  # library depends on accounts, not back

    address, pk = user.email, user.pk
    books = delete_audiobooks(user.audiobooks.all())
    user.delete()
    send_mail(
        "Your Audiobooker account is deleted",
        render_to_string("accounts/goodbye_email.txt", {"address": address, "books": books}),
        None,
        [address],
    )
    log.info("account %s deleted with %d books", pk, books)
    return books
