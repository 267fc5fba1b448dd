"""Narration text -> speech with pyttsx3 driving eSpeak NG -> MP3 parts, in child processes.

The pipeline hands `speak_chapters` its chapters as (title, chunks) with chunks made by
`split_into_chunks`. Chapters are cut into parts of at most MAX_PART_WORDS words (consecutive
chunks); each part goes to one child process, longest first, which speaks its chunks (or takes
them from the chunk cache) and encodes them straight into an MP3 part (audio.Mp3PartWriter).
audio.write_audiobook then joins the parts. Whole chapters per process, as the issue asked,
balance well on two cores, but one chapter of a book can be a fifth of it or more: cutting
long chapters lets any number of cores share them and bounds what a crash has to redo.

pyttsx3 2.99 with eSpeak NG 1.51 has traps, each handled here at the depth it needs
(measured on this machine):
- `runAndWait()` returns before the WAV exists (eSpeak synthesizes on its own thread): we wait
  until the `finished-utterance` callback has returned before touching the file or queueing
  the next text (the driver changes its state after notifying).
- the driver's stop(), run before every utterance, cancels eSpeak whenever its queue is busy,
  which it is with the voice and rate just set; the cancel drops them and resets the rate:
  rate changes were lost and most short utterances came back cut. It now stops only speech.
- the driver tells `espeak_Synth` the text is 10x its size; eSpeak then crashes on texts of
  ~25 KB here (pyttsx3 issue #448): the driver subclass below passes the true size.
- the driver grows its audio with `bytes +=` (quadratic): 3,000 words ran at 38x real time
  instead of 740x. The subclass keeps the same attribute but as a bytearray (amortized O(1)).
- the driver's loop naps 10 ms at a time until eSpeak's thread ends it: it now wakes when the
  utterance is done (~7 % of the time of a 250-word chunk).
- the driver prints "Audio saved to ..." on every file: silenced in that module only.
- one eSpeak per process (a second engine or a second thread hangs or crashes it): a process
  singleton behind a lock; parallelism comes from processes.
- `''` raises, whitespace gives 1,013 samples of zeros, and under load an utterance can come
  out empty: blank text is never sent, and silent or implausibly short audio is spoken again.
- the rate read back from `getProperty('rate')` cannot be trusted (eSpeak queues the change):
  voice and rate are set before every utterance and never read back.
- markup: we never pass eSpeak's SSML flag, so tags are not interpreted, but eSpeak turns `<`
  and `>` into pauses and reads the rest ("b bold slash b"): they are spoken as words instead.
- a NUL cuts the C string short and lone surrogates cannot be encoded: both are cleaned.

Children are started with "spawn" (safe when the parent holds threads and database
connections), ask the kernel to SIGKILL them when the parent dies (PR_SET_PDEATHSIG) and
ignore SIGINT/SIGTERM (the worker command decides how to stop). A child that crashes, reports an error
or finishes no chunk within `chunk_timeout` is killed and its part is run again by a fresh
child; finished chunks are cached as WAV files, so that costs one chunk. A chunk that fails
twice raises SpeechError. Finished parts are cached too (MP3 + JSON, keyed by their chunks'
keys), and their chunk WAVs, ten times larger, are then deleted: a retried job reuses whole
parts, and the work folder holds at most one part's WAVs per process.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import math
import multiprocessing
import os
import re
import signal
import threading
import time
import wave
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_for_any
from pathlib import Path

from audiobooker.disk import is_disk_full

from .audio import ENCODER_ID as _ENCODER_ID
from .audio import SAMPLE_RATE, SAMPLE_WIDTH, AudioPart, ChapterAudio, Mp3PartWriter
from .children import die_with_parent

__all__ = [
    "ChapterAudio",
    "SpeechError",
    "speak_chapters",
    "speak_into",
    "speak_to_wav",
    "speakable_text",
    "split_into_chunks",
    "split_sentences",
]

log = logging.getLogger(__name__)

DEFAULT_VOICE = "en"
DEFAULT_RATE = 175  # words per minute
MAX_CHUNK_WORDS = 250  # <= 250 words ran at ~850x real time per core; captions stay usable
MAX_CHUNK_CHARS = 4000  # bounds chunks of long "words" (paths, URLs) that a word count misses
MAX_PART_WORDS = 5000  # about half an hour of audio; see the module docstring
SPEAK_ATTEMPTS = 3  # within one child, for silent or truncated utterances
CACHE_VERSION = 1  # bump when a change here alters the audio for the same text

# Test hook, read only in the child processes: JSON {"kind": "hang"|"segv"|"exit", "marker": str,
# "once": path}. Before speaking a chunk that contains `marker`, the child misbehaves; with
# "once", only the first child to create that file does (it writes its pid there).
FAULT_ENV = "AUDIOBOOKER_SPEECH_FAULT"


class SpeechError(RuntimeError):
    """Speaking failed for good (a chunk failed twice, or eSpeak/the voice is unusable)."""


# --- text ---------------------------------------------------------------------------------

# A sentence ends at . ! ? or an ellipsis, optionally followed by closing quotes or brackets.
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)\]]))\s+")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph, whitespace collapsed (abbreviations may split; harmless here)."""
    text = " ".join(paragraph.split())
    return [s for s in _SENTENCE_BREAK.split(text) if s]


