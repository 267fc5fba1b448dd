#!/usr/bin/env python
"""What a listener understands: each voice's audio transcribed by an independent recogniser.

    .venv/bin/python bench/intelligibility.py [--minutes N]

Takes about N minutes (default 3) of prose from each of three real manuals (maint-guide.en,
developers-reference and fhs-3.0, from a third of the way in), and has it spoken three ways:
  baseline: Piper alone, piper-tts's own defaults (its per-sentence loudness normalisation, no
            pause between sentences), no files, no MP3;
  ours:     the default English voice through the real pipeline (speech processes, our pause
            and gain, MP3 encoding);
  eSpeak:   the same pipeline with eSpeak NG.
Each sentence (a caption cue for the pipeline, a sentence Piper returns for the baseline) is
transcribed on its own by pocketsphinx (its bundled en-US model, 16 kHz), and the word error
rate of the whole transcript against the text as the voices are given it (normalised: "3.0" is
"three point oh") is computed with jiwer, after lower-casing and dropping punctuation. Piper's
synthesis is random (noise_scale), so two runs differ by about 0.01-0.02 on 700 words. The
share of the text's words missing from the recogniser's dictionary is printed beside: each is
an error whatever the voice. pocketsphinx is weak, so compare voices on the same text, not
with other measurements.

Then the effect of normalisation on what is understood: the English sentences of the
normalisation table spoken as written and normalised, against what a narrator should say.

Then the pace of the other languages' manuals, read by their automatic voices: words a minute
for the English and Russian manuals, characters a minute for the Japanese one (a few pages of
each, so it stays short: Kokoro reads at about twice real time).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # not bench/, whose queue.py would shadow the standard library
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "audiobooker.settings")
MANUALS = REPO / ".cache" / "manuals"
VOICES = ["piper:en_US-joe-medium", "espeak:en-us"]
PASSAGES = ["maint-guide.en.pdf", "developers-reference.pdf", "fhs-3.0.pdf"]


def normalised(text: str) -> str:
    text = text.lower().replace("’", "'")
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text).split())


def passage(manual: str, minutes: float) -> list[str]:
    """About `minutes` of speech (175 words a minute) of a manual's prose, from a third of the
    way in (past the introduction)."""
    from conversions.pipeline import chunk_chapters, read_document

    doc = read_document(MANUALS / manual)
    chunks = [c for _, cs in chunk_chapters(doc, "en") for c in cs]
    # Prose, not listings: skip chunks that are mostly symbols.
    prose = [c for c in chunks if sum(ch.isalpha() or ch == " " for ch in c) > 0.9 * len(c)]
    start, words, picked = len(prose) // 3, 0, []
    for chunk in prose[start:]:
        picked.append(chunk)
        words += len(chunk.split())
        if words >= minutes * 175:
            break
    return picked


def out_of_dictionary(words: list[str]) -> float:
    """The share of `words` that pocketsphinx's dictionary lacks (it can never output them)."""
    import pocketsphinx

    path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    known = {line.split(maxsplit=1)[0].split("(")[0] for line in path.open(encoding="utf-8")}
    return sum(word not in known for word in words) / len(words)


def cues(vtt: Path) -> list[tuple[float, float, str]]:
    found = []
    for block in vtt.read_text(encoding="utf-8").split("\n\n")[1:]:
        if "-->" not in block:
            continue
        times, text = block.split("\n", 1)
        start, end = (_seconds(t) for t in times.split(" --> "))
        found.append((start, end, text))
    return found


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def transcribe(mp3: Path, vtt: Path) -> str:
    """pocketsphinx's transcript of each caption cue of the MP3, joined."""
    pcm = _pcm_16k(["-i", str(mp3)])
    decoder = _decoder()
    pieces = (pcm[int(start * 16000) * 2 : int(end * 16000) * 2] for start, end, _ in cues(vtt))
    return " ".join(_recognise_pcm(decoder, piece) for piece in pieces)


