"""A book's cover: its PDF's first page rendered small, as a PNG.

Rendered by PDFium in an isolated child process, like the text (a page that crashes, hangs or
eats memory in the renderer costs the worker nothing but the cover). The PNG is written here
with zlib, so no imaging library is needed: PDFium gives the pixels as RGB rows (`rev_byteorder`)
and a PNG is those rows, each behind a filter byte, deflated. A page that cannot be rendered,
or renders blank (a scanned page PDFium cannot draw, an empty first page), gives no cover; the
web pages then draw a typographic one (library/covers.py).
"""

import logging
import struct
import zlib
from pathlib import Path

from .children import ChildFailed, run_isolated

logger = logging.getLogger(__name__)

COVER_HEIGHT = 512  # px: enough for a lock screen, a few tens of KB
BLANK_SPREAD = 6  # grey levels: a page whose pixels all lie this close is treated as blank


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


def render_first_page(pdf: str, password: str | None = None, height: int = COVER_HEIGHT) -> bytes:
    """The first page as PNG bytes, b"" when it is blank. Runs in the child."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf, password=password)
    try:
        page = document[0]
        scale = height / page.get_height()
        bitmap = page.render(scale=scale, rev_byteorder=True, fill_color=(255, 255, 255, 255))
        width, rows = bitmap.width, bitmap.height
        channels = bitmap.n_channels
        data = bytes(bitmap.buffer)
        stride = bitmap.stride
        packed = b"".join(
            data[row * stride : row * stride + width * channels] for row in range(rows)
        )
        if channels == 3:
            rgb = packed
        else:  # RGBA or RGBx: drop every fourth byte
            rgb = bytearray(width * rows * 3)
            for channel in range(3):
                rgb[channel::3] = packed[channel::channels]
        if max(rgb) - min(rgb) <= BLANK_SPREAD:
            return b""
        return png(width, rows, bytes(rgb))
    finally:
        document.close()


def write_cover(pdf: Path, out: Path, password: str | None = None) -> Path | None:
    """Render the cover of `pdf` into `out` (a PNG); None when the page gives none."""
    try:
        data = run_isolated(
            render_first_page, str(pdf), password, timeout=60, memory_mb=1024, name="cover"
        )
    except (ChildFailed, Exception) as error:  # a cover is a nicety: never fail a book for it
        logger.warning("no cover for %s: %s", pdf, error)
        return None
    if not data:
        return None
    out.write_bytes(data)
    return out
