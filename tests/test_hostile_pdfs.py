"""Hostile PDFs through the upload form and the real worker: truncated and mutated corpus
files, and hand-made traps (page-tree loops, a huge /Count, a decompression bomb, a deep
outline, bidi and control characters, a dangling XRef, an object-stream cycle).

Every file is made at run time in a temporary folder. The upload answers 302 (a book and a
queued job) or 422 with a sentence for the user, keeping nothing; the worker ends each
accepted job completed or failed with one of the pipeline's reasons, never "An unexpected
error", and stays alive. Timeouts here are hang detectors, not speed limits.
"""

from __future__ import annotations

import functools
import random
import re
import resource
import signal
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from conversions import pdftext
from conversions.models import ConversionJob
from conversions.pipeline import SPEECH_FAILED
from library.models import Audiobook, AudiobookDetails
from tests import factories
from tests.corpus import corpus_pdf

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Messages the upload form may answer with: the parser's reasons and its own checks.
FORM_MESSAGES = [*pdftext.REASONS.values(), "This file is empty."]
WORKER_MESSAGES = {*pdftext.REASONS.values(), SPEECH_FAILED}
PARSE_TIMEOUT = 60  # hang detector for the isolated parser (its default is 300 s)


# ---- building PDFs from raw objects ------------------------------------------------------------


