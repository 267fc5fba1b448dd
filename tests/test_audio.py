"""Audio: MP3 segments from real eSpeak speech and real lameenc, joined, tagged, with WebVTT.

ffmpeg and ffprobe check the files the way players read them (`make test` installs them;
tests/needs.py says what happens where they are missing), mutagen checks the tags.
"""

import array
import math
import re
import subprocess
import wave
from pathlib import Path

import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from conversions import speech
from conversions.audio import (
    CODEC_DELAY_SAMPLES,
    AudioSegment,
    ChapterAudio,
    Mp3FrameCounter,
    Mp3SegmentWriter,
    chapter_times,
    count_mp3_frames,
    write_audiobook,
    write_webvtt,
)
from tests.needs import require_tool

SAMPLE_RATE = 22050  # eSpeak's
FRAME = 576 / SAMPLE_RATE  # seconds in one MPEG-2 Layer III frame at 22.05 kHz

BOOK = [
    ("Arrival", ["The train stopped at a small station.", "Nobody else got off."]),
    ("The town", ["Less is more: 1 < 2 & 3 > 2 --> done.", "The square was empty at noon."]),
    ("Leaving", ["She bought a ticket.", "The train was late.", "It came at last."]),
]


def pcm_of(text: str, folder: Path) -> bytes:
    wav = folder / "chunk.wav"
    speech.speak_to_wav(text, wav, voice=speech.get_voice("espeak:en-us"), rate=175)
    with wave.open(str(wav), "rb") as w:
        return w.readframes(w.getnframes())


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """Three chapters of real speech; the last one in two parts, as long chapters come."""
    folder = tmp_path_factory.mktemp("audio")
    chapters = []
    for c, (title, chunks) in enumerate(BOOK):
        texts = (title, *chunks)
        splits = [len(texts)] if c < 2 else [2, len(texts)]
        parts, start = [], 0
        for p, end in enumerate(splits):
            writer = Mp3SegmentWriter(folder / f"part{c}-{p}.mp3", sample_rate=SAMPLE_RATE)
            for text in texts[start:end]:
                pcm = pcm_of(text, folder)
                writer.add_chunk([pcm[:1001], pcm[1001:]])  # blocks split inside a sample
            parts.append(writer.close())
            start = end
        chapters.append(ChapterAudio(title, texts, tuple(parts)))
    return folder, chapters


@pytest.fixture(scope="module")
def joined(book, tmp_path_factory):
    _, chapters = book
    out = tmp_path_factory.mktemp("out") / "book.mp3"
    total = write_audiobook(chapters, out, title="A Short Trip", author="Jane Writer")
    return out, total


def test_parts_are_plain_frames_holding_all_the_speech(book):
    _, chapters = book
    for part in (p for c in chapters for p in c.segments):
        data = part.mp3_path.read_bytes()
        assert data[:2] == b"\xff\xf3"  # MPEG-2 Layer III, no ID3 and no other header first
        assert b"Xing" not in data[:200] and b"Info" not in data[:200]
        assert count_mp3_frames(part.mp3_path) == (part.frames, 576, SAMPLE_RATE)
        # What a decoder outputs covers the codec delay plus every spoken sample.
        spare = part.samples - (CODEC_DELAY_SAMPLES + sum(part.chunk_samples))
        assert 0 <= spare < 2 * 576


def test_the_joined_mp3_plays_for_the_summed_duration(book, joined):
    _, chapters = book
    out, total = joined
    parts = [p for c in chapters for p in c.segments]

    assert total == pytest.approx(sum(p.duration for p in parts), abs=1e-9)
    info = MP3(out).info
    assert (info.sample_rate, info.channels, info.bitrate) == (SAMPLE_RATE, 1, 48000)
    assert abs(info.length - total) <= 2 * FRAME
    assert out.stat().st_size > sum(p.mp3_path.stat().st_size for p in parts)  # tag + audio


def test_a_decoder_gets_every_sample_of_every_part(joined):
    ffmpeg = require_tool("ffmpeg")
    out, total = joined
    decoded = subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(out), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
    ).stdout
    assert len(decoded) // 2 == round(total * SAMPLE_RATE)


def test_tags_and_chapters(book, joined):
    _, chapters = book
    out, total = joined
    tags = ID3(out)

    assert tags.version[:2] == (2, 3)
    assert tags["TIT2"].text == ["A Short Trip"]
    assert tags["TPE1"].text == ["Jane Writer"]
    assert tags["TALB"].text == ["A Short Trip"]  # album defaults to the title
    assert tags["TCON"].text == ["Audiobook"]
    (toc,) = tags.getall("CTOC")
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    assert toc.child_element_ids == ["ch1", "ch2", "ch3"]

    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    starts, position = [], 0
    for chapter in chapters:
        starts.append(round(position / SAMPLE_RATE * 1000))
        position += sum(p.samples for p in chapter.segments)
    for n, (chapter, start) in enumerate(zip(chapters, starts, strict=True), 1):
        chap = chaps[f"ch{n}"]
        assert chap.sub_frames["TIT2"].text == [chapter.title]
        assert chap.start_time == start
        assert chap.end_time == (starts[n] if n < len(starts) else round(total * 1000))
    assert chapter_times(chapters) == [(c.start_time, c.end_time) for c in chaps.values()]


