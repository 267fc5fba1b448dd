"""Speech processes: chapters of chunks -> MP3 segments, spoken by a pool of child processes.

The pipeline hands `speak_chapters` its chapters as (title, chunks). Chapters are cut into
segments of at most MAX_SEGMENT_CHARS characters (consecutive chunks); each segment goes to one
speech process, longest first, which speaks its chunks with the voice's engine (or takes them
from the chunk cache) and encodes them straight into an MP3 segment (audio.Mp3SegmentWriter).
audio.write_audiobook then joins the segments. Cutting long chapters lets any number of cores
share them and bounds what a crash has to redo.

A book that is listened to while it converts (`on_ready`) is cut differently: small segments
at the start, growing to about a minute and a half, taken in reading order, and each handed
back in order as soon as it and all before it are done, so that its beginning plays within
seconds.

Children are started with "spawn" (safe when the parent holds threads and database
connections), ask the kernel to SIGKILL them when the parent dies (PR_SET_PDEATHSIG) and
ignore SIGINT/SIGTERM (the worker command decides how to stop). Each loads the voice once. A
child that crashes, reports an error or finishes no chunk within `chunk_timeout` is killed and
its segment is run again by a fresh child; finished chunks are cached as WAV files, so that
costs one chunk. A chunk that fails twice raises SpeechError. Finished segments are cached too
(MP3 + JSON, keyed by their chunks' keys), and their chunk WAVs, ten times larger, are then
deleted: a retried job reuses whole segments, and the work folder holds at most one segment's
WAVs per process.

The engines get each chunk normalised (conversions.normalize: numbers, abbreviations, links
and symbols in words, and the pronunciation list) while the captions keep the text as written.
The cache key of a chunk covers everything that shapes its audio: the text as spoken (after
normalisation, so a changed rule or list speaks it again), the voice, the rate, the engine's
versions and a hash of the voice's model.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import multiprocessing
import os
import signal
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_for_any
from pathlib import Path

from audiobooker.disk import is_disk_full

from ..audio import ENCODER_ID, AudioSegment, ChapterAudio, Mp3SegmentWriter
from ..children import die_with_parent
from ..normalize import Lexicon, Substitution, normalize
from .chunking import speakable_text
from .errors import SpeechError, VoiceUnusable
from .voices import Voice, engine_module
from .wavfiles import SAMPLE_WIDTH, WavFormatError, read_wav

log = logging.getLogger(__name__)

MAX_SEGMENT_CHARS = 30_000  # about half an hour of English speech; see the module docstring
# In reading order (see `speak_chapters`), segments grow from FIRST_READY_CHARS (a title and a
# sentence or two: sound within a second or two of the voice starting) by doubling to
# READY_SEGMENT_CHARS, about a minute and a half of English speech: small enough that what
# is finished is soon playable, large enough that a 10-hour book makes a few hundred files.
FIRST_READY_CHARS = 200
READY_SEGMENT_CHARS = 1_500
CACHE_VERSION = 2  # bump when a change here alters the audio for the same text
WARM_UP_TEXT = "a."  # every eSpeak voice says it (some say nothing for "1.")

# Test hook, read only in the child processes: JSON {"kind": "hang"|"segv"|"exit", "marker": str,
# "once": path}. Before speaking a chunk that contains `marker`, the child misbehaves; with
# "once", only the first child to create that file does (it writes its pid there).
FAULT_ENV = "AUDIOBOOKER_SPEECH_FAULT"


# --- cache keys -------------------------------------------------------------------------------


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False).encode()).hexdigest()


def chunk_key(spoken: str, voice: Voice, rate: int, engine_identity: str) -> str:
    """Cache key of a chunk's audio: the text as spoken, the voice, the rate and the engine."""
    return _digest([CACHE_VERSION, engine_identity, voice.id, int(rate), spoken])


def _segment_paths(workdir: Path, key: str) -> tuple[Path, Path]:
    return workdir / "segments" / f"{key}.mp3", workdir / "segments" / f"{key}.json"


