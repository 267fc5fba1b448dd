"""PDF -> chapters of clean narration text.

Step 2 of the conversion pipeline (docs: DESIGN.md, "The conversion pipeline"). pypdf opens
the file, decrypts it, counts pages and reads the outline and metadata; PDFium (pypdfium2)
gives the text layer, because pypdf loses the spaces between words on many real PDFs.

The text is cleaned for listening: running headers and footers, page numbers and
table-of-contents dot leaders go; words hyphenated at line ends are joined; lines become
paragraphs; ligatures and odd characters are normalised. Chapters follow the outline's top
level, or, without an outline, parts of about 30 minutes of speech.

Every file either converts or fails with a `PdfError` whose `.reason` is one of `REASONS`.
`extract_document_isolated` parses in a child process so that a PDF which crashes, hangs
or eats memory in the parser costs the worker nothing but that one job.

No Django here: the pipeline, the worker and `manage.py convert` all build on this module.
"""

from __future__ import annotations

import bisect
import collections
import ctypes
import functools
import logging
import multiprocessing
import os
import re
import statistics
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf.errors import DependencyError, FileNotDecryptedError

from ..children import die_with_parent

logger = logging.getLogger(__name__)

# pypdf reports every oddity of a file through logging ("fontTools is required...",
# "Ignoring wrong pointing object", ...). They are not ours to act on and would flood the
# worker's log, so only its errors get through.
logging.getLogger("pypdf").setLevel(logging.ERROR)

REASONS: dict[str, str] = {
    "not_pdf": "This file is not a PDF.",
    "damaged": "This PDF is damaged and cannot be read.",
    "password": "This PDF is protected by a password. Enter the password to open it.",
    "no_text": "This PDF has no text to read: its pages are images (scanned pages; OCR is not supported).",
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


def _never_a_traceback(func):
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
    page_count: int
    title: str
    author: str
    encrypted: bool


@dataclass
class Chapter:
    title: str  # spoken at the start; "" for an untitled opening part or a single-part document
    paragraphs: list[str]


@dataclass
class Document:
    title: str
    author: str
    page_count: int
    chapters: list[Chapter]


WORDS_PER_MINUTE = 175
DEFAULT_WORDS_PER_PART = 30 * WORDS_PER_MINUTE  # 5250 words: about 30 minutes of speech

# --------------------------------------------------------------------------------------
# Opening the file (pypdf)
# --------------------------------------------------------------------------------------

# The spec lets the header start anywhere in the first 1024 bytes.
_HEADER_WINDOW = 1024


def _check_header(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEADER_WINDOW)
    except OSError as exc:
        raise PdfError("not_pdf", f"cannot read file: {exc}") from exc
    if b"%PDF-" not in head:
        # A zero-byte upload lands here too: there is no PDF in it.
        raise PdfError("not_pdf", "no %PDF- header" if head else "zero-byte file")


def _decrypt(reader: pypdf.PdfReader, password: str | None) -> None:
    """Decrypt in place: the given password, else the empty one most 'protected' PDFs use."""
    try:
        ok = reader.decrypt(password or "")
    except DependencyError:
        # AES needs pypdf's optional crypto package; let PDFium (which has AES built in)
        # decide instead. The caller falls back to it.
        raise
    except Exception as exc:  # a broken /Encrypt dictionary
        raise PdfError("damaged", f"decrypt: {exc!r}") from exc
    if not ok:
        raise PdfError("password", "wrong password" if password else "password required")


def plain_title(value: Any) -> str:
    """A title or name fit to show and store: NFKC, no control, bidi or private-use characters,
    single spaces (for PDF metadata, outline titles and uploaded file names alike)."""
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:
        return ""
    return _collapse_space(_normalise_chars(text))


@dataclass
class _Opened:
    """What pypdf (or PDFium, as a fallback for AES) learned about the file."""

    info: PdfInfo
    reader: pypdf.PdfReader | None
    file: Any = None  # the open file pypdf reads from, while `reader` is in use

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _open(path: str | os.PathLike, password: str | None) -> _Opened:
    path = Path(path)
    _check_header(path)
    # An open file, not the path: given a path, pypdf reads the whole file into memory first
    # (a 200 MB upload grew the web process by 200 MB); from a file it reads what it needs.
    file = open(path, "rb")  # noqa: SIM115 (the caller closes it, through _Opened.close)
    try:
        return _read(file, path, password)
    except BaseException:
        file.close()
        raise


def _read(file, path: Path, password: str | None) -> _Opened:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = pypdf.PdfReader(file, strict=False)
        except Exception as exc:  # pypdf raises many kinds on broken files
            raise PdfError("damaged", f"open: {exc!r}") from exc
        encrypted = bool(reader.is_encrypted)
        if encrypted:
            try:
                _decrypt(reader, password)
            except DependencyError:
                file.close()
                return _open_with_pdfium(path, password)
        try:
            # Damaged files often open fine and fail only here (unreadablemetadata.pdf).
            page_count = len(reader.pages)
        except FileNotDecryptedError as exc:
            raise PdfError("password", repr(exc)) from exc
        except Exception as exc:
            raise PdfError("damaged", f"page count: {exc!r}") from exc
        if page_count == 0:
            raise PdfError("empty", "no pages")
        title = author = ""
        try:
            meta = reader.metadata
            if meta is not None:
                title, author = plain_title(meta.title), plain_title(meta.author)
        except Exception:  # unreadable metadata is no reason to refuse the text
            logger.info("unreadable metadata in %s", path)
    return _Opened(PdfInfo(page_count, title, author, encrypted), reader, file)


def _open_with_pdfium(path: Path, password: str | None) -> _Opened:
    pdf = _open_pdfium(path, password)
    try:
        page_count = len(pdf)
        if page_count == 0:
            raise PdfError("empty", "no pages")
        meta = pdf.get_metadata_dict()
        info = PdfInfo(
            page_count, plain_title(meta.get("Title")), plain_title(meta.get("Author")), True
        )
    finally:
        pdf.close()
    return _Opened(info, None)


@_never_a_traceback
def inspect_pdf(path: str | os.PathLike, password: str | None = None) -> PdfInfo:
    """Validate an upload quickly: open, decrypt, count pages, read title and author.

    Raises PdfError("not_pdf" / "damaged" / "password" / "empty"). Reads no page text, so
    "no_text" is only found by `extract_document`.
    """
    opened = _open(path, password)
    opened.close()
    return opened.info


# --------------------------------------------------------------------------------------
# Text layer (PDFium): characters -> visual lines with their geometry
# --------------------------------------------------------------------------------------


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

    @property
    def has_geometry(self) -> bool:
        return self.size > 0


# A gap wider than this share of the font size between two glyphs is a space that the PDF
# drew by positioning instead of with a space character; PDFium misses some of these
# (bash.pdf: "anypart", "Ifthe"). Measured on the manuals: inside words gaps stay below
# 0.1, real word gaps are 0.2 and up.
_SPACE_GAP = 0.15
# A space character whose neighbours touch is not a word break (groff: "neg ative").
_FALSE_SPACE_GAP = 0.05
# PDFium marks a hyphen it recognised at a line end with U+FFFE (sometimes U+0002).
_PDFIUM_HYPHENS = "\ufffe\x02"


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x3000 <= o <= 0x30FF  # CJK punctuation, kana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
        or 0xAC00 <= o <= 0xD7AF  # Hangul
    )