def test_players_see_the_chapters(joined):
    ffprobe = require_tool("ffprobe")
    out, total = joined
    probe = subprocess.run(
        [ffprobe, "-v", "error", "-show_chapters", "-of", "compact", str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    titles = re.findall(r"tag:title=([^|\n]+)", probe)
    assert titles == [title for title, _ in BOOK]
    ends = [float(x) for x in re.findall(r"end_time=([\d.]+)", probe)]
    assert ends[-1] == pytest.approx(total, abs=0.001)


def test_album_can_differ_from_the_title(book, tmp_path):
    _, chapters = book
    out = tmp_path / "a.mp3"
    write_audiobook(chapters[:1], out, title="Part One", author="", album="The Trilogy")
    tags = ID3(out)
    assert tags["TALB"].text == ["The Trilogy"] and "TPE1" not in tags


VTT_CUE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})$")


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for block in text[len("WEBVTT\n\n") :].strip("\n").split("\n\n"):
        timing, payload = block.split("\n", 1)
        m = VTT_CUE.match(timing)
        assert m, timing
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, m.groups())
        start = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000
        end = h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        assert "\n" not in payload
        cues.append((start, end, payload))
    return cues


def test_webvtt_gives_each_chunk_its_exact_span(book, joined, tmp_path):
    _, chapters = book
    _, total = joined
    vtt = tmp_path / "book.vtt"
    assert write_webvtt(chapters, vtt) == sum(len(c.chunk_texts) for c in chapters)
    cues = parse_vtt(vtt.read_text(encoding="utf-8"))

    assert [text for *_, text in cues][:3] == ["Arrival", *BOOK[0][1]]
    assert "Less is more: 1 &lt; 2 &amp; 3 &gt; 2 --&gt; done." in [t for *_, t in cues]
    assert all("-->" not in text for *_, text in cues)
    for (s1, e1, _), (s2, e2, _) in zip(cues, cues[1:], strict=False):
        assert s1 < e1 <= s2 < e2  # ordered, never overlapping
    assert cues[0][0] == pytest.approx(CODEC_DELAY_SAMPLES / SAMPLE_RATE, abs=0.001)
    assert abs(cues[-1][1] - total) <= 0.05
    # Each cue lasts as long as its chunk's samples, within the millisecond rounding.
    durations = [d for c in chapters for d in c.chunk_durations]
    assert all(abs((e - s) - d) <= 0.0011 for (s, e, _), d in zip(cues, durations, strict=True))
    # Chapter 2 starts where chapter 1's part ends, plus the codec delay.
    second = chapters[0].segments[0].samples + CODEC_DELAY_SAMPLES
    assert cues[3][0] == pytest.approx(second / SAMPLE_RATE, abs=0.001)


def test_codec_delay_matches_what_a_decoder_outputs(tmp_path):
    """The speech in a part starts CODEC_DELAY_SAMPLES in; VTT times depend on it."""
    ffmpeg = require_tool("ffmpeg")
    # A chirp with a little noise has one clear correlation peak.
    n = SAMPLE_RATE
    signal = array.array(
        "h",
        (
            int(8000 * math.sin(2 * math.pi * (200 + 1500 * i / n) * i / SAMPLE_RATE))
            + (i * 7919 % 6001 - 3000)
            for i in range(n)
        ),
    )
    writer = Mp3SegmentWriter(tmp_path / "chirp.mp3", sample_rate=SAMPLE_RATE)
    writer.add_chunk([signal.tobytes()])
    writer.close()
    decoded = array.array("h")
    decoded.frombytes(
        subprocess.run(
            [ffmpeg, "-v", "error", "-i", str(tmp_path / "chirp.mp3"), "-f", "s16le", "-"],
            capture_output=True,
            check=True,
        ).stdout
    )
    window = range(3000, 7000)

    def score(lag):
        return sum(signal[i] * decoded[i + lag] for i in window)

    assert max(range(900, 1300), key=score) == CODEC_DELAY_SAMPLES


