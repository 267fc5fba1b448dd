"""Cleaning for listening: pure rules on text and on the lines of pages.

- Characters: NFKC (ligatures, full-width forms), no invisible, control, bidi or private-use
  characters, no footnote marks, no link targets printed after their text, single spaces.
- Page furniture: running headers and footers and bare page numbers at the top and bottom of
  pages go; a line that ends in a dot leader loses it and its page number.

Nothing here reads a file: `reading` gives the lines, `paragraphs` and `chapters` use these
rules.
"""

from __future__ import annotations

import collections
import re
import unicodedata
from typing import Any

from .document import Line

# --------------------------------------------------------------------------------------
# Characters
# --------------------------------------------------------------------------------------


def is_cjk(ch: str) -> bool:
    """A character of Chinese, Japanese or Korean script: such text has no spaces between words."""
    o = ord(ch)
    return (
        0x3000 <= o <= 0x30FF  # CJK punctuation, kana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
        or 0xAC00 <= o <= 0xD7AF  # Hangul
    )


# Footnote marks set as superscript characters ("word¹").
_SUPERSCRIPT_DIGITS = "\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079"

_SPACING_ACCENTS = {0x02DC: "~", 0x02C6: "^"}
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff\ufffe\ufffd"), None)
_SUPERSCRIPT_MARK = re.compile(
    rf"(?<=[^\W\d_]|[)\].,;:!?\"'’”])[{_SUPERSCRIPT_DIGITS}]+|^[{_SUPERSCRIPT_DIGITS}]+(?=[^\W\d_])",
    re.M,
)


# Private-use glyphs (icons, flags), lone surrogates and control characters other than
# line breaks and tabs: nothing a voice could read. Bidirectional formatting controls
# (marks, embeddings, overrides, isolates) are not read either, and in a title they would
# let a PDF reorder what the library pages show ("Invoice\u202egpj.exe" shows as
# "Invoiceexe.jpg"); right-to-left letters themselves stay.
_UNREADABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff]"
)


def _normalise_chars(text: str) -> str:
    """NFKC (ligatures, full-width forms, odd spaces) and no invisible or private-use characters."""
    text = _SUPERSCRIPT_MARK.sub("", text)  # footnote marks, before NFKC turns them into digits
    # Spacing accents that typesetters (groff) use for ASCII "~" and "^": NFKC would make
    # them a space and a combining accent.
    text = text.translate(_SPACING_ACCENTS)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_ZERO_WIDTH)
    return _UNREADABLE.sub("", text)


_SPACES = re.compile(r"\s+")


def collapse_space(text: str) -> str:
    """Runs of whitespace as one space, none at either end."""
    return _SPACES.sub(" ", text).strip()


def plain_title(value: Any) -> str:
    """A title or name fit to show and store: NFKC, no control, bidi or private-use characters,
    single spaces (for PDF metadata, outline titles and uploaded file names alike)."""
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:
        return ""
    return collapse_space(_normalise_chars(text))


# "Debian Reference (http://www.debian.org/doc/manuals/debian-reference/)": the link target
# printed after the link text. Heard, it is a long string of letters that repeats nothing
# the listener needs; a URL that is itself the subject of the sentence stays.
_PAGE_REF = re.compile(r"\]\s*,\s*page\s+\d+")
_LINK_TARGET = re.compile(r"\s*\((?:https?|ftp)://[^\s()]*\)")


def clean_text(text: str) -> str:
    """Normalise one paragraph for speech: NFKC ligatures, no invisible characters, no link
    targets in parentheses, single spaces."""
    text = _LINK_TARGET.sub("", _normalise_chars(text))
    # Texinfo's cross references, "see Section 3.5 [Shell Expansions], page 22": an
    # audiobook has no pages.
    text = _PAGE_REF.sub("]", text)
    text = re.sub(r"\s+([.,;:!?])(?=\s|$)", r"\1", text)  # "Maintainers (URL) ." -> "Maintainers."
    return collapse_space(text)


# --------------------------------------------------------------------------------------
# Table-of-contents leaders, page numbers, running headers and footers
# --------------------------------------------------------------------------------------

ROMAN = r"(?=[mdclxvi])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_LEADER_STRICT = re.compile(r"(?:[.·•∙‥…_]\s*){3,}\s*(?:\d{1,4}|" + ROMAN + r")?\s*$", re.I)


def strip_dot_leader(text: str) -> tuple[str, bool]:
    """'1.2 Foo ........ 12' -> ('1.2 Foo', True): a table-of-contents line loses leader and page.

    Lines without a run of at least three leader dots come back unchanged with False.
    """
    match = _LEADER_STRICT.search(text)
    if not match:
        return text, False
    return text[: match.start()].rstrip(" .·•∙‥…_"), True


_PAGE_NUMBER = re.compile(
    r"^[\s\-–—(\[]*(?:(?:page|seite|p\.)\s*)?(?:\d{1,4}|" + ROMAN + r")"
    r"(?:\s*(?:/|of|von)\s*\d{1,4})?[\s\-–—)\]]*$",
    re.I,
)


def is_page_number(text: str) -> bool:
    """A bare page number: '12', '- 12 -', 'xiv', 'Page 3', '3 / 57'."""
    text = text.strip()
    return bool(text) and bool(_PAGE_NUMBER.match(text))


_ROMAN_TOKEN = re.compile(r"(?<![^\W\d_])" + ROMAN + r"(?![^\W\d_])", re.I)


