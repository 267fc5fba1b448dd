"""The built-in rules for one language, compiled once: abbreviations, Roman numerals, dates,
times, numbers with their units and currencies, symbols and dashes.

`LanguageRules(language).apply(text)` runs them in a fixed order, one regex pass per family;
each family sees the words the earlier ones wrote (an abbreviation pass turns "pp. 10–12" into
"pages 10–12" before the number pass reads the range). Context comes from the neighbouring
words in the text: the word before a number decides a year ("in 1999"), a Russian case ("до 10"
-> "до десяти"), a German ordinal ending ("am 3. Mai" -> "am dritten Mai").

How numbers are read (English examples; the other languages follow their own conventions):
- integers as cardinals, "1,000" grouped by the language's thousands separator; a leading zero
  or more than numbers.MAX_CARDINAL_DIGITS digits: digit by digit; "1-800-555-0199" in groups.
- one dot: a decimal where it clearly is one (a unit, currency or "million" follows, it starts
  with "0.", or it has 3+ decimals): "1.25 GB" -> "one point two five gigabytes". Otherwise a
  version or section number: "3.0" -> "three point oh", "6.11" -> "six point eleven". Two or
  more dots: always so ("5.2.15").
- Russian, German, French and Spanish write decimals with a comma ("3,5") and so read "3.5"
  as a version or section number; "1.000" is a thousand in German and Spanish.
- a four-digit number is a year after a year word ("in", "since", a month...) or in a range
  of two such numbers; otherwise a cardinal ("in 1500 files").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from . import numbers
from .languages import CURRENCY_SIGNS, REGNAL_NAMES, Language, Noun
from .links import say_code, say_links
from .sentences import _pattern as abbreviation_pattern

log = logging.getLogger(__name__)

_PREVIOUS_WORD = re.compile(r"([^\W\d_]+),?[\s(«\"“'‘]*$")
_NEXT_WORD = re.compile(r"\s*([^\W\d_]+)")


_ANY_PREVIOUS_WORD = re.compile(r"([^\W\d_]+)[^\w]*$")


def _previous_word(text: str, start: int, across_punctuation: bool = False) -> str:
    """The word just before `start` (only spaces or an opening bracket between, unless
    `across_punctuation`)."""
    pattern = _ANY_PREVIOUS_WORD if across_punctuation else _PREVIOUS_WORD
    found = pattern.search(text, max(0, start - 40), start)
    return found.group(1) if found else ""


def _next_word(text: str, end: int) -> str:
    found = _NEXT_WORD.match(text, end)
    return found.group(1) if found else ""


def _alternation(words, flags: str = "") -> str:
    """A regex alternation of literal words, longest first (so "MB/s" wins over "MB")."""
    ordered = sorted(set(words), key=len, reverse=True)
    body = "|".join(re.escape(word) for word in ordered)
    return f"(?{flags}:{body})" if flags else f"(?:{body})"


def _group(match: re.Match, name: str) -> str | None:
    """A named group that only some languages' patterns have."""
    return match.group(name) if name in match.re.groupindex else None


def _ends_sentence_after(match: re.Match) -> bool:
    """Whether the full stop that ends `match` (as in "etc." or "г.") also ends a sentence:
    nothing follows, or a capital letter after closing quotes or brackets."""
    rest = match.string[match.end() : match.end() + 4].lstrip(" \"'”’)»]")
    return not rest or rest[0].isupper()


def _capitalised(words: str) -> str:
    return words[:1].upper() + words[1:]


# --- Russian grammar around numbers ---------------------------------------------------------

_RU_GENITIVE_BEFORE = frozenset(
    [
        "до",
        "от",
        "с",
        "из",
        "около",
        "более",
        "менее",
        "больше",
        "меньше",
        "свыше",
        "после",
        "для",
        "без",
        "кроме",
        "у",
        "среди",
        "вместо",
        "начиная",
        "против",
    ]
)
_RU_DATIVE_BEFORE = frozenset(["к", "ко", "согласно", "благодаря"])
_RU_PREPOSITIONAL_BEFORE = frozenset(["в", "во", "о", "об", "при"])

# An ordinal written with a suffix: "21-й", "2-го", "1990-х" -> (case, gender, plural).
_RU_ORDINAL_SUFFIX = {
    **dict.fromkeys(("й", "ый", "ой", "ий"), ("n", "m", False)),
    **dict.fromkeys(("я", "ая", "яя"), ("n", "f", False)),
    **dict.fromkeys(("е", "ое", "ее"), ("n", "n", False)),
    **dict.fromkeys(("го", "ого", "его"), ("g", "m", False)),
    **dict.fromkeys(("му", "ому", "ему"), ("d", "m", False)),
    **dict.fromkeys(("м", "ом", "ем"), ("p", "m", False)),
    **dict.fromkeys(("ю", "ую", "юю"), ("a", "f", False)),
    **dict.fromkeys(("х", "ых", "их"), ("g", "m", True)),
    **dict.fromkeys(("ми", "ыми", "ими"), ("i", "m", True)),
}
# "году" after a year: its case; "г." takes the case from the word before the year.
_RU_YEAR_WORDS = {
    "год": ("n", False),
    "года": ("g", False),
    "году": ("p", False),
    "годом": ("i", False),
    "годы": ("n", True),
    "годов": ("g", True),
    "годам": ("d", True),
    "годах": ("p", True),
}
_RU_MONTH = re.compile(
    r"(?:январ|феврал|март|апрел|ма[йяюе]|июн|июл|август|сентябр|октябр|ноябр|декабр)"
)
_RU_YEAR_NOUN = {"n": "год", "g": "года", "p": "году", "d": "году", "i": "годом", "a": "год"}


def _russian_case(previous_word: str, prepositional: bool = False) -> str:
    """The case a preposition gives a number after it; "в"/"о"/"при" only when `prepositional`
    (years: "в 1999 году"; elsewhere "в 5 раз" is accusative)."""
    previous = previous_word.lower()
    if prepositional and previous in _RU_PREPOSITIONAL_BEFORE:
        return "p"
    if previous in _RU_GENITIVE_BEFORE:
        return "g"
    if previous in _RU_DATIVE_BEFORE:
        return "d"
    return "n"


def _russian_gender(next_word: str, number: int) -> str:
    """The gender of the noun after a number, guessed from its ending (1 and 2 only differ).

    After 1 (21, 31...) the noun is nominative singular: -а/-я feminine ("одна страница"),
    -о/-е neuter ("одно окно"). After 2-4 it is genitive singular: -ы/-и feminine ("две
    страницы"); masculine and neuter ("два файла", "два окна") read alike.
    """
    word = next_word.lower()
    if not word:
        return "m"
    last = number % 10
    if number % 100 in (11, 12):
        return "m"
    if last == 1:
        if word.endswith(("а", "я")):
            return "f"
        if word.endswith(("о", "е")):
            return "n"
    elif last == 2 and word.endswith(("ы", "и")):
        return "f"
    return "m"


