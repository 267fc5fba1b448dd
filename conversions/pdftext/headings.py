"""Chapters from the page, for PDFs without a usable outline.

Headings are found by their look, their numbering and their place:

- look: a font larger than the body text's most common size, or bold on lines of their own;
- numbering: "1", "1.2", "A.1", "IV.", "Chapter 3", "Part II", "Appendix A", "第3章";
- place: short lines of their own; a label line ("Chapter 1") joins the title under it.

Running headers never get here (`cleaning` removed them). The top level of the headings is the
largest style that recurs over the book at a pace chapters can have (a style on every other
line is emphasis, not chapters); where that style carries numbers, "1.2"-style subsections in
it are left out, and where it holds only "Part" headings the level below is used.

A printed table of contents (`contents`), where there is one, confirms the headings: its
top-level entries, found as headings on the pages their page numbers point to, become the
chapters, named as the contents name them.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass

from .chapters import ChapterStart, find_title, title_key
from .cleaning import is_cjk
from .contents import ContentsEntry, is_contents_title
from .document import Line
from .numbering import Numbering, numbering

# --------------------------------------------------------------------------------------
# Headings on the page
# --------------------------------------------------------------------------------------

_HEADING_MAX_WORDS = 15  # on one line
_BLOCK_MAX_WORDS = 24  # a heading wrapped over up to three lines
_LARGER = 1.08  # this much above the body size is a heading's size
_SAME_STYLE = 0.04  # sizes closer than this share (of the body size) are one style
_NOT_HEADINGS = re.compile(
    r"^(?:fig(?:ure)?|table|tab|listing|example|abb|abbildung)\.?\s*\d", re.I
)


@dataclass
class Heading:
    """Lines first..after of the document that make one heading, and its look."""

    first: int
    after: int
    text: str
    page: int
    ratio: float  # its size against the body text's
    bold: bool
    numbering: Numbering | None


class _Measure:
    """Sizes against the body text: PDFium's font sizes where the text layer gives them (most
    PDFs), else the glyphs' height (recognised text, plain strings)."""

    def __init__(self, lines: list[Line]) -> None:
        fonts: collections.Counter[float] = collections.Counter()
        glyphs: collections.Counter[float] = collections.Counter()
        for line in lines:
            weight = len(line.text)
            if line.font_size > 0:
                fonts[round(line.font_size * 2) / 2] += weight
            elif line.size > 0:
                glyphs[round(line.size * 2) / 2] += weight
        self.font_body = fonts.most_common(1)[0][0] if fonts else 0.0
        self.glyph_body = glyphs.most_common(1)[0][0] if glyphs else 0.0

    def ratio(self, line: Line) -> float:
        if line.font_size > 0 and self.font_body:
            return line.font_size / self.font_body
        if line.size > 0 and self.glyph_body:
            return line.size / self.glyph_body
        return 1.0


def _words(text: str) -> int:
    return len(text.split())


def _heading_like(line: Line, ratio: float) -> bool:
    text = line.text
    if line.leader or not re.search(r"[^\W\d_]{2}", text):
        return False
    if _words(text) > _HEADING_MAX_WORDS:
        return False
    if _NOT_HEADINGS.match(text) or is_contents_title(text):
        return False
    return ratio >= _LARGER or (line.bold and ratio > 1 - _SAME_STYLE)


def _label_only(line: Line, ratio: float) -> bool:
    """A line that is only a label: "Chapter 1", "Appendix A", "第1章", or a large bare number."""
    found = numbering(line.text)
    if found is None or not found.whole:
        return False
    return bool(found.kind) or ratio >= 1.3


def _close_below(upper: Line, lower: Line, gap: float) -> bool:
    """Is `lower` on the same page as `upper`, right under it (within `gap` font sizes)?"""
    if upper.page != lower.page:
        return False
    if not (upper.has_geometry and lower.has_geometry):
        return False
    return 0 <= upper.bottom - lower.top <= gap * max(upper.size, lower.size) or (
        lower.top < upper.top and upper.bottom - lower.top <= gap * upper.size
    )


def _join_wrapped(text: str, more: str) -> str:
    if is_cjk(text[-1]) and is_cjk(more[0]):
        return text + more  # Chinese and Japanese wrap without spaces
    return f"{text} {more}"


def _join_label(label: str, title: str) -> str:
    return f"{label} {title}" if label.endswith((".", ":")) else f"{label}. {title}"


