"""PDF -> chapters of clean narration text.

Step 2 of the conversion pipeline. pypdf opens the file, decrypts it, counts pages and reads
the outline and metadata; PDFium (pypdfium2) gives the text layer, because pypdf loses the
spaces between words on many real PDFs.

The text is cleaned for listening: running headers and footers, page numbers, tables of
contents (and lists of figures and tables) go; words hyphenated at line ends are joined; lines
become paragraphs; ligatures and odd characters are normalised. Chapters follow the outline's
top level; without one, the headings on the pages (confirmed by the printed contents where
there is one); without headings, parts of about 30 minutes of speech.

Every file either converts or fails with a `PdfError` whose `.reason` is one of `REASONS`.
`extract_document_isolated` parses in a child process so that a PDF which crashes, hangs
or eats memory in the parser costs the worker nothing but that one job.

The package, in the order a PDF goes through it:

- `document`: what comes out (Document, Chapter, PdfInfo, Line) and PdfError;
- `reading`: opening and decrypting the file, and its pages' characters as visual lines;
- `cleaning`: pure rules on text and lines (characters, headers, footers, dot leaders);
- `contents`: printed tables of contents, recognised, kept as entries and taken out;
- `paragraphs`: lines joined into paragraphs;
- `chapters`: the outline's chapters, splitting at chapter starts, or parts;
- `headings`: chapter starts from the headings on the pages and the printed contents;
- here: the entry points, `inspect_pdf`, `extract_document`, `extract_document_isolated`
  and `narration_text`.

No Django here: the pipeline, the worker and `manage.py convert` all build on this package.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..children import ChildFailed, run_isolated
from .chapters import (
    DEFAULT_WORDS_PER_PART,
    WORDS_PER_MINUTE,
    outline_entries,
    split_at,
    split_by_outline,
    split_into_parts,
)
from .cleaning import (
    clean_text,
    find_running_lines,
    is_page_number,
    join_pages,
    plain_title,
    remove_running_lines,
    strip_dot_leader,
)
from .contents import take_contents
from .document import (
    REASONS,
    Chapter,
    ContentsEntry,
    Document,
    Line,
    PdfError,
    PdfInfo,
    never_a_traceback,
)
from .headings import find_headings, heading_starts
from .ocr import OcrFailed, OcrUnavailable, ocr_available, recognise_pages
from .paragraphs import Vocabulary, build_paragraphs
from .reading import check_has_text, is_scanned, open_pdf, pages_without_text, read_pages

__all__ = [
    "DEFAULT_WORDS_PER_PART",
    "REASONS",
    "ReadingProgress",
    "WORDS_PER_MINUTE",
    "Chapter",
    "ContentsEntry",
    "Document",
    "Line",
    "PdfError",
    "PdfInfo",
    "build_paragraphs",
    "clean_text",
    "extract_document",
    "extract_document_isolated",
    "find_headings",
    "find_running_lines",
    "heading_starts",
    "inspect_pdf",
    "is_page_number",
    "is_scanned",
    "narration_text",
    "ocr_available",
    "plain_title",
    "remove_running_lines",
    "split_into_parts",
    "strip_dot_leader",
    "take_contents",
]

logger = logging.getLogger(__name__)


@never_a_traceback
def inspect_pdf(path: str | os.PathLike, password: str | None = None) -> PdfInfo:
    """Validate an upload quickly: open, decrypt, count pages, read title and author.

    Raises PdfError("not_pdf" / "damaged" / "password" / "empty"). Reads no page text, so
    "no_text" is only found by `extract_document`.
    """
    opened = open_pdf(path, password)
    opened.close()
    return opened.info


ReadingProgress = Callable[[int, int, int], None]  # (pages recognised, of how many, pages)


def _recognised_pages(
    path: str | os.PathLike,
    password: str | None,
    language: str,
    processes: int,
    progress: ReadingProgress,
) -> tuple[list[list[Line]], str]:
    """Every page's lines, the pages without a text layer read by OCR where it is installed;
    and a note for the listener about the OCR's language, if any."""
    scans = read_pages(Path(path), password)
    pages = [scan.lines for scan in scans]
    missing = pages_without_text(scans)
    if not missing or not ocr_available():
        check_has_text(scans)  # a scan without OCR: "no text", as before OCR
        return pages, ""
    progress(0, len(missing), len(pages))
    try:
        found, language_used = recognise_pages(
            path, password, missing, language=language, processes=processes,
            progress=lambda done, total: progress(done, total, len(pages)),
        )  # fmt: skip
    except OcrUnavailable as exc:
        logger.warning("OCR unavailable: %s", exc)
        check_has_text(scans)
        return pages, ""
    except OcrFailed as exc:
        raise PdfError("damaged", str(exc)) from None
    for index, lines in found.items():
        pages[index] = lines
    if not any(line.text for lines in pages for line in lines):
        raise PdfError("empty", "no text recognised on any page")
    return pages, language_used.note


