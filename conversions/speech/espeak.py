"""eSpeak NG through pyttsx3: the fastest engine, in about 100 languages (a formant voice).

pyttsx3 2.99 with eSpeak NG 1.51 has traps, each handled here at the depth it needs
(measured on this machine):
- `runAndWait()` returns before the WAV exists (eSpeak synthesizes on its own thread): we wait
  until the `finished-utterance` callback has returned before touching the file or queueing
  the next text (the driver changes its state after notifying).
- the driver's stop(), run before every utterance, cancels eSpeak whenever its queue is busy,
  which it is with the voice and rate just set; the cancel drops them and resets the rate:
  rate changes were lost and most short utterances came back cut. Only speech is stopped here.
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
  and `>` into pauses and reads the rest ("b bold slash b"): chunking.speakable_text says them
  as words instead.
- a NUL cuts the C string short and lone surrogates cannot be encoded: speakable_text cleans both.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from pathlib import Path

from .chunking import has_words
from .errors import SpeechError
from .wavfiles import SAMPLE_WIDTH, read_wav, tmp_name, write_wav

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050  # eSpeak NG's only output rate
SPEAK_ATTEMPTS = 3  # for silent or truncated utterances


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
    return f"pyttsx3 {version('pyttsx3')}; eSpeak NG {espeak_version}"


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


def _too_short(pcm: bytes, text: str, rate: int) -> bool:
    """Silent or far shorter than any voice speaks these words: an utterance eSpeak dropped.

    Whitespace-only output is exact zeros, so the silence test is a C-speed count. The length
    floor is a quarter of the time the words take at `rate`; real speech never comes close.
    """
    words = sum(1 for word in text.split() if has_words(word))
    if not words:
        return False
    floor = words * 60 / max(rate, 1) * SAMPLE_RATE * 0.25
    return pcm.count(0) == len(pcm) or len(pcm) // SAMPLE_WIDTH < floor


def speak_into(
    text: str, wav_path: Path, *, voice: str, rate: int, timeout: float | None = None
) -> bytes:
    """Speak `text` (already `speakable_text`) with eSpeak voice `voice` into `wav_path`, atomically; return its PCM.

    eSpeak writes a temporary name that is renamed only once the audio is checked, so the
    file, when present, is always a whole utterance (the chunk cache relies on it). A silent
    or truncated result is spoken again, up to SPEAK_ATTEMPTS times in all. Blank text makes
    an empty WAV without calling eSpeak (pyttsx3 asserts on "" and gives silence for blanks).
    """
    scratch = tmp_name(wav_path)
    try:
        if not text.strip():
            write_wav(scratch, b"", SAMPLE_RATE)
            os.replace(scratch, wav_path)
            return b""
        engine = get_engine()
        for attempt in range(1, SPEAK_ATTEMPTS + 1):
            engine.synthesize(text, scratch, voice=voice, rate=rate, timeout=timeout)
            pcm = read_wav(scratch, SAMPLE_RATE)
            if not _too_short(pcm, text, rate):
                os.replace(scratch, wav_path)
                return pcm
            log.warning(
                "eSpeak returned %d samples for %d words (attempt %d); speaking again",
                len(pcm) // SAMPLE_WIDTH,
                len(text.split()),
                attempt,
            )
        if not any(ch.isalpha() for ch in text):
            # Some voices say nothing at all for digits (Hebrew, Chuvash, Turkmen, Cherokee):
            # a chunk of only numbers is silence in them, not a failure.
            os.replace(scratch, wav_path)
            return pcm
    finally:
        scratch.unlink(missing_ok=True)
    raise SpeechError(f"eSpeak produced no audio for {text[:60]!r} after {SPEAK_ATTEMPTS} attempts")


class EspeakSpeaker:
    """Speaks with one eSpeak voice at one rate, through this process's engine."""

    sample_rate = SAMPLE_RATE

    def __init__(self, voice_name: str, rate: int) -> None:
        self.voice_name, self.rate = voice_name, int(rate)

    def speak(self, text: str, wav_path: Path) -> bytes:
        return speak_into(text, wav_path, voice=self.voice_name, rate=self.rate)


def open_speaker(voice, rate: int, threads: int = 1) -> EspeakSpeaker:
    """The engine-module entry point (see voices.engine_module); eSpeak runs on one thread."""
    get_engine()  # fails here, at start, when pyttsx3 or eSpeak is missing
    return EspeakSpeaker(voice.path or voice.name, rate)


def identity(voice) -> str:
    """Everything besides the text and the voice's name that shapes the audio."""
    return engine_id()
