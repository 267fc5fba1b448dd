"""Number words per language, on top of num2words, with the agreement a narrator needs.

num2words (0.5.14) gives cardinals, ordinals and years in many languages, and Russian case and
gender. What it lacks, and what is added here as grammar rather than as word tables:
- English: American style, without "and" or commas inside a number ("five hundred twelve").
- German, French, Spanish: the number 1 agrees with the noun after it ("ein Megabyte", "eine
  Sekunde", "une seconde", "veintiún euros", "una hora"); only the last word of the number
  changes. German ordinals take their ending from the word before them ("am dritten").
- Russian: "тысяча" rather than num2words' "одна тысяча" at the start of a number.
- Long digit strings (more than MAX_CARDINAL_DIGITS digits) are read digit by digit:
  num2words raises OverflowError above 10**306 and nobody says "one quadrillion ..."; past
  MAX_SPOKEN_DIGITS digits they are "a long number".

Every function here returns words and never raises for any digit string: when num2words fails
the digits are read one by one.
"""

from __future__ import annotations

import functools

from num2words import CONVERTER_CLASSES

MAX_CARDINAL_DIGITS = 12  # up to hundreds of billions; longer runs are IDs, read digit by digit
MAX_SPOKEN_DIGITS = 40  # longer still: "a long number" (see `digits`)
LONG_NUMBER = {
    "en": "a long number",
    "ru": "длинное число",
    "de": "eine lange Zahl",
    "fr": "un long nombre",
    "es": "un número largo",
}

# Which noun form follows a number: index into a noun's forms (see `noun_form`).
SINGULAR, FEW, MANY = 0, 1, 2


@functools.lru_cache(maxsize=8192)
def _words(language: str, kind: str, number: int, case: str, gender: str, plural: bool) -> str:
    converter = CONVERTER_CLASSES[language]
    try:
        if language == "ru":
            if kind == "ordinal":
                words = converter.to_ordinal(number, case=case, gender=gender, plural=plural)
            else:
                words = converter.to_cardinal(number, case=case, gender=gender)
            if words.startswith(("одна тысяч", "одной тысяч")) and number < 2000:
                words = words.split(" ", 1)[1]
            return words
        if kind == "ordinal":
            words = converter.to_ordinal(number)
        elif kind == "year":
            words = converter.to_year(number)
        else:
            words = converter.to_cardinal(number)
    except Exception:  # num2words raises OverflowError, NotImplementedError, TypeError...
        return digits(str(number), language)
    if language == "en":
        words = words.replace(",", "").replace(" and ", " ")
    return str(words)


def digits(text: str, language: str) -> str:
    """Each digit as a word: "0042" -> "zero zero four two"; past MAX_SPOKEN_DIGITS digits
    only "a long number", which is all a listener can take in (and a 5,000-digit number
    would be a 5,000-word chunk for the engine)."""
    count = sum(ch.isdigit() for ch in text)
    if count > MAX_SPOKEN_DIGITS:
        return LONG_NUMBER.get(language, text)
    return " ".join(_digit_word(ch, language) for ch in text if ch.isdigit())


@functools.lru_cache(maxsize=256)
def _digit_word(ch: str, language: str) -> str:
    try:
        return str(CONVERTER_CLASSES[language].to_cardinal(int(ch)))
    except Exception:
        return ch


def cardinal(number: int, language: str, case: str = "n", gender: str = "m") -> str:
    """A whole number in words; `case` and `gender` matter for Russian only."""
    if len(str(abs(number))) > MAX_CARDINAL_DIGITS:
        return digits(str(abs(number)), language)
    if number < 0:
        return f"{MINUS.get(language, '-')} {cardinal(-number, language, case, gender)}"
    return _words(language, "cardinal", number, case, gender, False)


def ordinal(
    number: int, language: str, case: str = "n", gender: str = "m", plural: bool = False
) -> str:
    if number < 0 or len(str(number)) > MAX_CARDINAL_DIGITS:
        return cardinal(number, language)
    return _words(language, "ordinal", number, case, gender, plural)


def year(number: int, language: str) -> str:
    """A year as it is said: "nineteen ninety-nine", "neunzehnhundertneunundneunzig"."""
    if language in ("en", "de") and 0 < number < 10000:
        return _words(language, "year", number, "n", "m", False)
    return cardinal(number, language)


MINUS = {"en": "minus", "ru": "минус", "de": "minus", "fr": "moins", "es": "menos"}


def before_noun(number: int, language: str, gender: str, case: str = "n") -> str:
    """A cardinal that agrees with the noun after it (see the module docstring)."""
    words = cardinal(number, language, case=case, gender=gender)
    if len(str(abs(number))) > MAX_CARDINAL_DIGITS:
        return words
    if language == "de" and words.endswith("eins"):
        return words[:-1] + ("e" if gender == "f" else "")
    if language == "fr" and gender == "f" and (words == "un" or words.endswith(" un")):
        return words + "e"
    if language == "es":
        if words.endswith("veintiuno"):
            return words[:-4] + ("iuna" if gender == "f" else "iún")
        if words == "uno" or words.endswith(" uno"):
            return words[:-1] + ("a" if gender == "f" else "")
    return words


def noun_form(number: int | None, language: str) -> int:
    """Which form of a noun follows `number` (None: a number with a fraction).

    Russian nouns have three: 1 "мегабайт", 2-4 "мегабайта", 5+ "мегабайт" (21 is like 1,
    11-14 like 5); a fraction takes the 2-4 form ("две целых пять десятых мегабайта"). French
    uses the singular below 2 ("1,5 kilomètre"); the others the singular for exactly 1.
    """
    if language == "ru":
        if number is None:
            return FEW
        n = abs(number)
        if n % 10 == 1 and n % 100 != 11:
            return SINGULAR
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return FEW
        return MANY
    if number is None:
        return MANY
    return SINGULAR if abs(number) == 1 else MANY


def genitive_noun_form(number: int | None) -> int:
    """Russian, after a genitive preposition ("более 21 МБ"): the genitive singular after 1,
    21, 31... and after a fraction, which is the 2-4 form ("мегабайта"); else the genitive
    plural, which is the 5+ form ("мегабайт")."""
    if number is None or number % 10 == 1 and number % 100 != 11:
        return FEW
    return MANY


# German ordinals: the weak ending after an article or a contracted preposition ("am dritten",
# "der dritte"), the strong one without ("dritter Oktober", as in a date line).
_GERMAN_WEAK_N = frozenset(
    ["am", "im", "vom", "zum", "beim", "zur", "dem", "den", "des", "ab", "bis", "seit"]
)
_GERMAN_WEAK_E = frozenset(["der", "die", "das"])


def german_ordinal(number: int, previous_word: str) -> str:
    stem = ordinal(number, "de")
    if not stem.endswith("e"):
        return stem
    previous = previous_word.lower()
    if previous in _GERMAN_WEAK_N:
        return stem + "n"
    if previous in _GERMAN_WEAK_E:
        return stem
    return stem + "r"
