"""Listening anywhere, in Chromium: the position follows the person from one browser to
another, and screenshots of the feed address and of "Continue listening".

UPDATE_SCREENSHOTS=1 writes the screenshots to docs/screenshots/.
"""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

import pytest  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from feeds import addresses  # noqa: E402
from library.models import ListeningPosition  # noqa: E402
from library.positions import save_position  # noqa: E402
from tests.corpus import REPO  # noqa: E402
from tests.factories import PASSWORD, make_user  # noqa: E402
from tests.listening import finished_book  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = REPO / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/library/")


def wait_for_time(page, condition: str):
    """Wait until `condition` (JS, with `t` the audio's currentTime) holds."""
    page.wait_for_function(
        f"() => {{ const t = document.querySelector('audio').currentTime; return {condition}; }}"
    )


def is_position_write(response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/position/")


def test_the_position_follows_the_listener_to_another_browser(browser, live_server):
    user = make_user("listener@example.com")
    book = finished_book(user, seconds=90)
    phone, laptop = browser.new_context(), browser.new_context()  # two browsers, one person
    first, second = phone.new_page(), laptop.new_page()
    for page in (first, second):
        page.set_default_timeout(30_000)
        log_in(page, live_server, user.email)
    writes = []
    first.on("request", lambda r: writes.append(r) if r.method == "POST" else None)

    # Play to 1:00 in the first browser (from 0:56, four seconds of real playing), then pause.
    first.goto(f"{live_server.url}/library/{book.pk}/")
    first.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    first.evaluate("document.querySelector('audio').currentTime = 56")
    first.evaluate("document.querySelector('audio').play()")
    wait_for_time(first, "t >= 60")
    with first.expect_response(is_position_write) as saved:
        first.evaluate("document.querySelector('audio').pause()")
    assert saved.value.ok
    played_to = first.evaluate("document.querySelector('audio').currentTime")
    # Throttled: about 4 s of playing is at most one write, plus the one on pause.
    assert len(writes) <= 2, [w.url for w in writes]
    row = ListeningPosition.objects.get(user=user, audiobook=book)
    assert row.position == pytest.approx(played_to, abs=0.1) and not row.finished

    # The second browser continues there.
    second.goto(f"{live_server.url}/library/{book.pk}/")
    wait_for_time(second, f"Math.abs(t - {played_to}) < 0.2")

    # Listened to the end in the second: "Finished", and the first starts from the beginning.
    second.evaluate("document.querySelector('audio').currentTime = 88")
    with second.expect_response(
        lambda r: is_position_write(r) and "finished=true" in (r.request.post_data or "")
    ) as saved:
        second.evaluate("document.querySelector('audio').play()")
        second.wait_for_function("() => document.querySelector('audio').ended")
    assert saved.value.ok
    row.refresh_from_db()
    assert row.finished
    first.goto(f"{live_server.url}/library/")
    expect(first.locator("li.book", has_text=book.title).get_by_text("Finished")).to_be_visible()
    expect(first.get_by_text("Continue listening")).to_have_count(0)
    first.goto(f"{live_server.url}/library/{book.pk}/")
    first.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    assert first.evaluate("document.querySelector('audio').currentTime") == 0
    phone.close()
    laptop.close()


def test_an_unsent_position_is_kept_in_the_browser_and_sent_later(page, live_server):
    """Offline: the write fails, localStorage keeps it, and the next visit uses and sends it."""
    page.set_default_timeout(30_000)
    user = make_user("offline@example.com")
    book = finished_book(user, seconds=90)
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/library/{book.pk}/")
    page.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    page.route("**/position/", lambda route: route.abort())  # the network is gone
    page.evaluate("document.querySelector('audio').currentTime = 42")
    page.evaluate("document.querySelector('audio').play()")
    wait_for_time(page, "t >= 43")
    page.evaluate("document.querySelector('audio').pause()")
    page.wait_for_function(
        f"() => JSON.parse(localStorage.getItem('audiobooker:position:{book.pk}'))?.position >= 43"
    )
    assert not ListeningPosition.objects.exists()
    page.unroute("**/position/")
    with page.expect_response(is_position_write):
        page.reload()
        wait_for_time(page, "t >= 43 && t < 45")
    assert ListeningPosition.objects.get().position >= 43


def test_screenshots_of_the_feed_address_and_continue_listening(page, live_server, tmp_path):
    out = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    user = make_user("reader@example.com")
    books = [
        finished_book(user, "Moby-Dick; or, The Whale", seconds=60),
        finished_book(user, "The Debian Administrator's Handbook", seconds=40),
        finished_book(user, "Bartleby, the Scrivener", seconds=30),
    ]
    for book, position in zip(books, (41.0, 11.0), strict=False):
        save_position(user, book, position, finished=False)
    save_position(user, books[2], 30.0, finished=True)
    addresses.make_new_address(user)
    errors = []  # the Content-Security-Policy's refusals among them
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, user.email)
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/accounts/")
        feed = page.locator("#feed")
        expect(feed.get_by_label("Feed address")).to_have_value(
            f"{live_server.url}/feed/{addresses.current_token(user)}/"
        )
        expect(feed.locator("svg.qr")).to_be_visible()
        expect(feed.get_by_role("button", name="Copy")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        feed.scroll_into_view_if_needed()
        feed.screenshot(path=out / f"account-feed-{name}.png")

        page.goto(f"{live_server.url}/library/")
        expect(page.locator(".continue-item")).to_have_count(2)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=out / f"library-continue-{name}.png", full_page=True)

    # The copy button copies the address.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/accounts/")
    page.locator("#feed").get_by_role("button", name="Copy").click()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{live_server.url}/feed/{addresses.current_token(user)}/"
    assert errors == []
