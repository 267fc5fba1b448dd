"""The numbering that opens a heading or a contents entry: "1", "1.2.", "A.1", "IV.",
"Chapter 3", "Part II", "Appendix A", "ONE" (Sphinx's chapter labels), "Глава 2", "第3章".

Headings use it to tell their level, and titles are compared without it ("Chapter 1.
Introduction" in the text is "1. Introduction" in the contents and "Introduction" in an
outline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cleaning import ROMAN

_LABEL_WORDS = {
    "chapter": "chapter", "kapitel": "chapter", "chapitre": "chapter", "capítulo": "chapter",
    "capitulo": "chapter", "capitolo": "chapter", "глава": "chapter", "lesson": "chapter",
    "part": "part", "teil": "part", "partie": "part", "parte": "part", "часть": "part",
    "book": "part", "livre": "part",
    "appendix": "appendix", "anhang": "appendix", "annexe": "appendix", "apéndice": "appendix",
    "appendice": "appendix", "приложение": "appendix",
    "section": "section", "abschnitt": "section", "раздел": "section",
}  # fmt: skip
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty"
)
_LABEL = re.compile(
    r"^(?P<word>" + "|".join(_LABEL_WORDS) + r")\s+"
    r"(?P<number>\d{1,3}|" + ROMAN + r"|[a-z]|" + _NUMBER_WORDS + r")(?![\w.]\w)[.:]?",
    re.I,
)
# A chapter number spelled out on a line of its own, as Sphinx's PDFs print it ("ONE"), or
# before its title once the two are joined ("ONE. SCOPE OF THIS DOCUMENT").
_WORD_NUMBER = re.compile(r"^(?:" + _NUMBER_WORDS + r")(?:$|\.\s+)", re.I)
_CJK_LABEL = re.compile(r"^第\s*[0-9０-９一二三四五六七八九十百]+\s*(?P<kind>[章部編篇])")
# "1", "1.", "1.2", "1.2.3.", "A.1", "IV." at the start of a title, then a space.
_NUMBER = re.compile(
    r"^(?P<number>\d{1,3}(?:\.\d{1,3})*|[A-Z](?:\.\d{1,3})+|(?=[IVXLC]+\.)" + ROMAN.upper()
    + r")(?P<stop>[.):]?)(?:\s+|$)"
)  # fmt: skip


@dataclass(frozen=True)
class Numbering:
    depth: int  # 1 for "1", "Chapter 3", "IV."; 2 for "1.2"; ...
    kind: str = ""  # "chapter", "part", "appendix", "section" for labelled headings
    whole: bool = False  # the numbering is all the text ("Chapter 1", "2", "ONE")
    end: int = 0  # where the numbering ends in the text


def numbering(text: str) -> Numbering | None:
    """The numbering that opens a heading, or None."""
    text = text.strip()
    match = _LABEL.match(text)
    if match:
        kind = _LABEL_WORDS[match.group("word").casefold()]
        depth = 2 if kind == "section" else 1
        return Numbering(depth, kind, match.end() >= len(text.rstrip(".: ")), match.end())
    match = _WORD_NUMBER.match(text)
    if match:
        return Numbering(1, "chapter", match.end() >= len(text), match.end())
    match = _CJK_LABEL.match(text)
    if match:
        kind = "part" if match.group("kind") in "部編篇" else "chapter"
        return Numbering(1, kind, match.end() >= len(text), match.end())
    match = _NUMBER.match(text)
    if match:
        number = match.group("number").rstrip(".")
        return Numbering(number.count(".") + 1, "", match.end() >= len(text), match.end())
    return None


_LOOSE_NUMBER = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)*|[ivxlc]+|[a-z])[.:)]?\s+", re.I)


def without_numbering(text: str) -> str:
    """The title without the numbering that opens it: "Chapter 1. Introduction" and
    "1. Introduction" are both "Introduction"; so is "A Introduction" in a contents list."""
    text = text.strip()
    found = numbering(text)
    if found is not None:
        return text[found.end :].lstrip(" .:)")
    return _LOOSE_NUMBER.sub("", text + " ", count=1).strip()
