"""The user account, on the original Audiobooker's `users` table.

The table is fixed by the seed schema: email is the login, the hash lives in `password_hash`,
there is no `last_login` and no permission tables. Superusers are the only staff.
"""

import uuid

import bcrypt
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import UUID4

from audiobooker.db import created_at_field

from .addresses import normalize_email, skeleton

# The original app stored bare bcrypt hashes ("$2b$12$..."), which Django's own bcrypt hashers
# cannot read (they expect an "algorithm$" prefix).
LEGACY_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


LOOKALIKE_MESSAGE = (
    "This address looks too much like the address of another account. Use another address."
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """See accounts.addresses: the one form addresses are stored and compared in."""
        return normalize_email(email or "")

    def get_by_natural_key(self, username):
        """The account for a login: exact match on the normal form (rows are stored in it)."""
        return self.get(email=normalize_email(username))

    def lookalike(self, email, exclude=None):
        """The account whose address is `email`, or looks like it, or None.

        Same normal form first (one index lookup), then the same UTS #39 skeleton, computed for
        every account in Python: the seed's table has no column to keep skeletons in, and the
        check is rare (sign-ups, new addresses in the admin); over 10,000 accounts it takes
        about 35 ms on SQLite and PostgreSQL alike. Rows are normalised as they are read, so
        an address stored in another case by the original app still counts.
        """
        normal = normalize_email(email)
        accounts = self.exclude(pk=exclude.pk) if exclude is not None else self.all()
        if same := accounts.filter(email=normal).first():
            return same
        wanted = skeleton(normal)
        for pk, other in accounts.values_list("pk", "email").iterator():
            if skeleton(other) == wanted:
                return accounts.get(pk=pk)
        return None

    def create_user(self, email, password=None, **extra_fields):
        """A new account; refused (ValidationError) when its address looks like another's.

        Forms say so first, next to the field; this guards every other caller
        (`createsuperuser` shows the message).
        """
        if not email:
            raise ValueError("An email address is required.")
        if other := self.lookalike(email):
            same = normalize_email(other.email) == normalize_email(email)
            raise ValidationError(
                "An account with this email address already exists." if same else LOOKALIKE_MESSAGE
            )
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_superuser"] = True
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, db_default=UUID4(), editable=False)
    email = models.EmailField(max_length=255)
    password = models.CharField(max_length=255, db_column="password_hash")
    is_active = models.BooleanField(default=True, db_default=True)
    is_superuser = models.BooleanField(
        "superuser", default=False, db_default=False, help_text="Superusers can use the admin."
    )
    created_at = created_at_field()
    updated_at = models.DateTimeField(auto_now=True, null=True, editable=False)

    last_login = None  # not in the seed's table

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        db_table = "users"
        constraints = [
            # A constraint rather than unique=True: on PostgreSQL the latter also builds a
            # second "_like" index the seed does not have.
            models.UniqueConstraint(fields=["email"], name="users_email_key"),
        ]
        indexes = [models.Index(fields=["email"], name="idx_users_email")]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        # Whoever writes the row (forms, the admin, a shell), the address is in its normal form.
        self.email = normalize_email(self.email or "")
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email or "")

    @property
    def is_staff(self):
        return bool(self.is_superuser)

    def has_perm(self, perm, obj=None):
        return bool(self.is_active and self.is_superuser)

    def has_perms(self, perm_list, obj=None):
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label):
        return bool(self.is_active and self.is_superuser)

    def check_password(self, raw_password):
        if self.password and self.password.startswith(LEGACY_BCRYPT_PREFIXES):
            return self._check_legacy_bcrypt(raw_password)
        return super().check_password(raw_password)

    def _check_legacy_bcrypt(self, raw_password):
        """Accept the original app's bcrypt hash once, then store Django's own hash instead."""
        if raw_password is None:
            return False
        # bcrypt only ever looked at the first 72 bytes; bcrypt>=5 raises instead of truncating.
        secret = raw_password.encode()[:72]
        try:
            ok = bcrypt.checkpw(secret, self.password.encode())
        except ValueError:  # a malformed hash in the old table
            return False
        if ok:
            self.set_password(raw_password)
            if self.pk and not self._state.adding:
                self.save(update_fields=["password"])
        return ok


class Preferences(models.Model):
    """What a person chose for all of their books: the voice new uploads get by default.

    A table of our own: the seed's `users` table takes no new columns. No row means the
    defaults.
    """

    user = models.OneToOneField(
        User, models.DB_CASCADE, primary_key=True, related_name="preferences"
    )
    voice = models.CharField(
        max_length=200, blank=True, default="",
        help_text="A voice id; empty: the best voice for each book's language.",
    )  # fmt: skip

    class Meta:
        db_table = "preferences"
        verbose_name_plural = "preferences"

    def __str__(self):
        return f"preferences of {self.user_id}"


class Pronunciation(models.Model):
    """A "write this, say this" pair of a person's pronunciation list, or (no user) of the
    administrator's list for everybody, which applies first (a person's own pair wins)."""

    user = models.ForeignKey(
        User, models.DB_CASCADE, null=True, blank=True, related_name="pronunciations",
        help_text="Empty: the server-wide list, for every person's books.",
    )  # fmt: skip
    written = models.CharField("write this", max_length=100)
    spoken = models.CharField("say this", max_length=200)
    case_sensitive = models.BooleanField(
        "match case", default=False, help_text="Only with exactly this capitalisation."
    )
    language = models.CharField(
        max_length=35, blank=True, default="", help_text="Only in books in this language."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "pronunciations"
        ordering = ["written", "pk"]
        indexes = [models.Index(fields=["user", "written"], name="pronunciations_user_idx")]

    def __str__(self):
        return f"{self.written} = {self.spoken}"
