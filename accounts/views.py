"""Account pages: sign-up here; login, logout, password change and reset are Django's own views
with our templates (see urls.py), answering 422 when a form is invalid like every other form."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from .forms import LoginForm, SignupForm


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


class PasswordResetView(InvalidForm422, auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(InvalidForm422, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
