"""Account pages: sign-up here; login, logout, password change and reset are Django's own views
with our templates (see urls.py), answering 422 when a form is invalid like every other form.

Guessing passwords is limited by django-axes (settings.AXES_*; `locked_out` is its page);
password-reset mails (`reset_mail_allowed`), sign-up attempts and sign-up mails
(`signup_attempt_allowed`, `signup_mail_allowed`) by counts in the cache.
"""

import hashlib
import logging
import time
import uuid
from pathlib import Path

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from conversions import samples, speech
from conversions.normalize import MAX_ENTRIES, LexiconError

from . import listening, services
from .addresses import normalize_email
from .forms import (
    ChangeEmailForm,
    ChoosePasswordForm,
    DeleteAccountForm,
    LoginForm,
    PasswordResetForm,
    PreferencesForm,
    PronunciationForm,
    PronunciationImportForm,
    SignupForm,
    SignupRequestForm,
)
from .models import Preferences, Pronunciation, User

log = logging.getLogger(__name__)

RESET_WINDOW = 3600  # seconds: the reset-mail limits are per hour


WELCOME = "Welcome to Audiobooker! Upload a PDF to make your first audiobook."


def signup_closed(request):
    """A friendly page rather than an error: the administrator creates accounts instead."""
    status = 403 if request.method == "POST" else 200
    return render(request, "accounts/signup_closed.html", status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    """Sign up: by mail when mail is configured (SIGNUP_CONFIRM_BY_EMAIL), else at once.

    By mail, the page asks for the address alone and answers every valid one the same way,
    "check your mail"; the mail says what comes next (accounts.services), so the page never
    tells whether an address has an account. At once (a one-person install with mail on the
    console), the form says when an address is taken. Either way each POST counts towards
    SIGNUP_ATTEMPTS_PER_IP, so one client cannot try address after address.
    """
    if request.user.is_authenticated:
        return redirect("library:list")
    if not settings.SIGNUP_OPEN:
        return signup_closed(request)
    by_mail = settings.SIGNUP_CONFIRM_BY_EMAIL
    form = (SignupRequestForm if by_mail else SignupForm)(request.POST or None)
    context = {"form": form, "by_mail": by_mail}
    if request.method != "POST":
        return render(request, "accounts/signup.html", context)
    if not signup_attempt_allowed(request):
        log.warning(
            "sign-up refused: too many attempts (client %s)", get_client_ip_address(request)
        )
        if by_mail:
            return redirect("accounts:signup_sent")  # the same answer as any other
        return render(request, "accounts/signup_limited.html", status=429)
    if not form.is_valid():
        return render(request, "accounts/signup.html", context, status=422)
    if by_mail:
        address = form.cleaned_data["email"]
        if signup_mail_allowed(address):
            services.send_signup_mail(request, address)
        else:
            log.warning("sign-up mail not sent: too many to one address an hour")
        return redirect("accounts:signup_sent")
    user = form.save()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, WELCOME)
    return redirect("library:list")


@require_safe
def signup_sent(request):
    return render(request, "accounts/signup_sent.html", {"hours": services.link_lifetime()})


@require_http_methods(["GET", "HEAD", "POST"])
def signup_confirm(request, token):
    """A sign-up mail's link: choose a password, and the account is made and signed in."""
    if request.user.is_authenticated:
        return redirect("library:list")
    if not settings.SIGNUP_OPEN:
        return signup_closed(request)
    page = "accounts/signup_confirm.html"
    address = services.address_from_token(token)
    if address is None:
        return render(request, page, {"invalid": True})
    if User.objects.lookalike(address) is not None:  # the link was used, or a look-alike was
        return render(request, page, {"taken": True, "address": address})
    form = ChoosePasswordForm(User(email=address), request.POST or None)
    context = {"form": form, "address": address}
    if request.method != "POST":
        return render(request, page, context)
    if not form.is_valid():
        return render(request, page, context, status=422)
    try:
        user = services.create_account(address, form.cleaned_data["password1"])
    except services.AddressTaken:
        return render(request, page, {"taken": True, "address": address})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, WELCOME)
    return redirect("library:list")


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


def count_within_limits(limits: dict[str, int]) -> bool:
    """Whether every key of `limits` is under its limit; if so, count one more event on each.

    A refused event is not counted, so a flood does not keep its own window open.
    """
    if not all(within_limit(key, limit) for key, limit in limits.items()):
        return False
    for key in limits:
        record(key)
    return True


def address_key(email: str) -> str:
    """An address as a cache key: its normal form, hashed (the cache may be files on disk)."""
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()


def reset_mail_allowed(request, email: str) -> bool:
    """Whether another password-reset mail may go to `email` for this client, and if so count it.

    Every request counts, whether or not the address has an account (so the limit tells
    nothing about accounts): at most PASSWORD_RESET_MAILS_PER_ADDRESS per address and
    PASSWORD_RESET_MAILS_PER_IP per client IP address an hour.
    """
    ip = get_client_ip_address(request) or "unknown"
    return count_within_limits(
        {
            f"reset-mail:address:{address_key(email)}": settings.PASSWORD_RESET_MAILS_PER_ADDRESS,
            f"reset-mail:ip:{ip}": settings.PASSWORD_RESET_MAILS_PER_IP,
        }
    )


def signup_attempt_allowed(request) -> bool:
    """Whether this client may try another sign-up (SIGNUP_ATTEMPTS_PER_IP an hour), counted."""
    ip = get_client_ip_address(request) or "unknown"
    return count_within_limits({f"signup:ip:{ip}": settings.SIGNUP_ATTEMPTS_PER_IP})


