"""Waiting times: speeds learned from finished jobs, the queue played forward in fair order,
and the line the pages show."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from conversions import queue
from conversions.locks import make_locks
from conversions.models import ConversionJob, JobStats
from library import estimates, services
from library.models import AudiobookDetails
from tests.factories import make_book, make_user

pytestmark = pytest.mark.django_db

VOICE = "espeak:en-us"  # TTS_VOICE in the tests


def waiting_book(user, words=10_000, title="book"):
    book = make_book(user=user, title=title)
    AudiobookDetails.objects.create(audiobook=book, word_count=words)
    services.start_conversion(book, limit_queue=False)
    return book


def measured(voice=VOICE, words=10_000, seconds=15.0, count=3, **fields):
    for _ in range(count):
        JobStats.objects.create(
            job_id=uuid.uuid4(), voice=voice, words=words, counted_words=words,
            audio_seconds=words / 3, seconds=seconds, **fields,
        )  # fmt: skip


@pytest.fixture
def locks():
    locks = make_locks()
    yield locks
    locks.close()


def test_with_no_history_the_speed_is_a_default_and_the_text_says_about(user):
    book = waiting_book(user)
    now = timezone.now()
    estimate = estimates.plan_queue(now)[book.pk]
    assert estimate.rough and estimate.position == 1 and estimate.starts_at == now
    speed = estimates.DEFAULT_SPEED["espeak"]
    assert (estimate.ready_at - now).total_seconds() == pytest.approx(
        estimates.STARTUP + 10_000 / speed
    )
    text = estimates.describe(estimate, now)["text"]
    assert text.startswith("Number 1 in the queue: starts in less than a minute, ready by about ")


def test_the_speed_is_learned_from_the_voices_latest_jobs(user):
    measured(words=10_000, seconds=estimates.STARTUP + 10)  # 1,000 words a second
    measured(words=10_000, seconds=1, resumed=True)  # resumed: not a fair sample
    measured(voice="piper:en_US-joe-medium", words=10, seconds=100)  # another voice
    book = waiting_book(user, words=60_000)
    now = timezone.now()
    estimate = estimates.plan_queue(now)[book.pk]
    assert not estimate.rough
    assert (estimate.ready_at - now).total_seconds() == pytest.approx(estimates.STARTUP + 60)
    assert "about" not in estimates.describe(estimate, now)["text"].split("ready by")[1]


def test_a_voice_with_no_history_borrows_its_engines():
    speeds = estimates.Speeds()
    measured(voice="espeak:en-gb", words=2_000, seconds=estimates.STARTUP + 1)
    assert speeds.of("espeak:ru") == estimates.Speed(estimates.STARTUP, 2_000.0)
    assert speeds.of("kokoro:jf_alpha") == estimates.Speed(
        estimates.STARTUP, estimates.DEFAULT_SPEED["kokoro"], rough=True
    )


def test_jobs_of_different_lengths_give_the_start_up_and_the_pace():
    for words, seconds in ((1_000, 2.0), (10_000, 11.0), (100_000, 101.0)):
        measured(words=words, seconds=seconds, count=1)
    speed = estimates.measured_speed(VOICE)
    assert speed.startup == pytest.approx(1.0) and speed.words_per_second == pytest.approx(1_000)
    assert speed.seconds(50_000) == pytest.approx(51.0)


def test_the_queue_is_played_forward_in_fair_order(locks):
    measured(words=1_000, seconds=estimates.STARTUP + 1)  # 1,000 words a second
    a, b = make_user(), make_user()
    backlog = [waiting_book(a, words=60_000, title=f"A{i}") for i in range(3)]  # 65 s each
    newcomer = waiting_book(b, words=60_000, title="B")
    now = timezone.now()
    planned = estimates.plan_queue(now)
    order = sorted([*backlog, newcomer], key=lambda book: planned[book.pk].position)
    assert [book.title for book in order] == ["A0", "B", "A1", "A2"]
    # One worker (nothing runs yet): each starts when the one before it is done.
    starts = [(planned[book.pk].starts_at - now).total_seconds() for book in order]
    assert starts == pytest.approx([0, 65, 130, 195])
    # What the claim does agrees: B's book goes second.
    first = queue.claim_next_job(locks)
    second = queue.claim_next_job(locks)
    assert (first.book_id, second.book_id) == (backlog[0].pk, newcomer.pk)


def test_a_converting_book_is_estimated_from_its_own_pace(user, locks):
    measured(words=1_000, seconds=estimates.STARTUP + 1)
    book = waiting_book(user, words=100_000)  # 105 s by the model
    later = waiting_book(user, words=1_000, title="later")
    claim = queue.claim_next_job(locks)
    started = timezone.now() - timedelta(seconds=100)
    ConversionJob.objects.filter(pk=claim.job_id).update(started_at=started, progress=50)
    now = timezone.now()
    planned = estimates.plan_queue(now)
    running = planned[book.pk]
    # Half done in 100 s: 200 s by its own pace, 105 by the model, blended half and half.
    assert running.position is None and not running.rough
    assert (running.ready_at - started).total_seconds() == pytest.approx(152.5, abs=0.5)
    # The next one waits for it: one worker.
    assert planned[later.pk].position == 1
    assert planned[later.pk].starts_at == running.ready_at
    assert estimates.describe(running, now)["text"].startswith("Ready by ")


def test_a_queue_nobody_takes_says_so(user):
    book = waiting_book(user)
    ConversionJob.objects.filter(audiobook=book).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    text = estimates.describe(estimates.plan_queue()[book.pk])["text"]
    assert text == (
        "Number 1 in the queue. No conversion has started for a while: the workers may be stopped."
    )


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (20, "in less than a minute"),
        (3 * 60 + 10, "in about 3 min"),
        (2 * 3600 + 5 * 60, "in about 2 h 5 min"),
        (3600, "in about 1 h"),
        (50 * 3600, "in about 2 days"),
    ],
)
def test_times_read_at_a_glance(seconds, words):
    assert estimates._in_about(seconds).replace("\u00a0", " ") == words


def test_clock_times_say_which_day(settings):
    now = timezone.make_aware(datetime(2026, 12, 4, 10, 0))
    assert estimates._clock(now + timedelta(hours=4, minutes=20), now) == "14:20"
    assert estimates._clock(now + timedelta(days=1), now) == "tomorrow 10:00"
    assert estimates._clock(now + timedelta(days=3), now) == "7 Dec, 10:00"


def test_the_pages_and_status_json_show_position_and_times(owner, user):
    measured(words=1_000, seconds=estimates.STARTUP + 1)
    first = waiting_book(user, words=60_000, title="First")
    second = waiting_book(user, words=60_000, title="Second")
    listing = owner.get("/library/").content.decode().replace("\u00a0", " ")
    assert "Number 1 in the queue: starts in less than a minute, ready by " in listing
    assert "Number 2 in the queue: starts in about 1 min, ready by " in listing
    page = owner.get(f"/library/{second.pk}/").content.decode().replace("\u00a0", " ")
    assert "Number 2 in the queue: starts in about 1 min" in page
    state = owner.get(f"/library/{first.pk}/status.json").json()
    assert state["eta"]["position"] == 1
    assert state["eta"]["text"].startswith("Number 1 in the queue")
    assert datetime.fromisoformat(state["eta"]["ready_at"]) > timezone.now()


def test_a_finished_book_has_no_estimate(owner, user):
    book = make_book(user=user, status="completed")
    assert owner.get(f"/library/{book.pk}/status.json").json()["eta"] is None
    assert "in the queue" not in owner.get(f"/library/{book.pk}/").content.decode()


def test_a_recent_look_at_the_queue_is_reused_while_it_still_fits(user, locks, monkeypatch):
    book = waiting_book(user)
    assert estimates.for_books([book])[book.pk]["position"] == 1
    looks = []
    real = estimates.plan_queue
    monkeypatch.setattr(estimates, "plan_queue", lambda *a: looks.append(1) or real(*a))
    estimates.for_books([book])
    assert looks == []  # the last look is recent and knows the book
    queue.claim_next_job(locks)
    book.refresh_from_db()  # converting now: the kept estimate (a position) no longer fits
    assert estimates.for_books([book])[book.pk]["position"] is None
    assert looks == [1]