# --- "1" before a noun in German, French and Spanish ---------------------------------------

# Words after a number that are not the noun it counts ("página 1 de 5", "Kapitel 1 und 2").
_NOT_NOUNS = {
    "de": frozenset(
        [
            "und",
            "oder",
            "bis",
            "von",
            "zu",
            "ist",
            "sind",
            "mit",
            "für",
            "der",
            "die",
            "das",
            "im",
            "in",
            "an",
            "auf",
        ]
    ),
    "fr": frozenset(
        [
            "de",
            "du",
            "des",
            "et",
            "ou",
            "à",
            "au",
            "aux",
            "en",
            "est",
            "sont",
            "que",
            "qui",
            "sur",
            "par",
            "pour",
            "le",
            "la",
            "les",
        ]
    ),
    "es": frozenset(
        [
            "de",
            "del",
            "y",
            "o",
            "a",
            "al",
            "en",
            "es",
            "son",
            "que",
            "con",
            "por",
            "para",
            "se",
            "la",
            "el",
            "los",
            "las",
        ]
    ),
}
# Feminine by ending: enough for "eine Sekunde", "une heure", "una hora" and their kind.
_NOUN_GENDER_GUESS = {
    "de": ("e", "ung", "heit", "keit", "schaft", "ion", "tät", "ik", "ei"),
    "fr": (
        "tion",
        "sion",
        "xion",
        "té",
        "ure",
        "ette",
        "ance",
        "ence",
        "ée",
        "ie",
        "ise",
        "ade",
        "ine",
        "elle",
        "erie",
        "esse",
        "ière",
        "eure",
        "onde",
        "inute",
        "age",
        "ois",
        "igne",
        "aine",
    ),  # fmt: skip
    "es": ("a", "ión", "dad", "tad", "tud", "umbre", "ez"),
}
_FRENCH_MASCULINE = frozenset(["âge", "message", "paquetage", "fichier", "programme", "système"])


def _noun_gender(code: str, text: str, end: int) -> str | None:
    """The gender of the noun right after a number, or None when no noun follows."""
    if end >= len(text) or text[end] != " ":
        return None
    word = _next_word(text, end)
    if not word or word.lower() in _NOT_NOUNS[code] or not word.isalpha():
        return None
    if code == "de" and not word[0].isupper():
        return None
    lowered = word.lower()
    if code in ("fr", "es") and len(lowered) > 3 and lowered[-1] in "sx":  # "vingt et une pages"
        lowered = lowered[:-1]
        if code == "es" and lowered.endswith("e") and not lowered.endswith(("ie", "ue")):
            lowered = lowered[:-1]  # "paquetes" -> "paquet"; "horas" -> "hora" above
    if code == "fr" and lowered in _FRENCH_MASCULINE:
        return "m"
    if code == "fr" and lowered in ("page", "fois", "heure", "ligne", "semaine", "version"):
        return "f"
    return "f" if lowered.endswith(_NOUN_GENDER_GUESS[code]) else "m"


# --- numbers as written -------------------------------------------------------------------


@dataclass
class _Number:
    """A number as written, taken apart: kind is "int", "decimal", "dotted" (one dot, English:
    a decimal or a version, decided by context), "version" or "list" ("1,2,3")."""

    kind: str
    whole: str = ""  # digits before the decimal mark
    fraction: str = ""  # digits after it
    parts: tuple[str, ...] = ()
    grouped: bool = False  # written with thousands separators ("1,000,000")

    @property
    def value(self) -> int:
        """The integer, or for a huge one its last 18 digits: enough for agreement (which
        looks at the last digits), and Python refuses int() of 4,300+ digits."""
        return int(self.whole[-18:])


def _parse(token: str, language: Language) -> _Number:
    compact = "".join(ch for ch in token if ch not in " \u00a0\u202f")
    if compact != token:  # "1 000 000"
        return _Number("int", compact, grouped=True)
    has_dot, has_comma = "." in token, "," in token
    groups = re.split(r"[.,]", token)
    if not has_dot and not has_comma:
        return _Number("int", token)
    thousands_ok = len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    if has_dot and has_comma:
        mark = language.decimal_mark
        other = "," if mark == "." else "."
        whole, _, fraction = token.rpartition(mark)
        whole_groups = whole.split(other)
        if (
            token.rfind(mark) > token.rfind(other)
            and len(whole_groups[0]) <= 3
            and all(len(g) == 3 for g in whole_groups[1:])
        ):
            return _Number("decimal", "".join(whole_groups), fraction, grouped=True)
        return _Number("list", parts=tuple(groups))
    if has_comma:
        if language.decimal_mark == ",":
            if len(groups) == 2:
                return _Number("decimal", groups[0], groups[1])
            return _Number("list", parts=tuple(groups))
        if thousands_ok:
            return _Number("int", "".join(groups), grouped=True)
        return _Number("list", parts=tuple(groups))
    # dots only
    if language.decimal_mark == "." and len(groups) == 2:
        return _Number("dotted", groups[0], groups[1], tuple(groups))
    if "." in language.thousands and thousands_ok:
        return _Number("int", "".join(groups), grouped=True)
    return _Number("version", parts=tuple(groups))


def _is_code_pair(first: _Number, second: _Number) -> bool:
    """Two integers joined by a hyphen that are no range: a leading zero or five digits."""
    if first.kind != "int" or second.kind != "int" or first.grouped or second.grouped:
        return False
    return any(
        n.whole.startswith("0") and len(n.whole) > 1 or len(n.whole) >= 5 for n in (first, second)
    )


# --- the rules ----------------------------------------------------------------------------

# Longer runs of digits without separators are identifiers, dates or hashes ("20110429",
# "12345678"), said digit by digit; a real quantity that long is written "12,345,678".
MAX_UNGROUPED_DIGITS = 7

_ROMAN = r"(?=[IVXLCDM])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(numeral: str) -> int:
    total = 0
    for i, ch in enumerate(numeral):
        value = _ROMAN_VALUES[ch]
        if i + 1 < len(numeral) and _ROMAN_VALUES[numeral[i + 1]] > value:
            total -= value
        else:
            total += value
    return total