def raw_pdf(objects: dict[int, bytes], root: int = 1, *, info: int | None = None) -> bytes:
    """A PDF from numbered object bodies, with a correct classic xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        if num in offsets:
            out += b"%010d 00000 n \n" % offsets[num]
        else:
            out += b"0000000000 65535 f \n"
    trailer = b"/Size %d /Root %d 0 R" % (size, root)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n<< " + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
TEXT = b"BT /F1 12 Tf 72 720 Td (Call me Ishmael. Some years ago I went to sea.) Tj ET"


def page(contents: int = 4, parent: int = 2) -> bytes:
    return (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>" % (parent, contents)
    )


def one_page(catalog_extra: bytes = b"", **more: bytes) -> dict[int, bytes]:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: page(),
        4: stream(TEXT),
        5: FONT,
    }
    return objects


def pages_loop() -> bytes:
    objects = one_page()
    objects[2] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"
    return raw_pdf(objects)


def pages_loop_indirect() -> bytes:
    # Two /Pages nodes, each the other's kid.
    objects = one_page()
    objects[2] = b"<< /Type /Pages /Kids [6 0 R 3 0 R] /Count 2 >>"
    objects[6] = b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"
    return raw_pdf(objects)


def huge_count() -> bytes:
    objects = one_page()
    objects[2] = b"<< /Type /Pages /Kids [3 0 R] /Count 2147483648 >>"
    return raw_pdf(objects)


def negative_count() -> bytes:
    objects = one_page()
    objects[2] = b"<< /Type /Pages /Kids [3 0 R] /Count -5 >>"
    return raw_pdf(objects)


BOMB_BYTES = 1 << 30  # what the bomb's content stream inflates to


@functools.cache
def bomb_stream() -> bytes:
    compressor = zlib.compressobj(9)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(BOMB_BYTES >> 20)]
    parts.append(compressor.flush())
    return b"".join(parts)


def decompression_bomb() -> bytes:
    objects = one_page()
    objects[3] = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 6 0 R] "
        b"/Resources << /Font << /F1 5 0 R >> >> >>"
    )
    objects[6] = stream(bomb_stream(), b"/Filter /FlateDecode")
    return raw_pdf(objects)


def bomb_metadata() -> bytes:
    # The bomb as the XMP metadata stream: something an "open and read the title" might touch.
    objects = one_page(b"/Metadata 6 0 R ")
    objects[6] = stream(bomb_stream(), b"/Type /Metadata /Subtype /XML /Filter /FlateDecode")
    return raw_pdf(objects)


def deep_outline(levels: int = 5000) -> bytes:
    objects = one_page(b"/Outlines 10 0 R ")
    first = 11
    objects[10] = b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (
        first,
        first,
        levels,
    )
    for k in range(levels):
        num = first + k
        parent = 10 if k == 0 else num - 1
        kids = b"/First %d 0 R /Last %d 0 R /Count 1 " % (num + 1, num + 1)
        body = b"<< /Title (Level %d) /Parent %d 0 R /Dest [3 0 R /Fit] " % (k, parent)
        objects[num] = body + (kids if k < levels - 1 else b"") + b">>"
    return raw_pdf(objects)


def outline_loop() -> bytes:
    # Sibling chain that comes back to its start, and an entry that is its own child.
    objects = one_page(b"/Outlines 10 0 R ")
    objects[10] = b"<< /Type /Outlines /First 11 0 R /Last 12 0 R /Count 2 >>"
    objects[11] = b"<< /Title (One) /Parent 10 0 R /Next 12 0 R /Dest [3 0 R /Fit] >>"
    objects[12] = (
        b"<< /Title (Two) /Parent 10 0 R /Next 11 0 R /First 12 0 R /Last 12 0 R /Count 1 "
        b"/Dest [3 0 R /Fit] >>"
    )
    return raw_pdf(objects)


def utf16(text: str) -> bytes:
    return b"<" + (b"\xfe\xff" + text.encode("utf-16-be")).hex().encode() + b">"


HOSTILE_TITLE = "Invoice\u202egpj.exe\u202c \x00\x07\x1b[31m \u05e9\u05dc\u05d5\u05dd \u2067x\u2069"


def control_titles() -> bytes:
    objects = one_page(b"/Outlines 10 0 R ")
    objects[10] = b"<< /Type /Outlines /First 11 0 R /Last 12 0 R /Count 2 >>"
    objects[11] = (
        b"<< /Title " + utf16(HOSTILE_TITLE) + b" /Parent 10 0 R /Next 12 0 R /Dest [3 0 R /Fit] >>"
    )
    objects[12] = (
        b"<< /Title " + utf16("\u202b\u0645\u0631\u062d\u0628\u0627\u202c\r\n\t\x08")
        + b" /Parent 10 0 R /Prev 11 0 R /Dest [3 0 R /XYZ 0 700 0] >>"
    )  # fmt: skip
    objects[13] = (
        b"<< /Title " + utf16(HOSTILE_TITLE) + b" /Author " + utf16("\u202eevil\x01\x02") + b" >>"
    )
    return raw_pdf(objects, info=13)


def control_titles_bytes() -> bytes:
    # PDFDocEncoding (not UTF-16) with raw control bytes and an unbalanced escape.
    objects = one_page()
    objects[13] = b"<< /Title (Bad\\000\\033\\377\\200 title\\) /Author <00010203> >>"
    return raw_pdf(objects, info=13)


def xref_past_end() -> bytes:
    data = raw_pdf(one_page())
    return re.sub(rb"startxref\n\d+", b"startxref\n99999999", data)


def xref_entries_past_end() -> bytes:
    # The table is found, but every entry points past the end of the file.
    data = raw_pdf(one_page())
    return re.sub(rb"\d{10} 00000 n", b"0099999999 00000 n", data)


def xref_stream_pdf(objects: dict[int, bytes], compressed: dict[int, tuple[int, int]]) -> bytes:
    """Objects (some declared as living in object streams) and a cross-reference stream."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref_num = max([*objects, *compressed]) + 1
    offsets[xref_num] = len(out)
    rows = [bytes([0, 0, 0, 0, 0xFF, 0xFF])]
    for num in range(1, xref_num + 1):
        if num in compressed:
            container, index = compressed[num]
            rows.append(bytes([2]) + container.to_bytes(4, "big") + index.to_bytes(1, "big"))
        elif num in offsets:
            rows.append(bytes([1]) + offsets[num].to_bytes(4, "big") + b"\x00")
        else:
            rows.append(bytes(6))
    data = b"".join(rows)
    extra = b"/Type /XRef /Size %d /W [1 4 1] /Root 1 0 R" % (xref_num + 1)
    out += b"%d 0 obj\n" % xref_num + stream(data, extra) + b"\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_num]
    return bytes(out)


def objstm_cycle() -> bytes:
    # Object stream 6 is declared to live inside itself; object stream 7 extends 8, which
    # extends 7; the page tree lives in those streams.
    objects = one_page()
    pages = objects.pop(2)
    body = b"2 0 " + pages
    objects[6] = stream(body, b"/Type /ObjStm /N 1 /First 4")
    objects[7] = stream(b"9 0 (x)", b"/Type /ObjStm /N 1 /First 4 /Extends 8 0 R")
    objects[8] = stream(b"9 0 (y)", b"/Type /ObjStm /N 1 /First 4 /Extends 7 0 R")
    compressed = {2: (6, 0), 6: (6, 0), 9: (7, 0)}
    del objects[6]
    return xref_stream_pdf(objects, compressed)


