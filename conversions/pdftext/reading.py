"""Reading a PDF: opening and decrypting it (pypdf, PDFium where pypdf cannot), and its
pages' characters grouped into visual lines with their geometry (PDFium).

pypdf opens the file, decrypts it, counts pages and reads the metadata; PDFium gives the text
layer, because pypdf loses the spaces between words on many real PDFs. Where PDFium itself
misses spaces (words placed without space characters), the glyphs' positions put them back.
Pages that are pictures with little text are found here too: their text is for `ocr` to read.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf.errors import DependencyError, FileNotDecryptedError

from .cleaning import collapse_space, is_cjk, plain_title
from .document import Line, PdfError, PdfInfo

logger = logging.getLogger(__name__)

# pypdf reports every oddity of a file through logging ("fontTools is required...",
# "Ignoring wrong pointing object", ...). They are not ours to act on and would flood the
# worker's log, so only its errors get through.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# --------------------------------------------------------------------------------------
# Opening the file (pypdf; PDFium for what pypdf cannot decrypt)
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


@dataclass
class _Opened:
    """What pypdf (or PDFium, as a fallback for AES) learned about the file."""

    info: PdfInfo
    reader: pypdf.PdfReader | None
    file: Any = None  # the open file pypdf reads from, while `reader` is in use

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


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
        title = author = language = ""
        try:
            meta = reader.metadata
            if meta is not None:
                title, author = plain_title(meta.title), plain_title(meta.author)
            language = plain_title(reader.trailer["/Root"].get("/Lang"))[:35]
        except Exception:  # unreadable metadata is no reason to refuse the text
            logger.info("unreadable metadata in %s", path)
    return _Opened(PdfInfo(page_count, title, author, encrypted, language), reader, file)


def open_pdf(path: str | os.PathLike, password: str | None) -> _Opened:
    """Open, decrypt and count the pages, or raise PdfError ("not_pdf", "damaged", "password",
    "empty"). The caller closes what it gets back once it no longer reads the outline."""
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


# --------------------------------------------------------------------------------------
# Text layer (PDFium): characters -> visual lines with their geometry
# --------------------------------------------------------------------------------------

# A gap wider than this share of the font size between two glyphs is a space that the PDF
# drew by positioning instead of with a space character; PDFium misses some of these
# (bash.pdf: "anypart", "Ifthe"). Measured on the manuals: inside words gaps stay below
# 0.1, real word gaps are 0.2 and up.
_SPACE_GAP = 0.15
# A space character whose neighbours touch is not a word break (groff: "neg ative").
_FALSE_SPACE_GAP = 0.05


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


def _is_footnote_mark_position(chars: list[str], i: int) -> bool:
    """Could the digit at chars[i] be a footnote mark: after a word or punctuation, or at the
    start of a line before the note's own text (not inside a number or a formula)?"""
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


# Bold is read from the font's name and its ForceBold flag. PDFium's font weight is no guide:
# bash.pdf's Times-Roman weighs 695, fhs-3.0.pdf's Helvetica-Bold 0, TeX's CMBX12 545.
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|cmbx|cmb\d|-bd\b", re.I)
_FORCE_BOLD = 1 << 18  # the font descriptor's ForceBold flag (PDF 32000-1, table 121)


class _FontStyle:
    """The font size and boldness of a line, from PDFium's font information of its first and
    last letters (a line of body text that starts with a bold word is not bold)."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.name = ctypes.create_string_buffer(128)
        self.flags = ctypes.c_int()

    def _bold(self, index: int) -> bool:
        size = pdfium_c.FPDFText_GetFontInfo(
            self.handle, index, self.name, len(self.name), ctypes.byref(self.flags)
        )
        if size <= 0:
            return False
        return bool(self.flags.value & _FORCE_BOLD) or bool(
            _BOLD_NAME.search(self.name.value.decode("latin-1"))
        )

    def apply(self, line: Line, first: int, last: int) -> None:
        line.font_size = max(0.0, pdfium_c.FPDFText_GetFontSize(self.handle, first))
        line.bold = self._bold(first) and (last == first or self._bold(last))


class _LineBuilder:
    """Collects one visual line's characters with their geometry."""

    __slots__ = ("chars", "x0", "x1", "bottom", "top", "heights", "bottoms", "digits", "letters")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.x0 = self.bottom = float("inf")
        self.x1 = self.top = float("-inf")
        self.heights: list[float] = []
        self.bottoms: list[float] = []
        self.digits: list[tuple[int, float, float]] = []  # (position, height, bottom) of digits
        self.letters: list[int] = []  # PDFium's indices of the first and last letters seen

    def see_letter(self, index: int) -> None:
        if not self.letters:
            self.letters = [index, index]
        else:
            self.letters[0] = min(self.letters[0], index)
            self.letters[1] = max(self.letters[1], index)

    def line(self, page: int, style: _FontStyle | None = None) -> Line | None:
        line = self._line(page)
        if line is not None and style is not None and self.letters:
            style.apply(line, self.letters[0], self.letters[-1])
        return line

    def _line(self, page: int) -> Line | None:
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
    text: str,
    flat: list[float],
    page: int,
    stats: list[int] | None = None,
    style: _FontStyle | None = None,
) -> list[Line]:
    """Group characters into visual lines, adding the spaces PDFium missed and dropping false ones.

    `stats`, when given, gets [glyphs, fixes] added: how many glyphs were looked at and how
    many spaces between words had to be added or dropped. `style`, when given, sets each
    line's font size and boldness.
    """
    lines: list[Line] = []
    glyphs = fixes = 0
    cur = _LineBuilder()
    pending = 0  # whitespace characters since the last glyph
    has_prev = False
    pl = pt = pr = pb = 0.0  # the previous glyph's box
    for k, ch in enumerate(text):
        if ch == "\r" or ch == "\n":
            line = cur.line(page, style)
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
                line = cur.line(page, style)
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
                and not (is_cjk(ch) or is_cjk(chars[-1]))
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
            cur.see_letter(k)
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
    line = cur.line(page, style)
    if line is not None:
        lines.append(line)
    if stats is not None:
        stats[0] += glyphs
        stats[1] += fixes
    return lines


