"""Small helpers that the tests and the benchmarks share; none of them needs Django."""

import os
import socket
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def big_pdf(path: Path, megabytes: int, extra: int = 0) -> Path:
    """A valid PDF of about `megabytes` (and `extra` bytes) that pypdf opens: a page, and a
    stream of random bytes that no page content uses."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    blob = DecodedStreamObject()
    blob.set_data(os.urandom(megabytes * 1024 * 1024 + extra))
    writer._root_object[NameObject("/Blob")] = writer._add_object(blob)
    with open(path, "wb") as f:
        writer.write(f)
    return path
