"""Numbers in running text: counts, decimals, versions, years, ordinals, ranges, units, money.

One regex per language finds a number with what belongs to it (a currency sign before or
after, a range's second number, an ordinal suffix, a unit, a magnitude word), and
`QuantityRules._say_number` reads it in context. How (English examples; the other languages
follow their own conventions):
- integers as cardinals, "1,000" grouped by the language's thousands separator; a leading zero,
  more than MAX_UNGROUPED_DIGITS digits without separators, or more than
  numbers.MAX_CARDINAL_DIGITS digits: digit by digit; "1-800-555-0199" in groups.
- one dot: a decimal where it clearly is one (a unit, currency or "million" follows, it starts
  with "0.", or it has 3+ decimals): "1.25 GB" -> "one point two five gigabytes". Otherwise a
  version or section number: "3.0" -> "three point oh", "6.11" -> "six point eleven". Two or
  more dots: always so ("5.2.15").
- Russian, German, French and Spanish write decimals with a comma ("3,5") and so read "3.5"
  as a version or section number; "1.000" is a thousand in German and Spanish.
- a four-digit number is a year after a year word ("in", "since", a month...), as the second
  of "from 1643 to 1715" or in a range of two such numbers; otherwise a cardinal ("in 1500
  files"). German says bare numbers up to 1999 as years unless a noun follows ("1000 Pakete").
- Russian numbers take their case from the preposition before them ("более 512 МБ" -> "более
  пятисот двенадцати мегабайт") and their gender from the unit or noun after them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from . import numbers
from .grammar import (
    NOUN_GENDER_GUESS,
    RU_DATIVE_BEFORE,
    RU_MONTH,
    RU_ORDINAL_SUFFIX,
    RU_YEAR_NOUN,
    RU_YEAR_WORDS,
    alternation,
    ends_sentence_after,
    french_ordinal,
    named_group,
    next_word,
    noun_gender,
    previous_word,
    russian_case,
    russian_gender,
)
from .languages import CURRENCY_SIGNS, Language, Noun, word_set

log = logging.getLogger(__name__)

# Longer runs of digits without separators are identifiers, dates or hashes ("20110429",
# "12345678"), said digit by digit; a real quantity that long is written "12,345,678".
MAX_UNGROUPED_DIGITS = 7

_DIGIT_CHAIN = re.compile(r"(?<![\w.,\-/])\d+(?:-\d+){2,}(?![\w\-/]|[.,]\d)")
_DIMENSIONS = re.compile(r"(?<![\w.,])(\d+)\s?[×x]\s?(\d+)(?![\w.,]|\s?[×x]\s?\d)")
# "1643 to " before a number: the number is the end of a span of years.
_YEAR_BEFORE = re.compile(r"\b1\d{3} (?:to|and|or|through|till|until|bis|und|oder) $")
# "dpkg-source(1)": a manual section, which nobody reads aloud.
_MAN_SECTION = re.compile(r"(?<=[\w-])\([1-9][a-z]?\)")
# "the '90s" -> "the nineties"; "the year '83" -> "the year eighty-three".
_SHORT_DECADE = re.compile(r"(?<!\w)['’](\d)0s(?!\w)")
_SHORT_YEAR = re.compile(r"(?<![\w'’])['’](\d\d)(?![\w'’]|[.,]\d)")
_FUNCTION_WORDS = word_set(
    "the a an and or but when it he she they we i there this that to with for at on as was were is are had has have which who after before until only also its his her their in of by from through under over into so then while where"
)


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


class QuantityRules:
    """The number rules of one language, compiled; `apply` reads every number in a text."""

    def __init__(self, language: Language):
        self.language = language
        self.code = language.code
        self.words = language.words
        self._compile_numbers()

    def _compile_numbers(self) -> None:
        language = self.language
        spaces = "".join(ch for ch in language.thousands if ch in " \u00a0\u202f")
        number = r"\d+(?:[.,]\d+)*"
        if spaces:
            number = rf"\d{{1,3}}(?:[{spaces}]\d{{3}})+(?!\d)|{number}"
        signs = [sign for sign in CURRENCY_SIGNS if not sign[0].isalpha()]  # "$", "US$", "€"
        after_signs = [sign for sign in CURRENCY_SIGNS if sign != "US$"]  # "€", "EUR", "руб."
        if self.code != "ru":
            after_signs = [sign for sign in after_signs if not sign.startswith(("руб", "р."))]
        ordinal_suffix = {
            "en": r"st|nd|rd|th|ST|ND|RD|TH",
            "ru": "-(?:" + "|".join(sorted(RU_ORDINAL_SUFFIX, key=len, reverse=True)) + ")",
            "fr": r"ers|res|ères|èmes|er|re|ère|ème|es|e|è",
            "es": r"\.?[ºª]|er",
        }.get(self.code)
        year_words = "|".join(sorted(RU_YEAR_WORDS, key=len, reverse=True))
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
            rf"(?:(?P<cur>{alternation(signs)})\s?)?",
            rf"(?P<num>{number})",
            (
                rf"(?:\s(?P<mag>{magnitudes})(?!\w)|(?(cur)(?P<short_mag>bn|m|k)(?!\w)))?"
                if magnitudes
                else ""
            ),
            rf"(?:(?P<dash>[–—]|-|\s[–—-]\s)(?P<cur2>{alternation(signs)})?(?P<num2>{number}))?",
            "(?:",
            rf"(?P<ord>{ordinal_suffix})(?!\w)|" if ordinal_suffix else "",
            r"(?P<decade>['’]?s)(?!\w)|" if self.code == "en" else "",
            rf"\s?(?P<yearword>г\.|гг\.|(?:{year_words})(?!\w))|" if self.code == "ru" else "",
            rf"\s?(?P<unit>{alternation(language.units)})(?!\w)",
            rf"(?:\s?(?P<unit_cur>{alternation(after_signs)}))?|",
            rf"\s?(?P<cur_after>{alternation(after_signs)})",
            ")?",
            # "64-bit", "3-day" may follow, but not "-5" (a chain) nor a Russian "64-битный"
            # (a compound said as one word, "шестидесятичетырёхбитный", left to the engine).
            r"(?![\w/]|[\-−][\d\w]|[.,]\d)" if self.code == "ru" else r"(?![\w/]|[\-−]\d|[.,]\d)",
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
        previous = previous_word(text, start)
        if self.code == "de" and value < 2000 and not next_word(text, match.end())[:1].isupper():
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
        following = next_word(text, match.end())
        return not following or following[0].isupper() or following.lower() in _FUNCTION_WORDS

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
        previous = previous_word(text, match.start())
        magnitude = named_group(match, "mag")
        short_mag = named_group(match, "short_mag")
        if short_mag:
            magnitude = {"bn": "billion", "m": "million", "k": "thousand"}[short_mag]
        if named_group(match, "decade"):
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

        if named_group(match, "ord"):
            return prefix + self._say_ordinal(first, match.group("ord"), text, match.end())
        if named_group(match, "yearword"):
            yearword = match.group("yearword")
            spoken = prefix + self._say_russian_year(first, second, yearword, previous)
            if yearword.endswith(".") and ends_sentence_after(match):
                spoken += "."  # the abbreviation's full stop also ended the sentence
            return spoken

        case = russian_case(previous) if code == "ru" else "n"
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
                and RU_MONTH.match(previous.lower())
            ):
                # "в ноябре 2007" -> "в ноябре две тысячи седьмого года"
                return f"{numbers.ordinal(first.value, 'ru', case='g')} года"
            if not prefix and self._is_year_context(match, first.value):
                spoken = self._read(first, decimal=False, year=True)
            elif code == "ru":
                gender = russian_gender(next_word(text, match.end()), first.value)
                spoken = self._read(first, decimal=False, case=case, gender=gender)
            elif code in NOUN_GENDER_GUESS and first.value % 10 == 1 and first.value % 100 != 11:
                gender = noun_gender(code, text, match.end())
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
            case, gender, plural = RU_ORDINAL_SUFFIX[suffix[1:]]
            if suffix[1:] in ("е", "ое", "ее") and next_word(text, end).lower().startswith(
                ("год", "гг")
            ):
                plural = True
            return numbers.ordinal(value, "ru", case=case, gender=gender, plural=plural)
        if code == "fr":
            return french_ordinal(value, suffix)
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
            case = russian_case(previous, prepositional=True)
            if second is not None:
                return (
                    f"с {numbers.ordinal(first.value, 'ru', case='g')} "
                    f"по {numbers.ordinal(second.value, 'ru')} год"
                )
            noun = "годах" if plural and case == "p" else RU_YEAR_NOUN[case]
            if plural and case == "n":
                noun = "годы"
            return f"{numbers.ordinal(first.value, 'ru', case=case, plural=False)} {noun}"
        case, plural = RU_YEAR_WORDS[yearword]
        if second is not None:
            return (
                f"с {numbers.ordinal(first.value, 'ru', case='g')} "
                f"по {numbers.ordinal(second.value, 'ru')} {yearword}"
            )
        if case == "p" and previous.lower() in RU_DATIVE_BEFORE:
            case = "d"
        return f"{numbers.ordinal(first.value, 'ru', case=case, plural=False)} {yearword}"

    def apply(self, text: str) -> str:
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
