"""Waiting times: a waiting book's place in the queue, when it should start, and when a waiting
or converting book should be ready, in the words a person reads at a glance ("starts in about
3 min, ready by 14:20").

- **Speed.** Words per second that the workers achieved with each voice: the latest
  RECENT_JOBS finished jobs of that voice (JobStats; jobs that resumed from an earlier
  attempt's chunks are left out), counting words as the upload counted them
  (library/wordcount.py) and the whole time of the job, claim to completion. A voice with no
  history borrows its engine's; an engine with none has a conservative DEFAULT_SPEED, and then
  every figure that depends on it says "about".
- **A job's time**: a start-up, plus its words at that speed; both learned from the jobs
  (a straight line through their words and seconds), or STARTUP and their overall pace. A converting book's time
  is learned from its own progress as it goes: what it took so far for the share it has done,
  blended with that model, trusting its own pace more the further it is.
- **The queue** is played forward with the claim's own rule (conversions/queue.py): the
  first waiting book of the person served least recently, people with a job running last. As
  many workers as there are jobs running (at least one): a worker that is free takes the
  next job at once, so while books wait, every worker is busy. A look at the whole queue is
  kept for PLAN_SECONDS, while it still knows the books asked about.
"""

import heapq
import itertools
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateformat import format as format_date

from conversions.models import NEVER_SERVED, ConversionJob, JobStats, QueueTurn

from .models import Audiobook
from .services import voice_that_would_read

RECENT_JOBS = 20
STARTUP = 5.0  # seconds a job takes whatever its length: processes, voices, reading the PDF
# Words (as counted at upload) per second on one worker with two cores, about half of what was
# measured (docs/benchmarks.md): eSpeak NG ~1,850, Piper ~80, Kokoro ~16 (characters).
DEFAULT_SPEED = {"espeak": 800.0, "piper": 40.0, "kokoro": 8.0}
SLOWEST_SPEED = min(DEFAULT_SPEED.values())
WORDS_PER_PAGE = 350  # a book whose words were not counted (the upload's count failed)
# With no job running, a queue whose oldest job has waited this long has no worker.
STALLED_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Estimate:
    """When a book should start (waiting books) and be ready; `rough` when a speed it
    depends on is a default, not a measurement."""

    ready_at: datetime
    rough: bool
    position: int | None = None  # 1: the next to start; None: converting
    starts_at: datetime | None = None
    stalled: bool = False  # nothing is converting and the queue has not moved for a while


# ---- speeds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Speed:
    """How long a voice takes for a job: `startup` seconds, then `words_per_second`."""

    startup: float
    words_per_second: float
    rough: bool = False  # a default, not a measurement

    def seconds(self, words: int) -> float:
        return self.startup + words / self.words_per_second


class Speeds:
    """Each voice's Speed, from the latest finished jobs; looked up once a request."""

    def __init__(self):
        self.known: dict[str, Speed | None] = {}
        self.voices: dict[tuple[str, str], str] = {}

    def voice_for(self, choice: str, language: str) -> str:
        """voice_that_would_read, once per choice and language (it lists the voices)."""
        key = (choice, language)
        if key not in self.voices:
            self.voices[key] = voice_that_would_read(choice, language)
        return self.voices[key]

    def of(self, voice: str) -> Speed:
        """The Speed of `voice` (an id, "engine:name"): measured, its engine's, or a default."""
        engine = voice.partition(":")[0]
        for key in (voice, f"{engine}:"):
            if key not in self.known:
                self.known[key] = measured_speed(key)
            if self.known[key]:
                return self.known[key]
        return Speed(STARTUP, DEFAULT_SPEED.get(engine, SLOWEST_SPEED), rough=True)


def measured_speed(voice: str) -> Speed | None:
    """The Speed over the voice's latest jobs ("engine:" for all of an engine's voices); None
    without any.

    With jobs of different lengths, a straight line through (words, seconds) gives both the
    start-up and the pace (least squares; eSpeak starts in about a second, a natural voice
    takes longer to load). Otherwise, or when the line makes no sense, STARTUP and the pace
    of all their words together.
    """
    stats = JobStats.objects.filter(resumed=False, seconds__gt=0)
    stats = (
        stats.filter(voice__startswith=voice) if voice.endswith(":") else stats.filter(voice=voice)
    )
    rows = stats.order_by("-finished_at").values_list("counted_words", "words", "seconds")
    points = [(counted or spoken, took) for counted, spoken, took in rows[:RECENT_JOBS]]
    points = [(words, took) for words, took in points if words]
    if not points:
        return None
    if len(points) >= 3 and max(w for w, _ in points) >= 4 * min(w for w, _ in points):
        mean_w = sum(w for w, _ in points) / len(points)
        mean_s = sum(s for _, s in points) / len(points)
        spread = sum((w - mean_w) ** 2 for w, _ in points)
        per_word = sum((w - mean_w) * (s - mean_s) for w, s in points) / spread
        startup = mean_s - per_word * mean_w
        if per_word > 0 and 0 <= startup <= 60:
            return Speed(startup, 1 / per_word)
    words = sum(w for w, _ in points)
    seconds = sum(max(s - STARTUP, 1.0) for _, s in points)
    return Speed(STARTUP, words / seconds)