_SAMPLES_PER_LINE = 6
_MARK_CANDIDATE = re.compile(r"(?<=[^\W\d_]|[)\].,;:!?\"'’”])\d|^\s*\d+(?=[^\W\d_])")


def _sampled_line(
    text: str, start: int, end: int, box, page: int, style: _FontStyle | None = None
) -> Line | None:
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
            cur.see_letter(k)
    if not _MARK_CANDIDATE.search(stripped):
        cur.chars = list(collapse_space(stripped))
        return cur.line(page, style)
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
    return cur.line(page, style)


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
    style = _FontStyle(handle)

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
            line = _sampled_line(text, a, b, box, page, style)
            if line is not None:
                lines.append(line)
    return lines


# --------------------------------------------------------------------------------------
# Pages: the lines of each, and whether the document has text at all
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
class PageScan:
    """One page's lines, and what tells a scan: few letters, pictures over much of the page."""

    lines: list[Line]
    letters: int
    scanned: bool
    has_objects: bool


def _read_page(pdf: pdfium.PdfDocument, index: int, stats: list[int] | None) -> PageScan:
    """One page's lines and what it holds. `stats` None: measure only a few glyphs per line."""
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            if stats is None:
                lines = _lines_sampled(textpage, index)
            else:
                text, boxes = _page_chars(textpage)
                lines = _lines_from_chars(text, boxes, index, stats, _FontStyle(textpage.raw))
        finally:
            textpage.close()
        letters = _letters(lines)
        has_objects = pdfium_c.FPDFPage_CountObjects(page.raw) > 0
        scanned = False
        if letters < _SCAN_MAX_LETTERS and has_objects:
            scanned = _image_share(page) >= _SCAN_MIN_IMAGE_SHARE
        return PageScan(lines, letters, scanned, has_objects)
    finally:
        page.close()


def pages_without_text(scans: list[PageScan]) -> list[int]:
    """The pages whose text must be recognised (OCR): pictures with little text on them, and,
    in a document without a single letter, every page that draws anything (text drawn as
    shapes)."""
    if not any(s.letters for s in scans):
        return [i for i, s in enumerate(scans) if s.has_objects]
    return [i for i, s in enumerate(scans) if s.scanned]


def check_has_text(scans: list[PageScan]) -> None:
    """Raise PdfError when there is no text to read: blank pages ("empty"), or pages that are
    pictures of text (a scan) to a document that cannot be recognised here ("no_text")."""
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


_SAMPLED_PAGES = 40  # looked at by `is_scanned`, spread over the document


def is_scanned(path: Path, password: str | None = None) -> bool:
    """Would this PDF have no text to read without OCR (see `check_has_text`)? A quick look
    for the upload form: the letters of the text layer and the pictures of at most
    `_SAMPLED_PAGES` pages, without their lines."""
    pdf = _open_pdfium(path, password)
    try:
        count = len(pdf)
        step = max(1, count / _SAMPLED_PAGES)
        scans = []
        for index in sorted({int(k * step) for k in range(min(count, _SAMPLED_PAGES))}):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                letters = sum(map(str.isalpha, textpage.get_text_range()))
                textpage.close()
                has_objects = pdfium_c.FPDFPage_CountObjects(page.raw) > 0
                scanned = (
                    letters < _SCAN_MAX_LETTERS
                    and has_objects
                    and _image_share(page) >= _SCAN_MIN_IMAGE_SHARE
                )
                scans.append(PageScan([], letters, scanned, has_objects))
            finally:
                page.close()
    finally:
        pdf.close()
    try:
        check_has_text(scans)
    except PdfError as error:
        return error.reason == "no_text"
    return False


def read_pages(path: Path, password: str | None) -> list[PageScan]:
    """Every page's visual lines, in PDFium's reading order, and what tells a scan.

    Raises PdfError when PDFium cannot open the file or sees no pages.
    """
    pdf = _open_pdfium(path, password)
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
                scans.append(PageScan([], 0, False, False))
    finally:
        pdf.close()
    return scans
