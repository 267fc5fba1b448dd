"""Read and compare PostgreSQL schemas: the seed's SQL against what our migrations build.

Used by test_schema.py. The comparison is plain data in, list of differences out, so that it
can itself be tested against hand-made drift.
"""

import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
from django.db import connection

TABLES = ("users", "audiobooks", "conversion_jobs")
# Indexes our migrations add to the seed's tables, each for a query the seed did not have.
ADDED_INDEXES = {
    "conversion_jobs": {"conversion_jobs_queue_idx"},
    "audiobooks": {"audiobooks_user_newest_idx", "audiobooks_user_status_idx"},
}
# The original application's SQL, the "seed" of our schema.
SEED = Path(__file__).resolve().parents[1] / "docs" / "original-schema.sql"


def seed_sql(path: Path = SEED) -> list[str]:
    """The statements of the original schema's SQL file, in order (comments left out)."""
    text = re.sub(r"--[^\n]*", "", path.read_text())
    return [s.strip() for s in text.split(";") if s.strip()]


def _dsn(name: str) -> dict:
    params = connection.get_connection_params()
    params.pop("database", None)
    params.pop("cursor_factory", None)
    return {**params, "dbname": name}


def database_url(name: str) -> str:
    """A DATABASE_URL for another database on the server the tests use."""
    p = _dsn(name)
    user = p.get("user") or ""
    if p.get("password"):
        user += f":{p['password']}"
    host = str(p.get("host") or "")
    if host.startswith("/"):
        return f"postgresql://{user}@/{name}?host={host}&port={p.get('port') or 5432}"
    return f"postgresql://{user}@{host}:{p.get('port') or 5432}/{name}"


@contextmanager
def scratch_database(statements: list[str] = ()):
    """A new database on the test server, with `statements` run in it; dropped afterwards."""
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(**_dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        conn = psycopg2.connect(**_dsn(name))
        try:
            with conn, conn.cursor() as cur:
                for statement in statements:
                    cur.execute(statement)
        finally:
            conn.close()
        yield name
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def connect(name: str):
    return psycopg2.connect(**_dsn(name))


def describe(cursor, tables=TABLES) -> dict:
    """Columns, foreign keys and indexes of `tables`, as comparable plain data."""
    cursor.execute(
        """
        SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length,
               is_nullable = 'YES', column_default
        FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ANY(%s)
        """,
        [list(tables)],
    )
    columns = {}
    for table, column, position, data_type, length, nullable, default in cursor.fetchall():
        columns.setdefault(table, {})[column] = {
            "position": position,
            "type": data_type,
            "length": length,
            "nullable": nullable,
            "default": _normalise_default(default),
        }
    # Order of columns, not their absolute numbers (dropped columns leave gaps).
    for table_columns in columns.values():
        ordered = sorted(table_columns, key=lambda c: table_columns[c]["position"])
        for rank, column in enumerate(ordered, 1):
            table_columns[column]["position"] = rank

    cursor.execute(
        """
        SELECT kcu.table_name, kcu.column_name, ccu.table_name, ccu.column_name, rc.delete_rule,
               rc.update_rule
        FROM information_schema.referential_constraints rc
        JOIN information_schema.key_column_usage kcu
          ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema
        JOIN information_schema.constraint_column_usage ccu
          ON ccu.constraint_name = rc.unique_constraint_name
         AND ccu.constraint_schema = rc.unique_constraint_schema
        WHERE kcu.table_schema = current_schema() AND kcu.table_name = ANY(%s)
        """,
        [list(tables)],
    )
    foreign_keys = {}
    for table, column, ref_table, ref_column, delete_rule, update_rule in cursor.fetchall():
        foreign_keys.setdefault(table, {})[column] = {
            "references": f"{ref_table}.{ref_column}",
            "on_delete": delete_rule,
            "on_update": update_rule,
        }

    cursor.execute(
        "SELECT tablename, indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND tablename = ANY(%s)",
        [list(tables)],
    )
    indexes = {}
    for table, name, definition in cursor.fetchall():
        indexes.setdefault(table, {})[name] = re.sub(r"\s+", " ", definition)
    return {"columns": columns, "foreign_keys": foreign_keys, "indexes": indexes}


def _normalise_default(default):
    # Parentheses are how the SQL was written, not what it means: PostgreSQL keeps the
    # expression `(gen_random_uuid())` from `DEFAULT (GEN_RANDOM_UUID())` as written.
    if default is None:
        return None
    text = default.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def differences(seed: dict, ours: dict) -> list[str]:
    """What `ours` does differently from `seed`; empty when the schemas agree.

    NOT NULL may be stricter than the seed only where the seed gives a default (so every
    insert the original app made still works).
    """
    problems = []
    for table in sorted(set(seed["columns"]) | set(ours["columns"])):
        seed_cols, our_cols = seed["columns"].get(table, {}), ours["columns"].get(table, {})
        for column in sorted(set(seed_cols) - set(our_cols)):
            problems.append(f"{table}.{column}: missing")
        for column in sorted(set(our_cols) - set(seed_cols)):
            problems.append(f"{table}.{column}: extra column")
        for column in sorted(set(seed_cols) & set(our_cols)):
            a, b = seed_cols[column], our_cols[column]
            for key in ("position", "type", "length", "default"):
                if a[key] != b[key]:
                    problems.append(f"{table}.{column}: {key} {b[key]!r}, seed has {a[key]!r}")
            if a["nullable"] != b["nullable"]:
                stricter_with_default = a["nullable"] and not b["nullable"] and a["default"]
                if not stricter_with_default:
                    problems.append(
                        f"{table}.{column}: nullable={b['nullable']}, seed has {a['nullable']}"
                    )
    for table in sorted(set(seed["foreign_keys"]) | set(ours["foreign_keys"])):
        a, b = seed["foreign_keys"].get(table, {}), ours["foreign_keys"].get(table, {})
        for column in sorted(set(a) | set(b)):
            if a.get(column) != b.get(column):
                problems.append(
                    f"{table}.{column}: foreign key {b.get(column)}, seed has {a.get(column)}"
                )
    for table in sorted(set(seed["indexes"]) | set(ours["indexes"])):
        a, b = seed["indexes"].get(table, {}), ours["indexes"].get(table, {})
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                problems.append(
                    f"{table}: index {name} is {b.get(name)!r}, seed has {a.get(name)!r}"
                )
    return problems