def signup_mail_allowed(email: str) -> bool:
    """Whether another sign-up mail may go to `email` (SIGNUP_MAILS_PER_ADDRESS an hour), so
    that sign-ups from many places cannot flood one mailbox; counted whatever mail it is."""
    return count_within_limits(
        {f"signup-mail:address:{address_key(email)}": settings.SIGNUP_MAILS_PER_ADDRESS}
    )


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


# ---- the account page: preferences and the pronunciation list -------------------------------


def account_context(request, **forms) -> dict:
    """Everything the account page shows; `forms` replaces a section's form (with its errors)."""
    preferences = Preferences.objects.filter(user=request.user).first()
    return {
        "preferences_form": forms.get("preferences_form")
        or PreferencesForm(initial={"voice": listening.default_voice(request.user)}),
        "pronunciation_form": forms.get("pronunciation_form") or PronunciationForm(),
        "import_form": forms.get("import_form") or PronunciationImportForm(),
        "import_errors": forms.get("import_errors", []),
        "pronunciations": Pronunciation.objects.filter(user=request.user).order_by("written"),
        "server_pronunciations": Pronunciation.objects.filter(user=None).count(),
        "voice_label": speech_voice_label(preferences.voice if preferences else ""),
        "max_pairs": MAX_ENTRIES,
        "email_form": forms.get("email_form") or ChangeEmailForm(user=request.user),
        "delete_form": forms.get("delete_form") or DeleteAccountForm(user=request.user),
    }


def speech_voice_label(voice_id: str) -> str:
    if not voice_id:
        return "Automatic"
    try:
        return speech.get_voice(voice_id).label
    except speech.UnknownVoice:
        return f"{voice_id} (no longer installed: automatic)"


def account_page(request, status=200, **forms):
    return render(
        request, "accounts/account.html", account_context(request, **forms), status=status
    )


@login_required
@require_safe
def account(request):
    return account_page(request)


@login_required
@require_POST
def change_email(request):
    form = ChangeEmailForm(request.POST, user=request.user)
    if not form.is_valid():
        return account_page(request, 422, email_form=form)
    services.change_email(request.user, form.cleaned_data["email"])
    messages.success(request, f"You now sign in as {request.user.email}.")
    return redirect("accounts:account")


@login_required
@require_POST
def delete_account(request):
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return account_page(request, 422, delete_form=form)
    user = request.user
    logout(request)
    books = services.delete_account(user)
    messages.success(
        request,
        f"Your account is deleted, with its {books} audiobook{'s' if books != 1 else ''}. Goodbye!",
    )
    return redirect("home")


@login_required
@require_POST
def save_preferences(request):
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        return account_page(request, 422, preferences_form=form)
    voice = form.cleaned_data["voice"]
    Preferences.objects.update_or_create(
        user=request.user, defaults={"voice": "" if voice == speech.AUTOMATIC else voice}
    )
    messages.success(request, "Your default voice is saved.")
    return redirect("accounts:account")


@login_required
@require_POST
def add_pronunciation(request):
    form = PronunciationForm(request.POST)
    if not form.is_valid():
        return account_page(request, 422, pronunciation_form=form)
    try:
        listening.save_pairs(request.user, [form.substitution()])
    except listening.ListFull as error:
        form.add_error(None, str(error))
        return account_page(request, 422, pronunciation_form=form)
    messages.success(
        request,
        f"“{form.cleaned_data['written']}” will be said “{form.cleaned_data['spoken']}” from your next conversion on.",
    )
    return redirect(f"{reverse('accounts:account')}#pronunciation")


@login_required
@require_POST
def delete_pronunciation(request, pk):
    pair = get_object_or_404(Pronunciation, pk=pk, user=request.user)
    pair.delete()
    messages.success(request, f"“{pair.written}” is no longer on your list.")
    return redirect(f"{reverse('accounts:account')}#pronunciation")


@login_required
@require_POST
def import_pronunciations(request):
    form = PronunciationImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return account_page(request, 422, import_form=form)
    try:
        added = listening.import_text(request.user, form.cleaned_data["text"])
    except LexiconError as error:
        lines = [f"Line {number}: {message}." for number, message in error.errors]
        return account_page(request, 422, import_form=form, import_errors=lines)
    except listening.ListFull as error:
        form.add_error(None, str(error))
        return account_page(request, 422, import_form=form)
    messages.success(request, f"Imported: {added} new pair{'s' if added != 1 else ''}.")
    return redirect(f"{reverse('accounts:account')}#pronunciation")


@login_required
@require_safe
def export_pronunciations(request):
    response = HttpResponse(
        listening.export_text(request.user), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="pronunciations.txt"'
    return response


@login_required
@require_safe
def say_pronunciation(request, pk):
    """The pair's spoken form said by the person's default voice (or the best voice for the
    pair's language), as their books will say it."""
    pair = get_object_or_404(Pronunciation, pk=pk, user=request.user)
    voice_id = listening.default_voice(request.user)
    voice = None if voice_id == speech.AUTOMATIC else speech.get_voice(voice_id)
    if voice is None or (pair.language and voice.primary_language != pair.language):
        # A pair for one language is said by a voice of that language, or it would not apply.
        voice = speech.choose_voice(pair.language or "en")[0]
    folder = Path(settings.DATA_DIR) / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4()}.mp3"
    try:
        samples.speak_to_mp3(pair.written, voice, path, [listening.as_substitution(pair)])
        clip = open(path, "rb")  # noqa: SIM115 (the response closes it)
    except speech.SpeechError as error:
        log.error("could not say %r with %s: %s", pair.spoken, voice, error)
        raise Http404("This voice cannot speak here.") from None
    finally:
        path.unlink(missing_ok=True)  # an open file lives on until the response closes it
    response = FileResponse(clip, content_type="audio/mpeg")
    response["Cache-Control"] = "private, no-store"
    return response
