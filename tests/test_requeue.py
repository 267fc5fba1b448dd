"""`manage.py requeue`: converting books again from the command line, through
start_conversion (a book waiting or converting is skipped, never given a second job)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from library import services
from tests.factories import make_book, make_job

pytestmark = pytest.mark.django_db


def requeue(*args) -> str:
    out = StringIO()
    call_command("requeue", *args, stdout=out)
    return out.getvalue()


def failed_book(title="Failed"):
    book = make_book(title=title, status="failed")
    make_job(book, status="failed", error_message="boom")
    return book


def test_named_books_are_queued_and_a_waiting_one_is_skipped():
    failed, waiting = failed_book(), make_book(title="Waiting")
    services.start_conversion(waiting)
    output = requeue(str(failed.pk), str(waiting.pk))
    assert f"queued {failed.pk} (Failed)" in output
    assert f"skipped {waiting.pk} (Waiting): already waiting or converting" in output
    assert output.rstrip().endswith("1 queued, 0 ready at once, 1 skipped")
    assert failed.jobs.filter(status="queued").count() == 1
    assert waiting.jobs.count() == 1


def test_every_failed_book_with_another_voice():
    books = [failed_book(f"Failed {i}") for i in range(3)]
    make_book(title="Fine", status="completed")
    output = requeue("--failed", "--voice", "espeak:en-gb")
    assert "3 queued" in output
    for book in books:
        book.refresh_from_db()
        assert book.status == "pending" and book.details.voice_choice == "espeak:en-gb"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Name the books"),
        (("--failed", "00000000-0000-0000-0000-000000000000"), "not both"),
        (("not-an-id",), "Not an audiobook id"),
        (("00000000-0000-0000-0000-000000000000",), "No such audiobook"),
        (("--failed", "--voice", "nobody"), "There is no voice 'nobody'"),
    ],
)
def test_mistakes_are_refused_with_a_reason(args, message):
    with pytest.raises(CommandError, match=message):
        requeue(*args)
