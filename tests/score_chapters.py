"""Chapters found against the chapters a PDF should have, on title and start page.

A found chapter is right when its title (without numbering: "Chapter 1. Introduction" is
"Introduction") and its first page are those of an expected one. bench/chapters.py and the
chapter tests use it; `without_outline` makes the copies they measure on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdf

from conversions.pdftext.chapters import outline_entries, title_key


def without_outline(source: str | Path, target: str | Path) -> Path:
    """A copy of `source` with its outline (bookmarks) removed, all else as it was."""
    writer = pypdf.PdfWriter(clone_from=str(source))
    if "/Outlines" in writer.root_object:
        del writer.root_object["/Outlines"]
    writer.write(str(target))
    return Path(target)


def outline_chapters(path: str | Path) -> list[tuple[str, int | None]]:
    """The outline's top level as (title, page), as the outline path reads it."""
    reader = pypdf.PdfReader(str(path))
    return [(entry.title, entry.page) for entry in outline_entries(reader, len(reader.pages))]


@dataclass
class Score:
    expected: int
    found: int
    right: int

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 0.0


def score(found: list[tuple[str, int | None]], expected: list[tuple[str, int | None]]) -> Score:
    """`found` against `expected`, both (title, page); a page of None matches any page."""
    wanted = [(title_key(title), page) for title, page in expected]
    right = 0
    for title, page in found:
        key = title_key(title)
        for k, (other, other_page) in enumerate(wanted):
            if key == other and (page is None or other_page is None or page == other_page):
                right += 1
                del wanted[k]
                break
    return Score(len(expected), len(found), right)


def found_chapters(doc) -> list[tuple[str, int | None]]:
    """A Document's chapters as (title, page), without the opening part before the first
    heading (named after the book, it is no chapter of the book's own)."""
    chapters = doc.chapters
    if len(chapters) > 1 and chapters[0].title in ("", doc.title):
        chapters = chapters[1:]
    return [(chapter.title, chapter.page) for chapter in chapters]
