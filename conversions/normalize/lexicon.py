"""A pronunciation list: "write this / say this" pairs, their text format, and applying them.

The text format, one pair per line, is what people import and export:

    # comments and blank lines are ignored
    nginx = engine x
    SQL = sequel [case]
    Debian = Дебиан [ru]
    GNU = гну [case ru]

- The written form is everything before the first "=", the spoken form everything after it,
  both trimmed (inner runs of spaces become one space).
- An optional bracket at the end of the line holds options: `case` (match only with exactly
  this capitalisation; without it, any capitalisation matches) and/or one language code
  (`en`, `ru`, `pt-br`: the pair then applies only to text in that language; `en` also applies
  to `en-us`). The written form cannot contain "=", and neither form "[" or "]".
- Limits: MAX_ENTRIES pairs, MAX_WRITTEN / MAX_SPOKEN characters, MAX_LINE characters a line.
  Every bad line is reported with its number (`LexiconError.errors`), and nothing is returned
  when any line is bad, so a caller saves all of it or none of it.

Pairs match whole words: "nginx" changes "nginx" and "nginx's" but not "nginxconf". When two
pairs have the same written form, the later one wins, so a person's own list, passed after the
administrator's, overrides it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

MAX_ENTRIES = 1000
MAX_WRITTEN = 100
MAX_SPOKEN = 200
MAX_LINE = 400

_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")
_OPTIONS = re.compile(r"\[([^\[\]]*)\]\s*$")


@dataclass(frozen=True, slots=True)
class Substitution:
    """Say `spoken` where the text has the whole word(s) `written`."""

    written: str
    spoken: str
    case_sensitive: bool = False
    language: str | None = None  # None: every language


class LexiconError(ValueError):
    """A pronunciation list that cannot be used; `errors` holds (line number, message)."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__("; ".join(f"line {number}: {message}" for number, message in errors))


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def _has_control(text: str) -> bool:
    # Format characters other than the zero-width (non-)joiners that some scripts spell with.
    return any(
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in "\u200c\u200d"
        for ch in text
    )


def validate_substitution(
    written: str, spoken: str, case_sensitive: bool = False, language: str | None = None
) -> list[str]:
    """What is wrong with one pair, as messages for a person (empty when it is fine).

    The pair is checked as given; `parse_lexicon` squeezes spaces before calling this.
    """
    problems = []
    if not written:
        problems.append("the written form is empty")
    elif len(written) > MAX_WRITTEN:
        problems.append(f"the written form is longer than {MAX_WRITTEN} characters")
    elif not any(ch.isalnum() for ch in written):
        problems.append("the written form has no letter or digit")
    if "=" in written:
        problems.append('the written form cannot contain "="')
    if not spoken:
        problems.append("the spoken form is empty")
    elif len(spoken) > MAX_SPOKEN:
        problems.append(f"the spoken form is longer than {MAX_SPOKEN} characters")
    for name, text in (("written", written), ("spoken", spoken)):
        if "[" in text or "]" in text:
            problems.append(f'the {name} form cannot contain "[" or "]"')
        if _has_control(text) or text != _squeeze(text):
            problems.append(f"the {name} form has control characters or extra spaces")
    if language is not None and not _LANGUAGE_CODE.fullmatch(language):
        problems.append(f'"{language}" is not a language code such as en, ru or pt-br')
    return problems


def _parse_line(line: str) -> tuple[Substitution | None, list[str]]:
    options: list[str] = []
    found = _OPTIONS.search(line)
    if found:
        options = found.group(1).split()
        line = line[: found.start()]
    written, equals, spoken = line.partition("=")
    if not equals:
        return None, ['expected "written = spoken"']
    case_sensitive, language, problems = False, None, []
    for option in options:
        lowered = option.lower()
        if lowered == "case":
            case_sensitive = True
        elif _LANGUAGE_CODE.fullmatch(lowered) and language is None:
            language = lowered
        else:
            problems.append(f'unknown option "{option}" (use "case" and/or one language code)')
    written, spoken = _squeeze(written), _squeeze(spoken)
    problems += validate_substitution(written, spoken, case_sensitive, language)
    if problems:
        return None, problems
    return Substitution(written, spoken, case_sensitive, language), []


def _key(entry: Substitution) -> tuple[str, bool, str | None]:
    written = entry.written if entry.case_sensitive else entry.written.casefold()
    return written, entry.case_sensitive, entry.language


def parse_lexicon(text: str) -> list[Substitution]:
    """The pairs of a pronunciation list file; raises LexiconError listing every bad line."""
    entries: list[Substitution] = []
    errors: list[tuple[int, str]] = []
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if len(raw) > MAX_LINE:
            errors.append((number, f"the line is longer than {MAX_LINE} characters"))
            continue
        entry, problems = _parse_line(line)
        errors += [(number, problem) for problem in problems]
        if entry is None:
            continue
        key = _key(entry)
        if key in seen:
            errors.append((number, f'"{entry.written}" is already on line {seen[key]}'))
            continue
        seen[key] = number
        entries.append(entry)
        if len(entries) > MAX_ENTRIES:
            errors.append((number, f"a list holds at most {MAX_ENTRIES} pairs"))
            break
    if errors:
        raise LexiconError(errors)
    return entries


