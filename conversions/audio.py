"""Spoken PCM -> MP3 segments -> one tagged MP3 with ID3 chapters, plus a WebVTT transcript.

The speech processes (speech/pool.py) encode their own runs of chunks into separate MP3
"segments" with `Mp3SegmentWriter`; this module then joins the segments byte for byte. That
works because lameenc writes plain CBR frames with no Xing/Info header (a header would make
players believe the first segment is the whole file; the writer drops one if a future lameenc
adds it) and every segment starts with an empty bit reservoir.

The MP3 keeps the voice's own sample rate (eSpeak and most Piper voices 22,050 Hz, Kokoro
24,000 Hz, Piper's low-quality voices 16,000 Hz): all are MPEG-2 Layer III rates, so nothing is
resampled. One book has one voice, so all of its segments share a rate.

Timing is exact, never estimated: each segment's length is its MP3 frame count x 576 samples
(MPEG-2 Layer III), counted while the segment is written, and the speech inside a segment
starts CODEC_DELAY_SAMPLES after its first frame. Chapter marks fall on segment boundaries;
caption cues come from the chunks' sample counts.

Plain module: no Django imports, so the worker's child processes load it cheaply.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import lameenc
from mutagen.id3 import APIC, CHAP, CTOC, ID3, TALB, TCON, TIT2, TLAN, TLEN, TPE1, CTOCFlags

SAMPLE_WIDTH = 2  # bytes, signed 16-bit little-endian
MPEG2_SAMPLE_RATES = (16000, 22050, 24000)  # 576 samples a frame; the voices' own rates
BITRATE_KBPS = 48  # eSpeak's formant voice loses nothing audible at 48 kb/s; 25 % smaller than 64
LAME_QUALITY = 7  # LAME's fast setting: ~500-675x real time per core; q2 is 4x slower, same size
ENCODER_ID = f"lameenc 1.9 mono {BITRATE_KBPS} kb/s q{LAME_QUALITY}"

# LAME starts its output 576 samples late and every MP3 decoder adds 529 more (the hybrid
# filterbank), so decoded audio of a segment begins 1,105 samples after its first frame.
# Measured here by cross-correlating a decoded chirp with the input (ffmpeg decoder).
CODEC_DELAY_SAMPLES = 1105

_COPY_BUFFER = 1 << 20


@dataclass(frozen=True)
class AudioSegment:
    """One separately encoded MP3 stream: consecutive chunks of one chapter."""

    mp3_path: Path
    frames: int
    chunk_samples: tuple[int, ...]  # PCM samples of each chunk, in order
    samples_per_frame: int
    sample_rate: int

    @property
    def samples(self) -> int:
        """Decoded length in samples: what a player plays for this segment."""
        return self.frames * self.samples_per_frame

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate


@dataclass(frozen=True)
class ChapterAudio:
    """A spoken chapter: its title, the texts as spoken and the MP3 segments holding them.

    `chunk_texts[i]` lasts `chunk_durations[i]` seconds; the title is the first chunk when it
    was spoken. Long chapters come in several segments so that all cores share them.
    """

    title: str
    chunk_texts: tuple[str, ...]
    segments: tuple[AudioSegment, ...]
    spoken_chunks: int = 0  # chunks eSpeak synthesized in this run (0: all from the cache)

    @property
    def duration(self) -> float:
        return sum(segment.duration for segment in self.segments)

    @property
    def chunk_durations(self) -> list[float]:
        return [s / segment.sample_rate for segment in self.segments for s in segment.chunk_samples]

    @property
    def mp3_paths(self) -> list[Path]:
        return [segment.mp3_path for segment in self.segments]


# --- MP3 frames -------------------------------------------------------------------------------

_L3_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 and 2.5
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


class Mp3FormatError(ValueError):
    """Bytes that are not a clean sequence of MPEG Layer III frames."""


def _parse_header(data: bytes | bytearray, pos: int) -> tuple[int, int, int, int]:
    """Return (frame length in bytes, samples per frame, sample rate, side-info offset)."""
    b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
    version = (b1 >> 3) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
    if data[pos] != 0xFF or (b1 & 0xE0) != 0xE0 or version == 1 or (b1 >> 1) & 3 != 1:
        raise Mp3FormatError(f"no Layer III frame header at byte {pos}")
    bitrate = _L3_BITRATES[1 if version == 3 else 2][(b2 >> 4) & 15] if (b2 >> 4) != 15 else 0
    rate_index = (b2 >> 2) & 3
    if not bitrate or rate_index == 3:
        raise Mp3FormatError(f"free-format or invalid frame header at byte {pos}")
    sample_rate = _SAMPLE_RATES[version][rate_index]
    padding = (b2 >> 1) & 1
    mono = (b3 >> 6) == 3
    if version == 3:
        length, spf, side = 144000 * bitrate // sample_rate + padding, 1152, 17 if mono else 32
    else:
        length, spf, side = 72000 * bitrate // sample_rate + padding, 576, 9 if mono else 17
    crc = 0 if b1 & 1 else 2
    return length, spf, sample_rate, 4 + crc + side


class Mp3FrameCounter:
    """Counts MP3 frames in a byte stream fed piecewise, passing whole frames through.

    A Xing/Info frame (a VBR/gapless header describing one stream's length) is dropped: after
    concatenation it would describe only the first segment and players would stop there.
    """

    def __init__(self) -> None:
        self.frames = 0
        self.samples_per_frame = 0
        self.sample_rate = 0
        self._carry = b""
        self._first = True

    def feed(self, data: bytes) -> bytes:
        buf = self._carry + bytes(data) if self._carry else bytes(data)
        pos, end, out_start = 0, len(buf), 0
        kept: list[bytes] = []
        while pos + 4 <= end:
            length, spf, rate, tag_at = _parse_header(buf, pos)
            if pos + length > end:
                break
            if self._first:
                self._first = False
                self.samples_per_frame, self.sample_rate = spf, rate
                if buf[pos + tag_at : pos + tag_at + 4] in (b"Xing", b"Info"):
                    kept.append(buf[out_start:pos])
                    out_start = pos + length
                    pos += length
                    continue
            elif (spf, rate) != (self.samples_per_frame, self.sample_rate):
                raise Mp3FormatError("frame format changed within one stream")
            self.frames += 1
            pos += length
        kept.append(buf[out_start:pos])
        self._carry = buf[pos:]
        return b"".join(kept)

    def close(self) -> None:
        if self._carry:
            raise Mp3FormatError(f"stream ends inside a frame ({len(self._carry)} bytes left)")


def count_mp3_frames(path: Path) -> tuple[int, int, int]:
    """Return (frames, samples per frame, sample rate) of a headerless MP3 stream file."""
    counter = Mp3FrameCounter()
    with open(path, "rb") as f:
        while block := f.read(_COPY_BUFFER):
            counter.feed(block)
    counter.close()
    return counter.frames, counter.samples_per_frame, counter.sample_rate


# --- writing ----------------------------------------------------------------------------------


@contextmanager
def _atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary name beside `path`; rename it into place only if the block succeeds.

    Readers (the web app, a retried job's cache lookup) never see a half-written file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Mp3SegmentWriter:
    """Streams 16-bit mono PCM through lameenc into `path` (atomically), counting frames.

    Memory stays bounded: PCM goes in block by block and MP3 bytes go straight to the file.
    """

    def __init__(
        self,
        path: Path,
        *,
        sample_rate: int,
        bitrate_kbps: int = BITRATE_KBPS,
        quality: int = LAME_QUALITY,
    ):
        if sample_rate not in MPEG2_SAMPLE_RATES:
            raise ValueError(f"{sample_rate} Hz is not an MPEG-2 rate {MPEG2_SAMPLE_RATES}")
        self.sample_rate = sample_rate
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        self._tmp = Path(tmp)
        self._file = os.fdopen(fd, "wb")
        self._encoder = lameenc.Encoder()
        self._encoder.set_bit_rate(bitrate_kbps)
        self._encoder.set_in_sample_rate(sample_rate)
        self._encoder.set_out_sample_rate(sample_rate)
        self._encoder.set_channels(1)
        self._encoder.set_quality(quality)
        self._counter = Mp3FrameCounter()
        self._chunks: list[int] = []
        self._odd_byte = b""

    def write(self, pcm: bytes) -> None:
        """Append PCM; a split sample (odd byte count) is carried to the next call."""
        pcm = self._odd_byte + pcm if self._odd_byte else bytes(pcm)  # lameenc takes bytes only
        self._odd_byte = b""
        if len(pcm) % SAMPLE_WIDTH:
            pcm, self._odd_byte = pcm[:-1], pcm[-1:]  # rare: copies; whole samples do not
        if pcm:
            self._file.write(self._counter.feed(self._encoder.encode(pcm)))

    def add_chunk(self, blocks: Iterable[bytes]) -> int:
        """Write one chunk's PCM blocks; return and record its length in samples."""
        size = 0
        for block in blocks:
            size += len(block)
            self.write(block)
        if size % SAMPLE_WIDTH:
            raise ValueError("a chunk's PCM must be whole 16-bit samples")
        self._chunks.append(size // SAMPLE_WIDTH)
        return size // SAMPLE_WIDTH

    def close(self) -> AudioSegment:
        """Flush the encoder, rename the file into place and describe the segment."""
        try:
            self._file.write(self._counter.feed(self._encoder.flush()))
            self._counter.close()
            self._file.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise
        return AudioSegment(
            mp3_path=self.path,
            frames=self._counter.frames,
            chunk_samples=tuple(self._chunks),
            samples_per_frame=self._counter.samples_per_frame or 576,
            sample_rate=self._counter.sample_rate or self.sample_rate,
        )

    def abort(self) -> None:
        self._file.close()
        self._tmp.unlink(missing_ok=True)


def _ms(samples: int, rate: int) -> int:
    return (samples * 1000 + rate // 2) // rate


def book_sample_rate(chapters: list[ChapterAudio]) -> int:
    """The one sample rate of all the chapters' segments (22,050 Hz when there are none)."""
    rates = {segment.sample_rate for chapter in chapters for segment in chapter.segments}
    if len(rates) > 1:
        raise ValueError(f"segments at several sample rates: {sorted(rates)}")
    return rates.pop() if rates else 22050


def chapter_times(chapters: list[ChapterAudio]) -> list[tuple[int, int]]:
    """Start and end of each chapter in the joined MP3, in whole milliseconds (ID3's unit)."""
    rate = book_sample_rate(chapters)
    spans, position = [], 0
    for chapter in chapters:
        start = position
        position += sum(segment.samples for segment in chapter.segments)
        spans.append((_ms(start, rate), _ms(position, rate)))
    return spans


def _check_segments(chapters: list[ChapterAudio]) -> int:
    """Check that texts and timings match and that the segments can be joined; the rate."""
    rate = book_sample_rate(chapters)
    for chapter in chapters:
        timed = sum(len(segment.chunk_samples) for segment in chapter.segments)
        if len(chapter.chunk_texts) != timed:
            raise ValueError(f"chapter {chapter.title!r}: chunk texts and timings do not match")
        for segment in chapter.segments:
            if segment.sample_rate not in MPEG2_SAMPLE_RATES or segment.samples_per_frame != 576:
                raise ValueError(f"{segment.mp3_path} is not MPEG-2 Layer III")
    return rate


class _ChapterOrderID3(ID3):
    """ID3 that writes its frames in a fixed order: text tags, CTOC, then CHAPs by start time.

    mutagen sorts frames by size when saving, which scatters the CHAP frames; players that list
    chapters in file order (ffprobe does) would show them shuffled. This tag is always built
    fresh here, so it has none of the unknown frames mutagen's own writer also carries along.
    """

    _ORDER = ("TIT2", "TPE1", "TALB", "TCON", "TLAN", "TLEN", "CTOC", "CHAP")

    def _write(self, config):  # mutagen calls this with its ID3SaveConfig
        from mutagen.id3._tags import save_frame  # mutagen's own frame writer (pinned 1.48)

        def key(frame):
            rank = self._ORDER.index(frame.FrameID) if frame.FrameID in self._ORDER else 0
            return rank, getattr(frame, "start_time", 0)

        return bytearray().join(
            save_frame(f, config=config) for f in sorted(self.values(), key=key)
        )


def chapter_name(title: str, number: int, any_titled: bool) -> str:
    """The name a chapter goes by in the MP3 and on the book's page alike: its own title, else
    "Beginning" for an untitled opening before titled chapters, else "Part N"."""
    if title:
        return title
    return "Beginning" if number == 1 and any_titled else f"Part {number}"


def write_audiobook(
    chapters: list[ChapterAudio],
    out_path: Path,
    *,
    title: str,
    author: str = "",
    album: str | None = None,
    language: str = "",
    cover: bytes | None = None,
) -> float:
    """Join the chapters' MP3 segments into `out_path` with tags and ID3 chapters.

    Tags: TIT2 title, TPE1 author, TALB album (default: the title), TCON "Audiobook", TLAN the
    language (ISO 639-2, as ID3 wants it: "eng", "rus"), TLEN, and one CHAP per chapter (its
    title, exact start/end in ms) under a top-level ordered CTOC. ID3v2.3, because more players
    and apps read chapters from 2.3 than from 2.4. `cover`, a PNG, becomes the front cover
    (APIC type 3) that players and lock screens show.
    Returns the total duration in seconds. The file appears only when complete.
    """
    rate = _check_segments(chapters)
    spans = chapter_times(chapters)
    total_samples = sum(segment.samples for chapter in chapters for segment in chapter.segments)

    tags = _ChapterOrderID3()
    if title:
        tags.add(TIT2(encoding=3, text=[title]))
    if author:
        tags.add(TPE1(encoding=3, text=[author]))
    if album or title:
        tags.add(TALB(encoding=3, text=[album or title]))
    tags.add(TCON(encoding=3, text=["Audiobook"]))
    if language:
        tags.add(TLAN(encoding=3, text=[language]))
    tags.add(TLEN(encoding=3, text=[str(_ms(total_samples, rate))]))
    if cover:
        tags.add(APIC(encoding=3, mime="image/png", type=3, desc="Cover", data=cover))
    ids = [f"ch{i}" for i in range(1, len(chapters) + 1)]
    any_titled = any(chapter.title for chapter in chapters)
    if chapters:
        tags.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=["Chapters"])],
            )
        )
    for number, (element_id, chapter, (start, end)) in enumerate(
        zip(ids, chapters, spans, strict=True), 1
    ):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=start,
                end_time=end,
                # 0xFFFFFFFF: "use the times"; byte offsets would break on any re-tagging
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[
                    TIT2(encoding=3, text=[chapter_name(chapter.title, number, any_titled)])
                ],
            )
        )

    with _atomic_path(out_path) as tmp:
        # The tag goes into the empty file first, so the audio is copied once and never moved.
        tags.save(tmp, v2_version=3)
        with open(tmp, "ab") as out:
            for chapter in chapters:
                for segment in chapter.segments:
                    with open(segment.mp3_path, "rb") as src:
                        shutil.copyfileobj(src, out, _COPY_BUFFER)
    return total_samples / rate


def _vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def vtt_escape(text: str) -> str:
    """Cue text for WebVTT: one line, with `&`, `<` and `>` escaped (so `-->` cannot appear)."""
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_webvtt(chapters: list[ChapterAudio], out_path: Path) -> int:
    """Write one cue per spoken chunk, timed from sample counts; return the number of cues.

    Cue edges are rounded from absolute sample positions, so one cue's end is the next one's
    start within a segment and cues never overlap. Silent (zero-length) chunks get no cue.
    """
    rate = _check_segments(chapters)
    cues = 0
    with _atomic_path(out_path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as out:
        out.write("WEBVTT\n\n")
        segment_start = 0
        for chapter in chapters:
            texts = iter(chapter.chunk_texts)
            for segment in chapter.segments:
                position = segment_start + CODEC_DELAY_SAMPLES
                for samples in segment.chunk_samples:
                    text = vtt_escape(next(texts, ""))
                    start, position = position, position + samples
                    if samples and text:
                        cues += 1
                        span = f"{_vtt_time(_ms(start, rate))} --> {_vtt_time(_ms(position, rate))}"
                        out.write(f"{span}\n{text}\n\n")
                segment_start += segment.samples
    return cues