@never_a_traceback
def extract_document(
    path: str | os.PathLike,
    password: str | None = None,
    words_per_part: int = DEFAULT_WORDS_PER_PART,
    *,
    ocr_language: str = "",
    processes: int = 1,
    progress: ReadingProgress = lambda done, total, pages: None,
) -> Document:
    """Read a PDF into chapters of paragraphs ready to be spoken.

    Pages without a text layer are recognised (OCR) in `ocr_language` ("ru"; "" to find it)
    by `processes` OCR processes; `progress` hears of each page recognised.
    Raises PdfError for anything that cannot be converted; never anything else for a bad file.
    """
    opened = open_pdf(path, password)
    info = opened.info
    pages, note = _recognised_pages(path, password, ocr_language, processes, progress)
    page_count = len(pages)
    pages, contents = take_contents(remove_running_lines(pages), page_count)
    lines = join_pages(pages)
    vocab = Vocabulary.from_lines(lines)

    try:
        entries = outline_entries(opened.reader, page_count)
    except Exception as exc:
        logger.info("outline ignored: %r", exc)
        entries = []
    finally:
        opened.close()
    chapters = _chapters(lines, entries, contents, info.title, vocab, words_per_part)
    if not chapters:
        raise PdfError("empty", "no readable text after cleaning")
    return Document(
        title=info.title,
        author=info.author,
        page_count=info.page_count,
        chapters=chapters,
        language=info.language,
        contents=contents,
        note=note,
    )


def _chapters(
    lines: list[Line],
    entries: list,
    contents: list[ContentsEntry],
    title: str,
    vocab: Vocabulary,
    words_per_part: int,
) -> list[Chapter]:
    """The outline's chapters (two entries or more); else the headings on the pages, confirmed
    by the printed contents where there is one; else an outline of one entry; else parts."""
    if len(entries) >= 2:
        return split_by_outline(lines, entries, title, vocab)
    starts = heading_starts(lines, contents)
    if len(starts) >= 2:
        return split_at(lines, starts, title, vocab)
    if entries:
        return split_by_outline(lines, entries, title, vocab)
    return split_into_parts(build_paragraphs(lines, vocab), words_per_part)


def extract_document_isolated(
    path: str | os.PathLike,
    password: str | None = None,
    *,
    timeout: float = 300,
    memory_mb: int = 1024,
    progress: ReadingProgress | None = None,
    **kw: Any,
) -> Document:
    """`extract_document` in a child process with an address-space limit and a wall timeout.

    A crash, segfault or out-of-memory in the parser becomes PdfError("damaged"), a timeout
    PdfError("timeout"): never a traceback in the worker, never a hang. The OCR processes run
    inside that child, each under the same memory limit; while pages are being recognised
    the timeout is the longest wait for the next page.
    """
    try:
        return run_isolated(
            extract_document, str(path), password, timeout=timeout, memory_mb=memory_mb,
            passthrough=(PdfError,), name="pdftext", progress=progress, **kw,
        )  # fmt: skip
    except ChildFailed as failure:
        raise PdfError("timeout" if failure.timed_out else "damaged", failure.detail) from None


def narration_text(doc: Document) -> str:
    """The text that will be read: each chapter's title (when it has one), then its paragraphs."""
    blocks: list[str] = []
    for chapter in doc.chapters:
        if chapter.title:
            blocks.append(chapter.title)
        blocks.extend(chapter.paragraphs)
    return "\n\n".join(blocks) + "\n" if blocks else ""
