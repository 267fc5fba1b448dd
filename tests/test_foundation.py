"""The project's base: settings from the environment, the user model, health check, commands."""

import os
import sqlite3
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import OperationalError

from accounts.models import User
from conversions.models import ConversionJob
from library.models import Audiobook
from tests.corpus import REPO
from tests.factories import make_book, make_job, make_user

pytestmark = pytest.mark.django_db


def manage(*args, env=None, **kwargs):
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (Playwright needs it in this process; a
    # deployment must not have it, and `check --deploy` says so).
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**inherited, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_healthz_answers_ok_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    from django.db import connection

    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Turn your PDFs into audiobooks" in response.content


def test_emails_are_stored_in_lower_case_and_found_without_case():
    user = make_user("Ada.Lovelace@Example.COM")
    assert user.email == "ada.lovelace@example.com"
    assert User.objects.get_by_natural_key("ADA.lovelace@example.com ") == user


def test_only_superusers_are_staff():
    user = make_user()
    admin = User.objects.create_superuser("root@example.com", "pw-for-root-1")
    assert not user.is_staff and not user.has_perm("library.view_audiobook")
    assert admin.is_staff and admin.has_perm("library.view_audiobook")
    admin.is_active = False
    assert not admin.has_perm("library.view_audiobook")


def test_deleting_a_user_cascades_in_the_database():
    job = make_job()
    book = job.audiobook
    # A raw delete: the database's ON DELETE CASCADE does the work, not Django's collector.
    User.objects.filter(pk=book.user_id)._raw_delete("default")
    assert not Audiobook.objects.filter(pk=book.pk).exists()
    assert not ConversionJob.objects.filter(pk=job.pk).exists()


def test_database_defaults_fill_a_row_inserted_without_them():
    book = make_book()
    job = ConversionJob.objects.create(audiobook=book)
    job.refresh_from_db()
    book.refresh_from_db()
    assert (job.status, job.progress) == ("queued", 0)
    assert book.status == "pending"
    assert job.created_at is not None and book.created_at is not None


def test_createsuperuser_asks_for_email_and_password(monkeypatch):
    answers = iter(["boss@example.com"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-long-admin-password")

    class Terminal:  # createsuperuser only asks when it talks to a terminal
        def isatty(self):
            return True

    call_command("createsuperuser", interactive=True, stdin=Terminal())
    admin = User.objects.get(email="boss@example.com")
    assert admin.is_superuser and admin.check_password("a-long-admin-password")


def test_check_and_migrations_are_clean():
    check = manage("check", "--fail-level", "WARNING")
    assert check.returncode == 0, check.stdout + check.stderr
    migrations = manage("makemigrations", "--check", "--dry-run")
    assert migrations.returncode == 0, migrations.stdout


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    env = {"DEBUG": "false", "SECRET_KEY": "", "SECRET_KEY_FILE": str(tmp_path / "key")}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_secret_key_is_generated_once_in_development(tmp_path):
    env = {"DEBUG": "true", "SECRET_KEY": "", "SECRET_KEY_FILE": str(tmp_path / "key")}
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = manage("shell", "--no-imports", "-c", code, env=env)
    second = manage("shell", "--no-imports", "-c", code, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    assert (tmp_path / "key").stat().st_mode & 0o077 == 0  # readable by its owner only


@pytest.mark.slow
def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    db = tmp_path / "app.db"
    result = manage("migrate", "--no-input", env={"DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 0, result.stderr
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    code = (
        "from django.db import connection; connection.ensure_connection();"
        "print(connection.transaction_mode, connection.connection.execute('PRAGMA busy_timeout')"
        ".fetchone()[0])"
    )
    result = manage("shell", "--no-imports", "-c", code, env={"DATABASE_URL": f"sqlite:///{db}"})
    assert result.stdout.split() == ["IMMEDIATE", "20000"], result.stderr


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    import secrets

    env = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "books.example.com",
        "EMAIL_URL": "smtp://mailer:secret@mail.example.com:587?tls=true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
