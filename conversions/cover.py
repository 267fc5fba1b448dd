"""A book's cover, as a PNG: its PDF's first page rendered small, or, when that page cannot be
rendered or is blank, a typographic cover (the title and author on a colour picked from the
title) that PDFium draws on a page of its own.

Rendered in an isolated child process, like the text (a page that crashes, hangs or eats memory
in the renderer costs the worker nothing but the cover). The PNG is written here with zlib, so
no imaging library is needed: PDFium gives the pixels as RGB rows (`rev_byteorder`) and a PNG
is those rows, each behind a filter byte, deflated. The typographic cover needs a TrueType font
from the OS (DejaVu or Noto Sans, which Debian's browsers and fonts-dejavu-core bring); without
one there is no cover file and the web pages draw the same design as SVG (library/covers.py).
"""

import ctypes
import hashlib
import logging
import struct
import textwrap
import zlib
from pathlib import Path

from .children import ChildFailed, run_isolated

logger = logging.getLogger(__name__)

COVER_HEIGHT = 512  # px: enough for a lock screen, a few tens of KB
BLANK_SPREAD = 6  # grey levels: a page whose pixels all lie this close is treated as blank

# The typographic cover. Backgrounds with white text at WCAG AA contrast (4.5:1 or more).
PALETTE = ["#2f5d8a", "#6b3e75", "#2e6b3f", "#8a3b2f", "#3d5560", "#5a4a8a", "#7a4f14", "#265f6b"]
WIDTH, HEIGHT = 384, 512
MAX_LINES = 6
FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
]


def colour_for(title: str) -> str:
    """The same title always gets the same colour, so such covers still tell books apart."""
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def title_lines(title: str) -> list[str]:
    """The title in lines that fit the cover; a long one ends in an ellipsis."""
    width = 12 if len(title) <= 48 else 16
    lines = textwrap.wrap(title, width=width, break_long_words=True) or ["Audiobook"]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines


def png(width: int, height: int, rgb_rows: bytes) -> bytes:
    """An 8-bit RGB PNG of `height` rows of `width` pixels (3 bytes each, no padding)."""
    stride = width * 3
    raw = b"".join(b"\x00" + rgb_rows[row * stride : (row + 1) * stride] for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _rgb(bitmap) -> bytes:
    width, rows, channels, stride = bitmap.width, bitmap.height, bitmap.n_channels, bitmap.stride
    data = bytes(bitmap.buffer)
    packed = b"".join(data[row * stride : row * stride + width * channels] for row in range(rows))
    if channels == 3:
        return packed
    rgb = bytearray(width * rows * 3)  # RGBA or RGBx: drop every fourth byte
    for channel in range(3):
        rgb[channel::3] = packed[channel::channels]
    return bytes(rgb)


def render_first_page(pdf: str, password: str | None = None, height: int = COVER_HEIGHT) -> bytes:
    """The first page as PNG bytes, b"" when it is blank. Runs in the child."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf, password=password)
    try:
        page = document[0]
        scale = height / page.get_height()
        bitmap = page.render(scale=scale, rev_byteorder=True, fill_color=(255, 255, 255, 255))
        rgb = _rgb(bitmap)
        if max(rgb) - min(rgb) <= BLANK_SPREAD:
            return b""
        return png(bitmap.width, bitmap.height, rgb)
    finally:
        document.close()


def typographic_cover(title: str, author: str = "") -> bytes:
    """The title (and author) set in white on the title's colour, as PNG bytes; b"" without a
    font. Runs in the child."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    font_path = next((Path(p) for p in FONTS if Path(p).exists()), None)
    if font_path is None:
        return b""
    document = pdfium.PdfDocument.new()
    try:
        page = document.new_page(WIDTH, HEIGHT)
        colour = colour_for(title)
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        background = raw.FPDFPageObj_CreateNewRect(0, 0, WIDTH, HEIGHT)
        raw.FPDFPageObj_SetFillColor(background, red, green, blue, 255)
        raw.FPDFPath_SetDrawMode(background, raw.FPDF_FILLMODE_WINDING, False)
        raw.FPDFPage_InsertObject(page.raw, background)
        data = font_path.read_bytes()
        font_buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)  # kept until closed
        font = raw.FPDFText_LoadFont(
            document.raw, font_buffer, len(data), raw.FPDF_FONT_TRUETYPE, True
        )

        def place(text: str, size: float, baseline: float) -> None:
            obj = raw.FPDFPageObj_CreateTextObj(document.raw, font, size)
            encoded = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
            raw.FPDFText_SetText(obj, ctypes.cast(encoded, raw.FPDF_WIDESTRING))
            raw.FPDFPageObj_SetFillColor(obj, 255, 255, 255, 255)
            left, bottom, right, top = (ctypes.c_float() for _ in range(4))
            raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
            width = right.value - left.value
            scale = min(1.0, (WIDTH - 56) / width) if width > 0 else 1.0  # a wide line shrinks
            x = (WIDTH - width * scale) / 2
            raw.FPDFPageObj_Transform(obj, scale, 0, 0, scale, x, baseline)
            raw.FPDFPage_InsertObject(page.raw, obj)

        lines = title_lines(title)
        size = 40 if max(len(line) for line in lines) <= 12 else 30
        step = size * 1.25
        top = HEIGHT * 0.58 + step * (len(lines) - 1) / 2  # PDF's y grows upwards
        for number, line in enumerate(lines):
            place(line, size, top - number * step)
        if author:
            place(textwrap.shorten(author, width=30, placeholder="…"), 20, 56)
        raw.FPDFPage_GenerateContent(page.raw)
        bitmap = page.render(scale=1, rev_byteorder=True)
        return png(bitmap.width, bitmap.height, _rgb(bitmap))
    finally:
        document.close()


def render_cover(pdf: str, password: str | None, title: str, author: str) -> bytes:
    """The first page, or the typographic cover when it gives no picture. Runs in the child."""
    try:
        first = render_first_page(pdf, password)
    except Exception as error:  # unreadable: the typographic cover stands in
        logger.info("first page of %s not rendered: %s", pdf, error)
        first = b""
    return first or typographic_cover(title, author)


def write_cover(
    pdf: Path, out: Path, password: str | None = None, *, title: str = "", author: str = ""
) -> Path | None:
    """Render the cover of `pdf` into `out` (a PNG): its first page, else a typographic cover
    of `title` and `author`; None when neither could be made."""
    try:
        data = run_isolated(
            render_cover, str(pdf), password, title or Path(pdf).stem, author,
            timeout=60, memory_mb=1024, name="cover",
        )  # fmt: skip
    except (ChildFailed, Exception) as error:  # a cover is a nicety: never fail a book for it
        logger.warning("no cover for %s: %s", pdf, error)
        return None
    if not data:
        return None
    out.write_bytes(data)
    return out
