"""Chapters: the outline's top level where the PDF has one, else parts of about 30 minutes.

An outline entry's chapter starts where its heading is found on the entry's page (else at the
entry's height there, else at the top of the page); the heading is spoken as the chapter's
title, not again as its first paragraph. Without an outline the paragraphs are cut into parts
of even length at paragraph ends.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from dataclasses import dataclass

import pypdf

from .cleaning import plain_title
from .document import Chapter, Line
from .numbering import without_numbering
from .paragraphs import Vocabulary, build_paragraphs

logger = logging.getLogger(__name__)

WORDS_PER_MINUTE = 175
DEFAULT_WORDS_PER_PART = 30 * WORDS_PER_MINUTE  # 5250 words: about 30 minutes of speech

# --------------------------------------------------------------------------------------
# The outline
# --------------------------------------------------------------------------------------


@dataclass
class OutlineEntry:
    """An entry of the outline's top level: its title, its page and its height on the page."""

    title: str
    page: int
    top: float | None


def outline_entries(reader: pypdf.PdfReader | None, page_count: int) -> list[OutlineEntry]:
    """The outline's top level, each entry resolved to a page (and a height where given).

    Entries that point nowhere are skipped. An outline whose top level is one entry (the
    book's own title) is read one level down.
    """
    if reader is None:
        return []
    try:
        outline = reader.outline
    except Exception as exc:  # a broken outline is no reason to refuse the text
        logger.info("unreadable outline: %r", exc)
        return []
    top_items = [item for item in outline if not isinstance(item, list)]
    if len(top_items) == 1:
        children = next((item for item in outline if isinstance(item, list)), [])
        if len([c for c in children if not isinstance(c, list)]) >= 2:
            top_items = [c for c in children if not isinstance(c, list)]
    entries = []
    for item in top_items:
        try:
            page = reader.get_destination_page_number(item)
        except Exception:
            continue
        if page is None or not 0 <= page < page_count:
            continue
        try:
            top = item.get("/Top")
            top = (
                float(top)
                if top is not None and not isinstance(top, pypdf.generic.NullObject)
                else None
            )
        except Exception:
            top = None
        try:
            title = plain_title(item.title)
        except Exception:
            title = ""
        entries.append(OutlineEntry(title, page, top))
    return entries