def _load_segment(mp3: Path, meta: Path) -> AudioSegment | None:
    try:
        info = json.loads(meta.read_text())
        if mp3.stat().st_size != info["size"]:
            return None
    except (OSError, ValueError, KeyError):
        return None
    return AudioSegment(
        mp3,
        info["frames"],
        tuple(info["chunk_samples"]),
        info["samples_per_frame"],
        info["sample_rate"],
    )


# --- the speech process -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    """A segment to speak: chunks [first, first + len(texts)) of chapter `chapter`."""

    id: int
    chapter: int
    first: int
    texts: tuple[str, ...]

    @property
    def size(self) -> int:
        return sum(len(t) for t in self.texts)


def _maybe_fault(text: str) -> None:
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    fault = json.loads(spec)
    if fault["marker"] not in text:
        return
    if fault.get("once"):
        try:
            fd = os.open(fault["once"], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
    kind = fault["kind"]
    if kind == "hang":
        time.sleep(3600)
    elif kind == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif kind == "exit":
        os._exit(70)


class _Speaking:
    """What a speech process holds: the loaded voice, the pronunciation list, and the keys of
    its chunks."""

    def __init__(
        self, voice: Voice, rate: int, threads: int, workdir: Path, lexicon: Sequence
    ) -> None:
        engine = engine_module(voice)
        self.voice, self.rate, self.workdir = voice, rate, workdir
        self.lexicon = Lexicon(lexicon)
        self.identity = engine.identity(voice)
        self.speaker = engine.open_speaker(voice, rate, threads)
        self.sample_rate = self.speaker.sample_rate

    def spoken_text(self, text: str) -> str:
        """What the engine reads for a chunk: numbers, abbreviations, links and symbols in
        words in the voice's language (the caption keeps the text as written)."""
        return speakable_text(
            normalize(text, self.voice.language, self.lexicon), self.voice.language
        )

    def run(self, task: _Task, send: Callable[[tuple], None]) -> None:
        """Speak a task's chunks (or take them from the cache) into its MP3 segment."""
        spoken = [self.spoken_text(text) for text in task.texts]
        keys = [chunk_key(text, self.voice, self.rate, self.identity) for text in spoken]
        # The segment's place in the book is in its key: two segments with the same text (a book
        # that repeats a chapter) are spoken at the same time by two children, and sharing one
        # file would pair one child's MP3 with the other's frame count.
        place = [task.chapter, task.first]
        mp3, meta = _segment_paths(self.workdir, _digest([ENCODER_ID, place, keys]))
        segment = _load_segment(mp3, meta)
        if segment is not None:
            send(("segment", task.id, segment))
            return

        chunk_dir = self.workdir / "chunks"
        chunk_dir.mkdir(parents=True, exist_ok=True)
        writer = Mp3SegmentWriter(mp3, sample_rate=self.sample_rate)
        try:
            for index, (text, key) in enumerate(zip(spoken, keys, strict=True)):
                wav = chunk_dir / f"{key}.wav"
                try:
                    pcm = read_wav(wav, self.sample_rate)
                    fresh = False
                except (OSError, EOFError, WavFormatError, ValueError):
                    _maybe_fault(task.texts[index])
                    pcm = self.speaker.speak(text, wav)
                    fresh = True
                samples = writer.add_chunk([pcm])
                send(("chunk", task.id, index, samples, fresh))
            segment = writer.close()
        except BaseException:
            writer.abort()
            raise
        tmp = meta.with_name(f".{meta.name}.{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps(
                {
                    "frames": segment.frames,
                    "chunk_samples": list(segment.chunk_samples),
                    "samples_per_frame": segment.samples_per_frame,
                    "sample_rate": segment.sample_rate,
                    "size": mp3.stat().st_size,
                }
            )
        )
        os.replace(tmp, meta)
        # The segment now stands for its chunks; their WAVs (10x its size) are no longer needed.
        for key in keys:
            (chunk_dir / f"{key}.wav").unlink(missing_ok=True)
        send(("segment", task.id, segment))


