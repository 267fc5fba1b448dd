"""Shared fixtures: fast password hashing, a private MEDIA_ROOT, the named users, PostgreSQL-only
tests; and the PostgreSQL pass that runs only the tests that use the database."""

import os

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
        pytest.skip(
            "needs PostgreSQL: `make test` runs the database tests again on a throwaway cluster"
        )


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


@pytest.fixture
def stranger():
    """Another client, signed in as someone else: `user`'s books are not theirs to see."""
    from django.test import Client

    from tests.factories import make_user

    client = Client()
    client.force_login(make_user("stranger@example.com"))
    return client


@pytest.fixture
def workers(tmp_path):
    """Starts `manage.py worker` processes (tests/workers.py); kills what is left at the end."""
    from tests.workers import Workers

    launcher = Workers(tmp_path)
    yield launcher
    launcher.stop_all()


# Fixtures that give a test the database, directly or through a live server; `postgres` marks
# the tests that need PostgreSQL itself.
DATABASE_FIXTURES = {
    "db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
    "live_server", "admin_client", "admin_user", "django_user_model", "postgres",
}  # fmt: skip


def uses_database(item) -> bool:
    """Does the test touch the database: a django_db mark (on it or its module) or one of the
    DATABASE_FIXTURES? A test whose only use of it is a process it starts with DATABASE_URL
    (a worker, a manage.py command) must carry the mark too."""
    names = set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db") or DATABASE_FIXTURES & names)


def pytest_collection_modifyitems(config, items):
    """With AUDIOBOOKER_DATABASE_TESTS_ONLY=1, which `make test-postgres` sets, run only the
    tests that use the database: the others (PDF text, speech, audio) already ran on SQLite,
    and would run the same way again."""
    if os.environ.get("AUDIOBOOKER_DATABASE_TESTS_ONLY") != "1":
        return
    dropped = [item for item in items if not uses_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if uses_database(item)]
