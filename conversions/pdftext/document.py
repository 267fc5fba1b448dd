"""What reading a PDF gives: a Document of Chapters (or a PdfInfo from a quick look), built
from Lines; and the PdfError that every failure becomes, with its user-facing REASONS.

Every file either converts or fails with a `PdfError` whose `.reason` is one of `REASONS`;
`never_a_traceback` makes sure of it at the package's entry points.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

REASONS: dict[str, str] = {
    "not_pdf": "This file is not a PDF.",
    "damaged": "This PDF is damaged and cannot be read.",
    "password": "This PDF is protected by a password. Enter the password to open it.",
    "no_text": "This PDF has no text to read: its pages are images (scanned pages), and OCR is not installed here.",
    "empty": "This PDF is empty: it has no pages or no text to read.",
    "too_big": "This PDF is too large to convert.",
    "timeout": "Reading this PDF took too long, so the conversion was stopped.",
}


class PdfError(Exception):
    """A PDF we cannot convert; .reason is one of REASONS' keys, str(e) / .message is the user-facing sentence.

    `detail` is for the log only (the parser's own message), never shown to the user.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown PdfError reason {reason!r}")
        self.reason = reason
        self.message = REASONS[reason]
        self.detail = detail
        super().__init__(self.message)

    def __reduce__(self):  # so the error crosses the process boundary intact
        return (PdfError, (self.reason, self.detail))


def never_a_traceback(func):
    """Any failure other than PdfError becomes PdfError("damaged"); the log keeps the traceback.

    Parsers meet files nobody foresaw; the user gets a sentence, the developer the stack.
    """

    @functools.wraps(func)
    def wrapper(path, *args, **kwargs):
        try:
            return func(path, *args, **kwargs)
        except PdfError:
            raise
        except (MemoryError, RecursionError) as exc:
            raise PdfError("damaged", repr(exc)) from exc
        except Exception as exc:
            logger.exception("unexpected error reading %s", path)
            raise PdfError("damaged", f"unexpected {exc!r}") from exc

    return wrapper


@dataclass
class PdfInfo:
    """What a quick look at an upload finds (`inspect_pdf`): no page text is read."""

    page_count: int
    title: str
    author: str
    encrypted: bool
    language: str = ""  # the catalog's /Lang entry, as written ("en-US"), when there is one


@dataclass
class Chapter:
    title: str  # spoken at the start; "" for an untitled opening part or a single-part document
    paragraphs: list[str]
    page: int | None = field(default=None, compare=False)  # where it starts (0-based), if known


@dataclass
class ContentsEntry:
    """One entry of a printed table of contents, as printed."""

    title: str  # "1.2 Conventions": without its dot leader and page number
    label: str  # the printed page number, "12" or "xiv"
    page: int  # the page the entry is printed on (not the page it points to)
    x0: float = 0.0  # its indent, which tells its level where it has no number
    bold: bool = False


@dataclass
class Document:
    title: str
    author: str
    page_count: int
    chapters: list[Chapter]
    language: str = ""  # the PDF's own /Lang entry, when it has one
    # The printed table of contents, which is not read aloud (its entries, in order).
    contents: list[ContentsEntry] = field(default_factory=list)
    note: str = ""  # for the listener: how its scanned pages were read, when that was a fallback


@dataclass
class Line:
    """One visual line of a page, in PDF units (y grows upwards). Geometry may be absent (tests)."""

    text: str
    x0: float = 0.0
    x1: float = 0.0
    bottom: float = 0.0
    top: float = 0.0
    size: float = 0.0  # height of the line's glyph boxes: the font size, near enough
    page: int = 0
    leader: bool = False  # was a table-of-contents entry (dot leader stripped)
    font_size: float = 0.0  # the font's size in points, where the text layer says (0: unknown)
    bold: bool = False

    @property
    def has_geometry(self) -> bool:
        return self.size > 0
