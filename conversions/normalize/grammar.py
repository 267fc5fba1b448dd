"""The words around a number and the grammar they ask of it.

Helpers shared by the rule families: the word before or after a place in the text, Russian
case from a preposition and gender from a noun's ending, the gender of the noun after "1" in
German, French and Spanish ("eine Sekunde", "une heure", "una hora"), French ordinals. Tables of
words rather than of numbers: num2words makes the number words (numbers.py).
"""

from __future__ import annotations

import re

from . import numbers
from .languages import word_list, word_set

# The word before a number: only spaces, a comma ("March, 1888") or an opening bracket between.
_PREVIOUS_WORD = re.compile(r"([^\W\d_]+),?[\s(«\"“'‘]*$")
_ANY_PREVIOUS_WORD = re.compile(r"([^\W\d_]+)[^\w]*$")
_NEXT_WORD = re.compile(r"\s*([^\W\d_]+)")


def previous_word(text: str, start: int, across_punctuation: bool = False) -> str:
    """The word just before `start` (only spaces or an opening bracket between, unless
    `across_punctuation`)."""
    pattern = _ANY_PREVIOUS_WORD if across_punctuation else _PREVIOUS_WORD
    found = pattern.search(text, max(0, start - 40), start)
    return found.group(1) if found else ""


def next_word(text: str, end: int) -> str:
    found = _NEXT_WORD.match(text, end)
    return found.group(1) if found else ""


def alternation(words, flags: str = "") -> str:
    """A regex alternation of literal words, longest first (so "MB/s" wins over "MB")."""
    ordered = sorted(set(words), key=len, reverse=True)
    body = "|".join(re.escape(word) for word in ordered)
    return f"(?{flags}:{body})" if flags else f"(?:{body})"


def named_group(match: re.Match, name: str) -> str | None:
    """A named group that only some languages' patterns have."""
    return match.group(name) if name in match.re.groupindex else None


def ends_sentence_after(match: re.Match) -> bool:
    """Whether the full stop that ends `match` (as in "etc." or "г.") also ends a sentence:
    nothing follows, or a capital letter after closing quotes or brackets."""
    rest = match.string[match.end() : match.end() + 4].lstrip(" \"'”’)»]")
    return not rest or rest[0].isupper()


def capitalised(words: str) -> str:
    return words[:1].upper() + words[1:]


# --- Russian grammar around numbers ---------------------------------------------------------

RU_GENITIVE_BEFORE = word_set(
    "до от с из около более менее больше меньше свыше после для без кроме у среди вместо начиная против"
)
RU_DATIVE_BEFORE = frozenset(["к", "ко", "согласно", "благодаря"])
RU_PREPOSITIONAL_BEFORE = frozenset(["в", "во", "о", "об", "при"])

# An ordinal written with a suffix: "21-й", "2-го", "1990-х" -> (case, gender, plural).
RU_ORDINAL_SUFFIX = {
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
RU_YEAR_WORDS = {
    "год": ("n", False),
    "года": ("g", False),
    "году": ("p", False),
    "годом": ("i", False),
    "годы": ("n", True),
    "годов": ("g", True),
    "годам": ("d", True),
    "годах": ("p", True),
}
RU_MONTH = re.compile(
    r"(?:январ|феврал|март|апрел|ма[йяюе]|июн|июл|август|сентябр|октябр|ноябр|декабр)"
)
RU_YEAR_NOUN = {"n": "год", "g": "года", "p": "году", "d": "году", "i": "годом", "a": "год"}


def russian_case(previous_word: str, prepositional: bool = False) -> str:
    """The case a preposition gives a number after it; "в"/"о"/"при" only when `prepositional`
    (years: "в 1999 году"; elsewhere "в 5 раз" is accusative)."""
    previous = previous_word.lower()
    if prepositional and previous in RU_PREPOSITIONAL_BEFORE:
        return "p"
    if previous in RU_GENITIVE_BEFORE:
        return "g"
    if previous in RU_DATIVE_BEFORE:
        return "d"
    return "n"


def russian_gender(next_word: str, number: int) -> str:
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
    "de": word_set("und oder bis von zu ist sind mit für der die das im in an auf"),
    "fr": word_set("de du des et ou à au aux en est sont que qui sur par pour le la les"),
    "es": word_set("de del y o a al en es son que con por para se la el los las"),
}
# Feminine by ending: enough for "eine Sekunde", "une heure", "una hora" and their kind.
NOUN_GENDER_GUESS = {
    "de": word_list("e ung heit keit schaft ion tät ik ei"),
    "fr": word_list(
        "tion sion xion té ure ette ance ence ée ie ise ade ine elle erie esse ière eure"
    ),
    "es": word_list("a ión dad tad tud umbre ez"),
}
# Common feminine French nouns after counts whose ending says nothing ("une page", "une fois").
_FRENCH_FEMININE = word_set(
    "page fois heure ligne semaine version seconde minute année étape option commande"
)


def noun_gender(code: str, text: str, end: int) -> str | None:
    """The gender of the noun right after a number, or None when no noun follows."""
    if end >= len(text) or text[end] != " ":
        return None
    word = next_word(text, end)
    if not word or word.lower() in _NOT_NOUNS[code] or not word.isalpha():
        return None
    if code == "de" and not word[0].isupper():
        return None
    lowered = word.lower()
    if code in ("fr", "es") and len(lowered) > 3 and lowered[-1] in "sx":  # "vingt et une pages"
        lowered = lowered[:-1]
        if code == "es" and lowered.endswith("e") and not lowered.endswith(("ie", "ue")):
            lowered = lowered[:-1]  # "paquetes" -> "paquet"; "horas" -> "hora" above
    if code == "fr" and lowered in _FRENCH_FEMININE:
        return "f"
    return "f" if lowered.endswith(NOUN_GENDER_GUESS[code]) else "m"


def french_ordinal(value: int, suffix: str) -> str:
    plural = suffix.endswith("s")
    if value == 1:
        word = "première" if suffix.startswith(("re", "ère")) else "premier"
    else:
        word = numbers.ordinal(value, "fr")
    return word + ("s" if plural else "")
