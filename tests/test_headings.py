"""Chapters from the headings on the pages (conversions/pdftext/headings.py) on lines made
here with exact sizes and weights, and the numbering of headings. The real manuals are
measured in tests/test_pdftext.py and bench/chapters.py."""

import pytest

from conversions.pdftext import Line
from conversions.pdftext.headings import find_headings, heading_starts, top_level
from conversions.pdftext.numbering import Numbering, numbering, without_numbering

BODY = "and the text of this book goes on and on in words that are not a heading at all"


class Book:
    """Pages of lines, top to bottom, each with a font size and a weight."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.page = -1
        self.new_page()

    def new_page(self) -> None:
        self.page += 1
        self.y = 760.0

    def add(self, text: str, size: float = 10, bold: bool = False) -> None:
        if self.y < 80:
            self.new_page()
        self.lines.append(
            Line(text, x0=72, x1=72 + 5 * len(text), bottom=self.y - size, top=self.y,
                 size=size * 1.1, page=self.page, font_size=size, bold=bold)
        )  # fmt: skip
        self.y -= size * 1.6

    def prose(self, paragraphs: int = 4) -> None:
        for _ in range(paragraphs):
            for _ in range(6):
                self.add(BODY)

    def titles(self) -> list[str]:
        return [title for _, _, title in heading_starts(self.lines, [])]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 Introduction", Numbering(1, "", False, 2)),
        ("1.2. Conventions", Numbering(2, "", False, 5)),
        ("A.1 Shared libraries", Numbering(2, "", False, 4)),
        ("IV. The end", Numbering(1, "", False, 4)),
        ("Chapter 3", Numbering(1, "chapter", True, 9)),
        ("Part II The Middle", Numbering(1, "part", False, 7)),
        ("Appendix A", Numbering(1, "appendix", True, 10)),
        ("ONE", Numbering(1, "chapter", True, 3)),
        ("Глава 2. Установка", Numbering(1, "chapter", False, 8)),
        ("第3章", Numbering(1, "chapter", True, 3)),
        ("I think so", None),
        ("Introduction", None),
        ("2024 was a year", None),
    ],
)
def test_numbering_of_headings(text, expected):
    assert numbering(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Chapter 1. Introduction", "1. Introduction", "1 Introduction", "ONE. Introduction",
     "Introduction", "A Introduction"],
)  # fmt: skip
def test_titles_compare_without_their_numbering(text):
    assert without_numbering(text) == "Introduction"


def test_chapters_under_parts_with_labels_and_wrapped_titles():
    book = Book()
    book.add("A Book of Tests", size=28)  # the title page
    book.new_page()
    book.prose(1)
    for part, chapters in (("Part I", (1, 2)), ("Part II", (3, 4))):
        book.new_page()
        book.add(part, size=24, bold=True)
        for n in chapters:
            book.new_page()
            book.add(f"Chapter {n}", size=16, bold=True)
            book.add(f"The story of number {n}, told at such length that", size=18, bold=True)
            book.add("its title runs over two lines", size=18, bold=True)
            book.prose()
            book.add(f"{n}.1 A section", size=13, bold=True)
            book.prose()
    assert book.titles() == [
        f"Chapter {n}. The story of number {n}, told at such length that its title runs "
        "over two lines"
        for n in (1, 2, 3, 4)
    ]


def test_bold_headings_at_the_body_size_of_a_word_processor_document():
    book = Book()
    for title in ("Summary", "Findings", "What comes next"):
        book.add(title, bold=True)
        book.prose(3)
    assert book.titles() == ["Summary", "Findings", "What comes next"]


def test_no_headings_means_no_chapters_and_bold_terms_are_not_chapters():
    plain = Book()
    plain.prose(20)
    assert plain.titles() == []
    terms = Book()
    for n in range(40):  # a glossary: a bold term every few lines
        terms.add(f"term{n}", bold=True)
        terms.add(BODY)
    assert terms.titles() == []


def test_headings_keep_their_lines_and_the_chapter_starts_at_the_label():
    book = Book()
    book.prose(1)
    book.add("Chapter 1", size=16, bold=True)
    book.add("Beginnings", size=20, bold=True)
    book.prose()
    book.new_page()
    book.add("Chapter 2", size=16, bold=True)
    book.add("Endings", size=20, bold=True)
    book.prose()
    found = top_level(find_headings(book.lines), book.lines)
    assert [(h.text, h.page) for h in found] == [
        ("Chapter 1. Beginnings", 0),
        ("Chapter 2. Endings", 1),
    ]
    first = found[0]
    assert book.lines[first.first].text == "Chapter 1" and book.lines[first.after].text == BODY
