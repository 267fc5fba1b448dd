"""Database expressions shared by the models."""

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


class CurrentTimestamp(Now):
    """`DEFAULT CURRENT_TIMESTAMP`, as the seed's SQL writes it.

    Django's `Now()` becomes `STATEMENT_TIMESTAMP()` on PostgreSQL; the seed's tables say
    `CURRENT_TIMESTAMP` (the start of the transaction), and we keep the seed's exact DDL.
    Elsewhere (SQLite) `Now()`'s own SQL is right: it keeps fractions of a second.
    """

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CURRENT_TIMESTAMP", **extra_context)


def created_at_field() -> models.DateTimeField:
    """The seed's `created_at ... DEFAULT CURRENT_TIMESTAMP`, which Django fills itself on insert.

    On PostgreSQL CURRENT_TIMESTAMP is the start of the transaction, so rows made in one
    transaction would tie; the time Django gives each row keeps "newest first" well defined
    (the newest job decides a book's status). Rows others insert still get the default.
    """
    return models.DateTimeField(default=timezone.now, db_default=CurrentTimestamp(), editable=False)