def _fits(text: str, max_words: int, max_chars: int) -> bool:
    return len(text) <= max_chars and len(text.split()) <= max_words


def _pack(pieces: list[str], max_words: int, max_chars: int) -> list[str]:
    """Join consecutive pieces greedily while the result stays within both limits."""
    chunks: list[str] = []
    current: list[str] = []
    words = chars = 0
    for piece in pieces:
        n_words, n_chars = len(piece.split()), len(piece)
        if current and (words + n_words > max_words or chars + 1 + n_chars > max_chars):
            chunks.append(" ".join(current))
            current = []
        if current:
            words, chars = words + n_words, chars + 1 + n_chars
        else:
            words, chars = n_words, n_chars
        current.append(piece)
    if current:
        chunks.append(" ".join(current))
    return chunks


def _cut_sentence(sentence: str, max_words: int, max_chars: int) -> list[str]:
    """An overlong sentence cut at , ; : first, then between words, then inside a huge word."""
    pieces: list[str] = []
    for clause in _CLAUSE_BREAK.split(sentence):
        if _fits(clause, max_words, max_chars):
            pieces.append(clause)
            continue
        for word in clause.split():
            pieces.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
    return _pack(pieces, max_words, max_chars)


def split_into_chunks(
    paragraphs: Sequence[str],
    max_words: int = MAX_CHUNK_WORDS,
    max_chars: int = MAX_CHUNK_CHARS,
) -> list[str]:
    """Group sentences into chunks of at most `max_words` words and `max_chars` characters.

    Chunks end at sentence ends (a sentence or a few); a sentence longer than the limits is cut
    at commas, semicolons or colons, else between words. No chunk is empty or without a letter
    or digit (a chunk of only punctuation would be silence).
    """
    if max_words < 1 or max_chars < 1:
        raise ValueError("max_words and max_chars must be positive")
    pieces: list[str] = []
    for paragraph in paragraphs:
        for sentence in split_sentences(paragraph):
            if _fits(sentence, max_words, max_chars):
                pieces.append(sentence)
            else:
                pieces.extend(_cut_sentence(sentence, max_words, max_chars))
    return [chunk for chunk in _pack(pieces, max_words, max_chars) if _has_words(chunk)]


def speakable_text(text: str) -> str:
    """The text as eSpeak should get it: plain, one line, `<`/`>` as words, no control bytes."""
    text = _CONTROL.sub(" ", text)
    # Lone surrogates (from broken PDF text) would make the UTF-8 encoding in the driver raise.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = text.replace("<", " less than ").replace(">", " greater than ")
    return " ".join(text.split())