def _process_main(
    conn, parent_pid: int, workdir: str, voice: Voice, rate: int, threads: int, lexicon
) -> None:
    """Speech process: load the voice, then take tasks from `conn` until None or EOF."""
    die_with_parent(parent_pid)
    # Ctrl-C and a service manager's SIGTERM reach the whole process group; the parent decides
    # how to stop (finish or abandon the job), and this process dies with it either way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        speaking = _Speaking(voice, rate, threads, Path(workdir), lexicon)
        # A first word checks the engine, the voice and the scratch folder before real work.
        warmup = Path(workdir) / "chunks" / f".warmup.{os.getpid()}.wav"
        warmup.parent.mkdir(parents=True, exist_ok=True)
        speaking.speaker.speak(speaking.spoken_text(WARM_UP_TEXT), warmup)
        warmup.unlink()
    except Exception as exc:
        if is_disk_full(exc):
            conn.send(("disk_full", exc.errno, exc.filename))
        else:
            conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            speaking.run(task, conn.send)
        except Exception as exc:
            if is_disk_full(exc):  # no retry can help: the parent stops the book
                conn.send(("disk_full", exc.errno, exc.filename))
                return
            conn.send(("error", task.id, f"{type(exc).__name__}: {exc}"))
            return  # the parent starts a fresh process: the engine's state is suspect


# --- the parent -------------------------------------------------------------------------------


def _growing_ranges(
    sizes: list[int], target: float, cap: int
) -> tuple[list[tuple[int, int]], float]:
    """Cut a chapter's chunks front to back into runs of about `target` characters, the target
    doubling after each run up to `cap`; returns the runs and the target for the next chapter."""
    ranges, start, size = [], 0, 0
    for i, n in enumerate(sizes):
        size += n
        if size >= target:
            ranges.append((start, i + 1))
            start, size, target = i + 1, 0, min(cap, target * 2)
    if start < len(sizes):
        ranges.append((start, len(sizes)))
    return ranges, target


def _segment_ranges(sizes: list[int], max_size: int) -> list[tuple[int, int]]:
    """Cut a chapter's chunks into about equal runs of at most ~max_size (deterministic)."""
    total = sum(sizes)
    count = max(1, math.ceil(total / max_size))
    if count == 1 or len(sizes) < 2:
        return [(0, len(sizes))]
    target = total / count
    ranges, start, done = [], 0, 0
    for i, n in enumerate(sizes):
        done += n
        if done >= target * (len(ranges) + 1) and i + 1 < len(sizes) and len(ranges) < count - 1:
            ranges.append((start, i + 1))
            start = i + 1
    ranges.append((start, len(sizes)))
    return ranges


class _SpeechProcess:
    """One speech process and the parent's view of it."""

    def __init__(
        self, ctx, workdir: Path, voice: Voice, rate: int, threads: int, lexicon: tuple
    ) -> None:
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(
            target=_process_main,
            args=(child_conn, os.getpid(), os.fspath(workdir), voice, rate, threads, lexicon),
            name="audiobooker-speech",
            daemon=True,  # multiprocessing also kills daemonic children when the parent exits
        )
        self.process.start()
        child_conn.close()
        self.ready = False  # said "ready": the engine and the voice work in this process
        self.task: _Task | None = None
        self.done_in_task = 0
        self.deadline = math.inf

    def assign(self, task: _Task, timeout: float) -> None:
        self.task, self.done_in_task, self.deadline = task, 0, time.monotonic() + timeout
        self.conn.send(task)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()  # reap: no zombie
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(5)
        self.kill()


def _received(conn) -> list[tuple]:
    """The messages waiting on a child's pipe (the pipe of a dead child ends with them)."""
    messages = []
    with contextlib.suppress(EOFError, OSError):
        while conn.poll():
            messages.append(conn.recv())
    return messages


def cpu_count() -> int:
    """The cores this process may use."""
    counter = getattr(os, "process_cpu_count", None)  # 3.13: honours CPU affinity
    return (counter() if counter else len(os.sched_getaffinity(0))) or 1