def format_lexicon(entries: Sequence[Substitution]) -> str:
    """The text file for `entries`; `parse_lexicon` reads it back to the same pairs."""
    lines = []
    for entry in entries:
        options = (["case"] if entry.case_sensitive else []) + (
            [entry.language] if entry.language else []
        )
        suffix = f" [{' '.join(options)}]" if options else ""
        lines.append(f"{entry.written} = {entry.spoken}{suffix}")
    return "\n".join(lines) + ("\n" if lines else "")


def applies_to(entry: Substitution, language: str) -> bool:
    """An entry for "en" applies to "en" and "en-us" text; one for "en-gb" only to "en-gb"."""
    if entry.language is None:
        return True
    language = language.lower().replace("_", "-")
    return language == entry.language or language.startswith(entry.language + "-")


def _effective(lexicon: Sequence[Substitution], language: str) -> list[Substitution]:
    """The entries for `language`, the later of two with the same written form winning."""
    chosen: dict[tuple[str, bool], Substitution] = {}
    for entry in lexicon:
        if applies_to(entry, language):
            written, case_sensitive, _ = _key(entry)
            chosen.pop((written, case_sensitive), None)  # re-insert: keeps the later one's order
            chosen[(written, case_sensitive)] = entry
    return list(chosen.values())


def _is_cjk(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"


def _whole_word(entry: Substitution) -> str:
    """The regex for an entry as a whole word. Chinese, Japanese and Korean have no spaces
    between words, so an edge that is such a character needs no word boundary."""
    body = re.escape(entry.written)
    if not entry.case_sensitive:
        body = f"(?i:{body})"
    before = "" if _is_cjk(entry.written[0]) else r"(?<!\w)"
    after = "" if _is_cjk(entry.written[-1]) else r"(?!\w)"
    return f"{before}{body}{after}"


_WORD = re.compile(r"\w+")


def _is_one_word(written: str) -> bool:
    return bool(_WORD.fullmatch(written)) and not any(_is_cjk(ch) for ch in written)


class _CompiledLexicon:
    """One regex pass: at each place the phrases ("GNU/Linux", "C++", "New York", Japanese
    words) are tried, longest first, then a whole word is looked up in a dict.

    A regex alternative per single word was 15x slower than no list with 1,000 pairs
    (bench/normalize.py); the dict costs one lookup per word of the text.
    """

    def __init__(self, entries: list[Substitution]):
        self.exact = {e.written: e.spoken for e in entries if e.case_sensitive}
        self.folded = {e.written.casefold(): e.spoken for e in entries if not e.case_sensitive}
        # Longest first, so "GNU/Linux" wins over "GNU"; for equal lengths the case-sensitive
        # entry is tried first, so "SQL [case]" beats "sql" on "SQL".
        phrases = [e for e in entries if not _is_one_word(e.written)]
        ordered = sorted(phrases, key=lambda e: (-len(e.written), not e.case_sensitive))
        alternatives = [_whole_word(e) for e in ordered]
        if len(phrases) < len(entries):
            alternatives.append(r"\w+")
        self.pattern = re.compile("|".join(alternatives)) if alternatives else None
        self.has_phrases = bool(phrases)
        self.folded_words = {w for w in self.folded if _is_one_word(w)}
        self.exact_words = {w for w in self.exact if _is_one_word(w)}

    def _spoken(self, match: re.Match) -> str:
        found = match.group(0)
        if found in self.exact:
            return self.exact[found]
        return self.folded.get(found.casefold(), found)

    def apply(self, text: str) -> str:
        if self.pattern is None:
            return text
        if not self.has_phrases:  # most texts hold none of the words: skip them at C speed
            words = set(_WORD.findall(text))
            if words.isdisjoint(self.exact_words) and self.folded_words.isdisjoint(
                word.casefold() for word in words
            ):
                return text
        return self.pattern.sub(self._spoken, text)


class Lexicon:
    """A pronunciation list made ready once, for `normalize` to use on every chunk of a book.

    A plain list of Substitutions works too, but is hashed on every call to find its compiled
    form: with 1,000 pairs that cost 3x the normalisation itself (bench/normalize.py).
    """

    def __init__(self, entries: Sequence[Substitution] = ()):
        self.entries = tuple(entries)
        self._compiled: dict[str, _CompiledLexicon] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def apply(self, text: str, language: str) -> str:
        compiled = self._compiled.get(language)
        if compiled is None:
            compiled = self._compiled[language] = _CompiledLexicon(
                _effective(self.entries, language)
            )
        return compiled.apply(text)


@functools.lru_cache(maxsize=32)
def _prepared(entries: tuple[Substitution, ...]) -> Lexicon:
    return Lexicon(entries)


def apply_lexicon(text: str, lexicon: Sequence[Substitution] | Lexicon, language: str) -> str:
    """`text` with every whole-word match of the list replaced by its spoken form, in one pass.

    One pass: a spoken form is never matched again, so "a = b" and "b = a" cannot loop.
    """
    if not lexicon:
        return text
    if not isinstance(lexicon, Lexicon):
        lexicon = _prepared(tuple(lexicon))
    return lexicon.apply(text, language)


def lexicon_fingerprint(lexicon: Sequence[Substitution] | Lexicon, language: str) -> str:
    """A short hash of the pairs that apply to `language`; "" when none do.

    For a cache key of audio made from the original text: the same text with another list
    must not reuse the audio. (Keying the cache on the normalised text needs neither this nor
    NORMALIZE_VERSION.)
    """
    entries = _effective(list(lexicon), language)
    if not entries:
        return ""
    digest = hashlib.sha256(format_lexicon(entries).encode("utf-8"))
    return digest.hexdigest()[:16]
