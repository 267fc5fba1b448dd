"""Account forms shared by the admin and the account pages."""

from django import forms
from django.contrib.auth import forms as auth_forms

from .addresses import normalize_email
from .models import LOOKALIKE_MESSAGE, User


class EmailField(forms.EmailField):
    """An address in its normal form (accounts.addresses), checked after normalising."""

    def to_python(self, value):
        return normalize_email(super().to_python(value))


class UniqueEmailMixin:
    """Refuse an address that another account has, or one that looks like it."""

    def clean_email(self):
        email = self.cleaned_data["email"]
        instance = self.instance if self.instance.pk else None
        if instance is not None and normalize_email(instance.email) == email:
            return email  # unchanged: whatever it looked like before, it stays allowed
        other = User.objects.lookalike(email, exclude=instance)
        if other is None:
            return email
        if normalize_email(other.email) == email:
            raise forms.ValidationError("An account with this email address already exists.")
        raise forms.ValidationError(LOOKALIKE_MESSAGE)


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


class SignupRequestForm(forms.Form):
    """Sign-up when mail is configured: the address alone. The mailed link asks for the
    password, so nothing on this page depends on whether the address has an account."""

    email = EmailField(
        label="Email",
        max_length=User._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class ChoosePasswordForm(auth_forms.SetPasswordMixin, forms.Form):
    """The password of an account that the sign-up link is about to create (checked by
    AUTH_PASSWORD_VALIDATORS against its address, like the sign-up form)."""

    password1, password2 = auth_forms.SetPasswordMixin.create_password_fields()

    def __init__(self, user, *args, **kwargs):
        self.user = user  # not saved yet
        super().__init__(*args, **kwargs)

    def clean(self):
        self.validate_passwords()
        self.validate_password_for_user(self.user)
        return super().clean()


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, with the address normalised and matched exactly (Django matches with
    `email__iexact`, the database's case folding)."""

    email = EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        users = User.objects.filter(email=normalize_email(email), is_active=True)
        return (user for user in users if user.has_usable_password())


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
