"""Account forms shared by the admin and the account pages."""

from django import forms
from django.contrib.auth import forms as auth_forms

from .models import User


class EmailField(forms.EmailField):
    """An address, stored and compared in lower case."""

    def to_python(self, value):
        return super().to_python(value).strip().lower()


class UniqueEmailMixin:
    def clean_email(self):
        email = self.cleaned_data["email"]
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


class AdminUserCreationForm(UniqueEmailMixin, auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)
        field_classes = {"email": EmailField}


class AdminUserChangeForm(UniqueEmailMixin, auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "password", "is_active", "is_superuser")
        field_classes = {"email": EmailField}


class SignupForm(UniqueEmailMixin, auth_forms.BaseUserCreationForm):
    """Email and password (twice), checked by AUTH_PASSWORD_VALIDATORS."""

    class Meta:
        model = User
        fields = ("email",)
        field_classes = {"email": EmailField}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"})}


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form, asking for an email address rather than a "username"."""

    username = EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "That email address and password do not match an account.",
    }
