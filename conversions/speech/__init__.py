"""Narration text -> speech -> MP3 segments, with one of several engines, in child processes.

- chunking: sentences grouped into chunks of bounded size (one caption cue each);
- voices: the installed voices of every engine, and the best one for a language;
- espeak, piper, kokoro: one module per engine, each with `open_speaker(voice, rate, threads)`
  (an object with `sample_rate` and `speak(text, wav_path) -> PCM`) and `identity(voice)`
  (what shapes its audio, for the chunk cache); one more engine is one more module;
- pool: the speech processes that speak a book's chunks and encode them into MP3 segments.
"""

from ..audio import ChapterAudio
from .chunking import primary_language, speakable_text, split_into_chunks, split_sentences
from .errors import SpeechError, VoiceUnusable
from .pool import FAULT_ENV, cpu_count, speak_chapters, speak_to_wav
from .voices import (
    AUTOMATIC,
    NATURAL_RATE,
    UnknownVoice,
    Voice,
    choose_voice,
    get_voice,
    installed_voices,
    language_name,
)

__all__ = [
    "AUTOMATIC",
    "FAULT_ENV",
    "NATURAL_RATE",
    "ChapterAudio",
    "SpeechError",
    "UnknownVoice",
    "Voice",
    "VoiceUnusable",
    "choose_voice",
    "cpu_count",
    "get_voice",
    "installed_voices",
    "language_name",
    "primary_language",
    "speak_chapters",
    "speak_to_wav",
    "speakable_text",
    "split_into_chunks",
    "split_sentences",
]