_SUPERSCRIPT_DIGITS = "\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079"


def _page_text(textpage: pdfium.PdfTextPage) -> str:
    """The page's characters, one per PDFium character index (unmapped ones masked)."""
    handle = textpage.raw
    n = pdfium_c.FPDFText_CountChars(handle)
    if n <= 0:
        return ""
    text = textpage.get_text_range()
    if len(text) != n:
        # get_text_range speaks UTF-16 and may skip characters; then ask char by char.
        get_unicode = pdfium_c.FPDFText_GetUnicode
        text = "".join(chr(get_unicode(handle, k) or 0xFFFD) for k in range(n))
    return _mask_unmapped(handle, text)


def _page_chars(textpage: pdfium.PdfTextPage) -> tuple[str, list[float]]:
    """The page's characters, and their loose boxes as one flat list: left, top, right, bottom
    for each character, index-aligned with the text (all zero where PDFium has no box)."""
    handle = textpage.raw
    text = _page_text(textpage)
    if not text:
        return "", []
    n = len(text)
    # This loop is most of the extraction time (one C call per character), so it reads the
    # box through one reused buffer instead of building a structure per call.
    buffer = (ctypes.c_float * 4)()
    rect = ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FS_RECTF))
    values = memoryview(buffer).cast("B").cast("f")
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    flat: list[float] = []
    extend = flat.extend
    zero = (0.0, 0.0, 0.0, 0.0)
    for k in range(n):
        if get_box(handle, k, rect):
            extend(values)
        else:
            extend(zero)
    return text, flat


# Where a font has no Unicode for a glyph, PDFium falls back to the glyph's code, which reads
# as a random character (habibi.pdf: Greek letters). Only non-ASCII characters are checked:
# codes in the ASCII range are usually right even without a mapping (old Type 3 fonts).
_MAYBE_UNMAPPED = re.compile("[\u0080-\u2fff]")


def _mask_unmapped(handle, text: str) -> str:
    """Replace characters PDFium could not map to Unicode with U+FFFD (dropped later)."""
    has_error = pdfium_c.FPDFText_HasUnicodeMapError
    bad = [m.start() for m in _MAYBE_UNMAPPED.finditer(text) if has_error(handle, m.start()) == 1]
    if not bad:
        return text
    chars = list(text)
    for k in bad:
        chars[k] = "\ufffd"
    return "".join(chars)


