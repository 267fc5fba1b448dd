"""The user account, on the original Audiobooker's `users` table.

The table is fixed by the seed schema: email is the login, the hash lives in `password_hash`,
there is no `last_login` and no permission tables. Superusers are the only staff.
"""

import uuid

import bcrypt
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import UUID4

from audiobooker.db import created_at_field

# The original app stored bare bcrypt hashes ("$2b$12$..."), which Django's own bcrypt hashers
# cannot read (they expect an "algorithm$" prefix).
LEGACY_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def normalize_email(self, email):
        # Addresses are compared without case everywhere (login, sign-up, uniqueness).
        return super().normalize_email(email).strip().lower()

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username.strip())

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
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