def piper_alone(chunks: list[str]) -> tuple[str, float, float]:
    """The baseline: piper-tts with its own defaults, each sentence transcribed as it comes.
    Returns the transcript, the seconds of audio and the seconds it took to speak."""
    from piper import PiperVoice

    from conversions import speech

    voice = PiperVoice.load(speech.get_voice(VOICES[0]).path)
    decoder, heard, audio, spent = _decoder(), [], 0.0, 0.0
    for chunk in chunks:
        started = time.monotonic()
        sentences = list(voice.synthesize(speech.speakable_text(chunk, "en")))
        spent += time.monotonic() - started
        for sentence in sentences:
            audio += len(sentence.audio_int16_array) / sentence.sample_rate
            raw = ["-f", "s16le", "-ar", str(sentence.sample_rate), "-ac", "1", "-i", "-"]
            pcm = _pcm_16k(raw, sentence.audio_int16_array.tobytes())
            heard.append(_recognise_pcm(decoder, pcm))
    return " ".join(heard), audio, spent


def _pcm_16k(source: list[str], data: bytes | None = None) -> bytes:
    """What ffmpeg's `source` arguments (a file, or `data` through stdin) decode to: 16-bit
    mono PCM at 16 kHz, what the recogniser takes. Every voice's audio goes through it."""
    return subprocess.run(
        ["ffmpeg", "-v", "error", *source, "-ac", "1", "-ar", "16000", "-f", "s16le", "-"],
        input=data, check=True, capture_output=True,
    ).stdout  # fmt: skip


def speak(chunks: list[str], voice_id: str, folder: Path) -> tuple[Path, Path, float, float]:
    from conversions import audio, speech

    voice = speech.get_voice(voice_id)
    started = time.monotonic()
    chapters = speech.speak_chapters([("", chunks)], folder / "work", voice=voice, rate=175)
    seconds = time.monotonic() - started
    mp3, vtt = folder / "book.mp3", folder / "book.vtt"
    duration = audio.write_audiobook(chapters, mp3, title="passage")
    audio.write_webvtt(chapters, vtt)
    return mp3, vtt, duration, seconds


def intelligibility(minutes: float) -> list[tuple]:
    """(how, words, audio seconds, word error rate, words a minute, x real time) for each way
    of speaking the passages, the baseline first; and the out-of-dictionary share."""
    import jiwer

    from conversions.normalize import normalize

    chunks = [chunk for manual in PASSAGES for chunk in passage(manual, minutes)]
    # What the narrator says: numbers, versions and abbreviations in words, as the engines get
    # them (the captions keep the text as written).
    spoken = [normalize(chunk, "en") for chunk in chunks]
    reference = normalised(" ".join(spoken))
    words = len(reference.split())
    heard, audio, seconds = piper_alone(spoken)
    wer = jiwer.wer(reference, normalised(heard))
    rows = [("Piper alone (piper-tts defaults)", words, audio, wer, words / (audio / 60),
             audio / seconds)]  # fmt: skip
    print(f"baseline: WER {wer:.3f}", file=sys.stderr)
    for voice in VOICES:
        with tempfile.TemporaryDirectory(prefix="audiobooker-wer-") as tmp:
            mp3, vtt, duration, seconds = speak(chunks, voice, Path(tmp))
            heard = normalised(transcribe(mp3, vtt))
        wer = jiwer.wer(reference, heard)
        rows.append((voice, words, duration, wer, words / (duration / 60), duration / seconds))
        print(f"{voice}: WER {wer:.3f}", file=sys.stderr)
    return rows, out_of_dictionary(reference.split())


# The other languages: a few pages of each manual, read by the voice "auto" picks.
PACE = [
    ("maint-guide.en.pdf", range(10, 14), "words"),
    ("debian-faq.ru.pdf", range(8, 12), "words"),
    ("maint-guide.ja.pdf", range(6, 9), "characters"),
]


def pace() -> list[tuple]:
    import pypdf

    from conversions.pipeline import convert_pdf

    rows = []
    for name, pages, unit in PACE:
        with tempfile.TemporaryDirectory(prefix="audiobooker-pace-") as tmp:
            excerpt = Path(tmp) / name
            reader, writer = pypdf.PdfReader(MANUALS / name), pypdf.PdfWriter()
            for page in pages:
                writer.add_page(reader.pages[page])
            writer.write(excerpt)
            started = time.monotonic()
            result = convert_pdf(excerpt, Path(tmp) / "work", voice="auto", rate=175)
            seconds = time.monotonic() - started
            text = " ".join(text for _, _, text in cues(result.vtt))
            count = len(text.split()) if unit == "words" else len("".join(text.split()))
            rows.append((name, len(pages), result.language, result.voice, unit,
                         count / (result.duration / 60), result.duration / seconds))  # fmt: skip
            print(f"{name}: {rows[-1][5]:.0f} {unit} a minute", file=sys.stderr)
    return rows