class _LineBuilder:
    """Collects one visual line's characters with their geometry."""

    __slots__ = ("chars", "x0", "x1", "bottom", "top", "heights", "bottoms", "digits")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.x0 = self.bottom = float("inf")
        self.x1 = self.top = float("-inf")
        self.heights: list[float] = []
        self.bottoms: list[float] = []
        self.digits: list[tuple[int, float, float]] = []  # (position, height, bottom) of digits

    def line(self, page: int) -> Line | None:
        chars = self.chars
        if not chars:
            return None
        if not self.heights:
            text = "".join(chars).strip()
            if not text:
                return None
            if self.x1 < self.x0:
                return Line(text, page=page)
            return Line(
                text,
                self.x0,
                self.x1,
                self.bottom,
                self.top,
                max(0.1, self.top - self.bottom),
                page,
            )
        heights = sorted(self.heights)
        size = heights[len(heights) // 2]
        if self.digits:
            bottoms = sorted(self.bottoms)
            base = bottoms[len(bottoms) // 2]
            # Footnote marks: digits set smaller and raised. Dropped after a word or before
            # the footnote's own text; kept inside numbers ("10^6" stays "106": wrong either way).
            drop = {
                pos
                for pos, height, bottom in self.digits
                if height < 0.85 * size
                and bottom > base + 0.2 * size
                and _is_footnote_mark_position(chars, pos)
            }
            if drop:
                chars = [ch for i, ch in enumerate(chars) if i not in drop]
        text = "".join(chars).strip()
        if not text:
            return None
        return Line(text, self.x0, self.x1, self.bottom, self.top, size, page)


def _lines_from_chars(
    text: str, flat: list[float], page: int, stats: list[int] | None = None
) -> list[Line]:
    """Group characters into visual lines, adding the spaces PDFium missed and dropping false ones.

    `stats`, when given, gets [glyphs, fixes] added: how many glyphs were looked at and how
    many spaces between words had to be added or dropped.
    """
    lines: list[Line] = []
    glyphs = fixes = 0
    cur = _LineBuilder()
    pending = 0  # whitespace characters since the last glyph
    has_prev = False
    pl = pt = pr = pb = 0.0  # the previous glyph's box
    for k, ch in enumerate(text):
        if ch == "\r" or ch == "\n":
            line = cur.line(page)
            if line is not None:
                lines.append(line)
            cur = _LineBuilder()
            pending = 0
            has_prev = False
            continue
        if ch == " " or ch.isspace():
            pending += 1
            continue
        j = 4 * k
        left, top, right, bottom = flat[j], flat[j + 1], flat[j + 2], flat[j + 3]
        height = top - bottom
        chars = cur.chars
        if height <= 0 or right < left:
            # No geometry (a generated or empty glyph): follow PDFium's text as it is.
            if pending and chars:
                chars.append(" ")
            chars.append(ch)
            pending = 0
            continue
        if has_prev:
            em = (height + pt - pb) / 2
            mid = (top + bottom) / 2
            pmid = (pt + pb) / 2
            if (mid < pb or mid > pt) and (pmid < bottom or pmid > top):
                # A new baseline inside one PDFium line: PDFium joins the lines around a
                # hyphen it recognised; the layout rules want the visual lines back.
                line = cur.line(page)
                if line is not None:
                    lines.append(line)
                cur = _LineBuilder()
                chars = cur.chars
                pending = 0
            elif pending:
                # A space whose neighbours touch is no word break (groff's "neg ative").
                if (
                    pending == 1
                    and left - pr < _FALSE_SPACE_GAP * em
                    and left >= pl
                    and ch.isalpha()
                    and chars
                    and chars[-1].isalpha()
                ):
                    fixes += 1
                else:
                    chars.append(" ")
                pending = 0
            elif (
                (left - pr > _SPACE_GAP * em or left < pl - em)
                and chars
                and chars[-1] != " "
                and not (_is_cjk(ch) or _is_cjk(chars[-1]))
            ):
                chars.append(" ")
                if ch.isalnum() and (chars[-2].isalnum() or chars[-2] in ",.;:)!?"):
                    fixes += 1
        elif pending and chars:
            chars.append(" ")
        pending = 0
        glyphs += 1
        if ch.isalpha():
            cur.heights.append(height)
            cur.bottoms.append(bottom)
        elif ch.isdigit():
            cur.digits.append((len(chars), height, bottom))
        chars.append(ch)
        if left < cur.x0:
            cur.x0 = left
        if right > cur.x1:
            cur.x1 = right
        if bottom < cur.bottom:
            cur.bottom = bottom
        if top > cur.top:
            cur.top = top
        pl, pt, pr, pb = left, top, right, bottom
        has_prev = True
    line = cur.line(page)
    if line is not None:
        lines.append(line)
    if stats is not None:
        stats[0] += glyphs
        stats[1] += fixes
    return lines


_SAMPLES_PER_LINE = 6


def _lines_sampled(textpage: pdfium.PdfTextPage, page: int) -> list[Line]:
    """Visual lines from PDFium's own text, measuring only a few glyphs of each line.

    Used once the first pages showed that PDFium spaces this document's words correctly:
    one C call per glyph is most of the cost of `_lines_from_chars`.
    """
    handle = textpage.raw
    text = _page_text(textpage)
    if not text:
        return []
    buffer = (ctypes.c_float * 4)()
    rect = ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FS_RECTF))
    get_box = pdfium_c.FPDFText_GetLooseCharBox

    def box(k: int) -> tuple[float, float, float, float] | None:
        if not get_box(handle, k, rect):
            return None
        left, top, right, bottom = buffer
        return (left, top, right, bottom) if top > bottom and right >= left else None

    lines: list[Line] = []
    for match in re.finditer(r"[^\r\n]+", text):
        start, end = match.span()
        # PDFium joins two lines around a hyphen it recognised; split them again.
        cuts = [start]
        for m in re.finditer(r"[\ufffe\x02]", text[start:end]):
            k = start + m.end()
            before, after = box(k - 2) if k - 2 >= start else None, box(k) if k < end else None
            # (boxes are left, top, right, bottom) the glyph after the hyphen sits below it
            if before and after and (after[1] + after[3]) / 2 < before[3]:
                cuts.append(k)
        cuts.append(end)
        for a, b in zip(cuts, cuts[1:], strict=False):
            line = _sampled_line(text, a, b, box, page)
            if line is not None:
                lines.append(line)
    return lines


