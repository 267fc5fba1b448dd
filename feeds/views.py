"""The private podcast feed and the files it points at, opened by a token instead of a session.

Podcast apps have no session cookie, so every URL here carries the person's feed token
(feeds/addresses.py). A wrong or revoked token is a 404, and so is a book that is not the
token's person's, or has no audio: the answers never tell whether a book exists. Requests are
counted per token (FEED_REQUESTS_PER_HOUR), since apps poll feeds often and a leaked address
should not be able to pull the audio without end.
"""

import functools
import hashlib
import json
import time
from email.utils import format_datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_POST, require_safe

from conversions.models import ConversionJob
from library import streaming
from library.models import Audiobook
from library.views import details_of

from . import addresses, episodes
from .models import FeedAddress

WINDOW = 3600  # seconds: FEED_REQUESTS_PER_HOUR counts in windows this long


class TooManyRequests(Exception):
    pass


def within_limit(token: str) -> bool:
    """Count one request for `token` in this hour's window; whether it is within the limit.

    A counter per window (not a list of times, as the sign-up limits keep): a podcast app
    fetching audio in ranges makes many requests. Keyed by the token's hash, so the token
    never reaches the cache. (A directory cache adds up without a lock: under concurrent
    requests the count may fall a little short, which a limit of this size can afford.)
    """
    window = int(time.time() // WINDOW)
    key = f"feeds:requests:{addresses.hash_of(token)[:32]}:{window}"
    cache.add(key, 0, timeout=WINDOW + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW + 60)
        count = 1
    return count <= settings.FEED_REQUESTS_PER_HOUR


def person_for(token: str):
    """The token's person, or 404 (wrong or revoked token); 429 past the hourly limit."""
    person = addresses.person_for(token)
    if person is None:
        raise Http404("No feed here.")
    if not within_limit(token):
        raise TooManyRequests()
    return person


def too_many() -> HttpResponse:
    response = HttpResponse(
        "Too many requests for this feed; try again later.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(WINDOW - int(time.time()) % WINDOW)
    return response


def limited(view):
    """Answer 429 when person_for found the token over its limit."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except TooManyRequests:
            return too_many()

    return wrapped


def episode_books(person):
    """The person's books with audio, newest first, each with its finishing time."""
    finished = ConversionJob.objects.filter(
        audiobook=OuterRef("pk"), status=ConversionJob.Status.COMPLETED
    ).order_by(F("completed_at").desc(nulls_last=True))
    return (
        Audiobook.objects.filter(user=person)
        .exclude(audio_path="")
        .exclude(audio_path__isnull=True)
        .select_related("details")
        .annotate(finished_at=Subquery(finished.values("completed_at")[:1]))
        .order_by("-created_at", "-pk")
    )


def book_of(person, pk) -> Audiobook:
    """The person's book `pk` with audio, or 404 (someone else's, missing, or not finished)."""
    books = Audiobook.objects.filter(user=person).exclude(audio_path="").exclude(audio_path=None)
    return get_object_or_404(books.select_related("details"), pk=pk)


@require_safe
@limited
def feed(request, token):
    """The RSS 2.0 podcast feed: one episode per book with audio, with Podcasting 2.0 chapters
    and transcripts; ETag and Last-Modified so that apps polling it mostly get a 304."""
    person = person_for(token)
    base = request.build_absolute_uri(reverse("feeds:feed", args=[token]))
    items = []
    newest = person.feed_address.changed_at
    for book in episode_books(person):
        details = details_of(book)
        published = book.finished_at or book.updated_at or book.created_at
        changed = max(d for d in (published, book.updated_at) if d is not None)
        newest = max(newest, changed)
        items.append(
            {
                "book": book,
                "title": episodes.xml_text(book.title),
                "author": episodes.xml_text(details.author if details else ""),
                "description": episodes.description_of(book),
                "published": format_datetime(published, usegmt=True),
                "duration": round(details.duration) if details and details.duration else None,
                "size": details.audio_size if details and details.audio_size else None,
                "language": details.language if details else "",
                "audio": f"{base}{book.pk}/audio.mp3",
                "chapters": f"{base}{book.pk}/chapters.json"
                if details and details.chapters
                else "",
                "transcript": f"{base}{book.pk}/transcript.vtt",
                # Every conversion keeps a PNG cover; books made before covers answer 404 there
                # and apps show none (looking each file up would cost a storage call a book).
                "cover": f"{base}{book.pk}/cover.png",
            }
        )
    for item in items:
        if item["size"] is None:  # books the original app made: ask the storage
            try:
                item["size"] = default_storage.size(item["book"].audio_path.name)
            except OSError:
                item["size"] = 0
    context = {
        "person": person,
        "feed_url": base,
        "library_url": request.build_absolute_uri(reverse("library:list")),
        "items": items,
        "built": format_datetime(newest, usegmt=True),
    }
    response = render(
        request, "feeds/feed.xml", context, content_type="application/rss+xml; charset=utf-8"
    )
    etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
    last_modified = int(newest.timestamp())
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return get_conditional_response(
        request, etag=etag, last_modified=last_modified, response=response
    )


@require_safe
@limited
def audio(request, token, pk):
    """An episode's MP3: HTTP Range, and X-Accel-Redirect or S3, as library:audio sends it."""
    book = book_of(person_for(token), pk)
    response = streaming.send_audio(request, book.audio_path.name)
    response["Cache-Control"] = "private"
    return response


@require_safe
@limited
def chapters(request, token, pk):
    """The episode's chapters, Podcasting 2.0 JSON."""
    book = book_of(person_for(token), pk)
    document = episodes.chapters_document(details_of(book))
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False), content_type="application/json+chapters"
    )
    response["Cache-Control"] = "private"
    return response


@require_safe
@limited
def transcript(request, token, pk):
    """The episode's WebVTT transcript."""
    book = book_of(person_for(token), pk)
    return streaming.stored_file(book.transcript_name, "text/vtt; charset=utf-8", "private")


@require_safe
@limited
def cover(request, token, pk):
    """The episode's artwork: the cover the conversion stored beside the MP3 (a PNG: podcast
    apps take no SVG)."""
    book = book_of(person_for(token), pk)
    return streaming.stored_file(book.cover_name, "image/png", "private, max-age=300")


@login_required
@require_POST
def new_address(request):
    """Make a feed address, or a new one: the old address stops working at once."""
    had_one = FeedAddress.objects.filter(user=request.user).exists()
    addresses.make_new_address(request.user)
    if had_one:
        messages.success(
            request, "Your feed has a new address. The old one no longer works: add the new one "
            "to your podcast app.",
        )  # fmt: skip
    else:
        messages.success(request, "Your feed address is ready: add it to your podcast app.")
    return redirect(reverse("accounts:account") + "#feed")