def _word_count(text: str) -> int:
    return len(text.split())


# --- the engine (one per process) -------------------------------------------------------------


class _GrowableBuffer:
    """Descriptor that stores the driver's `_data_buffer` as a bytearray.

    The driver does `self._data_buffer += samples` once per 1,000 ms of audio and resets it with
    `= b""`. With bytes every append copies everything so far; a bytearray grows in place, and
    `+=` hands the same object back to this setter, which keeps it.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}_bytearray"

    def __get__(self, obj: object, owner: type | None = None) -> bytearray:
        return getattr(obj, self.slot)

    def __set__(self, obj: object, value: bytes | bytearray) -> None:
        setattr(obj, self.slot, value if isinstance(value, bytearray) else bytearray(value))


def _silent_print(*args: object, **kwargs: object) -> None:
    pass


@functools.cache
def _patched_driver_class() -> type:
    """pyttsx3's espeak driver with its traps fixed; installed as the module's buildDriver.

    Also shadows `print` in that module only: the driver prints a line for every saved file.
    """
    from pyttsx3.drivers import _espeak, espeak

    class PatchedEspeakDriver(espeak.EspeakDriver):
        _data_buffer = _GrowableBuffer()

        def __init__(self, proxy: object) -> None:
            super().__init__(proxy)
            # Set once eSpeak's callback for the last piece of an utterance has returned.
            self.settled = threading.Event()
            self.settled.set()

        def _start_synthesis(self, text: str) -> None:
            # Upstream passes len(text) * 10 as the text's size; eSpeak copies that much and
            # segfaults on long texts (pyttsx3 #448; PR #451 proposes this same fix).
            # SSML is deliberately not among the flags: text is never interpreted as markup.
            # A stop request still pending can only concern the previous utterance.
            self._stopping = False
            self.settled.clear()
            self._proxy.setBusy(True)
            self._proxy.notify("started-utterance")
            self._speaking = True
            self._data_buffer = b""
            data = str(text).encode("utf-8")
            flags = _espeak.ENDPAUSE | _espeak.CHARS_UTF8
            try:
                status = _espeak.cSynth(
                    data, len(data) + 1, 0, _espeak.POS_CHARACTER, 0, flags, None, None
                )
                if status != _espeak.EE_OK:
                    raise RuntimeError(f"espeak_Synth returned {status}")
            except Exception as exc:
                self._speaking = False
                self.settled.set()
                self._proxy.setBusy(False)
                self._proxy.notify("error", exception=exc)
                raise

        def stop(self) -> None:
            # runAndWait() calls stop() before every utterance. Upstream cancels whenever
            # eSpeak's queue is busy, but right then the queue holds only the voice and rate
            # just set, and espeak_Cancel() drops them and resets every parameter to its saved
            # value. Measured: rate 350 came out at 175 in 20 of 20 tries, and 235 of 300 short
            # utterances in a row came back "stopped" or cut. Only stop a real utterance.
            if self._speaking and _espeak.IsPlaying():
                self._stopping = True
                _espeak.Cancel()

        def startLoop(self) -> None:
            # Upstream polls with 10 ms naps until eSpeak's thread ends the loop (after the
            # first call runAndWait() blocks for the whole synthesis): up to 10 ms lost per
            # utterance, ~7 % of a 250-word chunk. Same loop, woken when the utterance settles.
            first = True
            self._looping = True
            while self._looping:
                if first:
                    self._proxy.setBusy(False)
                    first = False
                    if self._text_to_say:
                        self._start_synthesis(self._text_to_say)
                self.iterate()
                if self._looping:
                    self.settled.wait(0.01)

        def _onSynth(self, wav: object, numsamples: int, events: object) -> int:
            # Upstream reports finished-utterance from inside this callback, then still sets
            # the proxy idle (which runs queued commands) and ends the loop. A caller that
            # queues the next text on finished-utterance races those writes; losing the race
            # ends the next runAndWait() loop before it starts the synthesis (a hang). So
            # callers wait for `settled`, set once this callback has returned.
            was_speaking = self._speaking
            try:
                return super()._onSynth(wav, numsamples, events)
            except Exception as exc:
                # ctypes prints an exception raised in a callback and drops it, and this
                # utterance would never settle (a hang until the chunk's timeout). The one seen:
                # pyttsx3 cannot write the WAV file (a full disk); it wraps that OSError in a
                # RuntimeError, and the OSError is what the caller needs.
                cause = exc.__context__ if isinstance(exc.__context__, OSError) else exc
                self._speaking = False
                self._data_buffer = b""
                self._proxy.notify("error", exception=cause)
                self._proxy.setBusy(False)
                self.endLoop()
                return 0
            finally:
                if was_speaking and not self._speaking:
                    self.settled.set()

    espeak.print = _silent_print
    espeak.buildDriver = PatchedEspeakDriver
    return PatchedEspeakDriver


@functools.cache
def engine_id() -> str:
    """Identifies everything that shapes the audio for a text; part of every cache key."""
    from importlib.metadata import version

    from pyttsx3.drivers import _espeak

    espeak_version = (_espeak.Info(None) or b"?").decode()
    return f"pyttsx3 {version('pyttsx3')}; eSpeak NG {espeak_version}; cache v{CACHE_VERSION}"


class SpeechEngine:
    """The process's one pyttsx3 engine; use `get_engine()`. Calls are serialized by a lock."""

    def __init__(self) -> None:
        import pyttsx3

        driver_class = _patched_driver_class()
        # pyttsx3.init() would hand out a weakly cached engine; we hold ours for the process.
        self._engine = pyttsx3.Engine("espeak")
        self._driver = self._engine.proxy._driver
        if not isinstance(self._driver, driver_class):
            raise SpeechError("pyttsx3 did not build the patched eSpeak driver")
        self._lock = threading.Lock()
        self._completed = False
        self._errors: list[BaseException] = []
        self._broken = False
        self._engine.connect("finished-utterance", self._on_finished)
        self._engine.connect("error", self._on_error)

    def _on_finished(self, completed: bool = True, **_: object) -> None:
        self._completed = completed

    def _on_error(self, exception: BaseException | None = None, **_: object) -> None:
        self._errors.append(exception or RuntimeError("unknown pyttsx3 error"))

    def synthesize(
        self, text: str, wav_path: Path, *, voice: str, rate: int, timeout: float | None = None
    ) -> None:
        """Speak non-blank `text` into the WAV file `wav_path`; return once the file is complete."""
        if not text.strip():
            raise ValueError("nothing to speak")
        with self._lock:
            if self._broken:
                raise SpeechError("the speech engine failed earlier; start a new process")
            self._errors.clear()
            self._completed = False
            # Setters run at once (or queued before the text on the first call); errors such as
            # an unknown voice arrive through the "error" callback, not as exceptions.
            self._engine.setProperty("voice", voice)
            self._engine.setProperty("rate", int(rate))
            self._engine.save_to_file(text, os.fspath(wav_path))
            try:
                self._engine.runAndWait()
            except Exception as exc:
                self._broken = True  # pyttsx3 leaves its loop flag set: this engine is done
                raise SpeechError(f"eSpeak refused the text: {exc}") from exc
            # On a fresh engine runAndWait() returns ~10 ms after starting the synthesis, before
            # the WAV exists; eSpeak's own thread writes it and reports finished-utterance from
            # inside its callback. Wait until that callback has returned (`settled`, see the
            # driver) before the file is read or the next text queued.
            if not self._driver.settled.wait(timeout):
                self._broken = True
                raise SpeechError(f"eSpeak did not finish within {timeout} s")
            if self._errors:
                error = self._errors[0]
                if isinstance(error, OSError):
                    raise error  # the WAV file could not be written: not eSpeak's fault
                if isinstance(error, ValueError):
                    raise SpeechError(f"eSpeak rejected voice {voice!r}: {error}")
                raise SpeechError(f"eSpeak failed: {error}")
            if not self._completed:
                raise SpeechError("eSpeak stopped before the end of the text")