_MARK_CANDIDATE = re.compile(r"(?<=[^\W\d_]|[)\].,;:!?\"'’”])\d|^\s*\d+(?=[^\W\d_])")


def _sampled_line(text: str, start: int, end: int, box, page: int) -> Line | None:
    segment = text[start:end]
    stripped = segment.strip()
    if not stripped:
        return None
    first = start + (len(segment) - len(segment.lstrip()))
    last = start + len(segment.rstrip()) - 1
    step = max(1, (last - first) // _SAMPLES_PER_LINE)
    cur = _LineBuilder()
    for k in {*range(first, last, step), last}:
        if text[k].isspace():
            continue
        b = box(k)
        if b is None:
            continue
        left, top, right, bottom = b
        cur.x0, cur.x1 = min(cur.x0, left), max(cur.x1, right)
        cur.bottom, cur.top = min(cur.bottom, bottom), max(cur.top, top)
        if text[k].isalpha():
            cur.heights.append(top - bottom)
            cur.bottoms.append(bottom)
    if not _MARK_CANDIDATE.search(stripped):
        cur.chars = list(_collapse_space(stripped))
        return cur.line(page)
    # Digits where a footnote mark could be: measure them (see _LineBuilder.line).
    chars: list[str] = []
    for k in range(first, last + 1):
        ch = text[k]
        if ch.isspace():
            if chars[-1] != " ":
                chars.append(" ")
            continue
        if ch.isdigit() and cur.heights:
            b = box(k)
            if b is not None:
                cur.digits.append((len(chars), b[1] - b[3], b[3]))
        chars.append(ch)
    cur.chars = chars
    return cur.line(page)


def _is_footnote_mark_position(chars: list[str], i: int) -> bool:
    j = i
    while j > 0 and chars[j - 1].isdigit():
        j -= 1
    before = chars[j - 1] if j > 0 else ""
    k = i
    while k + 1 < len(chars) and chars[k + 1].isdigit():
        k += 1
    after = chars[k + 1] if k + 1 < len(chars) else ""
    if before == "" or before == " ":
        return after.isalpha()  # "¹⁶If the ..." at the start of a footnote
    return not before.isdigit() and before not in "+-−=^"


# --------------------------------------------------------------------------------------
# Cleaning: characters
# --------------------------------------------------------------------------------------

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


def _collapse_space(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


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
    return _collapse_space(text)


# --------------------------------------------------------------------------------------
# Cleaning: table-of-contents leaders, page numbers, running headers and footers
# --------------------------------------------------------------------------------------

_ROMAN = r"(?=[mdclxvi])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_LEADER_STRICT = re.compile(r"(?:[.·•∙‥…_]\s*){3,}\s*(?:\d{1,4}|" + _ROMAN + r")?\s*$", re.I)


def strip_dot_leader(text: str) -> tuple[str, bool]:
    """'1.2 Foo ........ 12' -> ('1.2 Foo', True): a table-of-contents line loses leader and page.

    Lines without a run of at least three leader dots come back unchanged with False.
    """
    match = _LEADER_STRICT.search(text)
    if not match:
        return text, False
    return text[: match.start()].rstrip(" .·•∙‥…_"), True


# A page number at the end of a line, after a space or a leader.
_TRAILING_PAGE = re.compile(r"(?<=[\s.·•∙‥…_])(\d{1,4}|" + _ROMAN + r")\s*$", re.I)


def _contents_entry(text: str) -> tuple[str, str] | None:
    """'2.1 Choose your program . . . 12' -> ('2.1 Choose your program', '12'), else None."""
    match = _TRAILING_PAGE.search(text)
    if not match:
        return None
    entry = text[: match.start()].rstrip(" .·•∙‥…_\t")
    if not re.search(r"[^\W\d_]", entry):
        return None
    return entry, match.group(1)


_CONTENTS_MIN_ENTRIES = 4


def mark_contents(lines: list[Line], page_count: int | None = None) -> None:
    """Find a table of contents on one page and make its entries plain titles.

    A run of at least four lines that end in page numbers which never go down
    ("1 Getting started 1", "1.1 Social dynamics . . . 1", "2 First steps 6") is a table of
    contents (or a list of figures): each entry loses its page number and dot leader and
    becomes a paragraph of its own (`Line.leader`). A line without a number between two
    entries is the first half of a long title.
    """
    found = [_contents_entry(line.text) for line in lines]
    i = 0
    while i < len(lines):
        if not found[i]:
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < len(lines):
            if found[j]:
                run.append(j)
                j += 1
            elif j + 1 < len(lines) and found[j + 1]:
                j += 1  # a title wrapped onto two lines
            else:
                break
        numbers = [int(found[k][1]) for k in run if found[k][1].isdigit()]
        plausible = all(n <= (page_count or 10_000) + 50 for n in numbers)
        if (
            len(run) >= _CONTENTS_MIN_ENTRIES
            and numbers
            and all(a <= b for a, b in zip(numbers, numbers[1:], strict=False))
            and plausible
        ):
            for k in run:
                entry = found[k][0]
                if k > run[0] and not found[k - 1]:
                    # The first half of a wrapped title moves into its second half.
                    entry = lines[k - 1].text + " " + entry
                    lines[k - 1].text = ""
                lines[k].text = entry
                lines[k].leader = True
        i = j


_PAGE_NUMBER = re.compile(
    r"^[\s\-–—(\[]*(?:(?:page|seite|p\.)\s*)?(?:\d{1,4}|" + _ROMAN + r")"
    r"(?:\s*(?:/|of|von)\s*\d{1,4})?[\s\-–—)\]]*$",
    re.I,
)


def is_page_number(text: str) -> bool:
    """A bare page number: '12', '- 12 -', 'xiv', 'Page 3', '3 / 57'."""
    text = text.strip()
    return bool(text) and bool(_PAGE_NUMBER.match(text))


_ROMAN_TOKEN = re.compile(r"(?<![^\W\d_])" + _ROMAN + r"(?![^\W\d_])", re.I)


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


# --------------------------------------------------------------------------------------
# Lines -> paragraphs
# --------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?:;。！？」』）)\"'’”]$")
_TERMINAL = re.compile(r"[.!?。！？][\"'’”)\]]*$")
_BULLET = re.compile(r"^(?:[•◦▪▫‣⁃∙·○●■□➢►–—*-]\s|\(?[0-9]{1,3}[.)]\s|\(?[a-z][.)]\s|\([ivx]+\)\s)")
_HYPHENS = "-\u2010\u2011\u00ad" + _PDFIUM_HYPHENS
_WORD = re.compile(r"[^\W\d_]+")


@dataclass
class _Vocabulary:
    """Words and hyphenated compounds seen in the document, to undo line-end hyphenation."""

    words: set[str] = field(default_factory=set)
    compounds: set[str] = field(default_factory=set)

    @classmethod
    def from_lines(cls, lines: list[Line]) -> _Vocabulary:
        vocab = cls()
        for line in lines:
            text = line.text.casefold()
            vocab.words.update(_WORD.findall(text))
            for m in re.finditer(r"([^\W\d_]+)-([^\W\d_]+)", text):
                vocab.compounds.add(m.group(0))
        return vocab

    def join(self, left: str, right: str) -> str:
        """Join 'ex-' + 'pressions' as 'expressions', but 'well-' + 'known' as 'well-known'
        when the document writes it that way elsewhere and never as one word."""
        head = _WORD.findall(left[-40:].casefold())
        tail = _WORD.findall(right[:40].casefold())
        if head and tail:
            whole, compound = head[-1] + tail[0], f"{head[-1]}-{tail[0]}"
            if compound in self.compounds and whole not in self.words:
                return left + "-" + right
        return left + right


def _ends_with_hyphenation(text: str) -> bool:
    if len(text) < 2 or text[-1] not in _HYPHENS:
        return False
    return text[-2].isalpha()


def _join(left: str, right: str, vocab: _Vocabulary) -> str:
    """Join two lines of one paragraph: undo hyphenation, never glue two words together."""
    if not left:
        return right
    if not right:
        return left
    if _ends_with_hyphenation(left) and (
        right[0].islower() or left[-1] in "\u00ad" + _PDFIUM_HYPHENS
    ):
        return vocab.join(left[:-1], right)
    if left[-1] in _PDFIUM_HYPHENS or left[-1] == "\u00ad":
        return left[:-1] + right
    if _is_cjk(left[-1]) and _is_cjk(right[0]):
        return left + right  # CJK text wraps without spaces
    if left[-1] in "-\u2010\u2011/" and left[-2:-1].isalnum():
        return left + right  # "Jean-" + "Pierre", "http://example.org/" + "path"
    if _OPEN_URL.search(left):
        return left + right  # a URL broken over two lines
    return left + " " + right


# A URL at the end of a line that is still inside its parenthesis, or ends with a slash.
_OPEN_URL = re.compile(r"(?:\((?:https?|ftp)://[^\s()]*|(?:https?|ftp)://[^\s()]*/)$")


def _starts_paragraph(
    prev: Line, line: Line, gap_typical: float, right_edge: float, page_lines: list[Line] = ()
) -> bool:
    """Is `line` the start of a new paragraph after `prev`? Layout first, wording second."""
    text, ptext = line.text, prev.text
    if _ends_with_hyphenation(ptext) and (text[:1].islower() or ptext[-1] in _PDFIUM_HYPHENS):
        return False
    if prev.leader or line.leader:
        return True  # each table-of-contents entry is a paragraph of its own
    if _BULLET.match(text):
        return True
    if not (prev.has_geometry and line.has_geometry):
        # No layout to go by: a sentence end followed by a capital is the best guess.
        return bool(_TERMINAL.search(ptext)) and text[:1].isupper()
    size = max(prev.size, line.size)
    if abs(prev.size - line.size) > 0.18 * size:
        return True  # a heading, a code block or small print
    below = prev.page == line.page and line.top <= prev.bottom + 0.5 * size
    if below and prev.bottom - line.top > gap_typical + 0.45 * size:
        return True  # vertical space between paragraphs
    ends_sentence = bool(_SENTENCE_END.search(ptext))
    short_prev = prev.x1 < right_edge - 2.5 * size
    starts_upper = not text[:1].islower()
    if ends_sentence and short_prev and starts_upper:
        return True  # the short last line of a paragraph
    if (
        below
        and ends_sentence
        and starts_upper
        and prev.x0 + 0.8 * size < line.x0 < prev.x0 + 6 * size
    ):
        return True  # first-line indent
    if below and short_prev and starts_upper and not ends_sentence and len(ptext.split()) <= 12:
        return True  # a short line with no full stop, then a capital: a heading
    if not below and ends_sentence and starts_upper and page_lines:
        # The first line of a new page or column: indented against the lines below it
        # (a first-line indent, a centred caption), it starts something new.
        left = min(
            (
                other.x0
                for other in page_lines
                if other.has_geometry and other.x0 < line.x1 and other.x1 > line.x0
            ),
            default=line.x0,
        )
        return line.x0 > left + 0.8 * size
    return False


_NOTE_MARK = re.compile(r"^\W{0,2}[0-9*†‡§]")
_NOTE_START = re.compile(r"^\s*([0-9]{1,3}|[*†‡§]{1,3})\s*(?=[^\W\d_]|[(\"'“‘])")


def _strip_note_refs(text: str, marks: set[str]) -> str:
    """Drop the page's footnote numbers where they follow punctuation ('outdated. 1')."""
    for mark in marks:
        text = re.sub(r"(?<=[.,;:!?)\]’”\"])\s?" + re.escape(mark) + r"(?=\s|$)", "", text, count=1)
    return text


def _split_footnotes(lines: list[Line], body_size: float) -> tuple[list[Line], list[Line]]:
    """A page's body lines and its footnotes: a trailing block of smaller text below the body,
    starting with a note mark."""
    if not body_size or len(lines) < 2:
        return lines, []
    i = len(lines)
    while i > 1 and lines[i - 1].has_geometry and 0 < lines[i - 1].size < 0.92 * body_size:
        i -= 1
    body, notes = lines[:i], lines[i:]
    if not notes or not _NOTE_MARK.match(notes[0].text):
        return lines, []
    body_bottom = min((line.bottom for line in body if line.has_geometry), default=0.0)
    if max(line.top for line in notes) > body_bottom + 1:
        return lines, []  # not below the body text: a caption or other small print
    return body, notes


def build_paragraphs(lines: list[Line], vocab: _Vocabulary | None = None) -> list[str]:
    """Join visual lines (in reading order, with their page) into paragraphs of clean text.

    Footnotes wait until the paragraph they interrupt is finished, so a sentence that runs
    over a page break is read whole.
    """
    if vocab is None:
        vocab = _Vocabulary.from_lines(lines)
    sizes = [line.size for line in lines if line.has_geometry]
    body_size = statistics.median(sizes) if sizes else 0.0

    done: list[str] = []
    pending_notes: list[str] = []
    current = ""

    def close() -> None:
        nonlocal current
        if current:
            done.append(current)
        current = ""
        done.extend(pending_notes)
        pending_notes.clear()

    prev: Line | None = None
    for _page, group in _group_by_page(lines):
        body, notes = _split_footnotes(group, body_size)
        marks: set[str] = set()
        page_notes: list[str] = []
        for line in notes:
            text = line.text
            mark = _NOTE_START.match(text)
            if mark:
                # "1The document assumes..." -> "The document assumes...": the number
                # only points from the text to the note, which a listener hears in place.
                marks.add(mark.group(1))
                text = text[mark.end() :]
                page_notes.append("")
            elif not page_notes:
                page_notes.append("")
            page_notes[-1] = _join(page_notes[-1], text, vocab)
        gap_typical, right_edge = _page_metrics(body, body_size)
        for line in body:
            if not line.text:
                continue
            if prev is None or _starts_paragraph(prev, line, gap_typical, right_edge, body):
                close()
            text = _strip_note_refs(line.text, marks) if marks else line.text
            current = _join(current, text, vocab)
            prev = line
        pending_notes.extend(page_notes)
    close()
    out = []
    for text in done:
        text = clean_text(text)
        if text and _has_words(text):
            out.append(text)
    return out


def _has_words(text: str) -> bool:
    """A paragraph worth reading: has a letter and is not a stray page number."""
    return bool(re.search(r"[^\W\d_]", text)) and not is_page_number(text)


def _group_by_page(lines: list[Line]):
    group: list[Line] = []
    for line in lines:
        if group and line.page != group[-1].page:
            yield group[0].page, group
            group = []
        group.append(line)
    if group:
        yield group[0].page, group


def _page_metrics(lines: list[Line], body_size: float) -> tuple[float, float]:
    """Typical gap between the lines of a paragraph, and the right edge of full lines."""
    gaps = [
        a.bottom - b.top
        for a, b in zip(lines, lines[1:], strict=False)
        if a.has_geometry
        and b.has_geometry
        and abs(a.size - b.size) < 0.1 * a.size
        and -0.2 * a.size <= a.bottom - b.top < 2 * a.size
    ]
    gap = statistics.median(gaps) if gaps else 0.25 * (body_size or 10.0)
    rights = sorted(line.x1 for line in lines if line.has_geometry)
    right = rights[int(len(rights) * 0.9)] if rights else 0.0
    return gap, right


# --------------------------------------------------------------------------------------
# Chapters
# --------------------------------------------------------------------------------------


@dataclass
class _OutlineEntry:
    title: str
    page: int
    top: float | None


def _outline_entries(reader: pypdf.PdfReader | None, page_count: int) -> list[_OutlineEntry]:
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
        entries.append(_OutlineEntry(title, page, top))
    return entries


_NUMBERING = re.compile(
    r"^(?:(?:chapter|kapitel|chapitre|part|teil|appendix|anhang|section)\s*)?"
    r"(?:[0-9]+(?:\.[0-9]+)*|[ivxlc]+|[a-z])?[.:)]?\s+",
    re.I,
)


def _title_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    text = _NUMBERING.sub("", text + " ", count=1) if _NUMBERING.match(text + " ") else text
    return "".join(ch for ch in text if ch.isalnum())


def _chapter_starts(lines: list[Line], entries: list[_OutlineEntry]) -> list[tuple[int, int, str]]:
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
        match = _find_heading(lines, begin, end, entry.title, near=at_height)
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


def _find_heading(
    lines: list[Line], begin: int, end: int, title: str, near: int | None
) -> tuple[int, int] | None:
    """Lines begin..end that spell the title (one to three lines), nearest to `near`."""
    key = _title_key(title)
    if not key:
        return None
    found = []
    for i in range(begin, end):
        joined = ""
        for j in range(i, min(i + 3, end)):
            joined += " " + lines[j].text
            k = _title_key(joined)
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


def _split_by_outline(
    lines: list[Line], entries: list[_OutlineEntry], opening_title: str, vocab: _Vocabulary
) -> list[Chapter]:
    starts = sorted(_chapter_starts(lines, entries), key=lambda s: s[0])
    chapters: list[Chapter] = []
    # Several entries at one place (mistitled_outlines_example.pdf): the first one wins.
    unique: list[tuple[int, int, str]] = []
    for start in starts:
        if unique and start[0] <= unique[-1][0]:
            continue
        unique.append(start)
    opening_end = unique[0][0] if unique else len(lines)
    opening = build_paragraphs(lines[:opening_end], vocab)
    if opening:
        chapters.append(Chapter(opening_title, opening))
    for n, (_first, after, title) in enumerate(unique):
        stop = unique[n + 1][0] if n + 1 < len(unique) else len(lines)
        body = build_paragraphs(lines[min(after, stop) : stop], vocab)
        # An entry with nothing under it but its heading (a "Part I" page) is left out:
        # the chapter after it is what a listener navigates to.
        if body:
            chapters.append(Chapter(title or f"Chapter {len(chapters) + 1}", body))
    return chapters


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


# --------------------------------------------------------------------------------------
# The whole document
# --------------------------------------------------------------------------------------

# A page whose text is this short while pictures cover this much of it is a scan (with a
# scanner's stamp or an annotator's watermark at most): base64image.pdf has a 55-letter
# watermark over a picture covering a quarter of the page; inline-image.pdf's 4-letter word
# beside a small image is text. The price: a picture book with under 100 letters a page
# would be refused too.
_SCAN_MAX_LETTERS = 100
_SCAN_MIN_IMAGE_SHARE = 0.15
# How much text is measured glyph by glyph before deciding, and how many spaces added or
# dropped per 1000 glyphs make a document need it throughout (bash.pdf: about 5;
# maint-guide.en.pdf and developers-reference.pdf: under 0.1).
_SPACING_SAMPLE_GLYPHS = 20000
_SPACING_FIXES_PER_1000 = 0.5


def _open_pdfium(path: Path, password: str | None) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path), password=password or None)
    except pdfium.PdfiumError as exc:
        if (
            pdfium_c.FPDF_GetLastError() == pdfium_c.FPDF_ERR_PASSWORD
            or "password" in str(exc).lower()
        ):
            raise PdfError("password", str(exc)) from exc
        raise PdfError("damaged", f"pdfium open: {exc}") from exc
    except Exception as exc:
        raise PdfError("damaged", f"pdfium open: {exc!r}") from exc


