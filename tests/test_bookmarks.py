"""Bookmarks: a place in a book with a note, stored per person and book; another person's book
or bookmark is a 404 or untouched."""

import pytest

from library.models import Bookmark
from tests.factories import make_book, make_user

pytestmark = pytest.mark.django_db


def test_add_list_and_remove_bookmarks(owner, user):
    book = make_book(user=user)
    response = owner.post(f"/library/{book.pk}/bookmarks/", {"position": "75.5", "note": "Ahab!"})
    assert response.status_code == 302 and response.url == f"/library/{book.pk}/#bookmarks"
    mark = Bookmark.objects.get()
    assert (mark.user, mark.audiobook, mark.position, mark.note) == (user, book, 75.5, "Ahab!")

    # The player's fetch gets the list alone.
    fragment = owner.post(
        f"/library/{book.pk}/bookmarks/", {"position": "5", "note": ""},
        headers={"X-Requested-With": "fetch"},
    ).content.decode()  # fmt: skip
    assert "<html" not in fragment and 'id="bookmarks"' in fragment
    assert fragment.index(">0:05<") < fragment.index(">1:15<")  # in order of position
    assert "Ahab!" in fragment

    owner.post(f"/library/{book.pk}/bookmarks/{mark.pk}/delete/")
    assert list(Bookmark.objects.values_list("position", flat=True)) == [5.0]


def test_a_bad_position_is_refused(owner, user):
    book = make_book(user=user)
    response = owner.post(
        f"/library/{book.pk}/bookmarks/", {"position": "-3"}, headers={"X-Requested-With": "fetch"}
    )
    assert response.status_code == 422 and not Bookmark.objects.exists()


def test_another_persons_book_and_bookmarks_are_out_of_reach(owner, user, stranger):
    book = make_book(user=user)
    assert stranger.post(f"/library/{book.pk}/bookmarks/", {"position": "1"}).status_code == 404
    mark = Bookmark.objects.create(user=user, audiobook=book, position=3)
    assert stranger.post(f"/library/{book.pk}/bookmarks/{mark.pk}/delete/").status_code == 404
    # Their own book, someone else's bookmark id: nothing happens.
    theirs = make_book(user=make_user("third@example.com"))
    Bookmark.objects.create(user=theirs.user, audiobook=theirs, position=1)
    owner.post(f"/library/{theirs.pk}/bookmarks/{mark.pk}/delete/")
    assert Bookmark.objects.count() == 2
    assert owner.get("/library/").status_code == 200
    assert stranger.get(f"/library/{book.pk}/").status_code == 404