# ---- the queue, played forward ----------------------------------------------------------------


@dataclass
class _Job:
    pk: object
    book_id: object
    user: str  # "" for a book without an owner
    words: int
    voice: str
    rough: bool  # its words were not counted


def _job(row, speeds: Speeds) -> tuple[_Job, float, bool]:
    """A job row (from `_job_rows`), its estimated seconds, and whether they are rough."""
    words, rough = row["audiobook__details__word_count"], False
    if words is None:
        words = (row["audiobook__details__page_count"] or 100) * WORDS_PER_PAGE
        rough = True
    voice = (
        row["audiobook__details__voice"] if row["status"] == ConversionJob.Status.RUNNING else ""
    )
    voice = voice or speeds.voice_for(
        row["audiobook__details__voice_choice"] or "", row["audiobook__details__language"] or ""
    )
    speed = speeds.of(voice)
    job = _Job(
        row["pk"], row["audiobook_id"], str(row["audiobook__user_id"] or ""), words, voice, rough
    )
    return job, speed.seconds(words), rough or speed.rough


def _job_rows(status):
    """Jobs with what the estimates need; each person's in the order the claim takes them
    (their books' upload order)."""
    return (
        ConversionJob.objects.filter(status=status, audiobook__isnull=False)
        .order_by("audiobook__created_at", "audiobook_id")
        .values(
            "pk", "status", "audiobook_id", "audiobook__user_id", "created_at", "started_at",
            "progress", "audiobook__details__word_count", "audiobook__details__page_count",
            "audiobook__details__voice_choice", "audiobook__details__voice",
            "audiobook__details__language",
        )
    )  # fmt: skip


def _running_estimate(row, seconds: float, rough: bool, now: datetime) -> Estimate:
    """A converting book: the model's time, and what its own pace says, blended by progress."""
    elapsed = max((now - row["started_at"]).total_seconds(), 0.0) if row["started_at"] else 0.0
    done = min(max(row["progress"] or 0, 0), 99) / 100
    if done > 0:
        paced = elapsed / done
        seconds = done * paced + (1 - done) * seconds
        rough = rough and done < 0.5  # half done, its own pace is a measurement
    remaining = max(seconds - elapsed, 1.0)
    return Estimate(ready_at=now + timedelta(seconds=remaining), rough=rough)


def plan_queue(now: datetime | None = None) -> dict:
    """Estimates for every book waiting or converting, by book id."""
    now = now or timezone.now()
    speeds = Speeds()
    estimates: dict = {}
    workers: list[tuple[datetime, int, bool]] = []  # (free at, tie-break, rough)
    busy_until: dict[str, datetime] = {}
    counter = itertools.count()
    for row in _job_rows(ConversionJob.Status.RUNNING):
        job, seconds, rough = _job(row, speeds)
        estimate = _running_estimate(row, seconds, rough, now)
        estimates[job.book_id] = estimate
        heapq.heappush(workers, (estimate.ready_at, next(counter), estimate.rough))
        busy_until[job.user] = max(busy_until.get(job.user, now), estimate.ready_at)
    if not workers:
        workers.append((now, next(counter), False))

    waiting: dict[str, deque] = defaultdict(deque)
    first_queued: dict[str, datetime] = {}
    for row in _job_rows(ConversionJob.Status.QUEUED):
        user = str(row["audiobook__user_id"] or "")
        waiting[user].append(_job(row, speeds))
        first_queued[user] = min(first_queued.get(user, row["created_at"]), row["created_at"])
    oldest = min(first_queued.values(), default=None)
    stalled = not busy_until and oldest is not None and now - oldest > STALLED_AFTER
    # The claim's order: served least recently, then waiting longest, then the id.
    turns = {user: (NEVER_SERVED, first_queued[user], user) for user in waiting}
    for user, served_at, since in QueueTurn.objects.filter(
        user__in=[u for u in waiting if u]
    ).values_list("user", "served_at", "waiting_since"):
        turns[str(user)] = (served_at, since, str(user))
    turns = list(turns.values())
    heapq.heapify(turns)
    position = 0
    while turns:
        free_at, _, rough_before = heapq.heappop(workers)
        # People with a job running at that moment come after those without (the claim's rule).
        skipped = []
        while turns and busy_until.get(turns[0][2], now) > free_at:
            skipped.append(heapq.heappop(turns))
        chosen = heapq.heappop(turns) if turns else skipped.pop(0)
        for turn in skipped:
            heapq.heappush(turns, turn)
        _, since, user = chosen
        job, seconds, rough = waiting[user].popleft()
        rough = rough or rough_before
        position += 1
        finish = free_at + timedelta(seconds=seconds)
        estimates[job.book_id] = Estimate(
            ready_at=finish, rough=rough, position=position, starts_at=free_at, stalled=stalled
        )
        heapq.heappush(workers, (finish, next(counter), rough))
        busy_until[user] = max(busy_until.get(user, now), finish)
        if waiting[user]:
            heapq.heappush(turns, (free_at, since, user))
    return estimates