def _image_share(page: pdfium.PdfPage) -> float:
    """How much of the page pictures cover (0..1, overlaps counted twice, capped)."""
    width, height = page.get_size()
    area = max(1.0, width * height)
    covered = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        try:
            left, bottom, right, top = obj.get_bounds()
        except Exception:
            continue
        covered += max(0.0, right - left) * max(0.0, top - bottom)
    return min(1.0, covered / area)


def _letters(lines: list[Line]) -> int:
    return sum(sum(map(str.isalpha, line.text)) for line in lines)


@dataclass
class _PageScan:
    lines: list[Line]
    letters: int
    scanned: bool
    has_objects: bool


def _read_page(pdf: pdfium.PdfDocument, index: int, stats: list[int] | None) -> _PageScan:
    """One page's lines and what it holds. `stats` None: measure only a few glyphs per line."""
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            if stats is None:
                lines = _lines_sampled(textpage, index)
            else:
                text, boxes = _page_chars(textpage)
                lines = _lines_from_chars(text, boxes, index, stats)
        finally:
            textpage.close()
        letters = _letters(lines)
        has_objects = pdfium_c.FPDFPage_CountObjects(page.raw) > 0
        scanned = False
        if letters < _SCAN_MAX_LETTERS and has_objects:
            scanned = _image_share(page) >= _SCAN_MIN_IMAGE_SHARE
        return _PageScan(lines, letters, scanned, has_objects)
    finally:
        page.close()


