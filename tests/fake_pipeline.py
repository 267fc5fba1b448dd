"""A fast stand-in for the conversion pipeline, for tests of the queue and the worker.

Set CONVERSION_PIPELINE=tests.fake_pipeline.convert_book. It behaves like the real one where
the queue cares: it reports progress, honours should_stop, keeps "chunks" in the work folder
(so a resumed job skips them), and writes an MP3 and a VTT. What it does is chosen by the PDF's
bytes and the environment:
- FAKE_PIPELINE_LOG: a file it appends "start|end|chunkN <book> <pid> <time>" lines to
  (O_APPEND), which proves that no book was converted twice at the same time, and that chunks
  were made once.
- FAKE_PIPELINE_STEPS (default 5) steps of FAKE_PIPELINE_STEP_SECONDS (default 0.01) each.
- a PDF containing b"POISON" kills its worker (SIGKILL) at the first step, every time.
- a PDF containing b"FAIL" fails with a user-facing reason.
"""

import os
import signal
import time
from pathlib import Path

from conversions.pipeline import ConversionError, ConversionResult, Interrupted


def _log(event: str, workdir: Path) -> None:
    path = os.environ.get("FAKE_PIPELINE_LOG")
    if path:
        line = f"{event} {workdir.name} {os.getpid()} {time.time():.6f}\n".encode()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def convert_book(
    pdf: Path, workdir: Path, *, progress, should_stop, processes=None, title=None, voice="",
    on_plan=None, lexicon=(), on_ready=None,
):  # fmt: skip
    data = Path(pdf).read_bytes()
    steps = int(os.environ.get("FAKE_PIPELINE_STEPS", "5"))
    seconds = float(os.environ.get("FAKE_PIPELINE_STEP_SECONDS", "0.01"))
    chunks = workdir / "chunks"
    chunks.mkdir(parents=True, exist_ok=True)
    _log("start", workdir)
    try:
        for step in range(steps):
            if b"POISON" in data:
                os.kill(os.getpid(), signal.SIGKILL)
            if b"FAIL" in data:
                raise ConversionError("This PDF is damaged and cannot be read.")
            if should_stop():
                raise Interrupted()
            chunk = chunks / f"{step}.done"
            if not chunk.exists():  # the chunk cache: a resumed job skips what is done
                time.sleep(seconds)
                chunk.write_text(str(os.getpid()))
                _log(f"chunk{step}", workdir)
            progress(100 * (step + 1) / steps)
    finally:
        _log("end", workdir)
    mp3, vtt = workdir / "book.mp3", workdir / "book.vtt"
    mp3.write_bytes(b"\xff\xfb\x90\x00" + bytes(400))
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello.\n")
    return ConversionResult(
        mp3=mp3, vtt=vtt, duration=1.0, title="Fake", words=len(data.split()), language="en",
        voice=_voice_id(voice),
    )  # fmt: skip


def _voice_id(voice: str) -> str:
    """The voice the real pipeline would name for an English book."""
    from django.conf import settings

    from conversions import speech

    wanted = voice or settings.TTS_VOICE
    try:
        if wanted == speech.AUTOMATIC:
            return speech.choose_voice("en")[0].id
        return speech.get_voice(wanted).id
    except speech.UnknownVoice:
        return wanted