_engine: SpeechEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> SpeechEngine:
    """This process's engine, created on first use."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = SpeechEngine()
        return _engine


def _read_wav(path: Path) -> bytes:
    with wave.open(os.fspath(path), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, SAMPLE_WIDTH, SAMPLE_RATE):
            raise SpeechError(f"{path}: not {SAMPLE_RATE} Hz mono 16-bit")
        return w.readframes(w.getnframes())


def _write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(os.fspath(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(SAMPLE_WIDTH)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _too_short(pcm: bytes, text: str, rate: int) -> bool:
    """Silent or far shorter than any voice speaks these words: an utterance eSpeak dropped.

    Whitespace-only output is exact zeros, so the silence test is a C-speed count. The length
    floor is a quarter of the time the words take at `rate`; real speech never comes close.
    """
    words = sum(1 for word in text.split() if _has_words(word))
    if not words:
        return False
    floor = words * 60 / max(rate, 1) * SAMPLE_RATE * 0.25
    return pcm.count(0) == len(pcm) or len(pcm) // SAMPLE_WIDTH < floor


def speak_into(
    text: str, wav_path: Path, *, voice: str, rate: int, timeout: float | None = None
) -> bytes:
    """Speak `text` (already `speakable_text`) into `wav_path`, atomically; return its PCM.

    eSpeak writes a temporary name that is renamed only once the audio is checked, so the
    file, when present, is always a whole utterance (the chunk cache relies on it). A silent
    or truncated result is spoken again, up to SPEAK_ATTEMPTS times in all. Blank text makes
    an empty WAV without calling eSpeak (pyttsx3 asserts on "" and gives silence for blanks).
    """
    scratch = _tmp_name(wav_path)
    try:
        if not text.strip():
            _write_wav(scratch, b"")
            os.replace(scratch, wav_path)
            return b""
        engine = get_engine()
        for attempt in range(1, SPEAK_ATTEMPTS + 1):
            engine.synthesize(text, scratch, voice=voice, rate=rate, timeout=timeout)
            pcm = _read_wav(scratch)
            if not _too_short(pcm, text, rate):
                os.replace(scratch, wav_path)
                return pcm
            log.warning(
                "eSpeak returned %d samples for %d words (attempt %d); speaking again",
                len(pcm) // SAMPLE_WIDTH,
                _word_count(text),
                attempt,
            )
    finally:
        scratch.unlink(missing_ok=True)
    raise SpeechError(f"eSpeak produced no audio for {text[:60]!r} after {SPEAK_ATTEMPTS} attempts")


def speak_to_wav(
    text: str, wav_path: Path, *, voice: str = DEFAULT_VOICE, rate: int = DEFAULT_RATE
) -> int:
    """Speak `text` in this process into `wav_path` (atomically); return its length in samples.

    Meant for one-off use and tests; whole books go through `speak_chapters`, which keeps
    eSpeak in child processes where a crash or a hang costs one chunk.
    """
    wav_path = Path(wav_path)
    wav_path.parent.mkdir(parents=True, exist_ok=True)
    pcm = speak_into(speakable_text(text), wav_path, voice=voice, rate=rate)
    return len(pcm) // SAMPLE_WIDTH


# --- cache keys -------------------------------------------------------------------------------


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False).encode()).hexdigest()


def chunk_key(text: str, voice: str, rate: int) -> str:
    """Cache key of a chunk's audio: spoken text, voice, rate and engine versions."""
    return _digest([engine_id(), voice, int(rate), SAMPLE_RATE, speakable_text(text)])


