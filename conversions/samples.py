"""Short spoken clips for the pages: a sample of each voice, and a pronunciation pair said.

A sample is made the first time someone asks for it (a speech process, as for a book: the
engines never run in a web process) and kept in DATA_DIR/samples under a name made from the
voice's id and a hash of what shapes its audio, so a replaced voice gets a new sample.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from . import audio, speech
from .speech.voices import engine_module, file_name_for

# A sentence or two in the voice's language; others read the English one.
SAMPLE_TEXTS = {
    "en": "Hello! This is how I would read your book. Chapter one: the quick brown fox jumps "
    "over the lazy dog.",
    "ru": "Здравствуйте! Так я прочитаю вашу книгу. Глава первая: съешь же ещё этих мягких "
    "французских булок.",
    "de": "Hallo! So würde ich Ihr Buch vorlesen. Kapitel eins: Franz jagt im komplett "
    "verwahrlosten Taxi quer durch Bayern.",
    "fr": "Bonjour ! Voici comment je lirais votre livre. Chapitre un : portez ce vieux whisky "
    "au juge blond qui fume.",
    "es": "¡Hola! Así leería su libro. Capítulo uno: el veloz murciélago hindú comía feliz "
    "cardillo y kiwi.",
    "it": "Ciao! Ecco come leggerei il tuo libro. Capitolo uno: quel vituperabile xenofobo "
    "zelante assaggia il whisky.",
    "pt": "Olá! É assim que eu leria o seu livro. Capítulo um: um pequeno jabuti xereta viu "
    "dez cegonhas felizes.",
    "nl": "Hallo! Zo zou ik uw boek voorlezen. Hoofdstuk één: pa's wijze lynx bezag vroom het "
    "fikse aquaduct.",
    "pl": "Dzień dobry! Tak przeczytam twoją książkę. Rozdział pierwszy: pchnąć w tę łódź jeża "
    "lub ośm skrzyń fig.",
    "uk": "Добрий день! Так я прочитаю вашу книжку. Розділ перший: чуєш їх, доцю, га?",
    "ja": "こんにちは。このように本を読み上げます。第一章、吾輩は猫である。名前はまだ無い。",
    "zh": "你好！我会这样朗读你的书。第一章：今天天气很好，我们一起去公园散步吧。",
}


def sample_text(voice: speech.Voice) -> str:
    return SAMPLE_TEXTS.get(voice.primary_language, SAMPLE_TEXTS["en"])


def sample_path(voice: speech.Voice) -> Path:
    """The voice's sample MP3, made now if it does not exist yet. Raises SpeechError."""
    text = sample_text(voice)
    shape = hashlib.sha256(
        f"{engine_module(voice).identity(voice)}|{settings.TTS_RATE}|{text}".encode()
    ).hexdigest()[:16]
    path = Path(settings.DATA_DIR) / "samples" / f"{file_name_for(voice)}-{shape}.mp3"
    if not path.exists():
        speak_to_mp3(text, voice, path)
    return path


def speak_to_mp3(text: str, voice: speech.Voice, path: Path, lexicon=()) -> Path:
    """Speak `text` (normalised, with `lexicon`, as a book's chunk would be) into the MP3
    `path`, in a speech process, as for a book. Raises SpeechError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="speak-", dir=path.parent))
    try:
        chapters = speech.speak_chapters(
            [("", [text])], workdir, voice=voice, rate=settings.TTS_RATE, processes=1,
            lexicon=lexicon,
        )  # fmt: skip
        # write_audiobook renames its file into place whole: two requests racing both succeed.
        audio.write_audiobook(chapters, path, title=f"{voice.label}: {text[:60]}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return path
