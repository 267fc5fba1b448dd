"""Narration text -> what a narrator says: numbers, abbreviations, links, code and symbols in
words, per language, before speech; and the sentence splitter that knows the abbreviations.

Plain Python (no Django): it runs inside the speech processes. Captions keep the original
text, so split and chunk the text as written, then normalise each chunk for the engine only:

    lexicon = Lexicon(admin_pairs + person_pairs)          # once per book; later pairs win
    for sentence in split_sentences(paragraph, language):  # captions and chunks, as written
        ...
    spoken = normalize(chunk, language, lexicon)           # what the engine reads

- `normalize(text, language="en", lexicon=())`: the spoken form of `text`. `language` is a tag
  such as "en", "en-US", "ru" or an eSpeak voice name such as "en-gb-x-rp"; only its first
  part chooses the rules, while a lexicon pair can target a full tag. English, Russian,
  German, French and Spanish have rules; any other language gets only the lexicon and tidy
  spacing (Japanese goes to Kokoro, whose own front end reads numbers). Never raises on text:
  a rule that cannot read something leaves it as written. The result is longer than the text
  (numbers become words): 4 % more words on bashref.pdf; a number of more than 40 digits
  becomes "a long number", so no chunk grows without bound.
- `split_sentences(paragraph, language="en")`: sentences, whitespace collapsed (sentences.py).
- The pronunciation list (lexicon.py, which documents the file format): `Substitution`,
  `Lexicon`, `parse_lexicon`, `format_lexicon`, `validate_substitution`, `LexiconError`,
  `lexicon_fingerprint`. Its pairs apply to whole words before the built-in rules, but after
  links, e-mail addresses and paths have been put into words, so "debian = Debb-ian" also
  changes "a link to debian dot org", and a spoken form with spaces cannot break a URL apart.
- NORMALIZE_VERSION changes whenever a rule changes what is said. A cache of audio keyed on
  the original text must include it and `lexicon_fingerprint`; a cache keyed on the
  normalised text needs neither.

The order, one regex pass per family: links, e-mail and paths (links.py) -> the lexicon ->
command lines (links.py) -> abbreviations -> Roman numerals -> "~ # № §" before numbers
(rules.py) -> dates and times (dates.py) -> numbers with units and currencies
(quantities.py) -> remaining symbols and dashes (rules.py) -> spacing. The words each language
needs are in languages.py, number words in numbers.py (num2words), agreement in grammar.py.
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
