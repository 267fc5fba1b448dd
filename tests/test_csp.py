"""The Content Security Policy and the other security headers; and, in Chromium, that the pages
still work under the policy: nothing is refused, and the player's JavaScript runs."""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

import pytest  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from tests.factories import make_user  # noqa: E402
from tests.test_browser import log_in, playable_book  # noqa: E402

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "media-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/library/", "/library/upload/"])
def test_every_page_sends_the_policy_and_the_usual_headers(client, url):
    client.force_login(make_user())
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_json_and_audio_carry_the_headers_too(client):
    user = make_user()
    client.force_login(user)
    book = playable_book(user, seconds=2)
    for url in (f"/library/{book.pk}/status.json", f"/library/{book.pk}/audio.mp3"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Content-Security-Policy" in response
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_pages_work_in_chromium_under_the_policy(page, live_server):
    page.set_default_timeout(30_000)
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    user = make_user("listener@example.com")
    book = playable_book(user)

    log_in(page, live_server, user.email)  # the login page, and the library it lands on
    header = page.goto(f"{live_server.url}/library/").headers["content-security-policy"]
    assert directives(header) == POLICY
    expect(page.locator("li.book")).to_have_count(1)

    page.goto(f"{live_server.url}/library/upload/")
    expect(page.get_by_label("PDF files")).to_be_visible()

    page.goto(f"{live_server.url}/library/{book.pk}/")
    # The player's script ran: it shows its own controls and builds the transcript.
    expect(page.locator("[data-controls]")).to_be_visible()
    expect(page.locator(".cue")).to_have_count(30)
    page.get_by_label("Speed").select_option("1.5")
    assert page.evaluate("document.querySelector('audio').playbackRate") == 1.5
    # The audio (media-src) loads and plays.
    page.evaluate("document.querySelector('audio').play()")
    page.wait_for_function("() => document.querySelector('audio').currentTime > 0.3")
    # The stylesheet (style-src) applied: the skip link is moved off screen by app.css.
    assert page.evaluate("getComputedStyle(document.querySelector('a.skip')).position") in (
        "absolute",
        "fixed",
    )

    refused = [
        line
        for line in console
        if "Content Security Policy" in line or "Refused to" in line or "pageerror" in line
    ]
    assert refused == [], refused