def _check_has_text(scans: list[_PageScan]) -> None:
    letters = sum(s.letters for s in scans)
    if letters == 0:
        if any(s.has_objects for s in scans):
            raise PdfError("no_text", "no characters on any page")
        raise PdfError("empty", "blank pages")
    with_content = [s for s in scans if s.letters or s.has_objects]
    scanned = sum(1 for s in with_content if s.scanned)
    if scanned * 2 > len(with_content):
        raise PdfError(
            "no_text", f"{scanned} of {len(with_content)} pages are pictures with little text"
        )


@_never_a_traceback
def extract_document(
    path: str | os.PathLike,
    password: str | None = None,
    words_per_part: int = DEFAULT_WORDS_PER_PART,
) -> Document:
    """Read a PDF into chapters of paragraphs ready to be spoken.

    Raises PdfError for anything that cannot be converted; never anything else for a bad file.
    """
    opened = _open(path, password)
    info = opened.info
    pdf = _open_pdfium(Path(path), password)
    try:
        page_count = len(pdf)
        if page_count == 0:
            raise PdfError("empty", "pdfium sees no pages")
        scans = []
        # Every glyph is measured until enough text shows whether PDFium spaces this
        # document's words right (most documents); then only a few per line are.
        stats: list[int] | None = [0, 0]
        for index in range(page_count):
            if (
                stats is not None
                and stats[0] >= _SPACING_SAMPLE_GLYPHS
                and stats[1] * 1000 <= _SPACING_FIXES_PER_1000 * stats[0]
            ):
                stats = None
            try:
                scans.append(_read_page(pdf, index, stats))
            except PdfError:
                raise
            except Exception as exc:
                # One unreadable page should not cost the whole book.
                logger.warning("page %d of %s unreadable: %r", index + 1, path, exc)
                scans.append(_PageScan([], 0, False, False))
    finally:
        pdf.close()
    _check_has_text(scans)

    pages = remove_running_lines([s.lines for s in scans])
    lines = []
    for page_lines in pages:
        mark_contents(page_lines, page_count)
        for line in page_lines:
            if not line.text:
                continue
            if line.leader:
                lines.append(line)
                continue
            text, leader = strip_dot_leader(line.text)
            if leader:
                if not text.strip():
                    continue
                line.text, line.leader = text, True
            lines.append(line)
    vocab = _Vocabulary.from_lines(lines)

    try:
        entries = _outline_entries(opened.reader, page_count)
    except Exception as exc:
        logger.info("outline ignored: %r", exc)
        entries = []
    finally:
        opened.close()
    if entries:
        chapters = _split_by_outline(lines, entries, info.title, vocab)
    else:
        chapters = split_into_parts(build_paragraphs(lines, vocab), words_per_part)
    if not chapters:
        raise PdfError("empty", "no readable text after cleaning")
    return Document(
        title=info.title, author=info.author, page_count=info.page_count, chapters=chapters
    )