def objstm_mutual() -> bytes:
    # Two object streams, each declared to be inside the other; the catalog is in one.
    objects = one_page()
    del objects[1]
    compressed = {1: (6, 0), 6: (7, 0), 7: (6, 1)}
    return xref_stream_pdf(objects, compressed)


def deep_array() -> bytes:
    # An array nested 100,000 deep in the page's resources: recursive parsers overflow.
    objects = one_page()
    objects[3] = page().replace(b">> >>", b">> /Junk " + b"[" * 100_000 + b"]" * 100_000 + b" >>")
    return raw_pdf(objects)


def header_only() -> bytes:
    return b"%PDF-1.7"


def zero_bytes() -> bytes:
    return b""


# ---- corpus truncations and mutations ----------------------------------------------------------

SMALL_CORPUS = ["minimal-document.pdf", "crazyones-pdfa.pdf", "pdfkit.pdf", "pdflatex-outline.pdf"]


def truncated(name: str, fraction: float) -> Callable[[], bytes]:
    def make() -> bytes:
        data = corpus_pdf(name).read_bytes()
        return data[: max(1, int(len(data) * fraction))]

    return make


def mutated(name: str, seed: int, flips: int) -> Callable[[], bytes]:
    def make() -> bytes:
        data = bytearray(corpus_pdf(name).read_bytes())
        rng = random.Random(seed)
        for _ in range(flips):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)

    return make


HOSTILE: dict[str, Callable[[], bytes]] = {
    "zero-bytes": zero_bytes,
    "header-only": header_only,
    "pages-loop": pages_loop,
    "pages-loop-indirect": pages_loop_indirect,
    "huge-count": huge_count,
    "negative-count": negative_count,
    "decompression-bomb": decompression_bomb,
    "bomb-metadata": bomb_metadata,
    "deep-outline": deep_outline,
    "outline-loop": outline_loop,
    "control-rtl-titles": control_titles,
    "control-title-bytes": control_titles_bytes,
    "xref-past-end": xref_past_end,
    "xref-entries-past-end": xref_entries_past_end,
    "objstm-cycle": objstm_cycle,
    "objstm-mutual": objstm_mutual,
    "deep-array": deep_array,
}
for _name in SMALL_CORPUS[:3]:
    for _fraction in (0.05, 0.5, 0.97):
        HOSTILE[f"truncated-{_name[:-4]}-{int(_fraction * 100)}pct"] = truncated(_name, _fraction)
for _name, _seed, _flips in [
    ("minimal-document.pdf", 1, 10),
    ("minimal-document.pdf", 2, 200),
    ("crazyones-pdfa.pdf", 3, 10),
    ("crazyones-pdfa.pdf", 4, 200),
    ("pdfkit.pdf", 5, 10),
    ("pdfkit.pdf", 6, 200),
    ("pdflatex-outline.pdf", 7, 50),
    ("pdflatex-outline.pdf", 8, 2000),
]:
    HOSTILE[f"mutated-{_name[:-4]}-seed{_seed}-{_flips}"] = mutated(_name, _seed, _flips)


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


def hostile_file(folder: Path, name: str) -> Path:
    path = folder / f"{name}.pdf"
    if not path.exists():
        path.write_bytes(HOSTILE[name]())
    return path


def test_there_are_enough_hostile_files():
    assert len(HOSTILE) >= 30


# ---- what happened to each file, printed at the end ---------------------------------------

OUTCOMES: dict[str, dict[str, str]] = {}


def reason_key(message: str) -> str:
    keys = {text: key for key, text in pdftext.REASONS.items()}
    return keys.get(message, "speech_failed" if message == SPEECH_FAILED else message)


@pytest.fixture(scope="module", autouse=True)
def _outcome_table(request):
    yield
    if not OUTCOMES:
        return
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["", "hostile PDF | inspect_pdf | upload | worker"]
    for name in HOSTILE:
        if name in OUTCOMES:
            row = OUTCOMES[name]
            lines.append(
                f"{name} | {row.get('inspect', '-')} | {row.get('upload', '-')} | "
                f"{row.get('worker', '-')}"
            )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("\n".join(lines))


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


