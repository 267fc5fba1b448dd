"""Dates and times in words: "May 31, 2022", "31 мая 2022 г.", "am 3. Oktober", "10:30", "3 pm".

English says "May thirty-first, twenty twenty-two" and "the thirty-first of May" for "31 May";
Russian makes the day an ordinal in the genitive inside a sentence ("вышел тридцать первого
мая") and the nominative as a heading; German takes the ordinal's ending from the word before
("am dritten Oktober", "dritter Oktober"); French and Spanish say days as cardinals ("premier"
for the first). ISO dates (2022-05-31) are read as the language's own date. Times: "ten
thirty", "ten oh five", "ten o'clock"/"fourteen hundred", "zehn Uhr dreißig", "dix heures
trente", "десять тридцать".
"""

from __future__ import annotations

import re

from . import numbers
from .grammar import RU_DATIVE_BEFORE, alternation, ends_sentence_after, previous_word
from .languages import Language

_ISO_DATE = re.compile(
    r"(?<![\w.\-/])(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![\w\-/]|\.\d)"
)


class DateRules:
    """The date and time rules of one language, compiled; `apply` reads them in a text."""

    def __init__(self, language: Language):
        self.language = language
        self.code = language.code
        self.words = language.words
        self._compile_dates_and_times()

    def _compile_dates_and_times(self) -> None:
        language = self.language
        months = alternation(language.months)
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
        if previous in RU_DATIVE_BEFORE:
            return "d"
        return "g"

    def _say_iso_date(self, match: re.Match) -> str:
        year, month, day = (int(group) for group in match.groups())
        previous = previous_word(match.string, match.start(), self.code == "ru")
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
        previous = previous_word(match.string, match.start(), self.code == "ru")
        if self.code == "ru":
            case = self._russian_date_case(previous)
            words = f"{numbers.ordinal(day, 'ru', case=case, gender='n')} {month}"
            if year:
                words += f" {numbers.ordinal(int(year), 'ru', case='g')} года"
                if match.group(4) == "г." and ends_sentence_after(match):
                    words += "."
            return words
        name = self.language.month_names[self.month_number[month.lower()] - 1]
        the = "" if previous.lower() == "the" else "the "
        words = f"{the}{numbers.ordinal(day, 'en')} of {name}"
        return f"{words}, {numbers.year(int(year), 'en')}" if year else words

    def _say_german_ordinal(self, match: re.Match) -> str:
        number, next_word = int(match.group(1)), match.group(2)
        previous = previous_word(match.string, match.start())
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

    def apply(self, text: str) -> str:
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