def title_key(text: str) -> str:
    """What a heading and its outline or contents title share: letters and digits, without a
    leading number or "Chapter 3"."""
    text = without_numbering(unicodedata.normalize("NFKC", text)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def find_title(
    lines: list[Line], begin: int, end: int, title: str, near: int | None = None
) -> tuple[int, int] | None:
    """Lines begin..end that spell the title (one to three lines), nearest to `near`."""
    key = title_key(title)
    if not key:
        return None
    found = []
    for i in range(begin, end):
        joined = ""
        for j in range(i, min(i + 3, end)):
            joined += " " + lines[j].text
            k = title_key(joined)
            if k == key:
                found.append((i, j + 1))
                break
            if len(k) > len(key):
                break
    if not found:
        return None
    if near is None:
        return found[0]
    return min(found, key=lambda f: (f[0] < near, abs(f[0] - near)))


def _chapter_starts(lines: list[Line], entries: list[OutlineEntry]) -> list[tuple[int, int, str]]:
    """For each outline entry: (index of its first line, index after its heading, title).

    The split goes where the heading's text is found on the entry's page, else at the
    entry's height on that page, else at the top of the page.
    """
    first_of_page: dict[int, int] = {}
    for i, line in enumerate(lines):
        first_of_page.setdefault(line.page, i)
    page_starts = sorted(first_of_page.items())
    starts = []
    for entry in entries:
        # The entry's page may have no text (a figure): start on the next page that has some.
        k = bisect.bisect_left(page_starts, (entry.page, -1))
        if k >= len(page_starts):
            continue
        page, begin = page_starts[k]
        end = page_starts[k + 1][1] if k + 1 < len(page_starts) else len(lines)
        at_height = None
        if entry.top is not None and page == entry.page:
            for i in range(begin, end):
                line = lines[i]
                if line.has_geometry and line.top <= entry.top + 0.5 * line.size:
                    at_height = i
                    break
        match = find_title(lines, begin, end, entry.title, near=at_height)
        if match is not None:
            first, after = match
            if (
                at_height is not None
                and at_height < first
                and first - at_height <= 2
                and all(len(lines[j].text.split()) <= 3 for j in range(at_height, first))
            ):
                first = at_height  # a "Chapter 1" label above the title belongs to it
            starts.append((first, after, entry.title))
        elif at_height is not None:
            starts.append((at_height, at_height, entry.title))
        else:
            starts.append((begin, begin, entry.title))
    return starts


ChapterStart = tuple[int, int, str]  # (index of its first line, index after its heading, title)


def split_at(
    lines: list[Line], starts: list[ChapterStart], opening_title: str, vocab: Vocabulary
) -> list[Chapter]:
    """A chapter for each start that has text under it, and before them an opening chapter,
    titled `opening_title`, for what comes before the first start."""
    starts = sorted(starts, key=lambda s: s[0])
    chapters: list[Chapter] = []
    # Several entries at one place (mistitled_outlines_example.pdf): the first one wins.
    unique: list[ChapterStart] = []
    for start in starts:
        if unique and start[0] <= unique[-1][0]:
            continue
        unique.append(start)
    opening_end = unique[0][0] if unique else len(lines)
    opening = build_paragraphs(lines[:opening_end], vocab)
    if opening:
        chapters.append(Chapter(opening_title, opening, lines[0].page))
    for n, (first, after, title) in enumerate(unique):
        stop = unique[n + 1][0] if n + 1 < len(unique) else len(lines)
        body = build_paragraphs(lines[min(after, stop) : stop], vocab)
        # An entry with nothing under it but its heading (a "Part I" page) is left out:
        # the chapter after it is what a listener navigates to.
        if body:
            chapters.append(
                Chapter(title or f"Chapter {len(chapters) + 1}", body, lines[first].page)
            )
    return chapters


def split_by_outline(
    lines: list[Line], entries: list[OutlineEntry], opening_title: str, vocab: Vocabulary
) -> list[Chapter]:
    """Chapters at the outline's entries (see `split_at`)."""
    return split_at(lines, _chapter_starts(lines, entries), opening_title, vocab)


# --------------------------------------------------------------------------------------
# Parts, without an outline
# --------------------------------------------------------------------------------------

_SENTENCE_BREAK = re.compile(r"(?<=[.!?。！？])[\"'’”)]*\s+(?=[\"'‘“(]?[A-ZÀ-Þ0-9])")


def _split_long_paragraph(paragraph: str, max_words: int) -> list[str]:
    """A paragraph longer than a part (pdflatex-4-pages.pdf is one paragraph of 2,000 words)
    is cut at sentence ends into pieces of at most about `max_words`, so parts can still be
    cut near their target length."""
    if max_words <= 0 or len(paragraph.split()) <= 4 * max_words:
        return [paragraph]
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    last = 0
    for match in _SENTENCE_BREAK.finditer(paragraph):
        sentence = paragraph[last : match.start()].strip()
        last = match.end()
        current.append(sentence)
        count += len(sentence.split())
        if count >= max_words:
            pieces.append(" ".join(current))
            current, count = [], 0
    current.append(paragraph[last:].strip())
    pieces.append(" ".join(s for s in current if s))
    return [p for p in pieces if p]


def split_into_parts(
    paragraphs: list[str], words_per_part: int = DEFAULT_WORDS_PER_PART
) -> list[Chapter]:
    """Without an outline: parts of about `words_per_part` words, cut at paragraph ends.

    The parts are evened out (an 8,000-word text makes two parts of 4,000, not 5,250 + 2,750).
    One part is untitled; several are "Part 1", "Part 2", ...
    """
    paragraphs = [
        piece for p in paragraphs for piece in _split_long_paragraph(p, words_per_part // 4)
    ]
    counts = [len(p.split()) for p in paragraphs]
    total = sum(counts)
    n_parts = max(1, round(total / max(1, words_per_part)))
    if n_parts == 1 or len(paragraphs) == 1:
        return [Chapter("", list(paragraphs))] if paragraphs else []
    target = total / n_parts
    parts: list[list[str]] = [[]]
    done = 0
    for para, count in zip(paragraphs, counts, strict=True):
        boundary = target * len(parts)
        # Cut before this paragraph when that lands nearer the ideal boundary than after it.
        if (
            parts[-1]
            and len(parts) < n_parts
            and abs(done - boundary) <= abs(done + count - boundary)
        ):
            parts.append([])
        parts[-1].append(para)
        done += count
    return [Chapter(f"Part {i}", part) for i, part in enumerate(parts, 1)]
