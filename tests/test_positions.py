"""Listening positions on the server: saved by the player, shown to every browser of the same
person, refused for someone else's book; "Continue listening" and "Finished" on the library."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from library.models import ListeningPosition
from tests.factories import make_book
from tests.listening import finished_book

pytestmark = pytest.mark.django_db


def save(client, book, position, finished=""):
    return client.post(
        reverse("library:position", args=[book.pk]),
        {"position": position, "finished": finished},
    )


def player_data(client, book) -> dict:
    page = client.get(reverse("library:detail", args=[book.pk])).content.decode()
    player = re.search(r"<section class=\"player[^>]*>", page).group(0)
    return dict(re.findall(r'data-(position|finished|position-at)="([^"]*)"', player))


def test_a_saved_position_is_where_every_browser_of_the_person_starts(owner, user):
    book = finished_book(user)
    assert player_data(owner, book) == {"position": "0", "finished": "false", "position-at": ""}
    response = save(owner, book, "61.5")
    assert response.status_code == 200
    assert response.json()["position"] == 61.5
    other_browser = Client()
    other_browser.force_login(user)
    data = player_data(other_browser, book)
    assert data["position"] == "61.5" and data["finished"] == "false"
    assert int(data["position-at"]) > 0
    # Once more: one row per person and book, the newest write wins.
    save(other_browser, book, "75")
    assert player_data(owner, book)["position"] == "75.0"
    assert ListeningPosition.objects.count() == 1


def test_someone_else_s_book_is_a_404_and_bad_values_a_422(owner, user, stranger):
    book = finished_book(user)
    assert save(stranger, book, "10").status_code == 404
    assert save(Client(), book, "10").status_code == 302  # to the login page
    for bad in ["-1", "nan", "inf", "abc", "", "96"]:  # the book is 90 s long
        assert save(owner, book, bad).status_code == 422, bad
    assert owner.get(reverse("library:position", args=[book.pk])).status_code == 405
    waiting = make_book(user=user)
    assert save(owner, waiting, "1").status_code == 404  # no audio yet
    assert not ListeningPosition.objects.exists()


def test_saving_a_position_needs_the_csrf_token(user):
    book = finished_book(user)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    url = reverse("library:position", args=[book.pk])
    assert strict.post(url, {"position": "5"}).status_code == 403
    strict.get(reverse("library:detail", args=[book.pk]))  # sets the CSRF cookie
    token = strict.cookies["csrftoken"].value
    assert strict.post(url, {"position": "5"}, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_the_library_continues_started_books_and_marks_finished_ones(owner, user):
    started = finished_book(user, "Moby Dick", seconds=90)
    finished = finished_book(user, "Bartleby", seconds=40)
    untouched = finished_book(user, "Typee", seconds=40)
    save(owner, started, "45")
    save(owner, finished, "40", finished="true")
    page = owner.get(reverse("library:list")).content.decode()
    row = page[page.index("Continue listening") : page.index('<ol class="books">')]
    assert "Moby Dick" in row and "0:45 of 1:30" in row and "50 %" in row
    assert "Bartleby" not in row and "Typee" not in row
    books = page[page.index('<ol class="books">') :]
    finished_row = books[books.index("Bartleby") :].split("</li>")[0]
    assert 'data-field="finished"' in finished_row
    assert 'data-field="finished"' not in books[books.index("Moby Dick") :].split("</li>")[0]
    assert untouched.title in books
    # A finished book played again is started again.
    assert player_data(owner, finished)["finished"] == "true"
    save(owner, finished, "12")
    page = owner.get(reverse("library:list")).content.decode()
    assert "Bartleby" in page[page.index("Continue listening") : page.index('<ol class="books">')]
    # A search shows no such row.
    assert (
        "Continue listening" not in owner.get(reverse("library:list") + "?q=Moby").content.decode()
    )


def test_nothing_started_no_row(owner, user):
    finished_book(user)
    assert "Continue listening" not in owner.get(reverse("library:list")).content.decode()
