"""Printed tables of contents, and lists of figures and tables: recognised on their pages,
kept as entries (they name and place the chapters when a PDF has no outline), and taken out
of the text, because a listener has no use for "1 Foo 2, 2 Bar 2, 3 Baz 2".

An entry is a line that ends in a page number, after a dot leader or not ("1 Getting started
1", "1.1 Social dynamics . . . 1"); a title too long for one line runs over the lines before
its number. A run of entries whose numbers never go down is a table of contents when it is
most of its page, follows a page that was one, or sits under a "Contents" title.
"""

from __future__ import annotations

import re

from .cleaning import ROMAN
from .document import ContentsEntry, Line

# A page number at the end of a line, after a space or a leader.
_TRAILING_PAGE = re.compile(r"(?<=[\s.·•∙‥…_])(\d{1,4}|" + ROMAN + r")\s*$", re.I)
_LEADER_CHARS = " .·•∙‥…_\t"
# Titles of contents pages, lists of figures and tables, in the languages the voices speak.
_CONTENTS_TITLE = re.compile(
    r"^(?:(?:table\s+of\s+)?contents|list\s+of\s+(?:figures|tables|examples|illustrations)"
    r"|inhalt|inhaltsverzeichnis|abbildungsverzeichnis|tabellenverzeichnis"
    r"|table\s+des\s+mati[eè]res|sommaire|liste\s+des\s+(?:figures|tableaux)"
    r"|[íi]ndice|contenido|sumario|sommario"
    r"|содержание|оглавление|список\s+(?:иллюстраций|таблиц|рисунков)"
    r"|目次|目录|目錄|图目录|表目录|図目次|表目次)[\s.:]*$",
    re.I,
)

MIN_ENTRIES = 4  # a run shorter than this is a list that happens to end in numbers
_WRAPPED_LINES = 3  # the most lines one title runs over before its page number
_PAGE_SHARE = 0.6  # without a title above it, entries fill most of a contents page


def _entry(text: str) -> tuple[str, str] | None:
    """'2.1 Choose your program . . . 12' -> ('2.1 Choose your program', '12'), else None."""
    match = _TRAILING_PAGE.search(text)
    if not match:
        return None
    title = text[: match.start()].rstrip(_LEADER_CHARS)
    if not re.search(r"[^\W\d_]", title):
        return None
    return title, match.group(1)


def is_contents_title(text: str) -> bool:
    """'Contents', 'Table of Contents', 'List of Figures', 'Оглавление', ..."""
    return bool(_CONTENTS_TITLE.match(text.strip()))


def _runs(lines: list[Line], found: list) -> list[list[int]]:
    """The entry lines of each run of entries whose page numbers never go down; up to
    `_WRAPPED_LINES` lines without a number (a wrapped title) may come between two entries."""
    runs = []
    i = 0
    while i < len(lines):
        if not found[i]:
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < len(lines):
            k = j
            while k < len(lines) and k - j < _WRAPPED_LINES and not found[k]:
                k += 1
            if k < len(lines) and found[k] and _goes_on(found, run, k):
                run.append(k)
                j = k + 1
            else:
                break
        runs.append(run)
        i = run[-1] + 1
    return runs


def _wrapped_part(line: Line) -> bool:
    return bool(re.search(r"[^\W\d_]", line.text)) and not is_contents_title(line.text)


def _number(label: str) -> int | None:
    return int(label) if label.isdigit() else None


def _goes_on(found: list, entries: list[int], k: int) -> bool:
    """Does the entry at k continue the run: its page number is not below the last one's?"""
    number = _number(found[k][1])
    if number is None:
        return True
    previous = [n for n in (_number(found[e][1]) for e in entries) if n is not None]
    return not previous or previous[-1] <= number


def take_contents(
    pages: list[list[Line]], page_count: int
) -> tuple[list[list[Line]], list[ContentsEntry]]:
    """The pages without their tables of contents, and the entries those held.

    An entry's title is what was printed on all its lines, without leader and page number.
    """
    entries: list[ContentsEntry] = []
    out: list[list[Line]] = []
    continuing = False  # the previous page ended in a table of contents
    for lines in pages:
        found = [_entry(line.text) for line in lines]
        drop: set[int] = set()
        for run in _runs(lines, found):
            start, end = run[0], run[-1]
            numbers = [n for n in (_number(found[k][1]) for k in run) if n is not None]
            if not numbers or max(numbers) > page_count + 50:
                continue
            titled = start > 0 and is_contents_title(lines[start - 1].text)
            # A title wrapped over the top of a page that goes on with the contents.
            if continuing and start <= _WRAPPED_LINES - 1:
                start = 0
            mostly = end - start + 1 >= _PAGE_SHARE * len(lines)
            if not (
                (len(run) >= MIN_ENTRIES and (mostly or titled))
                or (continuing and start == 0 and mostly)
            ):
                continue
            # The title above the run goes with it, and so do the few short lines above
            # it at the top of a page ("Debian Reference", "Contents").
            head = start
            if titled:
                head = start - 1
            elif start <= 2 and all(len(lines[k].text.split()) <= 5 for k in range(start)):
                head = 0
            drop.update(range(head, end + 1))
            first = start
            for k in run:
                title = " ".join([*(lines[p].text for p in range(first, k)), found[k][0]])
                entries.append(
                    ContentsEntry(title, found[k][1], lines[k].page, lines[first].x0,
                                  lines[first].bold)
                )  # fmt: skip
                first = k + 1
        out.append([line for i, line in enumerate(lines) if i not in drop])
        # The next page goes on with the contents when this one's ran to its end.
        continuing = bool(drop) and max(drop) >= len(lines) - 2
    return out, entries
