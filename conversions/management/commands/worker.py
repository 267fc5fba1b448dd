"""Run conversions: claim queued jobs one at a time and turn their PDFs into audiobooks.

    python manage.py worker [--burst] [--processes N]

Any number of workers may run, on one machine or many, against one database: they coordinate
only through it (see conversions/queue.py and conversions/locks.py). SIGTERM or Ctrl-C stops claiming, lets the current
job finish within WORKER_SHUTDOWN_GRACE seconds or hands it back to the queue (its spoken chunks
are kept, so the next worker resumes quickly); a second signal hands it back at once.
"""

import logging
import random
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, connection
from django.utils.module_loading import import_string

from accounts import listening
from audiobooker.disk import is_disk_full
from conversions import queue
from conversions.locks import Heartbeat, make_locks
from conversions.pipeline import ConversionError, Interrupted
from library import services
from library.models import Audiobook, AudiobookDetails, audio_file_names

log = logging.getLogger(__name__)

UNEXPECTED = "An unexpected error stopped the conversion. Try again, or ask the administrator."
DISK_FULL = "The server ran out of disk space during the conversion. Try again later."


@contextmanager
def local_pdf(book, workdir: Path) -> Iterator[Path]:
    """The book's PDF as a local file: its own path on local storage, else a copy in `workdir`,
    removed afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        path = Path(default_storage.path(book.pdf_path.name))
    except NotImplementedError:  # remote storage (S3): fetch a copy
        path = None
    if path is not None:
        yield path
        return
    copy = workdir / "input.pdf"
    try:
        with default_storage.open(book.pdf_path.name, "rb") as src, open(copy, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield copy
    finally:
        copy.unlink(missing_ok=True)


class Command(BaseCommand):
    help = "Run conversions from the queue (Ctrl-C or SIGTERM to stop)."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="drain the queue, then exit")
        parser.add_argument(
            "--processes", type=int, default=settings.WORKER_PROCESSES or None,
            help="speech processes per job (default: one per core)",
        )  # fmt: skip

    def handle(self, *args, burst=False, processes=None, **options):
        self.setup(processes=processes)
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        self.say(f"worker ready ({connection.vendor}, {self.processes or 'all'} speech processes)")
        try:
            while not self.shutdown:
                self.recover_if_due()
                self.sweep_if_due()
                while not self.shutdown and self.process_one():
                    self.recover_if_due()
                if burst and not self.recovery.pending:
                    break
                self.sleep(settings.WORKER_POLL_SECONDS * random.uniform(0.5, 1.5))
        finally:
            self.locks.close()
        self.say("worker stopped")

    def setup(self, processes=None):
        """State for the loop; tests call this, then the units, without the loop."""
        self.processes = processes
        self.shutdown = False
        self.signals = 0
        self.shutdown_deadline = None
        self.locks = make_locks()
        self.recovery = queue.Recovery(self.locks)
        self.next_recovery = 0.0
        # Not at once: many workers starting together need not all sweep.
        self.next_sweep = time.monotonic() + random.uniform(0.1, 1.0) * settings.CLEANUP_INTERVAL
        self.pipeline = import_string(settings.CONVERSION_PIPELINE)
        return self

    # Signal handlers only set flags: the loop and the running job look at them.
    def on_signal(self, signum, frame):
        self.signals += 1
        self.shutdown = True
        if self.shutdown_deadline is None:
            self.shutdown_deadline = time.monotonic() + settings.WORKER_SHUTDOWN_GRACE
        name = signal.Signals(signum).name
        if self.signals == 1:
            self.say(
                f"{name}: finishing the current job (at most {settings.WORKER_SHUTDOWN_GRACE:g} s)"
            )
        else:
            self.say(f"{name} again: handing the current job back now")

    def sleep(self, seconds):
        end = time.monotonic() + seconds
        while not self.shutdown and time.monotonic() < end:
            time.sleep(min(0.1, max(0.0, end - time.monotonic())))

    def say(self, message):
        log.info(message)

    # ---- units ------------------------------------------------------------------------------

    def recover_if_due(self) -> int:
        now = time.monotonic()
        if now < self.next_recovery:
            return 0
        try:
            recovered = queue.retry_on_disconnect(self.recovery.run)
        except (OperationalError, InterfaceError):
            log.warning("recovery skipped: database unavailable")
            connection.close()
            recovered = 0
        # A suspect gets its second look after the grace period, not a whole interval later.
        wait = settings.WORKER_RECOVERY_INTERVAL
        if self.recovery.pending:
            wait = min(wait, settings.WORKER_RECOVERY_GRACE)
        self.next_recovery = now + wait
        if recovered:
            self.say(f"recovered {recovered} job(s) whose worker had stopped")
        return recovered

    def sweep_if_due(self) -> None:
        """Now and then, the orphan sweep (files and work folders no row needs)."""
        if time.monotonic() < self.next_sweep:
            return
        self.next_sweep = time.monotonic() + settings.CLEANUP_INTERVAL
        try:
            services.sweep_orphans()
        except Exception:
            log.exception("orphan sweep failed")  # never a reason to stop converting
            connection.close()

    def process_one(self) -> bool:
        """Claim and run one job; returns whether there was one. One bad job never stops the loop."""
        try:
            claim = queue.retry_on_disconnect(queue.claim_next_job, self.locks)
        except (OperationalError, InterfaceError):
            log.warning("could not claim: database unavailable")
            connection.close()
            return False
        if claim is None:
            return False
        try:
            self.run_job(claim)
        except queue.JobLost:
            self.lost(claim)
        except (OperationalError, InterfaceError):
            # The database went away for longer than a write's reconnects (a restart): not
            # the book's fault. The job goes back to the queue with its spoken chunks; if even
            # that cannot be written, recovery finds it unlocked and queues it again.
            log.warning("job %s: database unavailable; handing it back", claim.job_id)
            connection.close()
            try:
                queue.hand_back(claim)
            except (OperationalError, InterfaceError):
                connection.close()
        except Exception:
            # A book deleted mid-conversion can pull files from under the pipeline: that is
            # a lost job, not a failure.
            if not queue.retry_on_disconnect(claim.job().exists):
                self.lost(claim)
                return True
            log.exception("job %s: unexpected error", claim.job_id)
            try:
                queue.fail_job(claim, UNEXPECTED)
            except Exception:
                log.exception("job %s: could not record the failure", claim.job_id)
        finally:
            self.locks.release(claim.job_id)
        return True

    def run_job(self, claim: queue.Claim) -> None:
        book = Audiobook.objects.filter(pk=claim.book_id).first()
        if book is None:
            return
        self.say(f"claimed job {claim.job_id}: {book.title!r}")
        workdir = queue.work_folder(book.pk)
        started = time.monotonic()
        heartbeat = Heartbeat(self.locks)
        writer = queue.ProgressWriter(claim)
        logged = [0]

        def progress(percent):
            writer(percent)
            if percent >= logged[0] + 10:
                logged[0] = int(percent) // 10 * 10
                self.say(f"job {claim.job_id}: {logged[0]}%")

        def should_stop():
            if heartbeat.lost:
                raise queue.JobLost()
            if self.signals > 1:
                return True
            return self.shutdown_deadline is not None and time.monotonic() > self.shutdown_deadline

        def on_plan(plan):
            queue.record_plan(claim, plan)
            self.say(f"job {claim.job_id}: {plan.language.code}, read by {plan.voice}")

        def on_ready(ready):
            # Each finished stretch of audio becomes playable at once (ReadySegment), while
            # the job is still ours.
            if heartbeat.lost or not queue.retry_on_disconnect(claim.job().exists):
                raise queue.JobLost()
            queue.retry_on_disconnect(services.store_ready_segment, book.pk, ready)

        live = settings.LISTEN_WHILE_CONVERTING and not book.audio_path
        details = AudiobookDetails.objects.filter(audiobook_id=book.pk).first()
        # Read once: the book is spoken, and its details record it, with the same pairs.
        lexicon = queue.retry_on_disconnect(lambda: listening.lexicon_for(book.user))
        # Chunks an earlier attempt spoke make this one faster: its speed is not a fair sample.
        resumed = workdir.is_dir() and any(workdir.iterdir())
        heartbeat.start()
        try:
            with local_pdf(book, workdir) as pdf:
                result = self.pipeline(
                    pdf, workdir, progress=progress, should_stop=should_stop,
                    processes=self.processes, title=book.title,
                    voice=details.voice_choice if details else "", on_plan=on_plan,
                    lexicon=lexicon,
                    # A book converted again plays its current audio until the new is done.
                    on_ready=on_ready if live else None,
                )  # fmt: skip
            heartbeat.stop()
            counted = details.word_count if details else None  # at upload: for JobStats
            self.finish(claim, book, result, workdir, started, resumed, counted, lexicon)
        except Interrupted:
            queue.hand_back(claim)
            self.say(f"job {claim.job_id}: handed back to the queue; spoken chunks kept")
        except ConversionError as error:
            self.failed(claim, str(error), workdir)
        except OSError as error:
            if not is_disk_full(error):
                raise
            log.error("job %s: %s", claim.job_id, error)
            self.failed(claim, DISK_FULL, workdir)
        finally:
            heartbeat.stop()

    def finish(self, claim, book, result, workdir, started, resumed, counted_words, lexicon):
        audio_name = services.store_audio(claim.job_id, result.mp3, result.vtt, result.cover)
        seconds = time.monotonic() - started
        details = {
            "duration": result.duration,
            "audio_size": default_storage.size(audio_name),
            "chapters": [{"title": title, "start": start} for title, start in result.chapters],
        }
        details.update(language=result.language, voice=result.voice, reading_note=result.note)
        details["rate"] = settings.TTS_RATE
        details["spoken_with"] = listening.spoken_with(lexicon, result.voice)
        if result.page_count:
            details["page_count"] = result.page_count
        if result.author:
            details["author"] = result.author[:500]
        stats = {
            "voice": result.voice, "words": result.words, "counted_words": counted_words,
            "audio_seconds": result.duration, "seconds": seconds, "resumed": resumed,
        }  # fmt: skip
        replaced = queue.complete_job(claim, audio_name, details, stats)
        # The finished MP3 holds the same audio: the book's ready segments are no longer needed.
        queue.retry_on_disconnect(services.remove_ready_segments, book.pk)
        if replaced is None:  # lost while saving: the book is gone, or the job recovered
            services.remove_files(audio_file_names(audio_name))
            self.say(f"job {claim.job_id}: lost before it could be saved; files removed")
        else:
            if replaced:
                queue.retry_on_disconnect(services.release_audio, replaced)
            self.say(
                f"job {claim.job_id}: completed in {seconds:.1f} s, "
                f"{result.duration / 3600:.2f} h of audio"
            )
        shutil.rmtree(workdir, ignore_errors=True)

    def lost(self, claim):
        self.say(f"job {claim.job_id}: lost (audiobook deleted or job recovered); stopped")
        if not Audiobook.objects.filter(pk=claim.book_id).exists():
            shutil.rmtree(queue.work_folder(claim.book_id), ignore_errors=True)
            services.remove_segment_files([claim.book_id])

    def failed(self, claim, message, workdir):
        queue.fail_job(claim, message)
        shutil.rmtree(workdir, ignore_errors=True)
        queue.retry_on_disconnect(services.remove_ready_segments, claim.book_id)
        self.say(f"job {claim.job_id}: failed: {message}")