def _label_word_only(line: Line) -> bool:
    """A line that says only "CHAPTER" (Sphinx prints the number under it, as a word)."""
    return line.text.strip().casefold() in _LABEL_WORDS_ALONE


_LABEL_WORDS_ALONE = {"chapter", "part", "appendix", "kapitel", "teil", "chapitre", "глава"}


def find_headings(lines: list[Line]) -> list[Heading]:
    """Every heading on the pages, in reading order."""
    measure = _Measure(lines)
    ratios = [measure.ratio(line) for line in lines]
    headings: list[Heading] = []
    i = 0
    while i < len(lines):
        line, ratio = lines[i], ratios[i]
        j = i + 1
        text = line.text
        if (
            _label_word_only(line)
            and j < len(lines)
            and _close_below(line, lines[j], 2)
            and _label_only(lines[j], ratios[j])
        ):
            text = f"{text} {lines[j].text}"  # "CHAPTER" over "ONE"
            line, ratio = lines[j], ratios[j]
            j += 1
        label = _label_only(line, ratio)
        if not (label or _heading_like(line, ratio)):
            i = j
            continue
        found = numbering(text)
        style_ratio, bold = ratio, line.bold
        if label and j < len(lines) and _close_below(line, lines[j], 4):
            title = lines[j]
            if _heading_like(title, ratios[j]) and numbering(title.text) is None:
                text = _join_label(text, title.text)
                style_ratio, bold = max(ratio, ratios[j]), title.bold
                j += 1
        # A title wrapped over more lines in the same style.
        while (
            j < len(lines)
            and j - i < 4
            and _close_below(lines[j - 1], lines[j], 1.2)
            and abs(ratios[j] - ratios[j - 1]) < _SAME_STYLE
            and lines[j].bold == lines[j - 1].bold
            and _heading_like(lines[j], ratios[j])
            and numbering(lines[j].text) is None
            and _words(text) + _words(lines[j].text) <= _BLOCK_MAX_WORDS
        ):
            text = _join_wrapped(text, lines[j].text)
            j += 1
        if (
            j < len(lines)
            and (label or _words(text) <= _BLOCK_MAX_WORDS)
            and not text.endswith((",", ";"))
        ):
            headings.append(Heading(i, j, text, line.page, style_ratio, bold, found))
        i = j
    return headings


# --------------------------------------------------------------------------------------
# The top level
# --------------------------------------------------------------------------------------

# Chapters are longer than this on average (in words); a style that recurs more often than
# that marks terms or emphasis, not chapters.
_MIN_WORDS_PER_CHAPTER = 120


def _styles(headings: list[Heading]) -> list[list[Heading]]:
    """Headings grouped by style (size, bold), largest first."""
    by_bold: dict[bool, list[Heading]] = collections.defaultdict(list)
    for heading in headings:
        by_bold[heading.bold].append(heading)
    groups: list[list[Heading]] = []
    for members in by_bold.values():
        members = sorted(members, key=lambda h: h.ratio)
        group = [members[0]]
        for heading in members[1:]:
            if heading.ratio - group[-1].ratio < _SAME_STYLE:
                group.append(heading)
            else:
                groups.append(group)
                group = [heading]
        groups.append(group)
    groups.sort(key=lambda g: (-max(h.ratio for h in g), not g[0].bold))
    return [sorted(group, key=lambda h: h.first) for group in groups]


def _numbered_level(group: list[Heading]) -> list[Heading]:
    """In a style that carries numbers, the headings numbered at its top depth, and the
    unnumbered ones after the first of them ("Bibliography", "Index"). Unnumbered headings
    before it (the title page, a dedication) belong to the opening."""
    numbered = [h for h in group if h.numbering]
    if not numbered:
        return group
    top = min(h.numbering.depth for h in numbered)
    first = min(h.first for h in numbered if h.numbering.depth == top)
    return [
        h
        for h in group
        if (h.numbering and h.numbering.depth == top) or (h.numbering is None and h.first > first)
    ]


def top_level(headings: list[Heading], lines: list[Line]) -> list[Heading]:
    """The chapters' headings: the largest style that recurs over the book at a chapter's pace.

    Nothing when no style does: such a document has no headings to go by.
    """
    if not headings or not lines:
        return []
    words = sum(_words(line.text) for line in lines)
    pages = {line.page for line in lines}
    parts: list[Heading] = []  # a level of "Part I", "Part II": the level under it is wanted
    for group in _styles(headings):
        group = _numbered_level(group)
        if len(group) < 2:
            continue
        if len(pages) > 2 and len({h.page for h in group}) < 2:
            continue  # a title page's lines
        if len(group) > max(2, words / _MIN_WORDS_PER_CHAPTER):
            continue  # terms in bold, not chapters
        if not all(h.numbering and h.numbering.kind == "part" for h in group):
            return group if len(group) > len(parts) else parts
        parts = parts or group
    return parts


