"""The three tables are the seed's, exactly: proven on PostgreSQL against the seed's own SQL."""

import copy

import pytest
from django.db import connection

from tests import pgschema

pytestmark = pytest.mark.django_db


def test_seed_file_has_the_three_tables():
    statements = pgschema.seed_sql()
    created = [s.split("(")[0].split()[-1] for s in statements if s.startswith("CREATE TABLE")]
    assert created == ["users", "audiobooks", "conversion_jobs"]
    assert sum(s.startswith("CREATE INDEX") for s in statements) == 6


def test_migrations_build_the_seed_schema(postgres):
    with connection.cursor() as cursor:
        ours = pgschema.describe(cursor)
    with pgschema.scratch_database(pgschema.seed_sql()) as name:
        with pgschema.connect(name) as conn, conn.cursor() as cursor:
            seed = pgschema.describe(cursor)
        conn.close()
    assert set(seed["columns"]) == set(pgschema.TABLES)
    for table, names in pgschema.ADDED_INDEXES.items():
        for name in names:
            assert ours["indexes"][table].pop(name)  # present, and nothing else is extra
    assert pgschema.differences(seed, ours) == []


def test_the_comparison_sees_drift_in_a_real_database(postgres):
    """A seed database changed by one ALTER no longer compares equal."""
    with pgschema.scratch_database(pgschema.seed_sql()) as name:
        with pgschema.connect(name) as conn, conn.cursor() as cursor:
            seed = pgschema.describe(cursor)
            cursor.execute("ALTER TABLE audiobooks ALTER COLUMN title TYPE varchar(400)")
            cursor.execute("DROP INDEX idx_audiobooks_created_at")
            cursor.execute("CREATE INDEX idx_audiobooks_created_at ON audiobooks(created_at)")
            drifted = pgschema.describe(cursor)
        conn.close()
    assert pgschema.differences(seed, drifted) == [
        "audiobooks.title: length 400, seed has 500",
        "audiobooks: index idx_audiobooks_created_at is "
        "'CREATE INDEX idx_audiobooks_created_at ON public.audiobooks USING btree (created_at)', "
        "seed has 'CREATE INDEX idx_audiobooks_created_at ON public.audiobooks USING btree "
        "(created_at DESC)'",
    ]


# The comparison itself, on hand-made schemas (no database needed).
BASE = {
    "columns": {
        "audiobooks": {
            "id": {
                "position": 1,
                "type": "uuid",
                "length": None,
                "nullable": False,
                "default": "gen_random_uuid()",
            },
            "user_id": {
                "position": 2,
                "type": "uuid",
                "length": None,
                "nullable": True,
                "default": None,
            },
            "status": {
                "position": 3,
                "type": "character varying",
                "length": 50,
                "nullable": True,
                "default": "'pending'::character varying",
            },
        }
    },
    "foreign_keys": {
        "audiobooks": {
            "user_id": {"references": "users.id", "on_delete": "CASCADE", "on_update": "NO ACTION"}
        }
    },
    "indexes": {"audiobooks": {"idx_audiobooks_status": "CREATE INDEX ... (status)"}},
}


def drift(change):
    schema = copy.deepcopy(BASE)
    change(schema)
    return pgschema.differences(BASE, schema)


def test_identical_schemas_have_no_differences():
    assert pgschema.differences(BASE, copy.deepcopy(BASE)) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda s: s["columns"]["audiobooks"]["status"].update(length=40), "status: length 40"),
        (lambda s: s["columns"]["audiobooks"]["status"].update(type="text"), "status: type 'text'"),
        (
            lambda s: s["columns"]["audiobooks"]["status"].update(default=None),
            "status: default None",
        ),
        (lambda s: s["columns"]["audiobooks"]["id"].update(default=None), "id: default None"),
        (
            lambda s: s["columns"]["audiobooks"]["user_id"].update(nullable=False),
            "user_id: nullable=False",
        ),
        (lambda s: s["columns"]["audiobooks"]["id"].update(nullable=True), "id: nullable=True"),
        (lambda s: s["columns"]["audiobooks"]["status"].update(position=2), "status: position 2"),
        (lambda s: s["columns"]["audiobooks"].pop("status"), "status: missing"),
        (
            lambda s: s["columns"]["audiobooks"].update(
                pages=dict(BASE["columns"]["audiobooks"]["id"])
            ),
            "pages: extra column",
        ),
        (
            lambda s: s["foreign_keys"]["audiobooks"]["user_id"].update(on_delete="NO ACTION"),
            "user_id: foreign key",
        ),
        (lambda s: s["foreign_keys"].pop("audiobooks"), "user_id: foreign key None"),
        (
            lambda s: s["indexes"]["audiobooks"].pop("idx_audiobooks_status"),
            "index idx_audiobooks_status",
        ),
        (lambda s: s["indexes"]["audiobooks"].update(extra="CREATE INDEX extra"), "index extra"),
    ],
)
def test_the_comparison_sees_each_kind_of_drift(change, expected):
    problems = drift(change)
    assert len(problems) == 1 and expected in problems[0], problems


def test_not_null_may_be_stricter_only_where_the_seed_has_a_default():
    assert drift(lambda s: s["columns"]["audiobooks"]["status"].update(nullable=False)) == []
