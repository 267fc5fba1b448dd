"""Shared fixtures: fast password hashing, a private MEDIA_ROOT, PostgreSQL-only tests."""

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # MD5 is fine for tests and makes logins fast; the real hashers stay in production.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def postgres():
    """Skip unless the suite runs on PostgreSQL (`make test` runs it there as well)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: `make test` runs the suite again on a throwaway cluster")
