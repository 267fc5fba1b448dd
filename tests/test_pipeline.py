"""The whole conversion on real PDFs with real eSpeak NG: what a listener gets."""

import json
import os
import subprocess
import sys
import wave

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from conversions.audio import count_mp3_frames
from conversions.pipeline import ConversionError, Interrupted, convert_pdf
from tests.corpus import CORPUS_PDFS, REPO, corpus_pdf
from tests.needs import require_tool

pytestmark = pytest.mark.slow
VOICE, RATE = "en-us", 175


def convert(pdf, workdir, **kwargs):
    return convert_pdf(pdf, workdir, voice=VOICE, rate=RATE, processes=2, **kwargs)


def loudness(mp3, tmp_path) -> float:
    """RMS of the decoded audio, 0..1 (ffmpeg decodes; it is a test-only tool)."""
    ffmpeg = require_tool("ffmpeg")
    wav = tmp_path / "decoded.wav"
    subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(mp3), str(wav)], check=True)
    with wave.open(str(wav)) as w:
        frames = w.readframes(w.getnframes())
    samples = memoryview(frames).cast("h")
    return (sum(s * s for s in samples[::7]) / max(1, len(samples[::7]))) ** 0.5 / 32768


def test_a_pdf_with_an_outline_becomes_a_tagged_mp3_with_chapters_and_captions(tmp_path):
    progress = []
    result = convert(corpus_pdf("pdflatex-outline.pdf"), tmp_path / "work",
                     title="Outline test", progress=progress.append)  # fmt: skip
    assert progress[0] == 0 and progress[-1] == 100 and progress == sorted(progress)

    info = MP3(result.mp3)
    assert info.info.sample_rate == 22050 and info.info.channels == 1
    assert 48000 <= info.info.bitrate <= 64000
    # The exact length, from the frames; mutagen only estimates it from size and bitrate.
    tag_size = ID3(result.mp3).size  # the frames follow the ID3 tag
    frames_only = tmp_path / "frames.mp3"
    frames_only.write_bytes(result.mp3.read_bytes()[tag_size:])
    frames, samples_per_frame, rate = count_mp3_frames(frames_only)
    assert frames * samples_per_frame / rate == pytest.approx(result.duration, abs=1e-6)
    assert info.info.length == pytest.approx(result.duration, rel=2e-3)
    # 1,381 words at 175 wpm is about 8 minutes; eSpeak runs a little fast or slow per voice.
    assert 0.6 * result.words / RATE * 60 < result.duration < 1.5 * result.words / RATE * 60

    tags = ID3(result.mp3)
    assert str(tags["TIT2"]) == "Outline test" and str(tags["TCON"]) == "Audiobook"
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    titles = [str(c.sub_frames["TIT2"]) for c in chapters]
    assert titles[:3] == ["Foo", "Bar", "Baz"]  # the outline's top level, no contents page
    assert len(tags.getall("CTOC")) == 1
    starts = [c.start_time for c in chapters]
    assert starts == [round(start * 1000) for _, start in result.chapters]
    assert chapters[-1].end_time == pytest.approx(result.duration * 1000, abs=50)

    vtt = result.vtt.read_text()
    assert vtt.startswith("WEBVTT")
    cues = [line for line in vtt.splitlines() if "-->" in line]
    assert len(cues) > 10
    assert "Hello, here is some text without a meaning." in vtt
    # The transcript starts with the first chapter, not with the contents ("1 Foo 2 Bar ...").
    first_cue = vtt.split("-->", 1)[1].splitlines()[1]
    assert first_cue == "Foo" and "Contents" not in vtt
    assert loudness(result.mp3, tmp_path) > 0.02  # speech, not silence


def id3_chapters(mp3) -> list[tuple[str, int]]:
    chapters = sorted(ID3(mp3).getall("CHAP"), key=lambda c: c.start_time)
    return [(str(c.sub_frames["TIT2"]), c.start_time) for c in chapters]


def test_fhs_without_an_outline_has_id3_chapters_named_as_its_contents(tmp_path):
    from tests.corpus import manual

    result = convert(manual("fhs-3.0.pdf"), tmp_path / "work")
    titles = [title for title, _ in id3_chapters(result.mp3)]
    assert titles == [result.title] + [
        "1. Introduction", "2. The Filesystem", "3. The Root Filesystem",
        "4. The /usr Hierarchy", "5. The /var Hierarchy", "6. Operating System Specific Annex",
        "7. Appendix",
    ]  # fmt: skip
    assert [t for t, _ in result.chapters] == titles