def _running_key(text: str) -> str:
    """What stays the same in a running header or footer from page to page: digits, roman page
    numbers and spacing ignored."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"\d+", "#", text)
    text = _ROMAN_TOKEN.sub("#", text)
    return re.sub(r"\s+", "", text)


_EDGE_LINES = 3  # how deep into a page's top and bottom a header or footer can sit
# Headers and footers stand apart from the text: a gap of at least this share of their font
# size separates them from the nearest line of text. Without this test the first and last
# lines of full pages, which sit at the same height on every page, look like footers.
_DETACHED_GAP = 0.9


def _edges(lines: list[Line]) -> tuple[list[int], list[int]]:
    """Indices of the lines nearest the top and the bottom of the page, nearest first."""
    n = len(lines)
    if n and all(line.has_geometry for line in lines):
        by_top = sorted(range(n), key=lambda i: -lines[i].top)
        by_bottom = sorted(range(n), key=lambda i: lines[i].bottom)
    else:
        by_top = list(range(n))
        by_bottom = list(range(n - 1, -1, -1))
    return by_top[:_EDGE_LINES], by_bottom[:_EDGE_LINES]


def _detached(lines: list[Line], i: int, edge: str) -> bool:
    """Is line i separated by a clear gap from the lines further inside the page?"""
    line = lines[i]
    if not line.has_geometry:
        return True  # plain strings (tests): position in the list is all we know
    mid = (line.top + line.bottom) / 2
    gaps = []
    for other in lines:
        if other is line or not other.has_geometry:
            continue
        omid = (other.top + other.bottom) / 2
        if abs(omid - mid) < 0.5 * line.size:
            continue  # same baseline: the other half of the header ("Title ... 14")
        if edge == "top" and omid < mid:
            gaps.append(line.bottom - other.top)
        elif edge == "bottom" and omid > mid:
            gaps.append(other.bottom - line.top)
    return not gaps or min(gaps) >= _DETACHED_GAP * line.size


def _edge_candidates(lines: list[Line]):
    """(edge, index) of the detached lines at the top and bottom of a page, outermost first."""
    top, bottom = _edges(lines)
    for edge, order in (("top", top), ("bottom", bottom)):
        for i in order:
            yield edge, i


def find_running_lines(pages: list[list[Line]]) -> set[str]:
    """Keys (see `_running_key`) of lines that repeat at the top or bottom of many pages."""
    counts: collections.Counter[str] = collections.Counter()
    with_body: collections.Counter[str] = collections.Counter()
    seen_on: dict[str, list[int]] = collections.defaultdict(list)
    for page_number, lines in enumerate(pages):
        keys = {
            _running_key(lines[i].text)
            for edge, i in _edge_candidates(lines)
            if _detached(lines, i, edge)
        }
        for key in keys:
            counts[key] += 1
            seen_on[key].append(page_number)
            # A header shares its page with the text it heads; a line that is alone on
            # every page (habibi-rotated.pdf: one word, four pages) is the content itself.
            if len(lines) > 2:
                with_body[key] += 1
    threshold = 3 if len(pages) >= 6 else 2
    return {
        key
        for key, count in counts.items()
        if count >= threshold
        and re.search(r"[^\W\d_]", key)
        and with_body[key] * 2 >= count
        and len(key) <= 120
        # Headers run over neighbouring pages (the same one on every page, or every other
        # page); a "Chapter 3" label opening each chapter repeats too, but far apart.
        and any(b - a <= 2 for a, b in zip(seen_on[key], seen_on[key][1:], strict=False))
    }


def remove_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Drop running headers and footers and bare page numbers from the top and bottom of each page.

    A header is a line that repeats near the top or bottom of several pages (digits ignored),
    apart from the text. Headers that change with every section (developers-reference's
    "3.2. Administrative Duties 13") repeat too rarely to count, but sit in the same place as
    the ones that do: once some are known, a short detached line at that height goes too.
    """
    running = find_running_lines(pages)
    slots: collections.Counter[tuple[str, int]] = collections.Counter()

    def sweep(lines: list[Line], known_slots: set[tuple[str, int]] | None) -> set[int]:
        gone: set[int] = set()
        top, bottom = _edges(lines)
        for edge, order in (("top", top), ("bottom", bottom)):
            for i in order:
                if i in gone:
                    continue
                line = lines[i]
                hit = is_page_number(line.text) or (
                    _running_key(line.text) in running and _detached(lines, i, edge)
                )
                if not hit and known_slots and line.has_geometry and len(line.text.split()) <= 12:
                    y = round((line.top + line.bottom) / 2)
                    hit = any(
                        (edge, y + d) in known_slots for d in (-2, -1, 0, 1, 2)
                    ) and _detached(lines, i, edge)
                if not hit:
                    break
                gone.add(i)
                if known_slots is None and line.has_geometry and not is_page_number(line.text):
                    slots[(edge, round((line.top + line.bottom) / 2))] += 1
        return gone

    removed = [sweep(lines, None) for lines in pages]
    known = {slot for slot, count in slots.items() if count >= (3 if len(pages) >= 6 else 2)}
    if known:
        removed = [sweep(lines, known) for lines in pages]
    return [
        [line for i, line in enumerate(lines) if i not in gone]
        for lines, gone in zip(pages, removed, strict=True)
    ]


def join_pages(pages: list[list[Line]]) -> list[Line]:
    """The lines of all pages in order; a line that ends in a dot leader (a contents entry
    outside a table of contents) loses it and its page number and becomes a paragraph of its
    own (`Line.leader`)."""
    lines = []
    for page_lines in pages:
        for line in page_lines:
            if not line.text:
                continue
            text, leader = strip_dot_leader(line.text)
            if leader:
                if not text.strip():
                    continue
                line.text, line.leader = text, True
            lines.append(line)
    return lines
