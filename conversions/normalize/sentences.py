"""Sentence boundaries that know abbreviations, initials and the ends of Chinese and Japanese.

Ordinary text splits as before: after ".", "!", "?" or "…", optionally followed by closing
quotes or brackets, where whitespace follows. A full stop is not an end:
- after an abbreviation of the language's table or of the English one (technical English turns
  up in every language): "e.g.", "Dr.", "z. B.", "т. е.", "p. ex."; an abbreviation that can
  end a sentence ("etc.", "usw.", "и т. д.") ends one only when a capital letter follows, and
  one used before numbers ("p.", "No.", "S.") does not end one before a digit;
- after a single capital letter, an initial: "J. R. R. Tolkien";
- after a list number alone ("1. Introduction", "IV. Results");
- after a day before a month name ("am 3. Oktober");
- when a lowercase letter follows: a sentence does not start with one, so the full stop
  belonged to an abbreviation the tables do not know ("approx. the").
Chinese and Japanese sentences end at 。！？ (with closing brackets), with no space after.

When in doubt this does not split: a missed boundary only makes a chunk a sentence longer,
while a false one puts a pause inside "Dr. Smith".
"""

from __future__ import annotations

import functools
import re

from .languages import ENGLISH, LANGUAGES, Language

_BREAK = re.compile(
    r"(?P<end>[.!?…]+)[\"'”’»)\]]*(?P<space>\s+)|(?P<cjk>[。！？]+[」』）】〉》\"”’]*)\s*"
)
_LIST_MARKER = re.compile(r"(?:\d{1,3}|[IVXLivxl]{1,5}|[A-Za-z])\.")


class _Abbreviations:
    """The abbreviations of one language (and English) that end with a full stop."""

    def __init__(self, languages: list[Language]):
        self.kinds: dict[str, str] = {}
        self.months: set[str] = set()
        # Written like a unit: after a number they end sentences like "etc." ("в 1999 г. Потом").
        self.unit_like: set[str] = set()
        for language in reversed(languages):  # the text's own language wins
            for kind, table in (
                ("always", language.abbreviations),
                ("before_number", language.before_number),
                ("before_name", language.before_name),
            ):
                for written in table:
                    if written.endswith("."):
                        self.kinds[_canonical(written)] = kind
            for written in language.final:
                self.kinds[_canonical(written)] = "final"
            self.unit_like.update(
                _canonical(w)
                for w in language.abbreviations
                if w in language.units or w.rstrip(".") in language.units or w == "г."
            )
            self.months.update(name.lower() for name in language.months)
        alternatives = "|".join(
            sorted({abbreviation_pattern(w) for w in self.kinds}, key=len, reverse=True)
        )
        self.tail = re.compile(rf"(?:^|(?<=[\s(\[“\"'‘«]))(?:{alternatives})$")
        # An abbreviation that starts at a token: "z. B." has a full stop inside it.
        self.head = re.compile(rf"(?:{alternatives})")

    def kind(self, found: str) -> str | None:
        canonical = _canonical(found)
        return self.kinds.get(canonical) or self.kinds.get(canonical[:1].lower() + canonical[1:])


def _canonical(written: str) -> str:
    return "".join(written.split())


def abbreviation_pattern(written: str) -> str:
    """A regex for an abbreviation, with spaces optional and an optional capital first letter.

    "z. B." also matches "z.B."; "e.g." also "E.g." and "e. g.".
    """
    parts = []
    for i, ch in enumerate(written):
        if ch == " ":
            continue
        if i == 0 and ch.islower():
            parts.append(f"[{ch}{ch.upper()}]")
        else:
            parts.append(re.escape(ch))
        if ch == "." and i + 1 < len(written) or i + 1 < len(written) and written[i + 1] == " ":
            parts.append(r"\s?")
    return "".join(parts)


@functools.lru_cache(maxsize=16)
def _abbreviations(code: str) -> _Abbreviations:
    language = LANGUAGES.get(code)
    return _Abbreviations(
        [language, ENGLISH] if language and language is not ENGLISH else [ENGLISH]
    )


def primary_language(language: str) -> str:
    """ "en" for "en-US", "en_GB" or "EN"."""
    return language.replace("_", "-").split("-", 1)[0].lower()


def _ends_sentence(text: str, stop: int, after: int, start: int, tables: _Abbreviations) -> bool:
    """Whether the full stop at `stop` ends the sentence that began at `start`.

    `after` is the index of the first character after the whitespace.
    """
    following = text[after] if after < len(text) else ""
    if following.islower():
        return False
    window = text[max(start, stop - 24) : stop + 1]
    token_start = max(start, text.rfind(" ", 0, stop) + 1)
    inside = tables.head.match(text, token_start)
    if inside and inside.end() > stop + 1:  # the first full stop of "z. B." or "т. е."
        return False
    found = tables.tail.search(window)
    if found:
        kind = tables.kind(found.group(0))
        canonical = _canonical(found.group(0))
        if kind == "final" or (
            canonical in tables.unit_like
            and text[: stop + 1 - len(found.group(0))].rstrip()[-1:].isdigit()
        ):
            return following.isupper()
        if kind == "before_number":
            if following.isdigit():
                return False
        elif kind is not None:
            return False
    token = window.rsplit(None, 1)[-1].lstrip("(\"'“‘«[")
    if len(token) == 2 and token[0].isupper():  # an initial: "J."
        return False
    if _LIST_MARKER.fullmatch(text[start : stop + 1]):
        return False
    if token[:-1].isdigit() and len(token) <= 3:
        next_word = text[after : after + 12].split(" ", 1)[0].rstrip(".,").lower()
        if next_word in tables.months:
            return False
    return True


def split_sentences(paragraph: str, language: str = "en") -> list[str]:
    """Sentences of a paragraph, whitespace collapsed (see the module docstring)."""
    text = " ".join(paragraph.split())
    tables = _abbreviations(primary_language(language))
    sentences: list[str] = []
    start = 0
    for match in _BREAK.finditer(text):
        if match.group("cjk"):
            cut, resume = match.end("cjk"), match.end()
        else:
            cut, resume = match.start("space"), match.end()
            end = match.group("end")
            if end == "." and not _ends_sentence(text, match.start("end"), resume, start, tables):
                continue
        if cut > start:
            sentences.append(text[start:cut])
        start = resume
    if start < len(text):
        sentences.append(text[start:])
    return [sentence for sentence in sentences if sentence]