# --- the child process ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """A part: chunks [first, first + len(texts)) of chapter `chapter`."""

    id: int
    chapter: int
    first: int
    texts: tuple[str, ...]

    @property
    def words(self) -> int:
        return sum(_word_count(t) for t in self.texts)


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


def _part_paths(workdir: Path, key: str) -> tuple[Path, Path]:
    return workdir / "parts" / f"{key}.mp3", workdir / "parts" / f"{key}.json"


def _load_part(mp3: Path, meta: Path) -> AudioPart | None:
    try:
        info = json.loads(meta.read_text())
        if mp3.stat().st_size != info["size"]:
            return None
    except (OSError, ValueError, KeyError):
        return None
    return AudioPart(
        mp3,
        info["frames"],
        tuple(info["chunk_samples"]),
        info["samples_per_frame"],
        info["sample_rate"],
    )


def _run_job(
    job: _Job, workdir: Path, voice: str, rate: int, send: Callable[[tuple], None]
) -> None:
    keys = [chunk_key(text, voice, rate) for text in job.texts]
    # The part's place in the book is in its key: two parts with the same text (a book that
    # repeats a chapter) are spoken at the same time by two children, and sharing one file
    # would pair one child's MP3 with the other's frame count.
    place = [job.chapter, job.first]
    mp3, meta = _part_paths(workdir, _digest([engine_id(), _ENCODER_ID, place, keys]))
    part = _load_part(mp3, meta)
    if part is not None:
        send(("part", job.id, part))
        return

    chunk_dir = workdir / "chunks"
    chunk_dir.mkdir(parents=True, exist_ok=True)
    writer = Mp3PartWriter(mp3)
    try:
        for index, (text, key) in enumerate(zip(job.texts, keys, strict=True)):
            wav = chunk_dir / f"{key}.wav"
            try:
                pcm = _read_wav(wav)
                fresh = False
            except (OSError, EOFError, wave.Error, SpeechError):
                _maybe_fault(text)
                pcm = speak_into(speakable_text(text), wav, voice=voice, rate=rate)
                fresh = True
            samples = writer.add_chunk([pcm])
            send(("chunk", job.id, index, samples, fresh))
        part = writer.close()
    except BaseException:
        writer.abort()
        raise
    tmp = _tmp_name(meta)
    tmp.write_text(
        json.dumps(
            {
                "frames": part.frames,
                "chunk_samples": list(part.chunk_samples),
                "samples_per_frame": part.samples_per_frame,
                "sample_rate": part.sample_rate,
                "size": mp3.stat().st_size,
            }
        )
    )
    os.replace(tmp, meta)
    # The part now stands for its chunks; their WAVs (10x its size) are no longer needed.
    for key in keys:
        (chunk_dir / f"{key}.wav").unlink(missing_ok=True)
    send(("part", job.id, part))