# ---- words ------------------------------------------------------------------------------------


def _in_about(seconds: float) -> str:
    """ "in about 3 min", with no line break inside a figure and its unit."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "in less than a minute"
    if minutes < 60:
        return f"in about {minutes}\u00a0min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return (
            f"in about {hours}\u00a0h {minutes}\u00a0min" if minutes else f"in about {hours}\u00a0h"
        )
    days = round(hours / 24 + minutes / 1440)
    return f"in about {days}\u00a0day{'s' if days != 1 else ''}"


def _clock(moment: datetime, now: datetime) -> str:
    """14:20 today, "tomorrow 14:20", or "5 Dec, 14:20" (in TIME_ZONE)."""
    moment, today = timezone.localtime(moment), timezone.localtime(now).date()
    clock = format_date(moment, "H:i")
    if moment.date() == today:
        return clock
    if moment.date() == today + timedelta(days=1):
        return f"tomorrow {clock}"
    return f"{format_date(moment, 'j M')}, {clock}"


def describe(estimate: Estimate | None, now: datetime | None = None) -> dict | None:
    """An estimate for the pages and status.json: its figures and one line of text."""
    if estimate is None:
        return None
    now = now or timezone.now()
    about = "about " if estimate.rough else ""
    ready = f"ready by {about}{_clock(estimate.ready_at, now)}"
    if estimate.position is None:
        text = ready[0].upper() + ready[1:]
    elif estimate.stalled:
        text = (
            f"Number {estimate.position} in the queue. No conversion has started for a while: "
            "the workers may be stopped."
        )
    else:
        starts = _in_about((estimate.starts_at - now).total_seconds())
        text = f"Number {estimate.position} in the queue: starts {starts}, {ready}"
    return {
        "position": estimate.position,
        "starts_at": estimate.starts_at.isoformat() if estimate.starts_at else None,
        "ready_at": estimate.ready_at.isoformat(),
        "rough": estimate.rough,
        "text": text,
    }


# The last look at the queue, kept for PLAN_SECONDS: each waiting person's pages ask every 2 s,
# and with 10,000 jobs queued one look costs about 0.25 s (docs/benchmarks.md). Per process.
PLAN_SECONDS = 5.0
_last_plan: tuple[float, dict] = (float("-inf"), {})


def _fits(estimate: Estimate | None, book) -> bool:
    """Whether a kept estimate still describes the book: waiting ones have a position."""
    if estimate is None:
        return False
    return (estimate.position is not None) == (book.status == Audiobook.Status.PENDING)


def for_books(books) -> dict:
    """describe()d estimates of those of `books` that are waiting or converting, by book id
    (one look at the queue for all of them, or the last one if it is recent and knows them)."""
    global _last_plan
    active = [book for book in books if book.status in Audiobook.ACTIVE_STATUSES]
    if not active:
        return {}
    at, planned = _last_plan
    if time.monotonic() - at > PLAN_SECONDS or not all(
        _fits(planned.get(book.pk), book) for book in active
    ):
        planned = plan_queue()
        _last_plan = (time.monotonic(), planned)
    now = timezone.now()
    return {book.pk: describe(planned.get(book.pk), now) for book in active}
