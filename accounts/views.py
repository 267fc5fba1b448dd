"""Account pages: sign-up here; login, logout, password change and reset are Django's own views
with our templates (see urls.py), answering 422 when a form is invalid like every other form.

Guessing passwords is limited by django-axes (settings.AXES_*; `locked_out` is its page), and
password-reset mails by a count in the cache (`reset_mail_allowed`).
"""

import hashlib
import logging
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.timesince import timeuntil

from .addresses import normalize_email
from .forms import LoginForm, PasswordResetForm, SignupForm

log = logging.getLogger(__name__)

RESET_WINDOW = 3600  # seconds: the reset-mail limits are per hour


def signup(request):
    if request.user.is_authenticated:
        return redirect("library:list")
    if not settings.SIGNUP_OPEN:
        # A friendly page rather than an error: the administrator creates accounts instead.
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/signup_closed.html", status=status)
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, "Welcome to Audiobooker! Upload a PDF to make your first audiobook."
            )
            return redirect("library:list")
        return render(request, "accounts/signup.html", {"form": form}, status=422)
    return render(request, "accounts/signup.html", {"form": form})


class InvalidForm422:
    """Answer 422 to an invalid form, as our own views do (Django's views answer 200)."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 422
        return response


class LoginView(InvalidForm422, auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link or an image cannot sign you out."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are signed out.")
        return response


class PasswordChangeView(InvalidForm422, auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


def locked_out(request, response=None, credentials=None):
    """The page for a login that django-axes refused (AXES_LOCKOUT_CALLABLE): 429, and when to
    try again. It does not say whether the address has an account."""
    cooloff = settings.AXES_COOLOFF_TIME
    now = timezone.now()
    wait = timeuntil(now + cooloff, now) if cooloff else ""
    return render(
        request,
        "accounts/locked_out.html",
        {"wait": wait},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def within_limit(key: str, limit: int, window: int = RESET_WINDOW) -> bool:
    """Whether fewer than `limit` events were recorded under `key` in the last `window` seconds.

    The times are kept in the cache (a sliding window); the caller records an event with
    `record`. Not atomic: two requests at the same instant may both pass, which is fine for a
    limit that only has to stop floods.
    """
    now = time.time()
    return len([t for t in cache.get(key, []) if t > now - window]) < limit


def record(key: str, window: int = RESET_WINDOW) -> None:
    now = time.time()
    recent = [t for t in cache.get(key, []) if t > now - window]
    cache.set(key, [*recent, now], timeout=window)


def reset_mail_allowed(request, email: str) -> bool:
    """Whether another password-reset mail may go to `email` for this client, and if so count it.

    Every request counts, whether or not the address has an account (so the limit tells
    nothing about accounts): at most PASSWORD_RESET_MAILS_PER_ADDRESS per address and
    PASSWORD_RESET_MAILS_PER_IP per client IP address an hour.
    """
    address = hashlib.sha256(normalize_email(email).encode()).hexdigest()
    ip = get_client_ip_address(request) or "unknown"
    keys = {
        f"reset-mail:address:{address}": settings.PASSWORD_RESET_MAILS_PER_ADDRESS,
        f"reset-mail:ip:{ip}": settings.PASSWORD_RESET_MAILS_PER_IP,
    }
    if not all(within_limit(key, limit) for key, limit in keys.items()):
        return False
    for key in keys:
        record(key)
    return True


class PasswordResetView(InvalidForm422, auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if not reset_mail_allowed(self.request, form.cleaned_data["email"]):
            # The same page as when a mail is sent: nothing here tells an account apart.
            log.warning(
                "password reset refused: too many requests (client %s)",
                get_client_ip_address(self.request),
            )
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(InvalidForm422, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