def narration_text(doc: Document) -> str:
    """The text that will be read: each chapter's title (when it has one), then its paragraphs."""
    blocks: list[str] = []
    for chapter in doc.chapters:
        if chapter.title:
            blocks.append(chapter.title)
        blocks.extend(chapter.paragraphs)
    return "\n\n".join(blocks) + "\n" if blocks else ""


# --------------------------------------------------------------------------------------
# Isolation: parse in a child process with a memory limit and a wall-clock timeout
# --------------------------------------------------------------------------------------


def _child_main(
    conn, func: Callable[..., Any], args: tuple, kwargs: dict, memory_mb: int, parent_pid: int
) -> None:
    """Runs in the child: cap the address space, run `func`, send back ("ok", value) or ("error", reason, detail)."""
    die_with_parent(parent_pid)
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:  # not on this platform: run unlimited
        logger.warning("could not limit memory: %r", exc)
    try:
        result = ("ok", func(*args, **kwargs))
    except PdfError as exc:
        result = ("error", exc.reason, exc.detail)
    except MemoryError:
        result = ("error", "damaged", f"out of memory (limit {memory_mb} MB)")
    except RecursionError as exc:
        result = ("error", "damaged", repr(exc))
    except Exception as exc:  # a parser bug on a strange file: the file's problem for the user
        result = ("error", "damaged", f"unexpected {exc!r}")
    try:
        conn.send(result)
    except Exception as exc:  # the result itself would not pickle or fit in memory
        conn.send(("error", "damaged", f"cannot return result: {exc!r}"))
    finally:
        conn.close()