def test_bash_without_an_outline_or_contents_has_its_sections_as_id3_chapters(tmp_path):
    import pypdf

    from tests.corpus import bash_sections, manual

    reader, writer = pypdf.PdfReader(manual("bash.pdf")), pypdf.PdfWriter()
    for page in reader.pages[:4]:  # NAME ... RESERVED WORDS, SHELL GRAMMAR
        writer.add_page(page)
    pdf = tmp_path / "bash-start.pdf"
    writer.write(pdf)
    result = convert(pdf, tmp_path / "work")
    titles = [title for title, _ in id3_chapters(result.mp3)]
    assert titles == bash_sections()[: len(titles)] and len(titles) == 10


def test_a_retried_conversion_reuses_the_spoken_chunks(tmp_path):
    pdf = corpus_pdf("minimal-document.pdf")
    first = convert(pdf, tmp_path / "work")
    size = first.mp3.stat().st_size
    first.mp3.unlink()
    spoken = []

    import conversions.speech as speech

    real = speech.speak_chapters

    def counting(*args, **kwargs):
        parts = real(*args, **kwargs)
        spoken.append(sum(part.spoken_chunks for part in parts))
        return parts

    speech.speak_chapters = counting
    try:
        again = convert(pdf, tmp_path / "work")
    finally:
        speech.speak_chapters = real
    assert spoken == [0] and again.mp3.stat().st_size == size


def test_stopping_midway_raises_interrupted_and_keeps_the_work(tmp_path):
    pdf = corpus_pdf("pdflatex-outline.pdf")
    seen = []

    def stop_after_some():
        return len(seen) > 2

    with pytest.raises(Interrupted):
        convert(pdf, tmp_path / "work", progress=seen.append, should_stop=stop_after_some)
    assert any((tmp_path / "work").rglob("*.wav")) or any((tmp_path / "work").rglob("*.mp3"))
    result = convert(pdf, tmp_path / "work")
    assert result.mp3.exists()


# Every corpus PDF ends as audio or as one of the named reasons, never anything else.
EXPECTED_REASON = {
    "libreoffice-writer-password.pdf": "password",
    "unreadablemetadata.pdf": "damaged",
    "derived-truncated-pdflatex-4-pages.pdf": "damaged",
}
# Pictures: read by OCR where Tesseract is installed (a screenshot's words; nothing in photos),
# else "no text".
PICTURES = {
    "imagemagick-CCITTFaxDecode.pdf": "empty",
    "imagemagick-images.pdf": "empty",
    "grayscale-image.pdf": "empty",
    "cmyk-image.pdf": "empty",
    "base64image.pdf": None,
}


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS_PDFS.glob("*.pdf")))
def test_every_corpus_pdf_converts_or_fails_with_a_named_reason(name, tmp_path):
    from conversions.pdftext import REASONS, ocr_available

    pdf = corpus_pdf(name)
    reason = EXPECTED_REASON.get(name)
    if name in PICTURES:
        reason = PICTURES[name] if ocr_available() else "no_text"
    if reason:
        with pytest.raises(ConversionError) as error:
            convert(pdf, tmp_path / "work")
        assert str(error.value) == REASONS[reason]
    else:
        result = convert(pdf, tmp_path / "work")
        assert result.words >= 1 and result.duration > 0.3  # inline-image.pdf says only "Test"
        assert MP3(result.mp3).info.length == pytest.approx(result.duration, rel=2e-3, abs=0.1)


def manage(*args):
    env = {**os.environ, "DEBUG": "true"}
    return subprocess.run([sys.executable, "manage.py", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def test_the_convert_command_writes_an_mp3_and_captions(tmp_path):
    out = tmp_path / "book.mp3"
    result = manage("convert", corpus_pdf("minimal-document.pdf"), "-o", out, "--processes", "1")
    assert result.returncode == 0, result.stderr
    assert out.exists() and out.with_suffix(".vtt").exists()
    assert "h of audio" in result.stdout and "100%" in result.stderr


def test_the_convert_command_prints_the_narration_text(tmp_path):
    result = manage("convert", corpus_pdf("pdflatex-outline.pdf"), "--text")
    assert result.returncode == 0, result.stderr
    assert "Hello, here is some text without a meaning." in result.stdout
    assert "Foo\n" in result.stdout


@pytest.mark.parametrize(
    "name, reason",
    [
        ("libreoffice-writer-password.pdf", "password"),
        ("derived-truncated-pdflatex-4-pages.pdf", "damaged"),
    ],
)
def test_the_convert_command_says_why_a_pdf_cannot_be_converted(name, reason):
    from conversions.pdftext import REASONS

    result = manage("convert", corpus_pdf(name), "--text")
    assert result.returncode != 0
    assert REASONS[reason] in result.stderr and "Traceback" not in result.stderr


def test_the_convert_command_opens_a_pdf_with_its_password(tmp_path):
    pdf = corpus_pdf("libreoffice-writer-password.pdf")
    result = manage("convert", pdf, "--text", "--password", "openpassword")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    json.dumps(result.stdout)  # printable
