"""The private podcast feed: parsed by a real feed parser, every enclosure fetched in ranges
without a cookie, chapters and transcripts; 404 for wrong and revoked tokens and for another
person's book; ETag/Last-Modified and 304; the per-token limit; the token kept out of logs."""

import io
import json
import logging
from datetime import timedelta
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from conversions.models import ConversionJob
from feeds import addresses
from feeds.models import FeedAddress
from library.models import Audiobook
from tests.factories import make_book, make_user
from tests.listening import SENTENCES, finished_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(user):
    """`user`'s two finished books and one still waiting, a stranger's finished book, and
    `user`'s feed token."""
    first = finished_book(user, "Moby Dick", seconds=90)
    second = finished_book(user, "Bartleby, the Scrivener <A Story> & More", seconds=40)
    waiting = make_book(user=user, title="Still converting")
    theirs = finished_book(make_user("other@example.com"), "Someone else's book")
    token = addresses.make_new_address(user)
    return {"books": [first, second], "waiting": waiting, "theirs": theirs, "token": token}


def feed_url(token):
    return reverse("feeds:feed", args=[token])


def book_urls(token, book):
    return [
        f"/feed/{token}/{book.pk}/audio.mp3",
        f"/feed/{token}/{book.pk}/chapters.json",
        f"/feed/{token}/{book.pk}/transcript.vtt",
    ]


