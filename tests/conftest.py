"""Shared fixtures: fast password hashing, a private MEDIA_ROOT, PostgreSQL-only tests."""

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # MD5 is fine for tests and makes logins fast; the real hashers stay in production.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WORK_DIR = tmp_path / "work"
    # eSpeak, 40 times faster than a natural voice, for the many tests about the plumbing; the
    # tests about voices and languages choose theirs.
    settings.TTS_VOICE = "espeak:en-us"


@pytest.fixture
def postgres():
    """Skip unless the suite runs on PostgreSQL (`make test` runs it there as well)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: `make test` runs the suite again on a throwaway cluster")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    # A file, not memory, for the SQLite test database: worker processes started by the tests
    # must see the rows the tests commit.
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture
def fake_pipeline(settings, tmp_path):
    """The worker runs tests/fake_pipeline.py instead of speaking."""
    settings.CONVERSION_PIPELINE = "tests.fake_pipeline.convert_book"
    settings.WORK_DIR = tmp_path / "work"
    return settings


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # The OS's Chromium (apt-get install chromium); Playwright's own browser downloads are not
    # used. Without the background-networking flags it keeps trying to reach Google.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--autoplay-policy=no-user-gesture-required",
        ],
    }  # fmt: skip


@pytest.fixture
def user():
    from tests.factories import make_user

    return make_user("owner@example.com")


@pytest.fixture
def owner(client, user):
    """The test client, signed in as `user`."""
    client.force_login(user)
    return client