def test_an_info_frame_would_be_dropped(book):
    _, chapters = book
    data = chapters[0].segments[0].mp3_path.read_bytes()
    first = data[: count_frame_length(data)]
    info = first[:13] + b"Info" + first[17:]  # a gapless header where lame would put one

    counter = Mp3FrameCounter()
    passed = b"".join(
        counter.feed(piece) for piece in (info[:50], info[50:] + data[:777], data[777:])
    )
    counter.close()
    assert passed == data
    assert counter.frames == chapters[0].segments[0].frames


def count_frame_length(data: bytes) -> int:
    """Bytes in the first frame: 72000 x 48 kb/s / 22,050 Hz, plus the header's padding bit."""
    return 72000 * 48 // SAMPLE_RATE + ((data[2] >> 1) & 1)


def test_outputs_appear_whole_or_not_at_all(book, tmp_path):
    _, chapters = book
    missing = AudioSegment(tmp_path / "gone.mp3", 10, (5000,), 576, SAMPLE_RATE)
    broken = [*chapters, ChapterAudio("Lost", ("Lost",), (missing,))]
    out = tmp_path / "book.mp3"
    out.write_bytes(b"previous good file")

    with pytest.raises(FileNotFoundError):
        write_audiobook(broken, out, title="T", author="A")
    assert out.read_bytes() == b"previous good file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.mp3"]  # no temp file left


def test_mismatched_texts_and_timings_are_refused(book, tmp_path):
    _, chapters = book
    bad = ChapterAudio("Bad", ("only one text",), chapters[2].segments)
    with pytest.raises(ValueError, match="do not match"):
        write_webvtt([bad], tmp_path / "x.vtt")
    assert not (tmp_path / "x.vtt").exists()


def test_a_chunk_must_be_whole_samples(tmp_path):
    writer = Mp3SegmentWriter(tmp_path / "odd.mp3", sample_rate=SAMPLE_RATE)
    with pytest.raises(ValueError, match="16-bit"):
        writer.add_chunk([b"\x00\x01\x02"])
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def tone(seconds: float, rate: int, hz: float = 440.0) -> bytes:
    samples = array.array(
        "h", (int(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(int(seconds * rate)))
    )
    return samples.tobytes()


def test_a_book_keeps_its_voices_sample_rate_with_exact_chapters_and_a_language(tmp_path):
    # Kokoro speaks at 24 kHz: the MP3 keeps that rate (no resampling), and chapter times and
    # captions come from 24 kHz sample counts.
    rate = 24000
    chapters = []
    for c, seconds in enumerate((1.0, 2.5)):
        writer = Mp3SegmentWriter(tmp_path / f"k{c}.mp3", sample_rate=rate)
        writer.add_chunk([tone(seconds, rate)])
        segment = writer.close()
        assert segment.sample_rate == rate and segment.samples_per_frame == 576
        chapters.append(ChapterAudio(f"Chapter {c + 1}", (f"text {c}",), (segment,)))
    out = tmp_path / "ja.mp3"
    total = write_audiobook(chapters, out, title="Japanese", language="jpn")

    info = MP3(out).info
    assert (info.sample_rate, info.channels) == (rate, 1)
    first = chapters[0].segments[0]
    assert chapter_times(chapters) == [
        (0, round(first.samples * 1000 / rate)),
        (round(first.samples * 1000 / rate), round(total * 1000)),
    ]
    assert str(ID3(out)["TLAN"]) == "jpn"


def test_segments_at_two_sample_rates_cannot_be_joined(tmp_path):
    chapters = []
    for rate in (22050, 24000):
        writer = Mp3SegmentWriter(tmp_path / f"{rate}.mp3", sample_rate=rate)
        writer.add_chunk([tone(0.5, rate)])
        chapters.append(ChapterAudio("", ("x",), (writer.close(),)))
    with pytest.raises(ValueError, match="several sample rates"):
        write_audiobook(chapters, tmp_path / "mixed.mp3", title="Mixed")


def test_a_rate_that_is_not_mpeg_2_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not an MPEG-2 rate"):
        Mp3SegmentWriter(tmp_path / "x.mp3", sample_rate=44100)


def test_untitled_chapters_have_the_names_the_page_shows(tmp_path):
    from library.views import chapter_list

    chapters = []
    for c, title in enumerate(("", "Loomings", "")):
        writer = Mp3SegmentWriter(tmp_path / f"u{c}.mp3", sample_rate=22050)
        writer.add_chunk([tone(0.3, 22050)])
        chapters.append(ChapterAudio(title, (f"text {c}",), (writer.close(),)))
    out = tmp_path / "untitled.mp3"
    write_audiobook(chapters, out, title="Untitled parts")
    in_mp3 = [str(frame.sub_frames["TIT2"]) for frame in ID3(out).getall("CHAP")]
    on_page = [c["title"] for c in chapter_list([{"title": c.title, "start": 0} for c in chapters])]
    assert in_mp3 == on_page == ["Beginning", "Loomings", "Part 3"]