def test_the_feed_parses_and_each_episode_plays_in_ranges_without_a_cookie(library, user):
    app = Client()  # a podcast app: no session
    response = app.get(feed_url(library["token"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "rss20"
    assert user.email in parsed.feed.title
    assert parsed.feed.get("itunes_block") == 1  # not listed in podcast directories

    episodes = {entry.title: entry for entry in parsed.entries}
    books = {book.title: book for book in library["books"]}
    assert set(episodes) == set(books)  # finished books only, only the person's
    for title, entry in episodes.items():
        book = books[title]
        stored = default_storage.open(book.audio_path.name).read()
        assert entry.id == str(book.pk)
        assert entry.author == "Herman Melville"
        assert int(entry.itunes_duration) == round(book.details.duration)
        assert parsedate_to_datetime(entry.published).year >= 2026
        # The description: the first sentences of the text, whole, unescaped.
        assert entry.summary.startswith(" ".join(SENTENCES[:2]))
        assert "&amp;" not in entry.summary and len(entry.summary) <= 400
        [enclosure] = entry.enclosures
        assert enclosure.type == "audio/mpeg"
        assert int(enclosure.length) == len(stored)

        # The enclosure, in ranges, as podcast apps fetch it.
        response = app.get(enclosure.href, HTTP_RANGE="bytes=0-99")
        assert response.status_code == 206
        assert response["Content-Range"] == f"bytes 0-99/{len(stored)}"
        assert b"".join(response.streaming_content) == stored[:100]
        response = app.get(enclosure.href, HTTP_RANGE="bytes=1000-")
        assert response.status_code == 206
        assert b"".join(response.streaming_content) == stored[1000:]
        response = app.get(enclosure.href)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == stored
        response = app.get(enclosure.href, HTTP_RANGE=f"bytes={len(stored)}-")
        assert response.status_code == 416

        # Podcasting 2.0: chapters (JSON) and the transcript (WebVTT).
        chapters = entry.podcast_chapters
        assert chapters["type"] == "application/json+chapters"
        response = app.get(chapters["url"])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json+chapters"
        assert json.loads(response.content) == {
            "version": "1.2.0",
            "chapters": [
                {"startTime": 0.0, "title": "Loomings"},
                {"startTime": 30.0, "title": "The Carpet-Bag"},
                {"startTime": 60.0, "title": "The Spouter-Inn"},
            ],
        }
        transcript = entry.podcast_transcript
        assert transcript["type"] == "text/vtt"
        response = app.get(transcript["url"])
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()
        assert body.startswith("WEBVTT") and "Call me Ishmael." in body

    # The feed's own address, and the newest book first.
    assert parsed.entries[0].title == library["books"][1].title
    assert any(link.get("rel") == "self" for link in parsed.feed.links)


def test_audio_through_the_feed_is_handed_to_nginx_like_the_player_s(library, settings):
    settings.AUDIO_ACCEL_REDIRECT = "/protected-media/"
    book = library["books"][0]
    response = Client().get(book_urls(library["token"], book)[0], HTTP_RANGE="bytes=0-99")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{book.audio_path.name}"
    assert response.content == b""


def test_wrong_token_revoked_token_and_another_person_s_book_are_404(library, user):
    app = Client()
    token = library["token"]
    mine, theirs = library["books"][0], library["theirs"]
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for url in [feed_url(wrong), *book_urls(wrong, mine)]:
        assert app.get(url).status_code == 404, url
    # Another person's book, with a valid token: as if it did not exist.
    for url in book_urls(token, theirs):
        assert app.get(url).status_code == 404, url
    # A book of the person's own that has no audio yet.
    for url in book_urls(token, library["waiting"]):
        assert app.get(url).status_code == 404, url
    assert app.get(book_urls(token, mine)[1]).status_code == 200

    # A new address revokes the old one at once, for the feed and every file.
    new = addresses.make_new_address(user)
    assert new != token
    for url in [feed_url(token), *book_urls(token, mine)]:
        assert app.get(url).status_code == 404, url
    for url in [feed_url(new), *book_urls(new, mine)]:
        assert app.get(url).status_code == 200, url
    # Only the hash is stored.
    row = FeedAddress.objects.get(user=user)
    assert new not in (row.token_hash, row.seed) and len(new) >= 43


def test_the_feed_answers_304_until_it_changes(library):
    app = Client()
    url = feed_url(library["token"])
    first = app.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert app.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert app.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    book = library["books"][0]
    book.title = "Moby-Dick; or, The Whale"
    book.save()
    changed = app.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert b"Moby-Dick; or, The Whale" in changed.content


def test_requests_are_limited_per_token(library, user, settings):
    settings.FEED_REQUESTS_PER_HOUR = 3
    app = Client()
    token = library["token"]
    book = library["books"][0]
    urls = [feed_url(token), book_urls(token, book)[1], book_urls(token, book)[2]]
    assert [app.get(url).status_code for url in urls] == [200, 200, 200]
    response = app.get(feed_url(token))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    # Another person's feed has its own count.
    other = addresses.make_new_address(library["theirs"].user)
    assert app.get(feed_url(other)).status_code == 200


def test_the_account_page_shows_the_address_its_qr_code_and_makes_a_new_one(owner, user):
    page = owner.get(reverse("accounts:account")).content.decode()
    assert 'id="feed"' in page and "Make my feed address" in page
    assert "application/rss+xml" not in owner.get(reverse("library:list")).content.decode()

    response = owner.post(reverse("feeds:new_address"))
    assert response.status_code == 302
    token = addresses.current_token(user)
    url = f"http://testserver/feed/{token}/"
    page = owner.get(reverse("accounts:account")).content.decode()
    assert f'value="{url}"' in page
    assert '<svg viewBox="0 0' in page and 'class="qr"' in page
    library_page = owner.get(reverse("library:list")).content.decode()
    assert f'<link rel="alternate" type="application/rss+xml" title="Your audiobooks as a podcast" href="{url}">' in library_page  # fmt: skip

    owner.post(reverse("feeds:new_address"))
    new = addresses.current_token(user)
    assert new != token
    page = owner.get(reverse("accounts:account")).content.decode()
    assert token not in page and new in page
    assert Client().get(f"/feed/{token}/").status_code == 404


def test_making_an_address_takes_a_signed_in_post_with_csrf(user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(reverse("feeds:new_address")).status_code == 403
    assert strict.get(reverse("feeds:new_address")).status_code == 405
    assert Client().post(reverse("feeds:new_address")).status_code == 302  # to the login page
    assert not FeedAddress.objects.exists()


def test_feed_tokens_never_reach_the_logs(library, caplog):
    from audiobooker.logredact import RedactFeedTokens, redact

    token = library["token"]
    assert redact(f"GET /feed/{token}/ HTTP/1.1") == "GET /feed/[token]/ HTTP/1.1"
    assert redact("POST /feed/address/new/ HTTP/1.1") == "POST /feed/address/new/ HTTP/1.1"
    # Django's "Not Found" line for a wrong token.
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert Client().get(f"/feed/{token[::-1]}/").status_code == 404
    assert caplog.records and token[::-1] not in caplog.text
    assert "/feed/[token]/" in caplog.text
    # runserver's request lines go through the filter too.
    handler = logging.getLogger("django.server").handlers[0]
    assert any(isinstance(f, RedactFeedTokens) for f in handler.filters)
    written = io.StringIO()
    stream = handler.setStream(written)
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET /feed/{token}/ HTTP/1.1", 200, 5
        )
    finally:
        handler.setStream(stream)
    assert token not in written.getvalue()
    assert '"GET /feed/[token]/ HTTP/1.1" 200 5' in written.getvalue()


def test_a_deleted_book_changes_the_feed_s_last_modified(library, user):
    from library import services

    app = Client()
    url = feed_url(library["token"])
    modified = app.get(url)["Last-Modified"]
    # As if the address and the books were an hour old.
    earlier = parsedate_to_datetime(modified) - timedelta(hours=1)
    FeedAddress.objects.filter(user=user).update(changed_at=earlier)
    Audiobook.objects.filter(user=user).update(updated_at=earlier)
    ConversionJob.objects.filter(audiobook__user=user).update(completed_at=earlier)
    modified = app.get(url)["Last-Modified"]
    assert app.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    services.delete_audiobook(library["books"][1])
    response = app.get(url, HTTP_IF_MODIFIED_SINCE=modified)
    assert response.status_code == 200
    assert len(feedparser.parse(response.content).entries) == 1


def test_an_administrator_sees_who_has_a_feed_and_can_revoke_it(client, library, user):
    from accounts.models import User

    client.force_login(User.objects.create_superuser("admin@example.com", "admin-password-1"))
    listing = client.get("/admin/feeds/feedaddress/")
    assert listing.status_code == 200 and user.email in listing.content.decode()
    assert library["token"] not in listing.content.decode()
    row = FeedAddress.objects.get(user=user)
    page = client.get(f"/admin/feeds/feedaddress/{row.pk}/change/").content.decode()
    assert library["token"] not in page and row.seed not in page
    client.post(f"/admin/feeds/feedaddress/{row.pk}/delete/", {"post": "yes"})
    assert Client().get(feed_url(library["token"])).status_code == 404


def test_episodes_carry_their_cover_for_the_app_and_only_the_owner_s_token_opens_it(library, user):
    from django.core.files.base import ContentFile

    book = library["books"][0]
    picture = b"\x89PNG\r\n\x1a\n a first page"
    default_storage.save(book.cover_name, ContentFile(picture))
    app = Client()
    parsed = feedparser.parse(app.get(feed_url(library["token"])).content)
    entry = next(e for e in parsed.entries if e.title == book.title)
    response = app.get(entry.image.href)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == picture
    assert parsed.feed.image.href.endswith("/cover.png")  # the channel shows the newest book's
    # A book converted before covers existed has none: 404, and the app shows no picture.
    other = next(e for e in parsed.entries if e.title != book.title)
    assert app.get(other.image.href).status_code == 404
    # Another person's token, a revoked one, or another person's book: 404.
    stranger = addresses.make_new_address(make_user("stranger@example.com"))
    assert app.get(entry.image.href.replace(library["token"], stranger)).status_code == 404
    theirs = library["theirs"]
    default_storage.save(theirs.cover_name, ContentFile(picture))
    assert app.get(f"/feed/{library['token']}/{theirs.pk}/cover.png").status_code == 404
    addresses.make_new_address(user)
    assert app.get(entry.image.href).status_code == 404