_ISO_DATE = re.compile(
    r"(?<![\w.\-/])(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![\w\-/]|\.\d)"
)
_DIGIT_CHAIN = re.compile(r"(?<![\w.,\-/])\d+(?:-\d+){2,}(?![\w\-/]|[.,]\d)")
_DIMENSIONS = re.compile(r"(?<![\w.,])(\d+)\s?[×x]\s?(\d+)(?![\w.,]|\s?[×x]\s?\d)")
# "1643 to " before a number: the number is the end of a span of years.
_YEAR_BEFORE = re.compile(r"\b1\d{3} (?:to|and|or|through|till|until|bis|und|oder) $")
# "dpkg-source(1)": a manual section, which nobody reads aloud.
_MAN_SECTION = re.compile(r"(?<=[\w-])\([1-9][a-z]?\)")
# "the '90s" -> "the nineties"; "the year '83" -> "the year eighty-three".
_SHORT_DECADE = re.compile(r"(?<!\w)['’](\d)0s(?!\w)")
_SHORT_YEAR = re.compile(r"(?<![\w'’])['’](\d\d)(?![\w'’]|[.,]\d)")
_LIST_ROMAN = re.compile(r"\((i{1,3}|iv|vi{0,3}|ix|xi{0,3})\)")
_FUNCTION_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "when",
        "it",
        "he",
        "she",
        "they",
        "we",
        "i",
        "there",
        "this",
        "that",
        "to",
        "with",
        "for",
        "at",
        "on",
        "as",
        "was",
        "were",
        "is",
        "are",
        "had",
        "has",
        "have",
        "which",
        "who",
        "after",
        "before",
        "until",
        "only",
        "also",
        "its",
        "his",
        "her",
        "their",
        "in",
        "of",
        "by",
        "from",
        "through",
        "under",
        "over",
        "into",
        "so",
        "then",
        "while",
        "where",
    ]
)