def normalisation_effect() -> tuple[int, float, float]:
    """WER of the natural voice on the English rows of the normalisation table (numbers, units,
    abbreviations, links), spoken as written and spoken normalised, each against what a
    narrator should say (the table's expected text). Sentences whose words differ (where
    normalising changes something) only."""
    import jiwer

    from conversions import speech
    from conversions.normalize import normalize
    from conversions.speech import piper
    from tests.normalize_cases import load_cases

    cases = [c for c in load_cases() if c.language == "en" and not c.limit]
    cases = [c for c in cases if normalised(c.text) != normalised(c.expected)]
    voice = speech.get_voice(VOICES[0])
    speaker = piper.open_speaker(voice, 175, os.cpu_count() or 1)
    decoder = _decoder()
    heard = {"as written": [], "normalised": []}
    with tempfile.TemporaryDirectory(prefix="audiobooker-norm-") as tmp:
        wav = Path(tmp) / "sentence.wav"
        for case in cases:
            for how, text in (
                ("as written", case.text),
                ("normalised", normalize(case.text, "en")),
            ):
                speaker.speak(speech.speakable_text(text, "en"), wav)
                heard[how].append(_recognise(decoder, wav))
    reference = [normalised(c.expected) for c in cases]
    return (
        len(cases),
        jiwer.wer(reference, [normalised(h) for h in heard["as written"]]),
        jiwer.wer(reference, [normalised(h) for h in heard["normalised"]]),
    )


def _decoder():
    from pocketsphinx import Decoder

    return Decoder(samprate=16000, loglevel="FATAL")


def _recognise(decoder, wav: Path) -> str:
    return _recognise_pcm(decoder, _pcm_16k(["-i", str(wav)]), lead=0)


def _recognise_pcm(decoder, pcm: bytes, lead: float = 0.3) -> str:
    """One utterance. A moment of silence before a cut-out sentence lets the recogniser find
    its first word, as it would in the middle of the book."""
    decoder.start_utt()
    decoder.process_raw(bytes(int(lead * 16000) * 2) + pcm, full_utt=True)
    decoder.end_utt()
    return decoder.hyp().hypstr if decoder.hyp() is not None else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=3.0, help="of each manual")
    args = parser.parse_args()
    import django

    django.setup()
    rows, missing = intelligibility(args.minutes)
    baseline = rows[0][3]
    print("## Intelligibility: `bench/intelligibility.py`\n")
    print(f"{rows[0][1]} words of prose from {', '.join(PASSAGES)}; "
          f"{missing:.1%} of them are not in the recogniser's dictionary.\n")  # fmt: skip
    print(
        "| how | words | audio s | word error rate (pocketsphinx) | ratio to Piper alone "
        "| words a minute | x real time |"
    )
    print("|---|---|---|---|---|---|---|")
    for how, words, duration, wer, wpm, speed in rows:
        print(f"| {how} | {words} | {duration:.0f} | {wer:.3f} | {wer / baseline:.2f} "
              f"| {wpm:.0f} | {speed:.0f}x |")  # fmt: skip
    count, as_written, normalised_wer = normalisation_effect()
    print(f"\n{count} sentences full of numbers, units and abbreviations (the English rows of "
          "tests/data/normalize_cases.tsv that normalising changes), read by "
          f"{VOICES[0]}, against what a narrator should say:\n")  # fmt: skip
    print("| text given to the voice | word error rate (pocketsphinx) |")
    print("|---|---|")
    print(f"| as written | {as_written:.3f} |")
    print(f"| normalised | {normalised_wer:.3f} |")
    print("\n| manual (pages) | language | voice | pace | x real time |")
    print("|---|---|---|---|---|")
    for name, pages, language, voice, unit, per_minute, speed in pace():
        print(f"| {name} ({pages}) | {language} | {voice} | {per_minute:.0f} {unit} a minute "
              f"| {speed:.1f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