def speak_chapters(
    chapters: Sequence[tuple[str, Sequence[str]]],
    workdir: Path,
    *,
    voice: Voice,
    rate: int,
    processes: int | None = None,
    chunk_timeout: float = 120.0,
    progress: Callable[[float], None] | None = None,
    max_segment_chars: int = MAX_SEGMENT_CHARS,
    lexicon: Sequence[Substitution] = (),
    on_ready: Callable[[int, AudioSegment], None] | None = None,
) -> list[ChapterAudio]:
    """Speak (title, chunks) chapters with `voice` into MP3 segments under `workdir`.

    Returns one ChapterAudio per chapter. The title (if not blank) is spoken first, as its own
    chunk. `processes` children (default: the usable cores) each take a segment at a time,
    longest first; the cores are shared among them as engine threads. `progress(fraction)` is
    called in this process as chunks finish (a fraction of the characters, rising to 1.0);
    raising from it aborts the run and kills the children. `workdir` keeps finished segments
    and chunks, so calling again with the same input (a retried job) reuses them; delete it when
    the book is stored. `lexicon` is the pronunciation list ("write this, say this") applied
    before the built-in rules. Raises SpeechError when a chunk fails twice or the voice cannot
    start.

    With `on_ready`, the book is spoken front to back so that its beginning is finished first:
    segments are cut small at the start and grow (FIRST_READY_CHARS to READY_SEGMENT_CHARS),
    the processes take them in reading order, and `on_ready(chapter, segment)` is called (in
    this process) for each segment as soon as it and every segment before it are finished, in
    order. Joined byte for byte, the segments so far are the start of the finished MP3's
    audio. Without it, segments are cut as large as `max_segment_chars` and taken longest
    first, which balances the processes best when nothing is listened to before the end.
    """
    if not 80 <= int(rate) <= 450:
        raise ValueError(f"rate must be 80-450 words per minute, not {rate}")
    if chunk_timeout <= 0:
        raise ValueError("chunk_timeout must be positive")
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    texts_by_chapter: list[tuple[str, ...]] = []
    tasks: list[_Task] = []  # in reading order: a task's id is its place in the book
    target: float = FIRST_READY_CHARS
    for c, (title, chunks) in enumerate(chapters):
        texts = ((title,) if title.strip() else ()) + tuple(chunks)
        texts_by_chapter.append(texts)
        sizes = [len(t) for t in texts]
        if on_ready is not None:
            ranges, target = _growing_ranges(sizes, target, READY_SEGMENT_CHARS)
        else:
            ranges = _segment_ranges(sizes, max_segment_chars)
        for start, end in ranges:
            if end > start:
                tasks.append(_Task(len(tasks), c, start, texts[start:end]))
    total_size = sum(task.size for task in tasks)
    results: dict[int, AudioSegment] = {}
    spoken: Counter[int] = Counter()  # chunks the engine synthesized, per task, over all attempts
    done_size = 0
    counted: set[tuple[int, int]] = set()

    def report(task: _Task, indexes: range) -> None:
        nonlocal done_size
        for i in indexes:
            if (task.id, i) not in counted:
                counted.add((task.id, i))
                done_size += len(task.texts[i])
        if progress is not None:
            progress(done_size / total_size if total_size else 1.0)

    if on_ready is not None:
        pending = deque(tasks)
    else:
        pending = deque(sorted(tasks, key=lambda task: task.size, reverse=True))
    published = 0  # tasks [0, published) have been handed to on_ready

    def publish() -> None:
        nonlocal published
        while on_ready is not None and published in results:
            task = tasks[published]
            on_ready(task.chapter, results[published])
            published += 1

    cores = cpu_count()
    width = max(1, min(processes or cores, len(tasks)))
    threads = max(1, cores // width)
    ctx = multiprocessing.get_context("spawn")
    children: list[_SpeechProcess] = []
    failures: Counter[tuple[int, int]] = Counter()
    lost_starts = 0
    finished = False

    def start_child() -> _SpeechProcess:
        return _SpeechProcess(ctx, workdir, voice, rate, threads, tuple(lexicon))

    def fail(child: _SpeechProcess, reason: str) -> None:
        """Kill the child; count the failure against the chunk it was on; retry or give up."""
        nonlocal lost_starts
        task = child.task
        child.kill()
        if not child.ready:
            # Died before its first word: a start-up problem (import, engine), not the chunk's.
            lost_starts += 1
            if lost_starts > 3:
                raise VoiceUnusable(f"speech processes keep dying at start: {reason}")
            if task is not None:
                pending.appendleft(task)
        elif task is not None:
            # The chunk after the last one reported; one past the end means while finishing.
            index = task.first + child.done_in_task
            failures[(task.chapter, index)] += 1
            title = chapters[task.chapter][0]
            if failures[(task.chapter, index)] >= 2:
                texts = texts_by_chapter[task.chapter]
                raise SpeechError(
                    f"chunk {index} of chapter {task.chapter + 1} ({title!r}) failed twice: "
                    f"{reason}; it starts {texts[min(index, len(texts) - 1)][:80]!r}"
                )
            log.warning(
                "chapter %d (%r) chunk %d: %s; speaking its segment again",
                task.chapter + 1,
                title,
                index,
                reason,
            )
            pending.appendleft(task)
        children[children.index(child)] = start_child()

    def handle(child: _SpeechProcess, message: tuple) -> None:
        kind = message[0]
        if kind == "ready":
            child.ready = True
        elif kind == "chunk":
            _, task_id, index, _samples, fresh = message
            spoken[task_id] += fresh
            child.done_in_task = index + 1
            child.deadline = time.monotonic() + chunk_timeout
            report(child.task, range(index, index + 1))
        elif kind == "segment":
            _, task_id, segment = message
            results[task_id] = segment
            task, child.task, child.deadline = child.task, None, math.inf
            report(task, range(len(task.texts)))
            publish()
        elif kind == "error":
            fail(child, message[2])
        elif kind == "fatal":
            raise VoiceUnusable(f"speech process could not start with voice {voice}: {message[1]}")
        elif kind == "disk_full":
            _, number, filename = message
            raise OSError(number, os.strerror(number), filename or str(workdir))

    try:
        children.extend(start_child() for _ in range(width if tasks else 0))
        while len(results) < len(tasks):
            for child in children:
                if child.task is None and pending:
                    child.assign(pending.popleft(), chunk_timeout)
            deadline = min((c.deadline for c in children), default=math.inf)
            timeout = None if deadline == math.inf else max(0.0, deadline - time.monotonic())
            wait_for_any(
                [c.conn for c in children] + [c.process.sentinel for c in children], timeout
            )
            for child in list(children):
                # Looked at before its messages are read: a process that has ended has said
                # all it will (why it stopped, say), and that must not be lost to a race.
                alive = child.process.is_alive()
                for message in _received(child.conn):
                    handle(child, message)
                    if child not in children:
                        break  # replaced after an error
                if child not in children:
                    continue
                if not alive:
                    code = child.process.exitcode
                    how = (
                        f"signal {signal.Signals(-code).name}"
                        if code and code < 0
                        else f"exit code {code}"
                    )
                    fail(child, f"speech process died ({how})")
                elif child.task is not None and time.monotonic() > child.deadline:
                    fail(child, f"no chunk finished within {chunk_timeout:g} s")
        if progress is not None and not tasks:
            progress(1.0)
        finished = True
    finally:
        for child in children:
            child.stop() if finished else child.kill()

    audio: list[ChapterAudio] = []
    for c, (title, _) in enumerate(chapters):
        mine = [task for task in tasks if task.chapter == c]
        audio.append(
            ChapterAudio(
                title=title,
                chunk_texts=texts_by_chapter[c],
                segments=tuple(results[task.id] for task in mine),
                spoken_chunks=sum(spoken[task.id] for task in mine),
            )
        )
    return audio


def speak_to_wav(text: str, wav_path: Path, *, voice: Voice, rate: int) -> int:
    """Speak `text` in this process into `wav_path` (atomically); return its length in samples.

    Meant for one-off use and tests; books go through `speak_chapters`, which keeps the engines
    in child processes where a crash or a hang costs one chunk.
    """
    wav_path = Path(wav_path)
    wav_path.parent.mkdir(parents=True, exist_ok=True)
    engine = engine_module(voice)
    speaker = engine.open_speaker(voice, rate, cpu_count())
    pcm = speaker.speak(speakable_text(normalize(text, voice.language), voice.language), wav_path)
    return len(pcm) // SAMPLE_WIDTH
