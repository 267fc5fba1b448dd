"""Login lockout (django-axes): refuse a login from an address and IP that failed too often.

Settings name these (AUTHENTICATION_BACKENDS, AXES_USERNAME_CALLABLE); the limits themselves are
AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME.
"""

from axes.backends import AxesStandaloneBackend


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
    """The address a login attempt is for, as the login form compares it: stripped and in lower
    case, so "Reader@Example.com" and "reader@example.com" count towards the same lockout."""
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email")
    if username is None:
        data = getattr(request, "POST", None) or {}
        username = data.get("username") or data.get("email")
    return username.strip().lower() if isinstance(username, str) else username