class hang_detector:
    """SIGALRM after `seconds`: a hang becomes a failure instead of a stuck suite."""

    def __init__(self, seconds: int):
        self.seconds = seconds

    def __enter__(self):
        def alarm(signum, frame):
            raise TimeoutError(f"still running after {self.seconds} s")

        self.previous = signal.signal(signal.SIGALRM, alarm)
        signal.alarm(self.seconds)

    def __exit__(self, *exc):
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.previous)


# ---- inspect_pdf runs in the web process: it must stay small and quick --------------------


@pytest.mark.parametrize("name", list(HOSTILE))
def test_inspect_pdf_is_bounded(name, hostile_dir):
    path = hostile_file(hostile_dir, name)
    before = max_rss_mb()
    with hang_detector(60):
        try:
            info = pdftext.inspect_pdf(path)
        except pdftext.PdfError as error:
            outcome = error.reason
        else:
            outcome = f"ok ({info.page_count} p.)"
            assert 1 <= info.page_count < 2**31
            for text in (info.title, info.author):
                assert not re.search("[\x00-\x08\x0b-\x1f\u202a-\u202e\u2066-\u2069]", text)
    # Nothing decompressed or walked without bound here (the bomb inflates to 1 GB).
    assert max_rss_mb() - before < 200
    OUTCOMES.setdefault(name, {})["inspect"] = outcome


# ---- upload, then the real worker ---------------------------------------------------------


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def bounded_parser(monkeypatch):
    # The pipeline looks extract_document_isolated up at call time (pipeline.read_document).
    monkeypatch.setattr(
        pdftext,
        "extract_document_isolated",
        functools.partial(pdftext.extract_document_isolated, timeout=PARSE_TIMEOUT),
    )


def run_worker() -> int:
    with hang_detector(PARSE_TIMEOUT + 240):
        return factories.run_worker(processes=1, most=10)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_pdf_through_upload_and_worker(name, hostile_dir, owner, settings, bounded_parser):
    path = hostile_file(hostile_dir, name)
    upload = SimpleUploadedFile(f"{name}.pdf", path.read_bytes(), "application/pdf")
    response = owner.post("/library/upload/", {"pdf": upload})
    page = response.content.decode(errors="replace")
    assert response.status_code in (302, 422), response.status_code
    assert "Traceback" not in page
    row = OUTCOMES.setdefault(name, {})

    if response.status_code == 422:
        shown = [m for m in FORM_MESSAGES if escape(m) in page]
        assert shown, f"no reason for the user in the page: {page[:2000]}"
        row["upload"] = (
            f"422 {reason_key(shown[0]) if shown[0] in pdftext.REASONS.values() else shown[0]}"
        )
        assert not Audiobook.objects.exists()
        assert not ConversionJob.objects.exists()
        assert not AudiobookDetails.objects.exists()
        assert media_files(settings) == []
        return

    book = Audiobook.objects.get()
    assert response.url == f"/library/{book.pk}/"
    assert book.jobs.get().status == ConversionJob.Status.QUEUED
    assert len(media_files(settings)) == 1
    row["upload"] = "302"

    before = max_rss_mb()
    assert run_worker() == 1  # and this process, the worker, is still here
    # The parsing happened in a child: the bomb's gigabyte never reached the worker.
    assert max_rss_mb() - before < 300

    assert not ConversionJob.objects.filter(status__in=ConversionJob.ACTIVE_STATUSES).exists()
    job = book.jobs.get()
    book.refresh_from_db()
    assert job.status in ("completed", "failed")
    assert book.status == job.status
    if job.status == "failed":
        assert job.error_message in WORKER_MESSAGES, job.error_message
        row["worker"] = f"failed: {reason_key(job.error_message)}"
    else:
        assert book.audio_path and book.details.duration > 0
        assert not re.search("[\x00-\x08\x0b-\x1f\u202a-\u202e\u2066-\u2069]", book.title)
        chapters = book.details.chapters
        for chapter in chapters:
            assert not re.search("[\x00-\x1f\u202a-\u202e\u2066-\u2069]", chapter["title"])
        row["worker"] = f"completed ({len(chapters)} chapter(s))"
