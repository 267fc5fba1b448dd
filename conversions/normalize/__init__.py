"""Narration text -> what a narrator says: numbers, abbreviations, links, code and symbols in
words, per language, before speech; and the sentence splitter that knows the abbreviations.

Plain Python (no Django): it runs inside the speech processes. The speech engines read the
result; captions keep the original text, so normalise each chunk after splitting and
chunking, and keep the chunk as written for the transcript:

    for sentence in split_sentences(paragraph, language): ...     # captions, chunks
    spoken = normalize(chunk, language, lexicon)                  # what the engine reads

- `normalize(text, language, lexicon=())`: the spoken form of `text`. `language` is a tag such
  as "en", "en-US", "ru" or an eSpeak voice name such as "en-gb-x-rp"; only its first part
  counts, except that the lexicon can target a full tag. English, Russian, German, French and
  Spanish have rules; any other language gets only the lexicon and tidy spacing (Japanese goes
  to Kokoro, whose own front end reads numbers). Never raises on text: a rule that cannot read
  something leaves it as written.
- `split_sentences(paragraph, language="en")`: sentences, whitespace collapsed (sentences.py).
- The pronunciation list: `Substitution`, `parse_lexicon`, `format_lexicon`,
  `validate_substitution`, `LexiconError`, `lexicon_fingerprint` (lexicon.py, which documents
  the file format). Its pairs apply before the built-in rules, to whole words, after links,
  e-mail addresses and paths have been put into words (so "debian = Debb-ian" also changes
  "a link to debian dot org", and a spoken form with spaces cannot break a URL apart).
- NORMALIZE_VERSION changes whenever a rule changes what is said. A cache of audio keyed on
  the original text must include it and `lexicon_fingerprint`; a cache keyed on the
  normalised text needs neither.

The order, one regex pass per family: links, e-mail and paths (links.py) -> the lexicon ->
command lines -> abbreviations -> Roman numerals -> "~ # № §" before numbers -> dates and times
-> numbers with units and currencies -> remaining symbols and dashes -> spacing. The rules and
their limits are described in rules.py, links.py and languages.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from .languages import LANGUAGES
from .lexicon import (
    MAX_ENTRIES,
    MAX_SPOKEN,
    MAX_WRITTEN,
    Lexicon,
    LexiconError,
    Substitution,
    apply_lexicon,
    format_lexicon,
    lexicon_fingerprint,
    parse_lexicon,
    validate_substitution,
)
from .rules import LanguageRules
from .sentences import primary_language, split_sentences

__all__ = [
    "MAX_ENTRIES",
    "MAX_SPOKEN",
    "MAX_WRITTEN",
    "NORMALIZE_VERSION",
    "Lexicon",
    "LexiconError",
    "Substitution",
    "format_lexicon",
    "lexicon_fingerprint",
    "normalize",
    "parse_lexicon",
    "split_sentences",
    "supported_languages",
    "validate_substitution",
]

NORMALIZE_VERSION = 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# A comma the rules left after a space ("word , next"); other punctuation after a space is
# the author's ("find . -name", "in ‘..’") and stays.
_SPACE_BEFORE = re.compile(r"(?<=\w) +(,)")
_REPEATED_COMMA = re.compile(r",(?: ?,)+")
_COMMA_BEFORE_STOP = re.compile(r", ?([.;:!?])")
_LEADING_COMMA = re.compile(r"^[,;] *")


def supported_languages() -> list[str]:
    """The languages with built-in rules (others get the lexicon only)."""
    return sorted(LANGUAGES)


@functools.lru_cache(maxsize=16)
def _rules(code: str) -> LanguageRules | None:
    language = LANGUAGES.get(code)
    return LanguageRules(language) if language else None


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _REPEATED_COMMA.sub(",", text)
    text = _COMMA_BEFORE_STOP.sub(r"\1", text)
    return _LEADING_COMMA.sub("", text)


def normalize(
    text: str, language: str = "en", lexicon: Sequence[Substitution] | Lexicon = ()
) -> str:
    """What a narrator says for `text` in `language` (see the module docstring)."""
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())
    if not text:
        return ""
    rules = _rules(primary_language(language))
    if rules is not None:
        text = rules.say_links(text)
    text = apply_lexicon(text, lexicon, language)
    if rules is not None:
        text = rules.apply(text)
    return _tidy(text)
