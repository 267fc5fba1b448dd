"""Account forms shared by the admin and the account pages."""

from django import forms
from django.contrib.auth import forms as auth_forms

from conversions import speech
from conversions.normalize import MAX_ENTRIES, MAX_SPOKEN, MAX_WRITTEN, Substitution
from library.forms import VoiceField

from . import listening
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


class PreferencesForm(forms.Form):
    """The account page's choices for all of a person's books."""

    voice = VoiceField(
        label="Default voice",
        help_text="New uploads start with this voice. Automatic reads each book with the best "
        "voice for its language.",
    )


class PronunciationForm(forms.Form):
    """One "write this, say this" pair of the account page's pronunciation list."""

    written = forms.CharField(label="Write this", max_length=MAX_WRITTEN, strip=True)
    spoken = forms.CharField(label="Say this", max_length=MAX_SPOKEN, strip=True)
    case_sensitive = forms.BooleanField(label="Match case", required=False)
    language = forms.ChoiceField(label="Only in", required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", "Every language")] + sorted(
            ((code, name) for code, name in speech.voices.language_names().items()),
            key=lambda choice: choice[1],
        )

    def clean(self):
        cleaned = super().clean()
        written, spoken = cleaned.get("written"), cleaned.get("spoken")
        if written and spoken:
            # One pair is checked like a line of an imported list.
            written, spoken = " ".join(written.split()), " ".join(spoken.split())
            cleaned.update(written=written, spoken=spoken)
            for problem in listening.pair_errors(
                written, spoken, cleaned.get("case_sensitive", False), cleaned.get("language", "")
            ):
                self.add_error(None, problem[0].upper() + problem[1:] + ".")
        return cleaned

    def substitution(self) -> Substitution:
        data = self.cleaned_data
        return Substitution(
            data["written"], data["spoken"], data["case_sensitive"], data["language"] or None
        )


class PronunciationImportForm(forms.Form):
    """A pronunciation list to add: a file, or pasted text, one pair a line."""

    file = forms.FileField(label="A list file", required=False)
    text = forms.CharField(
        label="Or paste the list",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "nginx = engine x\nSQL = sequel [case]"}
        ),
        max_length=MAX_ENTRIES * 400,
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_ENTRIES * 400:
                raise forms.ValidationError("This file is too large for a pronunciation list.")
            try:
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    "This file is not text in UTF-8: a list is a plain text file."
                ) from None
        if not (cleaned.get("text") or "").strip():
            raise forms.ValidationError("Choose a list file or paste a list.")
        return cleaned


class CurrentPasswordMixin:
    """A form that the account's own password confirms (`user` passed in)."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("This is not your password.")
        return password


class ChangeEmailForm(CurrentPasswordMixin, UniqueEmailMixin, forms.Form):
    """A new address, normalised and checked like a sign-up's, confirmed by the password."""

    prefix = "email"  # the account page has several password fields

    email = EmailField(
        label="New email address", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    @property
    def instance(self):  # UniqueEmailMixin compares with the account's own address
        return self.user


class DeleteAccountForm(CurrentPasswordMixin, forms.Form):
    prefix = "delete"

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Deleting cannot be undone: every audiobook and file of yours goes.",
    )
