"""The words of each language that the rules need: abbreviations, units, currencies, months.

Five languages have tables: English, Russian, German, French and Spanish. Number words come
from num2words (numbers.py); what is here is the vocabulary around numbers and the
abbreviations a narrator expands. Each table was checked against real text: the Debian manuals
(English), the Debian FAQ in Russian, German and French, and ordinary prose.

Abbreviations are written with single spaces where they have them ("z. B."); the matcher also
accepts them without ("z.B."). Three kinds:
- `abbreviations`: always expanded;
- `before_number`: only before a number ("p. 5", "No. 5", "S. 12"): elsewhere "p." or "No."
  may be an initial or the word "No";
- `final`: abbreviations that can also end a sentence ("etc."): the sentence splitter breaks
  after them when a capital letter follows, and the expansion keeps the full stop there.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def word_list(words: str) -> tuple[str, ...]:
    """Words written as one string, in order: "January February ..."."""
    return tuple(words.split())


def word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


@dataclass(frozen=True)
class Noun:
    """A unit or currency name: its forms after a number, its gender, and fixed words after it.

    `forms` are (singular, plural) or, for Russian, (after 1, after 2-4, after 5+).
    """

    forms: tuple[str, ...]
    gender: str = "m"
    tail: str = ""


@dataclass(frozen=True)
class Currency:
    major: Noun
    minor: Noun | None = None


@dataclass(frozen=True)
class Language:
    code: str
    words: dict[str, str]
    decimal_mark: str  # the separator of a decimal fraction: "." or ","
    thousands: str  # characters that may group thousands ("1,000", "1 000", "1.000")
    abbreviations: dict[str, str]
    before_number: dict[str, str]
    final: frozenset[str]
    units: dict[str, Noun]
    currencies: dict[str, Currency]
    months: dict[str, int]  # month names as written next to a day or year (with their case)
    month_names: tuple[str, ...]  # how to say month 1..12 in a date
    year_words: frozenset[str]  # a four-digit number after these is a year
    heading_words: dict[str, str]  # "Chapter IV": word -> gender for ordinal headings, "" cardinal
    symbols: dict[str, str] = field(default_factory=dict)
    before_name: dict[str, str] = field(default_factory=dict)  # only before a capital: "M. Dupont"


def _en_nouns(table: dict[str, str | tuple[str, ...]]) -> dict[str, Noun]:
    """English units: "megabyte" -> (megabyte, megabytes); a tuple gives (forms..., tail)."""
    units = {}
    for symbol, name in table.items():
        if isinstance(name, tuple):
            singular, plural, tail = name
        else:
            singular, plural, tail = name, name + "s", ""
        units[symbol] = Noun((singular, plural), "m", tail)
    return units


def _same(forms: tuple[str, ...] | str, gender: str, *symbols: str, tail: str = "") -> dict:
    if isinstance(forms, str):
        forms = (forms, forms)
    return {symbol: Noun(forms, gender, tail) for symbol in symbols}


# --- English --------------------------------------------------------------------------------

_EN_UNITS = _en_nouns(
    {
        "KB": "kilobyte",
        "kB": "kilobyte",
        "MB": "megabyte",
        "GB": "gigabyte",
        "TB": "terabyte",
        "PB": "petabyte",
        "KiB": "kibibyte",
        "MiB": "mebibyte",
        "GiB": "gibibyte",
        "TiB": "tebibyte",
        "kbit": "kilobit",
        "Kbit": "kilobit",
        "Mbit": "megabit",
        "Gbit": "gigabit",
        "Mb": "megabit",
        "Gb": "gigabit",
        "kbps": ("kilobit", "kilobits", " per second"),
        "kbit/s": ("kilobit", "kilobits", " per second"),
        "kb/s": ("kilobit", "kilobits", " per second"),
        "Mbps": ("megabit", "megabits", " per second"),
        "Mbit/s": ("megabit", "megabits", " per second"),
        "Mb/s": ("megabit", "megabits", " per second"),
        "Gbps": ("gigabit", "gigabits", " per second"),
        "Gbit/s": ("gigabit", "gigabits", " per second"),
        "KB/s": ("kilobyte", "kilobytes", " per second"),
        "kB/s": ("kilobyte", "kilobytes", " per second"),
        "MB/s": ("megabyte", "megabytes", " per second"),
        "GB/s": ("gigabyte", "gigabytes", " per second"),
        "Hz": ("hertz", "hertz", ""),
        "kHz": ("kilohertz", "kilohertz", ""),
        "MHz": ("megahertz", "megahertz", ""),
        "GHz": ("gigahertz", "gigahertz", ""),
        "ns": "nanosecond",
        "µs": "microsecond",
        "μs": "microsecond",
        "ms": "millisecond",
        "s": "second",
        "sec": "second",
        "secs": "second",
        "min": "minute",
        "mins": "minute",
        "h": "hour",
        "hr": "hour",
        "hrs": "hour",
        "nm": "nanometer",
        "µm": "micrometer",
        "mm": "millimeter",
        "cm": "centimeter",
        "m": "meter",
        "km": "kilometer",
        "km/h": ("kilometer", "kilometers", " per hour"),
        "mph": ("mile", "miles", " per hour"),
        "ft": ("foot", "feet", ""),
        "mi": "mile",
        "px": "pixel",
        "pt": "point",
        "dpi": ("dot", "dots", " per inch"),
        "rpm": ("revolution", "revolutions", " per minute"),
        "fps": ("frame", "frames", " per second"),
        "wpm": ("word", "words", " per minute"),
        "mg": "milligram",
        "g": "gram",
        "kg": "kilogram",
        "lb": "pound",
        "lbs": "pound",
        "oz": "ounce",
        "ml": "milliliter",
        "mL": "milliliter",
        "l": "liter",
        "L": "liter",
        "°C": ("degree", "degrees", " Celsius"),
        "°F": ("degree", "degrees", " Fahrenheit"),
        "°": "degree",
        "V": "volt",
        "mV": "millivolt",
        "kV": "kilovolt",
        "W": "watt",
        "kW": "kilowatt",
        "kWh": "kilowatt-hour",
        "mA": "milliampere",
        "mAh": "milliampere-hour",
        "%": ("percent", "percent", ""),
        "x": ("times", "times", ""),
        "×": ("times", "times", ""),
    }
)

_EN_MONTHS = word_list(
    "January February March April May June July August September October November December"
)

ENGLISH = Language(
    code="en",
    words={
        "point": "point",  # in versions and section numbers: "three point oh"
        "decimal": "point",
        "version zero": "oh",  # "3.0" -> "three point oh", "10:05" -> "ten oh five"
        "dot": "dot",
        "at": "at",
        "link": "a link to",
        "to": "to",  # ranges: "10-12" -> "ten to twelve"
        "and": "and",  # "three dollars and fifty cents"
        "dash": "dash",
        "minus": "minus",
        "plus": "plus",
        "version": "version",
        "world war": "World War",
        "the": "the",
        "of": "of",
        "o'clock": "o'clock",
        "hundred": "hundred",  # "14:00" -> "fourteen hundred"
        "seconds": "seconds",
        "pipe": "pipe",
        "home": "home",
    },
    decimal_mark=".",
    thousands=",",
    abbreviations={
        "e.g.": "for example",
        "eg.": "for example",
        "i.e.": "that is",
        "ie.": "that is",
        "etc.": "et cetera",
        "vs.": "versus",
        "approx.": "approximately",
        "cf.": "compare",
        "Dr.": "Doctor",
        "Mr.": "Mister",
        "Mrs.": "Missus",
        "Ms.": "Miz",
        "Prof.": "Professor",
        "Jr.": "Junior",
        "Sr.": "Senior",
        "Fig.": "Figure",
        "fig.": "figure",
        "Figs.": "Figures",
        "Eq.": "Equation",
        "a.k.a.": "also known as",
        "w.r.t.": "with respect to",
        "et al.": "and others",
        "viz.": "namely",
        "resp.": "respectively",
        "incl.": "including",
        "esp.": "especially",
        "Ltd.": "Limited",
        "Corp.": "Corporation",
        "Dept.": "Department",
        "ca.": "circa",
        "a.m.": "AM",
        "p.m.": "PM",
        "Jan.": "January",
        "Feb.": "February",
        "Mar.": "March",
        "Apr.": "April",
        "Jun.": "June",
        "Jul.": "July",
        "Aug.": "August",
        "Sep.": "September",
        "Sept.": "September",
        "Oct.": "October",
        "Nov.": "November",
        "Dec.": "December",
    },
    before_number={
        "No.": "number",
        "no.": "number",
        "Nos.": "numbers",
        "p.": "page",
        "pp.": "pages",
        "ch.": "chapter",
        "Ch.": "Chapter",
        "chap.": "chapter",
        "sec.": "section",
        "Sec.": "Section",
        "Sect.": "Section",
        "vol.": "volume",
        "Vol.": "Volume",
        "art.": "article",
        "Art.": "Article",
        "para.": "paragraph",
        "ed.": "edition",
    },
    final=frozenset(["etc.", "et al.", "Ltd.", "Corp.", "a.m.", "p.m.", "Jr.", "Sr."]),
    before_name={"St.": "Saint"},  # "St. James's Street"; "Main St." (a street) stays, see rules
    units=_EN_UNITS,
    currencies={
        "USD": Currency(Noun(("dollar", "dollars")), Noun(("cent", "cents"))),
        "EUR": Currency(Noun(("euro", "euros")), Noun(("cent", "cents"))),
        "GBP": Currency(Noun(("pound", "pounds")), Noun(("penny", "pence"))),
        "JPY": Currency(Noun(("yen", "yen"))),
        "RUB": Currency(Noun(("ruble", "rubles")), Noun(("kopek", "kopeks"))),
    },
    months={
        **{name: i for i, name in enumerate(_EN_MONTHS, 1)},
        **{name[:3]: i for i, name in enumerate(_EN_MONTHS, 1)},
        "Sept": 9,
    },
    month_names=tuple(_EN_MONTHS),
    year_words=word_set(
        "in since from until till by before after during year circa around early late mid summer winter spring autumn fall copyright ©"
    ),
    heading_words=dict.fromkeys(
        word_list(
            "chapter part book volume vol appendix section act scene article title phase stage level episode type class category annex canto psalm unit lesson war round grade step tier series season division"
        ),
        "",
    ),
    symbols={
        "&": "and",
        "±": "plus or minus",
        "→": "to",
        "←": "from",
        "⇒": "implies",
        "≤": "less than or equal to",
        "≥": "greater than or equal to",
        "≠": "not equal to",
        "≈": "approximately",
        "~": "approximately",
        "#": "number",
        "№": "number",
        "§": "section",
        "§§": "sections",
        "×": "times",
        "%": "percent",
        "°": "degrees",
        "©": "copyright",
    },
)

# --- Russian --------------------------------------------------------------------------------


def _ru(forms: str, gender: str = "m", tail: str = "") -> Noun:
    return Noun(tuple(forms.split()), gender, tail)


_RU_BYTE_UNITS = {
    "Кб": "килобайт",
    "КБ": "килобайт",
    "кБ": "килобайт",
    "Кбайт": "килобайт",
    "кбайт": "килобайт",
    "KB": "килобайт",
    "kB": "килобайт",
    "Мб": "мегабайт",
    "МБ": "мегабайт",
    "Мбайт": "мегабайт",
    "MB": "мегабайт",
    "Гб": "гигабайт",
    "ГБ": "гигабайт",
    "Гбайт": "гигабайт",
    "GB": "гигабайт",
    "Тб": "терабайт",
    "ТБ": "терабайт",
    "TB": "терабайт",
    "КиБ": "кибибайт",
    "KiB": "кибибайт",
    "МиБ": "мебибайт",
    "MiB": "мебибайт",
    "ГиБ": "гибибайт",
    "GiB": "гибибайт",
}

_RU_UNITS = {
    **{s: _ru(f"{n} {n}а {n}") for s, n in _RU_BYTE_UNITS.items()},
    **{s: _ru("килобит килобита килобит", tail=" в секунду") for s in ("Кбит/с", "кбит/с")},
    **{s: _ru("мегабит мегабита мегабит", tail=" в секунду") for s in ("Мбит/с", "Mbit/s")},
    "Гбит/с": _ru("гигабит гигабита гигабит", tail=" в секунду"),
    **{s: _ru("мегабайт мегабайта мегабайт", tail=" в секунду") for s in ("МБ/с", "Мб/с")},
    **{s: _ru("герц герца герц") for s in ("Гц", "Hz")},
    **{s: _ru("килогерц килогерца килогерц") for s in ("кГц", "kHz")},
    **{s: _ru("мегагерц мегагерца мегагерц") for s in ("МГц", "MHz")},
    **{s: _ru("гигагерц гигагерца гигагерц") for s in ("ГГц", "GHz")},
    **{s: _ru("миллисекунда миллисекунды миллисекунд", "f") for s in ("мс", "ms")},
    **{s: _ru("секунда секунды секунд", "f") for s in ("сек.", "сек")},
    **{s: _ru("минута минуты минут", "f") for s in ("мин.", "мин")},
    **{s: _ru("час часа часов") for s in ("ч.", "ч")},
    "нм": _ru("нанометр нанометра нанометров"),
    "мм": _ru("миллиметр миллиметра миллиметров"),
    "см": _ru("сантиметр сантиметра сантиметров"),
    "м": _ru("метр метра метров"),
    "км": _ru("километр километра километров"),
    "км/ч": _ru("километр километра километров", tail=" в час"),
    "мг": _ru("миллиграмм миллиграмма миллиграммов"),
    "г": _ru("грамм грамма граммов"),
    "кг": _ru("килограмм килограмма килограммов"),
    "л": _ru("литр литра литров"),
    "мл": _ru("миллилитр миллилитра миллилитров"),
    "°C": _ru("градус градуса градусов", tail=" по Цельсию"),
    "°С": _ru("градус градуса градусов", tail=" по Цельсию"),  # a Cyrillic С, as often typed
    "°": _ru("градус градуса градусов"),
    "Вт": _ru("ватт ватта ватт"),
    "кВт": _ru("киловатт киловатта киловатт"),
    "%": _ru("процент процента процентов"),
    **{s: _ru("тысяча тысячи тысяч", "f") for s in ("тыс.", "тыс")},
    **{s: _ru("миллион миллиона миллионов") for s in ("млн.", "млн")},
    **{s: _ru("миллиард миллиарда миллиардов") for s in ("млрд.", "млрд")},
    **{s: _ru("штука штуки штук", "f") for s in ("шт.", "шт")},
    **{s: _ru("человек человека человек") for s in ("чел.", "чел")},
    "стр.": _ru("страница страницы страниц", "f"),
}

_RU_MONTHS_GENITIVE = word_list(
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
)

RUSSIAN = Language(
    code="ru",
    words={
        "point": "точка",
        "decimal": "запятая",
        "version zero": "ноль",
        "dot": "точка",
        "at": "собака",
        "link": "ссылка на",
        "to": "до",
        "and": "",
        "dash": "дефис",
        "minus": "минус",
        "plus": "плюс",
        "version": "версия",
        "pipe": "пайп",
        "home": "домашний каталог",
    },
    decimal_mark=",",
    thousands=" \u00a0\u202f",
    abbreviations={
        "т. е.": "то есть",
        "и т. д.": "и так далее",
        "и т. п.": "и тому подобное",
        "и др.": "и другие",
        "и пр.": "и прочее",
        "т. к.": "так как",
        "т. н.": "так называемый",
        "т. о.": "таким образом",
        "в т. ч.": "в том числе",
        "см.": "смотрите",
        "напр.": "например",
        "рис.": "рисунок",
        "табл.": "таблица",
        "прим.": "примечание",
        "ср.": "сравните",
        "г.": "город",
        "ок.": "около",
    },
    before_number={
        "с.": "страница",
        "стр.": "страница",
        "гл.": "глава",
        "ч.": "часть",
        "т.": "том",
        "п.": "пункт",
    },
    final=frozenset(["и т. д.", "и т. п.", "и др.", "и пр."]),
    units=_RU_UNITS,
    currencies={
        "USD": Currency(_ru("доллар доллара долларов"), _ru("цент цента центов")),
        "EUR": Currency(_ru("евро евро евро"), _ru("цент цента центов")),
        "GBP": Currency(_ru("фунт фунта фунтов"), _ru("пенс пенса пенсов")),
        "JPY": Currency(_ru("иена иены иен", "f")),
        "RUB": Currency(_ru("рубль рубля рублей"), _ru("копейка копейки копеек", "f")),
    },
    months={name: i for i, name in enumerate(_RU_MONTHS_GENITIVE, 1)},
    month_names=tuple(_RU_MONTHS_GENITIVE),
    year_words=frozenset(),  # Russian years are recognised by "г."/"году" (see rules.py)
    heading_words={
        "глава": "f",
        "часть": "f",
        "книга": "f",
        "статья": "f",
        "том": "m",
        "раздел": "m",
        "параграф": "m",
        "акт": "m",
        "приложение": "n",
    },
    symbols={
        "&": "и",
        "±": "плюс-минус",
        "→": "—",
        "≤": "меньше или равно",
        "≥": "больше или равно",
        "≠": "не равно",
        "≈": "около",
        "~": "около",
        "#": "номер",
        "№": "номер",
        "§": "параграф",
        "×": "на",
        "%": "процентов",
        "°": "градусов",
        "©": "копирайт",
    },
)

# --- German ---------------------------------------------------------------------------------


def _de(singular: str, plural: str | None = None, gender: str = "n", tail: str = "") -> Noun:
    return Noun((singular, plural or singular), gender, tail)


_DE_MONTHS = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"

GERMAN = Language(
    code="de",
    words={
        "point": "Punkt",
        "decimal": "Komma",
        "version zero": "null",
        "dot": "Punkt",
        "at": "at",
        "link": "ein Link zu",
        "to": "bis",
        "and": "und",
        "dash": "Strich",
        "minus": "minus",
        "plus": "plus",
        "version": "Version",
        "o'clock": "Uhr",
        "pipe": "Pipe",
        "home": "Home",
    },
    decimal_mark=",",
    thousands=".\u00a0\u202f",
    abbreviations={
        "z. B.": "zum Beispiel",
        "d. h.": "das heißt",
        "usw.": "und so weiter",
        "usf.": "und so fort",
        "bzw.": "beziehungsweise",
        "ca.": "circa",
        "vgl.": "vergleiche",
        "u. a.": "unter anderem",
        "ggf.": "gegebenenfalls",
        "evtl.": "eventuell",
        "inkl.": "inklusive",
        "exkl.": "exklusive",
        "etc.": "et cetera",
        "Dr.": "Doktor",
        "Prof.": "Professor",
        "Hr.": "Herr",
        "Hrn.": "Herrn",
        "bspw.": "beispielsweise",
        "z. T.": "zum Teil",
        "u. U.": "unter Umständen",
        "o. ä.": "oder Ähnliches",
        "u. ä.": "und Ähnliches",
        "s. o.": "siehe oben",
        "s. u.": "siehe unten",
        "i. d. R.": "in der Regel",
        "v. a.": "vor allem",
        "z. Zt.": "zurzeit",
        "Abb.": "Abbildung",
        "Kap.": "Kapitel",
        "Tab.": "Tabelle",
        "Anm.": "Anmerkung",
        "Jh.": "Jahrhundert",
        "sog.": "sogenannte",
        "Std.": "Stunden",
    },
    before_number={"Nr.": "Nummer", "S.": "Seite", "Bd.": "Band", "Abs.": "Absatz"},
    final=frozenset(["usw.", "usf.", "etc.", "o. ä.", "u. ä."]),
    units={
        **_same("Prozent", "n", "%"),
        **_same("Kilobyte", "n", "KB", "kB"),
        **_same("Megabyte", "n", "MB"),
        **_same("Gigabyte", "n", "GB"),
        **_same("Terabyte", "n", "TB"),
        **_same("Kibibyte", "n", "KiB"),
        **_same("Mebibyte", "n", "MiB"),
        **_same("Gibibyte", "n", "GiB"),
        **_same("Megabit", "n", "Mbit/s", "Mb/s", "Mbps", tail=" pro Sekunde"),
        **_same("Megabyte", "n", "MB/s", tail=" pro Sekunde"),
        **_same("Hertz", "n", "Hz"),
        **_same("Kilohertz", "n", "kHz"),
        **_same("Megahertz", "n", "MHz"),
        **_same("Gigahertz", "n", "GHz"),
        **_same(("Millisekunde", "Millisekunden"), "f", "ms"),
        **_same(("Sekunde", "Sekunden"), "f", "s", "Sek.", "sek"),
        **_same(("Minute", "Minuten"), "f", "min", "Min."),
        **_same(("Stunde", "Stunden"), "f", "h", "Std."),
        **_same("Millimeter", "m", "mm"),
        **_same("Zentimeter", "m", "cm"),
        **_same("Meter", "m", "m"),
        **_same("Kilometer", "m", "km"),
        **_same("Kilometer", "m", "km/h", tail=" pro Stunde"),
        **_same("Milligramm", "n", "mg"),
        **_same("Gramm", "n", "g"),
        **_same("Kilogramm", "n", "kg"),
        **_same("Liter", "m", "l", "L"),
        **_same("Milliliter", "m", "ml"),
        **_same("Grad", "n", "°C", tail=" Celsius"),
        **_same("Grad", "n", "°"),
        **_same("Watt", "n", "W"),
        **_same("Kilowatt", "n", "kW"),
        **_same("Volt", "n", "V"),
        **_same(("Million", "Millionen"), "f", "Mio.", "Mio"),
        **_same(("Milliarde", "Milliarden"), "f", "Mrd.", "Mrd"),
        **_same("mal", "n", "x", "×"),
    },
    currencies={
        "USD": Currency(_de("Dollar", gender="m"), _de("Cent", gender="m")),
        "EUR": Currency(_de("Euro", gender="m"), _de("Cent", gender="m")),
        "GBP": Currency(_de("Pfund"), _de("Penny", "Pence", "m")),
        "JPY": Currency(_de("Yen", gender="m")),
        "RUB": Currency(_de("Rubel", gender="m"), _de("Kopeke", "Kopeken", "f")),
    },
    months={
        **{name: i for i, name in enumerate(_DE_MONTHS.split(), 1)},
        **{"Jan": 1, "Feb": 2, "Aug": 8, "Sept": 9, "Okt": 10, "Nov": 11, "Dez": 12},
    },
    month_names=tuple(_DE_MONTHS.split()),
    year_words=word_set(
        "im jahr jahre jahres seit bis von ab um vor nach anfang ende mitte copyright ©"
    ),
    heading_words=dict.fromkeys(
        word_list(
            "kapitel teil band buch abschnitt anhang akt szene artikel stufe phase typ klasse folge staffel"
        ),
        "",
    ),
    symbols={
        "&": "und",
        "±": "plus minus",
        "→": "nach",
        "≤": "kleiner oder gleich",
        "≥": "größer oder gleich",
        "≠": "ungleich",
        "≈": "ungefähr",
        "~": "etwa",
        "#": "Nummer",
        "§": "Paragraph",
        "§§": "Paragraphen",
        "×": "mal",
        "%": "Prozent",
        "°": "Grad",
        "©": "Copyright",
    },
)

# --- French ---------------------------------------------------------------------------------


def _fr(singular: str, gender: str = "m", tail: str = "", plural: str | None = None) -> Noun:
    return Noun((singular, plural or singular + "s"), gender, tail)


_FR_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"

FRENCH = Language(
    code="fr",
    words={
        "point": "point",
        "decimal": "virgule",
        "version zero": "zéro",
        "dot": "point",
        "at": "arobase",
        "link": "un lien vers",
        "to": "à",
        "and": "et",
        "dash": "tiret",
        "minus": "moins",
        "plus": "plus",
        "version": "version",
        "o'clock": "heures",
        "pipe": "pipe",
        "home": "home",
    },
    decimal_mark=",",
    thousands=" \u00a0\u202f",
    abbreviations={
        "p. ex.": "par exemple",
        "c.-à-d.": "c'est-à-dire",
        "c-à-d": "c'est-à-dire",
        "etc.": "et cetera",
        "cf.": "confer",
        "env.": "environ",
        "fig.": "figure",
        "Fig.": "Figure",
        "chap.": "chapitre",
        "vol.": "volume",
        "éd.": "édition",
        "av. J.-C.": "avant Jésus-Christ",
        "apr. J.-C.": "après Jésus-Christ",
        "Mme": "Madame",
        "Mmes": "Mesdames",
        "Mlle": "Mademoiselle",
        "MM.": "Messieurs",
        "Dr": "Docteur",
        "Dr.": "Docteur",
        "Pr": "Professeur",
    },
    before_number={"p.": "page", "pp.": "pages", "n°": "numéro", "no": "numéro", "art.": "article"},
    final=frozenset(["etc.", "av. J.-C.", "apr. J.-C."]),
    units={
        **_same(("pour cent", "pour cent"), "m", "%"),
        "o": _fr("octet"),
        **{s: _fr("kilooctet") for s in ("Ko", "ko", "KB", "kB")},
        **{s: _fr("mégaoctet") for s in ("Mo", "MB")},
        **{s: _fr("gigaoctet") for s in ("Go", "GB")},
        **{s: _fr("téraoctet") for s in ("To", "TB")},
        **{s: _fr("kibioctet") for s in ("Kio", "KiB")},
        **{s: _fr("mébioctet") for s in ("Mio", "MiB")},
        **{s: _fr("gibioctet") for s in ("Gio", "GiB")},
        **{s: _fr("mégabit", tail=" par seconde") for s in ("Mbit/s", "Mb/s", "Mbps")},
        **{s: _fr("mégaoctet", tail=" par seconde") for s in ("Mo/s", "MB/s")},
        **_same("hertz", "m", "Hz"),
        **_same("kilohertz", "m", "kHz"),
        **_same("mégahertz", "m", "MHz"),
        **_same("gigahertz", "m", "GHz"),
        "ms": _fr("milliseconde", "f"),
        "s": _fr("seconde", "f"),
        "min": _fr("minute", "f"),
        "h": _fr("heure", "f"),
        "mm": _fr("millimètre"),
        "cm": _fr("centimètre"),
        "m": _fr("mètre"),
        "km": _fr("kilomètre"),
        "km/h": _fr("kilomètre", tail=" par heure"),
        "mg": _fr("milligramme"),
        "g": _fr("gramme"),
        "kg": _fr("kilogramme"),
        "l": _fr("litre"),
        "L": _fr("litre"),
        "ml": _fr("millilitre"),
        "°C": _fr("degré", tail=" Celsius"),
        "°": _fr("degré"),
        "W": _fr("watt"),
        "kW": _fr("kilowatt"),
        "V": _fr("volt"),
        **_same("fois", "f", "x", "×"),
    },
    currencies={
        "USD": Currency(_fr("dollar"), _fr("cent")),
        "EUR": Currency(_fr("euro"), _fr("centime")),
        "GBP": Currency(_fr("livre", "f"), _fr("penny", plural="pence")),
        "JPY": Currency(_fr("yen")),
        "RUB": Currency(_fr("rouble"), _fr("kopeck")),
    },
    months={name: i for i, name in enumerate(_FR_MONTHS.split(), 1)},
    month_names=tuple(_FR_MONTHS.split()),
    year_words=frozenset(),  # French says years as cardinals
    heading_words=dict.fromkeys(
        word_list(
            "chapitre partie tome livre volume section annexe acte scène article titre phase niveau type classe épisode saison"
        ),
        "",
    ),
    symbols={
        "&": "et",
        "±": "plus ou moins",
        "→": "vers",
        "≤": "inférieur ou égal à",
        "≥": "supérieur ou égal à",
        "≠": "différent de",
        "≈": "environ",
        "~": "environ",
        "#": "numéro",
        "§": "paragraphe",
        "×": "fois",
        "%": "pour cent",
        "°": "degrés",
        "©": "copyright",
    },
    before_name={"M.": "Monsieur", "MM.": "Messieurs"},
)

# --- Spanish --------------------------------------------------------------------------------


def _es(singular: str, gender: str = "m", tail: str = "", plural: str | None = None) -> Noun:
    return Noun((singular, plural or singular + "s"), gender, tail)


_ES_MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)

SPANISH = Language(
    code="es",
    words={
        "point": "punto",
        "decimal": "coma",
        "version zero": "cero",
        "dot": "punto",
        "at": "arroba",
        "link": "un enlace a",
        "to": "a",
        "and": "con",
        "dash": "guion",
        "minus": "menos",
        "plus": "más",
        "version": "versión",
        "o'clock": "en punto",
        "pipe": "pipe",
        "home": "home",
    },
    decimal_mark=",",
    thousands=".\u00a0\u202f",
    abbreviations={
        "p. ej.": "por ejemplo",
        "etc.": "etcétera",
        "Sr.": "señor",
        "Sra.": "señora",
        "Srta.": "señorita",
        "Dr.": "doctor",
        "Dra.": "doctora",
        "Ud.": "usted",
        "Uds.": "ustedes",
        "aprox.": "aproximadamente",
        "vs.": "versus",
        "cfr.": "confróntese",
        "EE. UU.": "Estados Unidos",
        "a. C.": "antes de Cristo",
        "d. C.": "después de Cristo",
        "i. e.": "es decir",
        "fig.": "figura",
        "cap.": "capítulo",
        "vol.": "volumen",
        "ej.": "ejemplo",
        "Avda.": "avenida",
    },
    before_number={
        "pág.": "página",
        "págs.": "páginas",
        "núm.": "número",
        "n.º": "número",
        "nº": "número",
    },
    final=frozenset(["etc.", "EE. UU.", "a. C.", "d. C."]),
    units={
        **_same(("por ciento", "por ciento"), "m", "%"),
        **{s: _es("kilobyte") for s in ("KB", "kB")},
        "MB": _es("megabyte"),
        "GB": _es("gigabyte"),
        "TB": _es("terabyte"),
        "KiB": _es("kibibyte"),
        "MiB": _es("mebibyte"),
        "GiB": _es("gibibyte"),
        **{s: _es("megabit", tail=" por segundo") for s in ("Mbit/s", "Mb/s", "Mbps")},
        "MB/s": _es("megabyte", tail=" por segundo"),
        "Hz": _es("hercio"),
        "kHz": _es("kilohercio"),
        "MHz": _es("megahercio"),
        "GHz": _es("gigahercio"),
        "ms": _es("milisegundo"),
        "s": _es("segundo"),
        "min": _es("minuto"),
        "h": _es("hora", "f"),
        "mm": _es("milímetro"),
        "cm": _es("centímetro"),
        "m": _es("metro"),
        "km": _es("kilómetro"),
        "km/h": _es("kilómetro", tail=" por hora"),
        "mg": _es("miligramo"),
        "g": _es("gramo"),
        "kg": _es("kilogramo"),
        "l": _es("litro"),
        "L": _es("litro"),
        "ml": _es("mililitro"),
        "°C": _es("grado", tail=" Celsius"),
        "°": _es("grado"),
        "W": _es("vatio"),
        "kW": _es("kilovatio"),
        "V": _es("voltio"),
        **{s: _es("vez", "f", plural="veces") for s in ("x", "×")},
    },
    currencies={
        "USD": Currency(_es("dólar", plural="dólares"), _es("centavo")),
        "EUR": Currency(_es("euro"), _es("céntimo")),
        "GBP": Currency(_es("libra", "f"), _es("penique")),
        "JPY": Currency(_es("yen", plural="yenes")),
        "RUB": Currency(_es("rublo"), _es("kopek")),
    },
    months={name: i for i, name in enumerate([*_ES_MONTHS.split()], 1)} | {"setiembre": 9},
    month_names=tuple(_ES_MONTHS.split()),
    year_words=frozenset(),  # Spanish says years as cardinals
    heading_words=dict.fromkeys(
        word_list(
            "capítulo parte tomo libro volumen sección apéndice acto escena artículo título fase nivel tipo clase episodio temporada siglo"
        ),
        "",
    ),
    symbols={
        "&": "y",
        "±": "más o menos",
        "→": "a",
        "≤": "menor o igual que",
        "≥": "mayor o igual que",
        "≠": "distinto de",
        "≈": "aproximadamente",
        "~": "aproximadamente",
        "#": "número",
        "§": "párrafo",
        "×": "por",
        "%": "por ciento",
        "°": "grados",
        "©": "copyright",
    },
)

LANGUAGES: dict[str, Language] = {
    lang.code: lang for lang in (ENGLISH, RUSSIAN, GERMAN, FRENCH, SPANISH)
}

# Currency signs and codes as written next to an amount.
CURRENCY_SIGNS = {
    "$": "USD",
    "US$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₽": "RUB",
    "USD": "USD",
    "EUR": "EUR",
    "GBP": "GBP",
    "RUB": "RUB",
    "руб.": "RUB",
    "руб": "RUB",
    "р.": "RUB",
}

# Monarchs and popes whose Roman numerals are read as ordinals ("Henry VIII" -> "Henry the
# eighth"). An explicit list, because after any capitalised word the risk is too high:
# "Pentium III", "Rocky II", "Debian CD".
REGNAL_NAMES = word_set(
    "Henry Edward George William Charles Elizabeth Richard James Louis Mary Victoria John Pius Leo Gregory Benedict Innocent Clement Boniface Urban Alexander Frederick Peter Ivan Nicholas Catherine Philip Ferdinand Alfonso Carlos Juan Napoleon Ramesses Ptolemy Constantine Justinian Otto Wilhelm Friedrich Karl Ludwig Heinrich Franz Joseph Gustav Christian Frederik Olaf Harald Haakon Sancho Pedro Manuel Sebastian Paul Stephen Andrew David Malcolm Robert Anne Isabella Isabel Felipe Fernando Luis Enrique Leopold Albert Umberto Rudolf Maximilian Sigismund Casimir Vladimir Mikhail Nikolai Henri François Philippe Jean Sixtus Julius Николай Александр Пётр Петр Иван Екатерина Павел Елизавета Анна Василий Фёдор Людовик Генрих Карл Фридрих Вильгельм Георг Эдуард Лев Григорий Бенедикт Иоанн"
)