def _worker_main(conn, parent_pid: int, workdir: str, voice: str, rate: int) -> None:
    """Child process: take jobs from `conn` until None or EOF; report chunk by chunk."""
    die_with_parent(parent_pid)
    # Ctrl-C and a service manager's SIGTERM reach the whole process group; the parent decides
    # how to stop (finish or abandon the job), and this process dies with it either way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        # A first word checks eSpeak, the voice and the scratch folder before any real work.
        warmup = Path(workdir) / "chunks" / f".warmup.{os.getpid()}.wav"
        warmup.parent.mkdir(parents=True, exist_ok=True)
        speak_into("ready", warmup, voice=voice, rate=rate)
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
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            _run_job(job, Path(workdir), voice, rate, conn.send)
        except Exception as exc:
            if is_disk_full(exc):  # no retry can help: the parent stops the book
                conn.send(("disk_full", exc.errno, exc.filename))
                return
            conn.send(("error", job.id, f"{type(exc).__name__}: {exc}"))
            return  # the parent starts a fresh process: eSpeak's state is suspect


# --- the parent -------------------------------------------------------------------------------


def _part_ranges(words: list[int], max_words: int) -> list[tuple[int, int]]:
    """Cut a chapter's chunks into about equal runs of at most ~max_words (deterministic)."""
    total = sum(words)
    count = max(1, math.ceil(total / max_words))
    if count == 1 or len(words) < 2:
        return [(0, len(words))]
    target = total / count
    ranges, start, done = [], 0, 0
    for i, n in enumerate(words):
        done += n
        if done >= target * (len(ranges) + 1) and i + 1 < len(words) and len(ranges) < count - 1:
            ranges.append((start, i + 1))
            start = i + 1
    ranges.append((start, len(words)))
    return ranges