def run_isolated(
    func: Callable[..., Any], *args: Any, timeout: float = 300, memory_mb: int = 1024, **kwargs: Any
) -> Any:
    """Call `func(*args, **kwargs)` in a fresh child process and return its result.

    A PdfError raised there is raised here; a crash, a kill or running out of memory
    becomes PdfError("damaged"); running past `timeout` seconds kills the child and raises
    PdfError("timeout"). The child is started with "spawn": forking a worker that holds
    threads and database connections is unsafe, and a fresh interpreter holds none.
    """
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_child_main,
        args=(sender, func, args, kwargs, memory_mb, os.getpid()),
        name="pdftext",
        daemon=True,
    )
    child.start()
    sender.close()  # ours is the read end only: EOF when the child dies
    try:
        try:
            ready = receiver.poll(timeout)
        except (EOFError, OSError):
            ready = True
        if not ready:
            raise PdfError("timeout", f"no result after {timeout} s")
        try:
            result = receiver.recv()
        except (EOFError, OSError):
            child.join(5)
            raise PdfError("damaged", f"parser process died (exit code {child.exitcode})") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if result[0] == "ok":
        return result[1]
    raise PdfError(result[1], result[2])


def extract_document_isolated(
    path: str | os.PathLike,
    password: str | None = None,
    *,
    timeout: float = 300,
    memory_mb: int = 1024,
    **kw: Any,
) -> Document:
    """`extract_document` in a child process with an address-space limit and a wall timeout.

    A crash, segfault or out-of-memory in the parser becomes PdfError("damaged"), a timeout
    PdfError("timeout"): never a traceback in the worker, never a hang.
    """
    return run_isolated(
        extract_document, str(path), password, timeout=timeout, memory_mb=memory_mb, **kw
    )