# --------------------------------------------------------------------------------------
# The printed table of contents
# --------------------------------------------------------------------------------------

_CONFIRMED_SHARE = 0.6  # of the contents' top-level entries found where they point


def _contents_top(entries: list[ContentsEntry]) -> list[ContentsEntry]:
    """The entries of the contents' top level: numbered "1", "Chapter 1" (and unnumbered ones
    indented as those are), or, without numbers, the least indented of each page."""
    found = [numbering(entry.title) for entry in entries]
    top_depth = min((n.depth for n in found if n), default=None)
    if top_depth is not None and sum(1 for n in found if n) * 2 >= len(entries):
        indents = collections.defaultdict(list)
        for entry, n in zip(entries, found, strict=True):
            if n and n.depth == top_depth:
                indents[entry.page].append(entry.x0)
        return [
            entry
            for entry, n in zip(entries, found, strict=True)
            if (n and n.depth == top_depth)
            or (n is None and any(abs(entry.x0 - x) < 3 for x in indents[entry.page]))
        ]
    least = collections.defaultdict(lambda: float("inf"))
    for entry in entries:
        least[entry.page] = min(least[entry.page], entry.x0)
    return [entry for entry in entries if entry.x0 < least[entry.page] + 3]


def _page_offset(entries: list[ContentsEntry], lines: list[Line]) -> int | None:
    """Printed page number -> page index: the offset most entries agree on, found by looking
    for each entry's title at the start of a line."""
    starts: dict[str, set[int]] = collections.defaultdict(set)
    for line in lines:
        key = title_key(line.text)
        if len(key) >= 3:
            starts[key[:12]].add(line.page)
    votes: collections.Counter[int] = collections.Counter()
    for entry in entries:
        if not entry.label.isdigit():
            continue
        key = title_key(entry.title)
        if len(key) < 3:
            continue
        for page in starts.get(key[:12], ()):
            votes[page - int(entry.label)] += 1
    if not votes:
        return None
    offset, count = votes.most_common(1)[0]
    return offset if count >= 2 else None


def _plain(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def contents_starts(
    lines: list[Line], headings: list[Heading], entries: list[ContentsEntry]
) -> list[ChapterStart]:
    """Chapter starts from the printed contents: each top-level entry found (as a heading, or
    else as lines that spell its title) on the page it points to. Nothing when too few are."""
    top = _contents_top(entries)
    offset = _page_offset(entries, lines)
    if len(top) < 2 or offset is None:
        return []
    first_of_page: dict[int, int] = {}
    for i, line in enumerate(lines):
        first_of_page.setdefault(line.page, i)
    page_list = sorted(first_of_page)
    starts: list[ChapterStart] = []
    used: set[int] = set()
    for entry in top:
        if not entry.label.isdigit():
            continue
        page = int(entry.label) + offset
        key, exact = title_key(entry.title), _plain(entry.title)
        # The heading with this title nearest the page, the one with the same number first
        # ("4 Foo" and "7 Foo" both on page 2).
        candidates = [
            h for h in headings
            if h.first not in used and abs(h.page - page) <= 1 and title_key(h.text) == key
        ]  # fmt: skip
        candidates.sort(key=lambda h: (_plain(h.text) != exact, abs(h.page - page), h.first))
        match = (candidates[0].first, candidates[0].after) if candidates else None
        if match is None and page in first_of_page:
            k = page_list.index(page)
            end = first_of_page[page_list[k + 1]] if k + 1 < len(page_list) else len(lines)
            match = find_title(lines, first_of_page[page], end, entry.title)
        if match is not None and match[0] not in used:
            used.add(match[0])
            starts.append((match[0], match[1], entry.title))
    if len(starts) < max(2, _CONFIRMED_SHARE * len(top)):
        return []
    return starts


def heading_starts(lines: list[Line], entries: list[ContentsEntry]) -> list[ChapterStart]:
    """Where chapters start, from the printed contents where it agrees with the pages, else
    from the headings' top level; nothing when the pages have no headings to go by."""
    headings = find_headings(lines)
    if entries:
        starts = contents_starts(lines, headings, entries)
        if starts:
            return starts
    return [(h.first, h.after, h.text) for h in top_level(headings, lines)]
