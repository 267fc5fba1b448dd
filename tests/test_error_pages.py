"""The app's error pages: in the site's layout with a way back, with DEBUG on (`make run`) and
off (production); Django's technical pages only when TECHNICAL_ERROR_PAGES asks for them."""

import pytest
from django.test import Client

from tests.factories import make_book, make_user

pytestmark = pytest.mark.django_db


def assert_app_page(response, status, heading):
    page = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in page
    assert '<main id="main">' in page and 'href="/library/"' in page  # the layout, a way back


@pytest.mark.parametrize("debug", [True, False])
def test_missing_pages_and_other_peoples_books_are_the_apps_404(settings, owner, debug):
    settings.DEBUG = debug
    assert_app_page(owner.get("/no/such/page/"), 404, "This page does not exist")
    someone_elses = make_book(user=make_user("other@example.com"))
    assert_app_page(owner.get(f"/library/{someone_elses.pk}/"), 404, "This page does not exist")
    # Signed-out visitors get it too, with the log-in link in the header.
    assert_app_page(Client().get("/nowhere"), 404, "This page does not exist")


def test_a_missing_slash_still_redirects(settings, owner):
    settings.DEBUG = True
    response = owner.get("/library")
    assert response.status_code == 301 and response["Location"] == "/library/"


@pytest.mark.parametrize("debug", [True, False])
def test_a_crash_is_the_apps_500(settings, owner, user, monkeypatch, debug):
    settings.DEBUG = debug
    make_book(user=user)
    from library import views

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "book_state", crash)
    owner.raise_request_exception = False
    response = owner.get("/library/")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()
    assert "boom" not in response.content.decode()


def test_a_csrf_failure_is_the_apps_403(settings, user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/library/upload/")
    assert_app_page(response, 403, "This form has expired")


def test_the_technical_pages_when_asked_for(settings, owner):
    settings.DEBUG = True
    settings.TECHNICAL_ERROR_PAGES = True
    page = owner.get("/no/such/page/").content.decode()
    assert "This page does not exist" not in page
    assert "Using the URLconf" in page  # Django's technical 404
