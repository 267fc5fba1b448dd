"""The app runs on a database that the original Audiobooker's SQL created and its app filled."""

import json
import os
import subprocess
import sys

import bcrypt
import pytest

from tests import pgschema
from tests.corpus import REPO

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ADMIN = ("alice@example.com", "alice's old secret")
USER = ("bob@example.com", "b0b-likes-audiobooks")
# The original app kept addresses as they were typed; logins match their normal form.
MIXED_CASE = ("Carol@Example.COM", "carol's own secret")


def legacy_hash(password: str) -> str:
    # What the original app stored: a bare bcrypt hash, "$2b$12$...".
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(12)).decode()


def fill_like_the_original_app(cursor):
    cursor.execute(
        "INSERT INTO users (email, password_hash, is_superuser) VALUES (%s, %s, true), (%s, %s, NULL),"
        " (%s, %s, false) RETURNING id",
        [ADMIN[0], legacy_hash(ADMIN[1]), USER[0], legacy_hash(USER[1]), MIXED_CASE[0], legacy_hash(MIXED_CASE[1])],
    )  # fmt: skip
    _, bob, _ = [row[0] for row in cursor.fetchall()]
    # NULL wherever the seed's SQL allows it: no owner, no status, no dates, no audio.
    cursor.execute(
        "INSERT INTO audiobooks (user_id, title, original_file_name, file_size, pdf_path, status,"
        " created_at) VALUES (NULL, 'Orphan', 'orphan.pdf', 10, 'uploads/orphan.pdf', NULL, NULL)"
        " RETURNING id"
    )
    orphan = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO audiobooks (user_id, title, original_file_name, file_size, pdf_path, audio_path,"
        " status) VALUES (%s, 'Bob''s book', 'bob.pdf', 2048, 'uploads/bob.pdf', 'audio/bob.mp3',"
        " 'completed') RETURNING id",
        [bob],
    )
    book = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO conversion_jobs (audiobook_id, status, progress, created_at) VALUES"
        " (NULL, NULL, NULL, NULL), (%s, NULL, NULL, NULL), (%s, 'completed', 100, now())",
        [orphan, book],
    )


def run(args, database, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": pgschema.database_url(database),
        "DEBUG": "true",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SECRET_KEY_FILE": str(tmp_path / "key"),
    }
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_migrate_fake_initial_then_login_and_browse(postgres, tmp_path):
    with pgschema.scratch_database(pgschema.seed_sql()) as name:
        with pgschema.connect(name) as conn, conn.cursor() as cursor:
            fill_like_the_original_app(cursor)
        conn.close()

        migrate = run(["manage.py", "migrate", "--fake-initial", "--no-input"], name, tmp_path)
        assert migrate.returncode == 0, migrate.stderr
        assert "accounts.0001_initial... FAKED" in migrate.stdout
        assert "library.0001_initial... FAKED" in migrate.stdout
        assert "conversions.0001_initial... FAKED" in migrate.stdout
        assert "accounts.0002_normalize_emails... OK" in migrate.stdout

        check = run(["tests/seed_app_check.py", *ADMIN, *USER, *MIXED_CASE], name, tmp_path)
        assert check.returncode == 0, check.stderr
        seen = json.loads(check.stdout.strip().splitlines()[-1])

        # The seed's rows are still there and untouched by the migration.
        with pgschema.connect(name) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audiobooks")
            assert cursor.fetchone()[0] == 2
        conn.close()

    assert seen["wrong_password"] == 200  # the form again, with an error
    assert seen["admin_hash_before"] == "$2b$"
    assert seen["admin_login"] == 302 and seen["admin_login_to"] == "/admin/"
    assert seen["admin_hash_after"] == "pbkdf2_sha256"  # upgraded to Django's hasher
    assert seen["admin_login_again"] == 302  # and the upgraded hash works
    assert seen["user_login"] and seen["user_login_again"]
    assert seen["user_hash_after"] == "pbkdf2_sha256"
    assert seen["books_listed"] >= 2
    assert seen["mixed_case_stored"] == "carol@example.com"
    assert seen["mixed_case_login"] == 302  # with the address in any case
    assert len(seen["pages"]) == 4 + 3 + 2 + 3
    assert set(seen["pages"].values()) == {200}, seen["pages"]
