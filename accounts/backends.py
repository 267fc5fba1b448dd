"""Login lockout (django-axes): refuse a login from an address and IP that failed too often.

Settings name these (AUTHENTICATION_BACKENDS, AXES_USERNAME_CALLABLE); the limits themselves are
AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME.
"""

import ipaddress

from axes.backends import AxesStandaloneBackend
from django.conf import settings

from .addresses import normalize_email


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, for logins that come with a request.

    Every login over the web (our login page, the admin's) passes its request, so this guards
    them all. Without a request the caller is code running on the server itself (a shell, a
    management command, the test client's `login()`), which has no IP address to lock and no
    one to guess passwords; axes would raise there, so such calls go straight on to the next
    backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_username(request, credentials) -> str | None:
    """The address a login attempt is for, in the normal form that accounts are looked up by
    (accounts.addresses), so every spelling that reaches an account counts towards its one
    lockout: "Reader@Example.com", "ſisko@example.com" (a long s) and "reader@example.com"."""
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email")
    if username is None:
        data = getattr(request, "POST", None) or {}
        username = data.get("username") or data.get("email")
    return normalize_email(username) if isinstance(username, str) else username


def client_ip(request) -> str | None:
    """The visitor's IP address, which the login lockout and the reset-mail limit count by.

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT reverse proxies stand in front: then the address
    the outermost of them saw, from X-Forwarded-For counted from the right (each proxy appends
    the address it was reached from; anything further left came from the visitor, who can
    write whatever they like there).
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [address for address in forwarded if address]
    if len(forwarded) < count:  # not through all the proxies: only the nearest one is known
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:  # not an address: a proxy that passes the header on as it came
        return remote