class LanguageRules:
    """Every built-in rule of one language, compiled; `apply` runs them in order."""

    def __init__(self, language: Language):
        self.language = language
        self.code = language.code
        self.words = language.words
        self._compile_abbreviations()
        self._compile_roman()
        self._compile_dates_and_times()
        self._compile_numbers()
        self._compile_symbols()

    # --- abbreviations --------------------------------------------------------------------

    def _compile_abbreviations(self) -> None:
        language = self.language
        self.spoken: dict[str, str] = {}
        for table in (
            language.abbreviations,
            language.before_number,
            language.before_name,
        ):
            for written, spoken in table.items():
                self.spoken.setdefault("".join(written.split()), spoken)
        self.final = {"".join(written.split()) for written in language.final}
        # Written like a unit ("см." = "смотрите", "5 см" = centimetres; "2022 г." = a year):
        # not expanded right after a number.
        self.unit_like = {
            "".join(w.split())
            for w in (*language.abbreviations, *language.before_number)
            if w in language.units or w.rstrip(".") in language.units or w == "г."
        }

        def compile_table(table, after: str) -> re.Pattern | None:
            if not table:
                return None
            alternatives = sorted({abbreviation_pattern(w) for w in table}, key=len, reverse=True)
            tail = "" if after else r"(?!\w)"
            return re.compile(rf"(?<![\w.])(?:{'|'.join(alternatives)}){tail}{after}")

        self.abbreviation_passes = [
            pattern
            for pattern in (
                compile_table(language.before_number, r"(?=\s?\d)"),
                compile_table(language.before_name, r"(?=\s[A-ZА-ЯЁÀ-Ý])"),
                compile_table(language.abbreviations, ""),
            )
            if pattern is not None
        ]

    def _say_abbreviation(self, match: re.Match) -> str:
        found = match.group(0)
        key = "".join(found.split())
        spoken = self.spoken.get(key)
        if spoken is None:
            key = key[:1].lower() + key[1:]
            spoken = self.spoken.get(key)
            if spoken is None:
                return found
            spoken = _capitalised(spoken)
        text, start = match.string, match.start()
        if key in self.unit_like and re.search(r"\d\s?$", text[max(0, start - 2) : start]):
            return found
        if key == "St." and _previous_word(text, start)[:1].isupper():
            return found  # "Main St. Louis": a street before, not a saint
        if key in self.final and _ends_sentence_after(match):
            return spoken + "."
        return spoken

    # --- Roman numerals -------------------------------------------------------------------

    def _compile_roman(self) -> None:
        language = self.language
        heading_stems = list(language.heading_words)
        if self.code == "ru":  # inflected forms too: "в главе IV" reads "в главе четыре"
            heading_stems = [word[:-1] if word[-1] in "аяео" else word for word in heading_stems]
            headings = "|".join(re.escape(stem) + r"\w*" for stem in heading_stems)
        else:
            headings = "|".join(re.escape(word) for word in heading_stems)
        self.heading_roman = re.compile(rf"(?<!\w)(?i:({headings}))\.?\s({_ROMAN})(?![\w'’-])")
        names = _alternation(REGNAL_NAMES)
        self.regnal_roman = re.compile(rf"(?<!\w)({names})\s([IVX]+)(\.)?(?![\w-])")
        self.wwii = re.compile(r"(?<!\w)WW ?(II|I|2|1)(?!\w)")
        self.century = re.compile(r"(?<!\w)([IVX]+)\s?(век(?:а|е|у|ом)?|в\.)(?!\w)")
        self.french_ordinal_roman = re.compile(r"(?<!\w)([IVX]+)(ers?|res?|ères?|èmes?|es?)(?!\w)")

    def _say_heading_roman(self, match: re.Match) -> str:
        word, numeral = match.group(1), match.group(2)
        if not numeral or set(numeral) - set("IVXL"):
            return match.group(0)
        if len(numeral) == 1 and not word[0].isupper():
            return match.group(0)
        value = roman_value(numeral)
        gender = self.language.heading_words.get(word.lower(), "")
        if self.code == "ru" and gender:
            number = numbers.ordinal(value, "ru", gender=gender)
        else:
            number = numbers.cardinal(value, self.code)
        return f"{match.group(0)[: match.start(2) - match.start()]}{number}"

    def _say_regnal(self, match: re.Match) -> str:
        name, numeral, dot = match.group(1), match.group(2), match.group(3) or ""
        if not re.fullmatch(_ROMAN, numeral):
            return match.group(0)
        after = match.string[match.end() : match.end() + 4]
        if (
            numeral == "I"
            and self.code == "en"
            and not (
                not after.strip()
                or after[0] in ",;:)!?'’"
                or after.startswith((" of", " de", " d'"))
            )
        ):
            return match.group(0)  # "James I said" is more often the pronoun
        value = roman_value(numeral)
        code = self.code
        if code == "en":
            return f"{name} the {numbers.ordinal(value, 'en')}{dot}"
        if code == "de":  # the dot is the German ordinal mark: "Heinrich VIII."
            return f"{name} der {_capitalised(numbers.ordinal(value, 'de'))}"
        if code == "ru":
            gender = "f" if name.endswith(("а", "я")) else "m"
            return f"{name} {_capitalised(numbers.ordinal(value, 'ru', gender=gender))}{dot}"
        if code == "fr":
            word = "premier" if value == 1 else numbers.cardinal(value, "fr")
            return f"{name} {word}{dot}"
        word = numbers.ordinal(value, code) if value <= 10 else numbers.cardinal(value, code)
        return f"{name} {word}{dot}"

    def _say_century(self, match: re.Match) -> str:
        numeral, noun = match.group(1), match.group(2)
        if not re.fullmatch(_ROMAN, numeral):
            return match.group(0)
        if noun == "в.":  # "в XIX в." -> "в девятнадцатом веке"
            case = _russian_case(_previous_word(match.string, match.start()), prepositional=True)
            noun = {"n": "век", "g": "века", "d": "веку", "p": "веке"}[case]
        else:
            case = {"век": "n", "века": "g", "веке": "p", "веку": "d", "веком": "i"}[noun]
        return f"{numbers.ordinal(roman_value(numeral), 'ru', case=case)} {noun}"

    def _say_french_ordinal_roman(self, match: re.Match) -> str:
        numeral, suffix = match.group(1), match.group(2)
        if not re.fullmatch(_ROMAN, numeral):
            return match.group(0)
        value = roman_value(numeral)
        return _french_ordinal(value, suffix)

    def _say_list_roman(self, match: re.Match) -> str:
        numeral = match.group(1).upper()
        if numeral == "I" and "(ii)" not in match.string:
            return match.group(0)
        return f"({numbers.cardinal(roman_value(numeral), self.code)})"

    def say_roman(self, text: str) -> str:
        if self.code == "en" and "WW" in text:
            text = self.wwii.sub(
                lambda m: "World War " + ("Two" if m.group(1) in ("II", "2") else "One"), text
            )
        if not re.search(r"[IVXLivx]", text):
            return text
        text = self.heading_roman.sub(self._say_heading_roman, text)
        text = self.regnal_roman.sub(self._say_regnal, text)
        if self.code == "ru":
            text = self.century.sub(self._say_century, text)
        if self.code == "fr":
            text = self.french_ordinal_roman.sub(self._say_french_ordinal_roman, text)
        if "(i" in text or "(v" in text or "(x" in text:
            text = _LIST_ROMAN.sub(self._say_list_roman, text)
        return text

    # --- dates and times ------------------------------------------------------------------

    def _compile_dates_and_times(self) -> None:
        language = self.language
        months = _alternation(language.months)
        if self.code == "en":
            self.month_day = re.compile(
                rf"(?<!\w)({months})\.? (\d{{1,2}})(?:st|nd|rd|th)?(?:,? (\d{{4}}))?(?![\w]|[.,:]\d)"
            )
            self.day_month = re.compile(
                rf"(?<![\w.,])(\d{{1,2}})(?:st|nd|rd|th)? ({months})\.?(?:,? (\d{{4}}))?(?!\w)"
            )
        if self.code == "ru":
            self.day_month = re.compile(
                rf"(?<![\w.,])(\d{{1,2}}) ({months})(?: (\d{{4}})(?: ?(г\.|года|году))?)?(?!\w)"
            )
        if self.code == "de":
            self.german_ordinal = re.compile(r"(?<![\w.,])(\d{1,4})\.(?= ([^\W\d_]+))")
        self.clock = re.compile(
            r"(?<![\d:.,])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:[.,]\d+)?)?(?![\d:]|[.,]\d)"
            r"(?:\s?(AM|PM|[AaPp]\.?[Mm])(?!\w))?"
            + (r"(?: Uhr(?!\w))?" if self.code == "de" else "")
        )
        # "3 pm", "8.45 PM" (British), after "p.m." became "PM"
        self.hour_ampm = re.compile(
            r"(?<![\w.,:])(1[0-2]|0?[1-9])(?:[.:]([0-5]\d))?\s?(AM|PM|[ap]\.?m)(?!\w)"
        )
        self.french_hours = re.compile(r"(?<![\w.,])([01]?\d|2[0-3]) ?h ?([0-5]\d)(?!\w)")
        self.month_number = {name.lower(): number for name, number in language.months.items()}

    def _date_words(self, year: int, month: int, day: int, previous: str) -> str:
        code = self.code
        month_name = self.language.month_names[month - 1]
        if code == "en":
            return f"{month_name} {numbers.ordinal(day, 'en')}, {numbers.year(year, 'en')}"
        if code == "ru":
            case = self._russian_date_case(previous)
            day_words = numbers.ordinal(day, "ru", case=case, gender="n")
            return f"{day_words} {month_name} {numbers.ordinal(year, 'ru', case='g')} года"
        if code == "de":
            return (
                f"{numbers.german_ordinal(day, previous)} {month_name} {numbers.year(year, 'de')}"
            )
        if code == "fr":
            day_words = "premier" if day == 1 else numbers.cardinal(day, "fr")
            return f"{day_words} {month_name} {numbers.cardinal(year, 'fr')}"
        return f"{numbers.cardinal(day, code)} de {month_name} de {numbers.cardinal(year, code)}"

    @staticmethod
    def _russian_date_case(previous: str) -> str:
        """ "31 мая": genitive inside a sentence ("вышел тридцать первого мая"), nominative as a
        heading or after "на"/"по" (the accusative, same as the nominative)."""
        previous = previous.lower()
        if not previous or previous in ("на", "по"):
            return "n"
        if previous in _RU_DATIVE_BEFORE:
            return "d"
        return "g"

    def _say_iso_date(self, match: re.Match) -> str:
        year, month, day = (int(group) for group in match.groups())
        previous = _previous_word(match.string, match.start(), self.code == "ru")
        return self._date_words(year, month, day, previous)

    def _say_month_day(self, match: re.Match) -> str:
        month, day, year = match.group(1), int(match.group(2)), match.group(3)
        if not 1 <= day <= 31:
            return match.group(0)
        name = self.language.month_names[self.month_number[month.lower()] - 1]
        words = f"{name} {numbers.ordinal(day, 'en')}"
        return f"{words}, {numbers.year(int(year), 'en')}" if year else words

    def _say_day_month(self, match: re.Match) -> str:
        day, month, year = int(match.group(1)), match.group(2), match.group(3)
        if not 1 <= day <= 31:
            return match.group(0)
        previous = _previous_word(match.string, match.start(), self.code == "ru")
        if self.code == "ru":
            case = self._russian_date_case(previous)
            words = f"{numbers.ordinal(day, 'ru', case=case, gender='n')} {month}"
            if year:
                words += f" {numbers.ordinal(int(year), 'ru', case='g')} года"
                if match.group(4) == "г." and _ends_sentence_after(match):
                    words += "."
            return words
        name = self.language.month_names[self.month_number[month.lower()] - 1]
        the = "" if previous.lower() == "the" else "the "
        words = f"{the}{numbers.ordinal(day, 'en')} of {name}"
        return f"{words}, {numbers.year(int(year), 'en')}" if year else words

    def _say_german_ordinal(self, match: re.Match) -> str:
        number, next_word = int(match.group(1)), match.group(2)
        previous = _previous_word(match.string, match.start())
        is_date = next_word in self.language.months and number <= 31
        if not is_date and previous.lower() not in ("der", "die", "das", "den", "dem", "des",
                                                     "am", "im", "vom", "zum", "zur", "beim"):  # fmt: skip
            return match.group(0)
        return numbers.german_ordinal(number, previous)

    def _hour(self, hour: int) -> str:
        code = self.code
        if code == "de" and hour == 1:
            return "ein"
        if code in ("fr", "es"):
            return numbers.before_noun(hour, code, "f")
        return numbers.cardinal(hour, code)

    def _say_clock(self, match: re.Match) -> str:
        hour, minute = int(match.group(1)), int(match.group(2))
        seconds = int(match.group(3)) if match.group(3) else 0
        ampm = match.group(4)
        code, words = self.code, self.words
        hour_words = self._hour(hour)
        if code == "en":
            if minute == 0:
                if ampm:
                    spoken = hour_words
                elif 1 <= hour <= 12:
                    spoken = f"{hour_words} o'clock"
                else:
                    spoken = f"{hour_words} hundred"
            elif minute < 10:
                spoken = f"{hour_words} oh {numbers.cardinal(minute, 'en')}"
            else:
                spoken = f"{hour_words} {numbers.cardinal(minute, 'en')}"
            if seconds:
                spoken += f" and {numbers.cardinal(seconds, 'en')} seconds"
            if ampm:
                spoken += " " + ("AM" if ampm[0] in "Aa" else "PM")
            return spoken
        if code == "ru":
            if minute == 0:
                minutes = "ноль-ноль"
            elif minute < 10:
                minutes = f"ноль {numbers.cardinal(minute, 'ru')}"
            else:
                minutes = numbers.cardinal(minute, "ru")
            spoken = f"{hour_words} {minutes}"
            if seconds:
                spoken += f" {numbers.cardinal(seconds, 'ru')}"
            return spoken
        if code == "de":
            spoken = f"{hour_words} Uhr"
            if minute:
                spoken += f" {numbers.cardinal(minute, 'de')}"
            if seconds:
                spoken += f" und {numbers.cardinal(seconds, 'de')} Sekunden"
            return spoken
        if code == "fr":
            heures = "heure" if hour <= 1 else "heures"
            spoken = f"{hour_words} {heures}"
            if minute:
                spoken += f" {numbers.cardinal(minute, 'fr')}"
            return spoken
        if minute == 0:
            return f"{hour_words} {words["o'clock"]}"
        return f"{hour_words} y {numbers.cardinal(minute, code)}"

    def _say_hour_ampm(self, match: re.Match) -> str:
        hour, minute, ampm = int(match.group(1)), match.group(2), match.group(3)
        spoken = numbers.cardinal(hour, "en")
        if minute and minute != "00":
            zero = "oh " if minute.startswith("0") else ""
            spoken += f" {zero}{numbers.cardinal(int(minute), 'en')}"
        return f"{spoken} {'AM' if ampm[0] in 'Aa' else 'PM'}"

    def _say_french_hours(self, match: re.Match) -> str:
        hour, minute = int(match.group(1)), int(match.group(2))
        heures = "heure" if hour <= 1 else "heures"
        return f"{self._hour(hour)} {heures} {numbers.cardinal(minute, 'fr')}"

    def say_dates_and_times(self, text: str) -> str:
        code = self.code
        if "-" in text:
            text = _ISO_DATE.sub(self._say_iso_date, text)
        if code == "en":
            text = self.month_day.sub(self._say_month_day, text)
            text = self.day_month.sub(self._say_day_month, text)
        elif code == "ru":
            text = self.day_month.sub(self._say_day_month, text)
        elif code == "de" and "." in text:
            text = self.german_ordinal.sub(self._say_german_ordinal, text)
        if ":" in text:
            text = self.clock.sub(self._say_clock, text)
        if code == "en":
            text = self.hour_ampm.sub(self._say_hour_ampm, text)
        if code == "fr":
            text = self.french_hours.sub(self._say_french_hours, text)
        return text

    # --- numbers --------------------------------------------------------------------------

    def _compile_numbers(self) -> None:
        language = self.language
        spaces = "".join(ch for ch in language.thousands if ch in " \u00a0\u202f")
        number = r"\d+(?:[.,]\d+)*"
        if spaces:
            number = rf"\d{{1,3}}(?:[{spaces}]\d{{3}})+(?!\d)|{number}"
        signs = [sign for sign, code in CURRENCY_SIGNS.items() if not sign[0].isalpha()]
        after_signs = [s for s in CURRENCY_SIGNS if s not in ("US$",)]
        if self.code != "ru":
            after_signs = [s for s in after_signs if s[0] not in "рр"]
        ordinal_suffix = {
            "en": r"st|nd|rd|th|ST|ND|RD|TH",
            "ru": "-(?:" + "|".join(sorted(_RU_ORDINAL_SUFFIX, key=len, reverse=True)) + ")",
            "fr": r"ers|res|ères|èmes|er|re|ère|ème|es|e|è",
            "es": r"\.?[ºª]|er",
        }.get(self.code)
        year_words = "|".join(sorted(_RU_YEAR_WORDS, key=len, reverse=True))
        magnitudes = {
            "en": "million|billion|trillion|thousand",
            "fr": "millions?|milliards?",
            "es": "millones|millón|mil millones",
            "de": "Millionen|Million|Milliarden|Milliarde",
        }.get(self.code)
        parts = [
            # Not inside a word or another number; after "bash-" or "XYZ-" it is a version.
            r"(?<![\w.,−+/])(?:(?<!-)|(?<=[^\W\d_]-))",
            r"(?P<sign>[-−+](?=[$€£¥₽]?\d))?",
            rf"(?:(?P<cur>{_alternation(signs)})\s?)?",
            rf"(?P<num>{number})",
            (
                rf"(?:\s(?P<mag>{magnitudes})(?!\w)|(?(cur)(?P<short_mag>bn|m|k)(?!\w)))?"
                if magnitudes
                else ""
            ),
            rf"(?:(?P<dash>[–—]|-|\s[–—-]\s)(?P<cur2>{_alternation(signs)})?(?P<num2>{number}))?",
            "(?:",
            rf"(?P<ord>{ordinal_suffix})(?!\w)|" if ordinal_suffix else "",
            r"(?P<decade>['’]?s)(?!\w)|" if self.code == "en" else "",
            rf"\s?(?P<yearword>г\.|гг\.|(?:{year_words})(?!\w))|" if self.code == "ru" else "",
            rf"\s?(?P<unit>{_alternation(language.units)})(?!\w)",
            rf"(?:\s?(?P<unit_cur>{_alternation(after_signs)}))?|",
            rf"\s?(?P<cur_after>{_alternation(after_signs)})",
            ")?",
            # "64-bit", "3-day" may follow, but not "-5" (a chain) nor a Russian "64-битный"
            # (a compound said as one word, "шестидесятичетырёхбитный", left to the engine).
            r"(?![\w/]|[\-−][\d\w])" if self.code == "ru" else r"(?![\w/]|[\-−]\d|[.,]\d)",
        ]
        self.number = re.compile("".join(parts))

    def _noun(self, noun: Noun, number: int | None, case: str = "n") -> str:
        if self.code == "ru" and case == "g":
            index = numbers.genitive_noun_form(number)
        elif self.code == "fr" and number is None:
            index = numbers.SINGULAR
        else:
            index = numbers.noun_form(number, self.code)
        return noun.forms[min(index, len(noun.forms) - 1)] + noun.tail

    def _decimal(self, whole: str, fraction: str) -> str:
        code = self.code
        whole_words = self._integer(whole)
        if code == "ru" and len(fraction) <= 6:
            from decimal import Decimal

            from num2words import num2words

            try:
                if len(whole) <= numbers.MAX_CARDINAL_DIGITS:
                    return str(num2words(Decimal(f"{int(whole)}.{fraction}"), lang="ru"))
            except Exception:
                pass
        mark = self.words["decimal"]
        if code in ("fr", "es") and len(fraction) <= 3:
            zeros = len(fraction) - len(fraction.lstrip("0"))
            rest = fraction.lstrip("0")
            words = [numbers.cardinal(0, code)] * zeros + (
                [numbers.cardinal(int(rest), code)] if rest else []
            )
            return f"{whole_words} {mark} {' '.join(words)}"
        return f"{whole_words} {mark} {numbers.digits(fraction, code)}"

    def _version(self, parts: tuple[str, ...]) -> str:
        code = self.code
        spoken = []
        for i, part in enumerate(parts):
            if part == "0" and i > 0:
                spoken.append(self.words["version zero"])
            elif len(part) > 1 and part.startswith("0"):
                zero = self.words["version zero"] if code == "en" else numbers.cardinal(0, code)
                spoken.append(f"{zero} {numbers.digits(part[1:], code)}" if part[1:].strip("0")
                              else numbers.digits(part, code))  # fmt: skip
            else:
                spoken.append(self._integer(part))
        return f" {self.words['point']} ".join(spoken)

    def _integer(self, digits: str, case: str = "n", gender: str = "m", noun: bool = False) -> str:
        if len(digits) > 1 and digits.startswith("0") or len(digits) > numbers.MAX_CARDINAL_DIGITS:
            return numbers.digits(digits, self.code)
        value = int(digits)
        if noun:
            return numbers.before_noun(value, self.code, gender, case)
        return numbers.cardinal(value, self.code, case=case, gender=gender)

    def _is_year_context(self, match: re.Match, value: int) -> bool:
        if self.code not in ("en", "de") or not 1000 <= value <= 2099:
            return False
        text, start = match.string, match.start()
        previous = _previous_word(text, start)
        if self.code == "de" and value < 2000 and not _next_word(text, match.end())[:1].isupper():
            return True  # "wurde 1993 gegründet"; "1000 Pakete" is a count (a noun follows)
        if _YEAR_BEFORE.search(text, max(0, start - 24), start):
            return True  # the second year of "from 1643 to 1715"
        if (
            previous not in self.language.months
            and previous.lower() not in self.language.year_words
        ):
            return False
        if self.code == "de":
            return True
        after = text[match.end() : match.end() + 1]
        if not after or not after.isspace():
            return True
        next_word = _next_word(text, match.end())
        return not next_word or next_word[0].isupper() or next_word.lower() in _FUNCTION_WORDS

    def _read(
        self,
        number: _Number,
        *,
        decimal: bool,
        case: str = "n",
        gender: str = "m",
        noun: bool = False,
        year: bool = False,
    ) -> str:
        """One number in words; `decimal` forces a one-dot English number to be a decimal."""
        kind = number.kind
        if kind == "int":
            if year and len(number.whole) == 4:
                return numbers.year(number.value, self.code)
            if len(number.whole) > MAX_UNGROUPED_DIGITS and not number.grouped:
                return numbers.digits(number.whole, self.code)  # "20110429": an ID or a date
            return self._integer(number.whole, case, gender, noun)
        if kind == "decimal":
            return self._decimal(number.whole, number.fraction)
        if kind == "dotted":
            if decimal or number.whole == "0" or len(number.fraction) >= 3:
                return self._decimal(number.whole, number.fraction)
            return self._version(number.parts)
        if kind == "version":
            return self._version(number.parts)
        return ", ".join(self._integer(part) for part in number.parts if part)

    @staticmethod
    def _count(number: _Number) -> int | None:
        """The integer that chooses a noun's form, None for a fraction."""
        if number.kind == "int":
            return number.value
        return None

    def _say_number(self, match: re.Match) -> str:
        try:
            return self._say_number_unchecked(match)
        except Exception:  # a reading this code did not foresee: say it as written
            log.exception("cannot read %r", match.group(0)[:80])
            return match.group(0)

    def _say_number_unchecked(self, match: re.Match) -> str:
        code, words, text = self.code, self.words, match.string
        first = _parse(match.group("num"), self.language)
        second = _parse(match.group("num2"), self.language) if match.group("num2") else None
        sign = match.group("sign") or ""
        currency_sign = match.group("cur") or match.group("cur2")
        currency_sign = currency_sign or match.group("cur_after") or match.group("unit_cur")
        unit_symbol = match.group("unit")
        previous = _previous_word(text, match.start())
        magnitude = _group(match, "mag")
        short_mag = _group(match, "short_mag")
        if short_mag:
            magnitude = {"bn": "billion", "m": "million", "k": "thousand"}[short_mag]
        if _group(match, "decade"):
            if first.kind == "int" and first.whole.endswith("0") and len(first.whole) in (2, 4):
                spoken = numbers.year(first.value, code) if len(first.whole) == 4 else None
                spoken = spoken or numbers.cardinal(first.value, code)
                return spoken[:-1] + "ies" if spoken.endswith("y") else spoken + "s"
            unit_symbol = "s"
        if (
            match.group("cur") == "$"
            and first.kind == "int"
            and len(first.whole) == 1
            and not (second or magnitude)
        ):
            return match.group(0)  # "$1" is the shell's first argument more often than a dollar

        start = match.start()
        if start > 1 and text[start - 1] == "-" and first.kind == "int" and len(first.whole) >= 4:
            # "ISO-8859-1", "CVE-2023-1234": a name with a number, said digit by digit
            spoken = numbers.digits(first.whole, code)
            if second is not None:
                spoken += f" {words['dash']} {numbers.digits(second.whole, code)}"
            return spoken
        prefix = ""
        if sign in "-−" and sign:
            prefix = words["minus"] + " "
        elif sign == "+":
            prefix = words["plus"] + " "

        if _group(match, "ord"):
            return prefix + self._say_ordinal(first, match.group("ord"), text, match.end())
        if _group(match, "yearword"):
            yearword = match.group("yearword")
            spoken = prefix + self._say_russian_year(first, second, yearword, previous)
            if yearword.endswith(".") and _ends_sentence_after(match):
                spoken += "."  # the abbreviation's full stop also ended the sentence
            return spoken

        case = _russian_case(previous) if code == "ru" else "n"
        if currency_sign:
            currency = self.language.currencies.get(CURRENCY_SIGNS[currency_sign])
            if currency is None:
                return match.group(0)
            if unit_symbol:  # "5 млн руб.", "3 Mio. €": the magnitude is the unit
                unit = self.language.units[unit_symbol]
                amount = self._quantity(first, second, unit, case)
                return prefix + f"{amount} {currency.major.forms[-1]}"
            return prefix + self._say_money(first, second, magnitude, currency, case)
        if unit_symbol:
            unit = self.language.units[unit_symbol]
            return prefix + self._quantity(first, second, unit, case)

        # A bare number or range.
        year_pair = (
            second is not None
            and first.kind == second.kind == "int"
            and len(first.whole) == len(second.whole) == 4
            and all(1000 <= n.value <= 2099 for n in (first, second))
        )
        if second is not None:
            if match.group("dash").strip() == "-" and match.group("dash") != "-" and not year_pair:
                # "5 - 3": not a range; each number alone, the dash a pause
                return f"{prefix}{self._read(first, decimal=False)} - {self._read(second, decimal=False)}"
            if match.group("dash") == "-" and _is_code_pair(first, second):
                # "02110-1301": a postcode or an identifier, digit by digit
                return (
                    f"{numbers.digits(first.whole, code)} {words['dash']} "
                    f"{numbers.digits(second.whole, code)}"
                )
            if match.group("dash") == "-" and {first.kind, second.kind} & {"version", "dotted"}:
                # "1.3-1", "5.2.15-2": a Debian revision, not a range
                return (
                    prefix
                    + f"{self._read(first, decimal=False)} {words['dash']} {self._read(second, decimal=False)}"
                )
            if code == "ru":
                if year_pair:
                    return (
                        f"с {numbers.ordinal(first.value, 'ru', case='g')} "
                        f"по {numbers.ordinal(second.value, 'ru')}"
                    )
                return (
                    f"от {self._read(first, decimal=False, case='g')} "
                    f"до {self._read(second, decimal=False, case='g')}"
                )
            year = year_pair and code in ("en", "de")
            spoken = (
                f"{self._read(first, decimal=False, year=year)} {words['to']} "
                f"{self._read(second, decimal=False, year=year)}"
            )
            return prefix + (f"{spoken} {magnitude}" if magnitude else spoken)
        if first.kind == "int":
            if (
                code == "ru"
                and len(first.whole) == 4
                and 1000 <= first.value <= 2100
                and _RU_MONTH.match(previous.lower())
            ):
                # "в ноябре 2007" -> "в ноябре две тысячи седьмого года"
                return f"{numbers.ordinal(first.value, 'ru', case='g')} года"
            if not prefix and self._is_year_context(match, first.value):
                spoken = self._read(first, decimal=False, year=True)
            elif code == "ru":
                gender = _russian_gender(_next_word(text, match.end()), first.value)
                spoken = self._read(first, decimal=False, case=case, gender=gender)
            elif code in _NOUN_GENDER_GUESS and first.value % 10 == 1 and first.value % 100 != 11:
                gender = _noun_gender(code, text, match.end())
                noun = gender is not None
                spoken = self._read(first, decimal=False, gender=gender or "m", noun=noun)
            else:
                spoken = self._read(first, decimal=False)
        else:
            spoken = self._read(first, decimal=bool(magnitude))
        return prefix + (f"{spoken} {magnitude}" if magnitude else spoken)

    def _quantity(self, first: _Number, second: _Number | None, unit: Noun, case: str) -> str:
        """ "512 MB" -> "five hundred twelve megabytes"; a range takes the noun of its end."""
        last = second or first
        numbers_read = [
            self._read(n, decimal=True, case=case, gender=unit.gender, noun=True)
            for n in (first, second)
            if n is not None
        ]
        spoken = f" {self.words['to']} ".join(numbers_read)
        if self.code == "ru" and second is not None:
            spoken = f"от {numbers_read[0]} до {numbers_read[1]}"
            case = "g"
        return f"{spoken} {self._noun(unit, self._count(last), case)}"

    def _say_money(
        self,
        first: _Number,
        second: _Number | None,
        magnitude: str | None,
        currency,
        case: str,
    ) -> str:
        major, minor = currency.major, currency.minor
        if second is not None:
            amount = self._quantity(first, second, major, case)
            return amount
        if magnitude:
            amount = self._read(first, decimal=True)
            return f"{amount} {magnitude} {major.forms[-1]}"
        if first.kind in ("decimal", "dotted") and len(first.fraction) == 2 and minor:
            whole, cents = first.value, int(first.fraction)
            spoken = self._read(_Number("int", first.whole), decimal=True, case=case,
                                gender=major.gender, noun=True)  # fmt: skip
            spoken += " " + self._noun(major, whole, case)
            if cents:
                and_word = self.words["and"]
                cents_words = numbers.before_noun(cents, self.code, minor.gender, case)
                joined = f" {and_word} " if and_word else " "
                spoken += f"{joined}{cents_words} {self._noun(minor, cents, case)}"
            return spoken
        return self._quantity(first, None, major, case)

    def _say_ordinal(self, number: _Number, suffix: str, text: str, end: int) -> str:
        if number.kind != "int":
            return number.whole + suffix
        value, code = number.value, self.code
        if code == "ru":
            case, gender, plural = _RU_ORDINAL_SUFFIX[suffix[1:]]
            if suffix[1:] in ("е", "ое", "ее") and _next_word(text, end).lower().startswith(
                ("год", "гг")
            ):
                plural = True
            return numbers.ordinal(value, "ru", case=case, gender=gender, plural=plural)
        if code == "fr":
            return _french_ordinal(value, suffix)
        if code == "es":
            words = numbers.ordinal(value, "es")
            if "ª" in suffix:
                return " ".join(w[:-1] + "a" if w.endswith("o") else w for w in words.split())
            if suffix == "er":
                return words[:-1] if words.endswith("o") else words
            return words
        return numbers.ordinal(value, code)

    def _say_russian_year(
        self, first: _Number, second: _Number | None, yearword: str, previous: str
    ) -> str:
        if first.kind != "int":
            return self._read(first, decimal=False) + " " + yearword
        if yearword in ("г.", "гг."):
            plural = yearword == "гг."
            case = _russian_case(previous, prepositional=True)
            if second is not None:
                return (
                    f"с {numbers.ordinal(first.value, 'ru', case='g')} "
                    f"по {numbers.ordinal(second.value, 'ru')} год"
                )
            noun = "годах" if plural and case == "p" else _RU_YEAR_NOUN[case]
            if plural and case == "n":
                noun = "годы"
            return f"{numbers.ordinal(first.value, 'ru', case=case, plural=False)} {noun}"
        case, plural = _RU_YEAR_WORDS[yearword]
        if second is not None:
            return (
                f"с {numbers.ordinal(first.value, 'ru', case='g')} "
                f"по {numbers.ordinal(second.value, 'ru')} {yearword}"
            )
        if case == "p" and previous.lower() in _RU_DATIVE_BEFORE:
            case = "d"
        return f"{numbers.ordinal(first.value, 'ru', case=case, plural=False)} {yearword}"

    def say_numbers(self, text: str) -> str:
        if not any(ch.isdigit() for ch in text):
            return text
        if "(" in text:
            text = _MAN_SECTION.sub("", text)
        if "-" in text:
            text = _DIGIT_CHAIN.sub(
                lambda m: ", ".join(numbers.digits(g, self.code) for g in m.group(0).split("-")),
                text,
            )
        if "x" in text or "×" in text:
            text = _DIMENSIONS.sub(self._say_dimensions, text)
        if self.code == "en" and ("'" in text or "’" in text):
            text = _SHORT_DECADE.sub(self._say_short_decade, text)
            text = _SHORT_YEAR.sub(lambda m: numbers.cardinal(int(m.group(1)), "en"), text)
        return self.number.sub(self._say_number, text)

    def _say_dimensions(self, match: re.Match) -> str:
        by = {"en": "by", "ru": "на", "de": "mal", "fr": "par", "es": "por"}[self.code]
        first, second = match.group(1), match.group(2)
        return f"{self._integer(first)} {by} {self._integer(second)}"

    def _say_short_decade(self, match: re.Match) -> str:
        spoken = numbers.cardinal(int(match.group(1)) * 10, "en")
        return spoken[:-1] + "ies" if spoken.endswith("y") else spoken + "s"

    # --- symbols and dashes ---------------------------------------------------------------

    def _compile_symbols(self) -> None:
        symbols = self.language.symbols
        self.prefix_symbols = re.compile(r"(?<![\w#])([~#№§±≈])\s?(?=[$€£]?\d)")
        # "#516394": a bug or issue number, said digit by digit like a phone number.
        self.identifier = re.compile(r"(?<![\w#])[#№]\s?(\d{5,})(?![\w]|[.,]\d)")
        self.copyright = re.compile(r"(?i:copyright)\s*(?:©|\(c\))|©|\(c\)(?=\s*\d)")
        infix = [s for s in ("±", "→", "←", "⇒", "≤", "≥", "≠", "≈", "×") if s in symbols]
        self.infix_symbols = re.compile(rf"\s*({'|'.join(re.escape(s) for s in infix)})\s*")
        # "&" between words only: "‘&’" alone is the character, which the engine names.
        self.ampersand = re.compile(r"(?<=\w)\s*&\s*(?=\w)")
        self.percent = re.compile(r"(?<!\S)%(?!\S)")

    def _say_copyright(self, match: re.Match) -> str:
        found = match.group(0)
        if found[0] in "Cc":
            return found[: len("copyright")]
        return self.language.symbols["©"]

    def say_prefix_symbols(self, text: str) -> str:
        """ "~5" -> "approximately 5", "#3" -> "number 3", before the numbers are read (the word
        can set a Russian case: "~5 минут" -> "около пяти минут")."""
        if "©" in text or "(c)" in text.lower():
            text = self.copyright.sub(self._say_copyright, text)
        text = self.identifier.sub(self._say_identifier, text)
        return self.prefix_symbols.sub(self._say_prefix_symbol, text)

    def _symbol_word(self, match: re.Match, symbol: str) -> str:
        """The word for a symbol, or nothing after the same word ("номер #654321")."""
        word = self.language.symbols.get(symbol, symbol)
        previous = _previous_word(match.string, match.start())
        return "" if previous.lower() == word.lower() else word + " "

    def _say_identifier(self, match: re.Match) -> str:
        symbol = match.group(0)[0]
        return self._symbol_word(match, symbol) + numbers.digits(match.group(1), self.code)

    def _say_prefix_symbol(self, match: re.Match) -> str:
        return self._symbol_word(match, match.group(1))

    def say_symbols(self, text: str) -> str:
        symbols = self.language.symbols
        if " -> " in text or " => " in text:
            text = text.replace(" -> ", " → ").replace(" => ", " ⇒ ")
        text = self.infix_symbols.sub(lambda m: f" {symbols[m.group(1)]} ", text)
        if "&" in text:
            text = self.ampersand.sub(f" {symbols['&']} ", text)
        if "%" in text:
            text = self.percent.sub(symbols["%"], text)
        text = _DASHES.sub(", ", text)
        return _DROPPED.sub("", text)

    # --- all of them ----------------------------------------------------------------------

    def apply(self, text: str) -> str:
        text = say_code(text, self.language)
        if "." in text or self.language.before_name or " " in text:
            for pattern in self.abbreviation_passes:
                text = pattern.sub(self._say_abbreviation, text)
        text = self.say_roman(text)
        text = self.say_prefix_symbols(text)
        if any(ch.isdigit() for ch in text):
            text = self.say_dates_and_times(text)
            text = self.say_numbers(text)
        return self.say_symbols(text)

    def say_links(self, text: str) -> str:
        return say_links(text, self.language)


def _french_ordinal(value: int, suffix: str) -> str:
    plural = suffix.endswith("s")
    if value == 1:
        word = "première" if suffix.startswith(("re", "ère")) else "premier"
    else:
        word = numbers.ordinal(value, "fr")
    return word + ("s" if plural else "")


# Dashes as pauses: an em dash anywhere, a spaced en dash, hyphen or double hyphen.
_DASHES = re.compile(r"\s*—\s*|\s+[–-]{1,2}\s+")
_DROPPED = re.compile(r"[®™•◦▪]")
