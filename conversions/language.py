"""The language a book is written in: the PDF's own /Lang entry, else detected from its text.

Detection uses Lingua (`lingua-language-detector`): its models for 75 languages ship inside
the package (nothing is downloaded), it is maintained, and it tells apart languages that share
a script (Russian from Ukrainian and Bulgarian) better than n-gram detectors trained on short
texts. It runs offline in about 10 ms on the samples taken here.

A book is more than one language: Debian's Japanese manuals are full of English commands and
file names. So the text is sampled paragraph by paragraph across the whole book, each sample's
language is detected, and the language of the most *words* wins, counting a Japanese or Chinese
character as the word it about stands for (those scripts have no spaces).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_LANGUAGE = "en"
MIN_WORDS = 20  # fewer words than this cannot be told apart reliably
MIN_CONFIDENCE = 0.5  # the share the winning language must have of the sampled words
SAMPLES = 200  # paragraphs looked at, spread evenly over the book
SAMPLE_CHARS = 1200  # of each

TOO_LITTLE_TEXT = "There is too little text to tell its language, so it is read as English."
UNSURE = "Its language could not be told for sure, so it is read as English."

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class LanguageGuess:
    code: str  # "en", "ru", "ja" (ISO 639-1 where there is one), or a PDF's own tag ("en-gb")
    source: str  # "pdf" (its /Lang entry), "detected", or "default"
    note: str = ""  # for the listener, when the guess is a fallback


def count_words(text: str) -> int:
    """Words, with each Japanese or Chinese character standing for one."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub(" ", text).split()) + cjk


@functools.cache
def _detector():
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().build()


def _samples(paragraphs: Sequence[str]) -> list[str]:
    texts = [p for p in paragraphs if p.strip()]
    if len(texts) > SAMPLES:
        step = len(texts) / SAMPLES
        texts = [texts[int(i * step)] for i in range(SAMPLES)]
    return [text[:SAMPLE_CHARS] for text in texts]


def detect_language(paragraphs: Sequence[str]) -> LanguageGuess:
    """The language most of `paragraphs` is written in; English, with a note, when unsure."""
    samples = _samples(paragraphs)
    total = sum(count_words(sample) for sample in samples)
    detector = _detector()
    if total < MIN_WORDS:
        # A word or two in a script of its own (Arabic, Cyrillic, Greek, kana) still says what
        # it is; a few Latin-script words could be any of dozens of languages.
        text = " ".join(samples)
        letters = [ch for ch in text if ch.isalpha()]
        latin = sum(1 for ch in letters if ord(ch) < 0x250)
        language = detector.detect_language_of(text) if letters else None
        if language is None or latin >= len(letters) / 2:
            return LanguageGuess(DEFAULT_LANGUAGE, "default", TOO_LITTLE_TEXT)
        return LanguageGuess(language.iso_code_639_1.name.lower(), "detected")
    votes: Counter[str] = Counter()
    found = detector.detect_languages_in_parallel_of(samples)
    for sample, language in zip(samples, found, strict=True):
        if language is not None:
            votes[language.iso_code_639_1.name.lower()] += count_words(sample)
    if not votes:
        return LanguageGuess(DEFAULT_LANGUAGE, "default", UNSURE)
    code, words = votes.most_common(1)[0]
    if words < MIN_CONFIDENCE * total:
        return LanguageGuess(DEFAULT_LANGUAGE, "default", UNSURE)
    return LanguageGuess(code, "detected")


def language_from_tag(tag: str | None) -> str:
    """A PDF's /Lang value ("en-US", "ru") as a lower-case tag, or "" when it is not one."""
    tag = (tag or "").strip()
    if not _LANG_TAG.match(tag) or tag.lower() in ("x-none", "und", "zxx"):
        return ""
    return tag.replace("_", "-").lower()


def book_language(pdf_lang: str | None, paragraphs: Sequence[str]) -> LanguageGuess:
    """The PDF's own /Lang when it names a language, else the detected one."""
    tag = language_from_tag(pdf_lang)
    if tag:
        return LanguageGuess(tag, "pdf")
    return detect_language(paragraphs)


@functools.cache
def iso_639_2(code: str) -> str:
    """ "en" or "en-us" -> "eng", the three-letter code ID3's TLAN tag wants ("" if unknown)."""
    from lingua import IsoCode639_1, Language

    primary = re.split(r"[-_]", code, maxsplit=1)[0].lower()
    if len(primary) == 3:
        return primary
    try:
        language = Language.from_iso_code_639_1(getattr(IsoCode639_1, primary.upper()))
    except (AttributeError, ValueError):
        return ""
    return language.iso_code_639_3.name.lower()
