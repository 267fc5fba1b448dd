"""Image-only copies of real PDFs, as a scanner would make them: every page rendered to a grey
picture with PDFium, and a new PDF made of those pictures alone (no text layer), with pypdf
compressing each picture. The OCR tests and bench/ocr.py read them."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
)

SCAN_DPI = 300  # what a scanner set for text gives


def _image_page(writer: pypdf.PdfWriter, pixels, width_pt: float, height_pt: float) -> None:
    """A page of `width_pt` x `height_pt` covered by one grey picture (8 bits a pixel)."""
    rows, cols = pixels.shape
    image = StreamObject()
    image[NameObject("/Type")] = NameObject("/XObject")
    image[NameObject("/Subtype")] = NameObject("/Image")
    image[NameObject("/Width")] = NumberObject(cols)
    image[NameObject("/Height")] = NumberObject(rows)
    image[NameObject("/ColorSpace")] = NameObject("/DeviceGray")
    image[NameObject("/BitsPerComponent")] = NumberObject(8)
    image[NameObject("/Filter")] = NameObject("/FlateDecode")
    image._data = zlib.compress(pixels.tobytes(), 6)
    page = writer.add_blank_page(width=width_pt, height=height_pt)
    content = DecodedStreamObject()
    content.set_data(f"q {width_pt:.2f} 0 0 {height_pt:.2f} 0 0 cm /Scan Do Q".encode())
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Scan"): writer._add_object(image)})}
    )
    page[NameObject("/Contents")] = writer._add_object(content)
    page[NameObject("/MediaBox")] = ArrayObject(
        [NumberObject(0), NumberObject(0), pypdf.generic.FloatObject(width_pt),
         pypdf.generic.FloatObject(height_pt)]
    )  # fmt: skip


def image_only_copy(
    source: str | Path, target: str | Path, pages: Sequence[int] | None = None, dpi: int = SCAN_DPI
) -> Path:
    """Write a copy of `source` (the `pages` given, 0-based, else all) with pictures of its
    pages instead of text, and return `target`."""
    pdf = pdfium.PdfDocument(str(source))
    writer = pypdf.PdfWriter()
    try:
        for index in pages if pages is not None else range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            pixels = page.render(scale=dpi / 72, grayscale=True).to_numpy()
            if pixels.ndim == 3:
                pixels = pixels[:, :, 0]
            page.close()
            _image_page(writer, pixels, width, height)
    finally:
        pdf.close()
    target = Path(target)
    with open(target, "wb") as fh:
        writer.write(fh)
    return target