class _Worker:
    """One child process and the parent's view of it."""

    def __init__(self, ctx, workdir: Path, voice: str, rate: int) -> None:
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main,
            args=(child_conn, os.getpid(), os.fspath(workdir), voice, rate),
            name="audiobooker-speech",
            daemon=True,  # multiprocessing also kills daemonic children when the parent exits
        )
        self.process.start()
        child_conn.close()
        self.ready = False  # said "ready": eSpeak and the voice work in this process
        self.job: _Job | None = None
        self.done_in_job = 0
        self.deadline = math.inf

    def assign(self, job: _Job, timeout: float) -> None:
        self.job, self.done_in_job, self.deadline = job, 0, time.monotonic() + timeout
        self.conn.send(job)

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


def _cpu_count() -> int:
    counter = getattr(os, "process_cpu_count", None)  # 3.13: honours CPU affinity
    return (counter() if counter else len(os.sched_getaffinity(0))) or 1


def speak_chapters(
    chapters: Sequence[tuple[str, Sequence[str]]],
    workdir: Path,
    *,
    voice: str = DEFAULT_VOICE,
    rate: int = DEFAULT_RATE,
    processes: int | None = None,
    chunk_timeout: float = 120.0,
    progress: Callable[[float], None] | None = None,
    max_part_words: int = MAX_PART_WORDS,
) -> list[ChapterAudio]:
    """Speak (title, chunks) chapters into MP3 parts under `workdir`; one ChapterAudio each.

    The title (if not blank) is spoken first, as its own chunk. `processes` children (default:
    the usable cores) each take a part at a time, longest first. `progress(fraction)` is called
    in this process as chunks finish (a fraction of the words, rising to 1.0); raising from it
    aborts the run and kills the children. `workdir` keeps finished parts and chunks, so calling
    again with the same input (a retried job) reuses them; delete it when the book is stored.
    Raises SpeechError when a chunk fails twice or eSpeak cannot start.
    """
    if not 80 <= int(rate) <= 450:
        raise ValueError(f"rate must be 80-450 words per minute, not {rate}")
    if chunk_timeout <= 0:
        raise ValueError("chunk_timeout must be positive")
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    texts_by_chapter: list[tuple[str, ...]] = []
    jobs: list[_Job] = []
    for c, (title, chunks) in enumerate(chapters):
        texts = ((title,) if title.strip() else ()) + tuple(chunks)
        texts_by_chapter.append(texts)
        for start, end in _part_ranges([_word_count(t) for t in texts], max_part_words):
            if end > start:
                jobs.append(_Job(len(jobs), c, start, texts[start:end]))
    total_words = sum(job.words for job in jobs)
    results: dict[int, AudioPart] = {}
    spoken: Counter[int] = Counter()  # chunks eSpeak synthesized, per job, over all attempts
    done_words = 0
    counted: set[tuple[int, int]] = set()

    def report(job: _Job, indexes: range) -> None:
        nonlocal done_words
        for i in indexes:
            if (job.id, i) not in counted:
                counted.add((job.id, i))
                done_words += _word_count(job.texts[i])
        if progress is not None:
            progress(done_words / total_words if total_words else 1.0)

    pending = deque(sorted(jobs, key=lambda job: job.words, reverse=True))
    width = max(1, min(processes or _cpu_count(), len(jobs)))
    ctx = multiprocessing.get_context("spawn")
    workers: list[_Worker] = []
    failures: Counter[tuple[int, int]] = Counter()
    lost_starts = 0
    finished = False

    def fail(worker: _Worker, reason: str) -> None:
        """Kill the child; count the failure against the chunk it was on; retry or give up."""
        nonlocal lost_starts
        job = worker.job
        worker.kill()
        if not worker.ready:
            # Died before its first word: a start-up problem (import, eSpeak), not the chunk's.
            lost_starts += 1
            if lost_starts > 3:
                raise SpeechError(f"speech processes keep dying at start: {reason}")
            if job is not None:
                pending.appendleft(job)
        elif job is not None:
            # The chunk after the last one reported; one past the end means while finishing.
            index = job.first + worker.done_in_job
            failures[(job.chapter, index)] += 1
            title = chapters[job.chapter][0]
            if failures[(job.chapter, index)] >= 2:
                texts = texts_by_chapter[job.chapter]
                raise SpeechError(
                    f"chunk {index} of chapter {job.chapter + 1} ({title!r}) failed twice: {reason}; "
                    f"it starts {texts[min(index, len(texts) - 1)][:80]!r}"
                )
            log.warning(
                "chapter %d (%r) chunk %d: %s; speaking its part again",
                job.chapter + 1,
                title,
                index,
                reason,
            )
            pending.appendleft(job)
        workers[workers.index(worker)] = _Worker(ctx, workdir, voice, rate)

    def handle(worker: _Worker, message: tuple) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
        elif kind == "chunk":
            _, job_id, index, _samples, fresh = message
            spoken[job_id] += fresh
            worker.done_in_job = index + 1
            worker.deadline = time.monotonic() + chunk_timeout
            report(worker.job, range(index, index + 1))
        elif kind == "part":
            _, job_id, part = message
            results[job_id] = part
            job, worker.job, worker.deadline = worker.job, None, math.inf
            report(job, range(len(job.texts)))
        elif kind == "error":
            fail(worker, message[2])
        elif kind == "fatal":
            raise SpeechError(f"speech process could not start: {message[1]}")
        elif kind == "disk_full":
            _, number, filename = message
            raise OSError(number, os.strerror(number), filename or str(workdir))

    try:
        workers.extend(_Worker(ctx, workdir, voice, rate) for _ in range(width if jobs else 0))
        while len(results) < len(jobs):
            for worker in workers:
                if worker.job is None and pending:
                    worker.assign(pending.popleft(), chunk_timeout)
            deadline = min((w.deadline for w in workers), default=math.inf)
            timeout = None if deadline == math.inf else max(0.0, deadline - time.monotonic())
            wait_for_any([w.conn for w in workers] + [w.process.sentinel for w in workers], timeout)
            for worker in list(workers):
                # Looked at before its messages are read: a process that has ended has said
                # all it will (why it stopped, say), and that must not be lost to a race.
                alive = worker.process.is_alive()
                for message in _received(worker.conn):
                    handle(worker, message)
                    if worker not in workers:
                        break  # replaced after an error
                if worker not in workers:
                    continue
                if not alive:
                    code = worker.process.exitcode
                    how = (
                        f"signal {signal.Signals(-code).name}"
                        if code and code < 0
                        else f"exit code {code}"
                    )
                    fail(worker, f"speech process died ({how})")
                elif worker.job is not None and time.monotonic() > worker.deadline:
                    fail(worker, f"no chunk finished within {chunk_timeout:g} s")
        if progress is not None and not jobs:
            progress(1.0)
        finished = True
    finally:
        for worker in workers:
            worker.stop() if finished else worker.kill()

    audio: list[ChapterAudio] = []
    for c, (title, _) in enumerate(chapters):
        mine = [job for job in jobs if job.chapter == c]
        audio.append(
            ChapterAudio(
                title=title,
                chunk_texts=texts_by_chapter[c],
                parts=tuple(results[job.id] for job in mine),
                spoken_chunks=sum(spoken[job.id] for job in mine),
            )
        )
    return audio
