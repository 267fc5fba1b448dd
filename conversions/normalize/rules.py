"""The built-in rules for one language, compiled once, and the order they run in.

`LanguageRules(language).apply(text)` runs one regex pass per family: command lines
(links.py) -> abbreviations -> Roman numerals -> symbols that stand before a number ("~5",
"#3") -> dates and times (dates.py) -> numbers with their units and currencies
(quantities.py) -> the remaining symbols and dashes. Each family sees the words the earlier
ones wrote: the abbreviation pass turns "pp. 10–12" into "pages 10–12" before the number pass
reads the range, and "~5 минут" becomes "около 5 минут", whose preposition gives the number
its case ("около пяти минут").

Roman numerals are read only where they cannot be words: after a heading word ("Chapter IV",
"Part II", "World War II"; single letters only after a capitalised one, so "part I think"
stays), after a monarch's or pope's name from an explicit list ("Henry VIII" -> "Henry the
eighth"; "I" only before punctuation or "of", because "James I said" is more often the
pronoun), Russian centuries ("XIX век"), French ordinals ("XIXe"), lists "(ii)". Letters that
are also words or acronyms ("MIX", "DC", "CV", "CD", "Mac OS X") are never read as numbers.
"""

from __future__ import annotations

import re

from . import numbers
from .dates import DateRules
from .grammar import (
    alternation,
    capitalised,
    ends_sentence_after,
    french_ordinal,
    previous_word,
    russian_case,
)
from .languages import REGNAL_NAMES, Language
from .links import say_code, say_links
from .quantities import QuantityRules
from .sentences import abbreviation_pattern

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


_LIST_ROMAN = re.compile(r"\((i{1,3}|iv|vi{0,3}|ix|xi{0,3})\)")


class LanguageRules:
    """Every built-in rule of one language, compiled; `apply` runs them in order."""

    def __init__(self, language: Language):
        self.language = language
        self.code = language.code
        self.words = language.words
        self._compile_abbreviations()
        self._compile_roman()
        self._compile_symbols()
        self.dates = DateRules(language)
        self.quantities = QuantityRules(language)

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
            spoken = capitalised(spoken)
        text, start = match.string, match.start()
        if key in self.unit_like and re.search(r"\d\s?$", text[max(0, start - 2) : start]):
            return found
        if key == "St." and previous_word(text, start)[:1].isupper():
            return found  # "Main St. Louis": a street before, not a saint
        if key in self.final and ends_sentence_after(match):
            return spoken + "."
        return spoken

    def _compile_roman(self) -> None:
        language = self.language
        heading_stems = list(language.heading_words)
        if self.code == "ru":  # inflected forms too: "в главе IV" reads "в главе четыре"
            heading_stems = [word[:-1] if word[-1] in "аяео" else word for word in heading_stems]
            headings = "|".join(re.escape(stem) + r"\w*" for stem in heading_stems)
        else:
            headings = "|".join(re.escape(word) for word in heading_stems)
        self.heading_roman = re.compile(rf"(?<!\w)(?i:({headings}))\.?\s({_ROMAN})(?![\w'’-])")
        names = alternation(REGNAL_NAMES)
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
            return f"{name} der {capitalised(numbers.ordinal(value, 'de'))}"
        if code == "ru":
            gender = "f" if name.endswith(("а", "я")) else "m"
            return f"{name} {capitalised(numbers.ordinal(value, 'ru', gender=gender))}{dot}"
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
            case = russian_case(previous_word(match.string, match.start()), prepositional=True)
            noun = {"n": "век", "g": "века", "d": "веку", "p": "веке"}[case]
        else:
            case = {"век": "n", "века": "g", "веке": "p", "веку": "d", "веком": "i"}[noun]
        return f"{numbers.ordinal(roman_value(numeral), 'ru', case=case)} {noun}"

    def _say_french_ordinal_roman(self, match: re.Match) -> str:
        numeral, suffix = match.group(1), match.group(2)
        if not re.fullmatch(_ROMAN, numeral):
            return match.group(0)
        value = roman_value(numeral)
        return french_ordinal(value, suffix)

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
        previous = previous_word(match.string, match.start())
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

    def apply(self, text: str) -> str:
        text = say_code(text, self.language)
        if "." in text or self.language.before_name or " " in text:
            for pattern in self.abbreviation_passes:
                text = pattern.sub(self._say_abbreviation, text)
        text = self.say_roman(text)
        text = self.say_prefix_symbols(text)
        if any(ch.isdigit() for ch in text):
            text = self.dates.apply(text)
            text = self.quantities.apply(text)
        return self.say_symbols(text)

    def say_links(self, text: str) -> str:
        return say_links(text, self.language)


# Dashes as pauses: an em dash anywhere, a spaced en dash, hyphen or double hyphen.
_DASHES = re.compile(r"\s*—\s*|\s+[–-]{1,2}\s+")
_DROPPED = re.compile(r"[®™•◦▪]")
