"""Tests for conversions/pdftext/: PDF -> chapters of clean narration text, read in-process
or isolated in a child process (conversions/children.py).

Real files first: every PDF in tests/data converts or fails with its expected reason, and
the long Debian manuals are scored against their own HTML/text versions with
tests/score_text.py. Small generated PDFs and plain strings cover exact shapes (a page
tree loop, headers across pages, hyphenation). No database.
"""

import collections
import json
import logging
import re
import subprocess
import sys
import time
import unicodedata
from functools import cache
from pathlib import Path

import pypdf
import pytest

from conversions import pdftext
from conversions.children import ChildFailed, run_isolated
from conversions.pdftext import Chapter, Document, Line, PdfError
from tests import score_text
from tests.corpus import (
    CORPUS_PDFS,
    MANUAL_TRUTH,
    MANUALS,
    REPO,
    bash_sections,
    corpus_pdf,
    manual,
)
from tests.needs import require

# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


@cache
def manifest() -> dict:
    """tests/data/manifest.json: each PDF's source and, where its source gives it, its text."""
    path = CORPUS_PDFS / "manifest.json"
    return {entry["file"]: entry for entry in json.loads(path.read_text())["files"]}


@cache
def extracted(path: str, password: str | None = None) -> Document:
    """Extraction is the slow part of the manual tests: once per file."""
    return pdftext.extract_document(path, password)


def pdf_bytes(objects: list[bytes]) -> bytes:
    """A well-formed PDF from object bodies (object 1 is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def text_pdf(pages: list[list[tuple[float, float, float, str]]]) -> bytes:
    """A PDF whose pages hold (x, y, font size, text) strings in Helvetica."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for items in pages:
        ops = []
        for x, y, size, text in items:
            escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /F1 {size} Tf {x} {y} Td ({escaped}) Tj ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % len(objects)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    return pdf_bytes(objects)


def prose_pages(n_pages: int, words_per_page: int = 300, header: str | None = None) -> list:
    """Pages of numbered prose sentences, 14 words to a line, optionally with a running
    header and a page number at the foot."""
    pages = []
    word = 0
    for p in range(n_pages):
        items = []
        if header:
            items.append((72, 760, 9, header))
        y = 720
        words = []
        for _ in range(words_per_page):
            words.append(f"word{word % 97}x" if word % 11 else "Sentence")
            word += 1
        text_lines = [" ".join(words[i : i + 14]) for i in range(0, len(words), 14)]
        for i, line in enumerate(text_lines):
            if i % 5 == 4:
                line += "."  # a paragraph ends every five lines
            items.append((72, y, 11, line))
            y -= 14 if i % 5 != 4 else 26
        items.append((300, 40, 9, str(p + 1)))
        pages.append(items)
    return pages


def words_of(doc: Document) -> list[str]:
    return [w for chapter in doc.chapters for p in chapter.paragraphs for w in p.split()]


# --------------------------------------------------------------------------------------
# Every corpus PDF: converts, or fails with the expected reason
# --------------------------------------------------------------------------------------

# None: converts to at least one chapter with text. A string: PdfError with that reason.
CORPUS_OUTCOMES: dict[str, str | None] = {
    "002-trivial-libre-office-writer.pdf": None,
    "GeoTopo-komprimiert.pdf": None,
    "annotated_pdf.pdf": None,
    "base64image.pdf": "no_text",  # a picture; its only text is the annotator's watermark
    "cmyk-image.pdf": "no_text",
    "crazyones-pdfa.pdf": None,
    "derived-truncated-pdflatex-4-pages.pdf": "damaged",
    "google-doc-document.pdf": None,
    "grayscale-image.pdf": "no_text",
    "habibi-oneline-cmap.pdf": None,
    "habibi-rotated.pdf": None,
    "habibi.pdf": None,
    "imagemagick-CCITTFaxDecode.pdf": "no_text",
    "imagemagick-images.pdf": "no_text",
    "inline-image.pdf": None,  # one word beside a small picture is still text
    "libreoffice-form.pdf": None,
    "libreoffice-writer-password.pdf": "password",  # without its password
    "minimal-document.pdf": None,
    "mistitled_outlines_example.pdf": None,
    "multicolumn.pdf": None,
    "pdfkit.pdf": None,
    "pdflatex-4-pages.pdf": None,
    "pdflatex-outline.pdf": None,
    "unreadablemetadata.pdf": "damaged",  # pypdf opens it; counting its pages fails
}

# Where Tesseract is installed the pictures are read: text where they show some, else nothing.
WITH_OCR: dict[str, str | None] = {
    "base64image.pdf": None,  # a screenshot of an issue tracker: its words are read
    "cmyk-image.pdf": "empty",  # photographs
    "grayscale-image.pdf": "empty",
    "imagemagick-CCITTFaxDecode.pdf": "empty",
    "imagemagick-images.pdf": "empty",
}

# Reasons that opening the file already finds (inspect_pdf); "no_text" needs the pages read.
OPEN_REASONS = {"not_pdf", "damaged", "password", "empty"}


def corpus_names() -> list[str]:
    listed = {p.name for p in CORPUS_PDFS.glob("*.pdf")}
    return sorted(listed | set(CORPUS_OUTCOMES))


@pytest.mark.parametrize("name", corpus_names())
def test_corpus_pdf_converts_or_fails_with_its_reason(name):
    assert name in CORPUS_OUTCOMES, (
        f"new corpus file {name}: add its expected outcome to CORPUS_OUTCOMES"
    )
    path = corpus_pdf(name)
    expected = CORPUS_OUTCOMES[name]
    if name in WITH_OCR and pdftext.ocr_available():
        expected = WITH_OCR[name]
    if expected is None:
        doc = pdftext.extract_document(path)
        assert doc.chapters and all(ch.paragraphs for ch in doc.chapters)
        assert re.search(r"[^\W\d_]", pdftext.narration_text(doc))
        assert doc.page_count == pdftext.inspect_pdf(path).page_count >= 1
    else:
        with pytest.raises(PdfError) as caught:
            pdftext.extract_document(path)
        assert caught.value.reason == expected, caught.value.detail
        assert str(caught.value) == pdftext.REASONS[expected]
        if expected in OPEN_REASONS and name not in WITH_OCR:  # OCR found nothing: "empty"
            with pytest.raises(PdfError) as caught:
                pdftext.inspect_pdf(path)
            assert caught.value.reason == expected


@pytest.mark.parametrize("name", sorted(WITH_OCR))
def test_pictures_without_ocr_have_no_text(name, monkeypatch):
    monkeypatch.setattr(pdftext, "ocr_available", lambda: False)
    with pytest.raises(PdfError) as caught:
        pdftext.extract_document(corpus_pdf(name))
    assert caught.value.reason == CORPUS_OUTCOMES[name] == "no_text"
    assert pdftext.is_scanned(corpus_pdf(name))


@pytest.mark.parametrize("password", ["openpassword", "permissionpassword"])
def test_password_protected_pdf_opens_with_its_password(password):
    path = corpus_pdf("libreoffice-writer-password.pdf")
    info = pdftext.inspect_pdf(path, password=password)
    assert info.encrypted and info.page_count == 1
    text = pdftext.narration_text(pdftext.extract_document(path, password=password))
    assert text.startswith("Lorem ipsum dolor sit amet")


def test_wrong_password_is_a_password_error():
    path = corpus_pdf("libreoffice-writer-password.pdf")
    for call in (pdftext.inspect_pdf, pdftext.extract_document):
        with pytest.raises(PdfError) as caught:
            call(path, password="not-the-password")
        assert caught.value.reason == "password"


def test_pdfium_decrypts_when_pypdf_lacks_its_crypto_package(monkeypatch):
    # AES needs an optional package in pypdf; PDFium then does the decrypting.
    from pypdf.errors import DependencyError

    def no_aes(self, password):
        raise DependencyError("cryptography is required for AES")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", no_aes)
    path = corpus_pdf("libreoffice-writer-password.pdf")
    assert pdftext.inspect_pdf(path, password="openpassword").page_count == 1
    doc = pdftext.extract_document(path, password="openpassword")
    assert "Lorem ipsum" in pdftext.narration_text(doc)
    with pytest.raises(PdfError) as caught:
        pdftext.inspect_pdf(path)
    assert caught.value.reason == "password"


# Corpus files whose manifest gives the exact text: a high bar, except the Arabic ones.
# PDFium reverses the letters of habibi's ligature glyph (it maps to the whole word in
# logical order, then PDFium's right-to-left pass turns it round) and the file repeats the
# word in an invisible copy; only the Latin word can be held to.
@pytest.mark.parametrize(
    "name",
    [
        "minimal-document.pdf",
        "002-trivial-libre-office-writer.pdf",
        "pdfkit.pdf",
        "inline-image.pdf",
    ],
)
def test_corpus_text_matches_the_expected_text(name):
    expected = manifest()[name]["expected_text"]
    text = pdftext.narration_text(pdftext.extract_document(corpus_pdf(name)))
    result = score_text.score(text, expected)
    assert result["f1"] >= 0.97, result
    assert result["words_25plus_letters"] == 0


def test_password_file_text_matches_the_expected_text():
    expected = manifest()["libreoffice-writer-password.pdf"]["expected_text"]
    doc = pdftext.extract_document(corpus_pdf("libreoffice-writer-password.pdf"), "openpassword")
    assert score_text.score(pdftext.narration_text(doc), expected)["f1"] >= 0.97


@pytest.mark.parametrize("name", ["habibi.pdf", "habibi-oneline-cmap.pdf"])
def test_arabic_corpus_files_keep_their_latin_word_and_drop_unmapped_glyphs(name):
    text = pdftext.narration_text(pdftext.extract_document(corpus_pdf(name)))
    assert "habibi" in text.split()
    # Glyphs without a Unicode mapping come out of PDFium as Greek look-alikes.
    assert not re.search(r"[\u0370-\u03ff]", text), text


def test_minimal_document_joins_tex_hyphenation_and_drops_the_page_number():
    doc = pdftext.extract_document(corpus_pdf("minimal-document.pdf"))
    text = pdftext.narration_text(doc)
    assert "takimata" in text and "taki-" not in text
    assert not re.search(r"\b1\s*$", text)


def test_ligatures_become_letters():
    text = pdftext.narration_text(extracted(str(corpus_pdf("GeoTopo-komprimiert.pdf"))))
    assert not re.search("[\ufb00-\ufb06]", text)
    assert "Definition" in text and "Begriff" in text


def test_private_use_flag_glyphs_are_dropped():
    text = pdftext.narration_text(pdftext.extract_document(corpus_pdf("google-doc-document.pdf")))
    assert not re.search("[\ue000-\uf8ff\U000f0000-\U0010ffff]", text)
    assert "Beautiful is better than ugly." in text


def test_multicolumn_page_reads_left_column_then_right():
    doc = pdftext.extract_document(corpus_pdf("multicolumn.pdf"))
    text = pdftext.narration_text(doc)
    # \lipsum[1] then [2]: the first paragraph of the right column follows the left one's.
    first = text.index("Lorem ipsum dolor sit amet, consectetuer adipiscing elit.")
    second = text.index("Nam dui ligula, fringilla a, euismod sodales")
    assert first < second
    assert "adipiscing elit" in text and "adip iscing" not in text and "adip-" not in text
    # every paragraph of lipsum text ends a sentence: no column was cut into another's line
    lipsum = [p for p in doc.chapters[0].paragraphs if len(p) > 300]
    assert lipsum and all(p.endswith(".") for p in lipsum)


# --------------------------------------------------------------------------------------
# Files that are not PDFs, or barely
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "not_pdf"),
        (b"Hello, I am plain text, not a PDF at all.\n", "not_pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not_pdf"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog", "damaged"),
        (
            pdf_bytes(
                [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
            ),
            "empty",
        ),
        (
            # The page tree loops: the /Pages node's child lists its own parent as a kid.
            pdf_bytes(
                [
                    b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 4 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>",
                ]
            ),
            "damaged",
        ),
    ],
    ids=["zero-bytes", "text-file", "png", "truncated", "no-pages", "page-tree-loop"],
)
def test_broken_files_fail_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "upload.pdf"
    path.write_bytes(content)
    for call in (pdftext.inspect_pdf, pdftext.extract_document):
        with pytest.raises(PdfError) as caught:
            call(path)
        assert caught.value.reason == reason, caught.value.detail
        assert caught.value.message == pdftext.REASONS[reason]


def corrupted_copies(data: bytes, count: int, seed: int) -> list[bytes]:
    """Copies of a PDF with bytes overwritten or the tail cut off, reproducibly."""
    import random

    rng = random.Random(seed)
    copies = []
    for n in range(count):
        copy = bytearray(data)
        if n % 3 == 0:
            copy = copy[: rng.randrange(len(copy) // 4, len(copy))]
        for _ in range(rng.randrange(1, 40)):
            at = rng.randrange(len(copy))
            copy[at : at + 8] = bytes(rng.randrange(256) for _ in range(8))
        copies.append(bytes(copy))
    return copies


@pytest.mark.parametrize(
    "name", ["pdflatex-outline.pdf", "libreoffice-form.pdf", "crazyones-pdfa.pdf"]
)
def test_corrupted_files_convert_or_fail_with_a_reason(tmp_path, name):
    data = corpus_pdf(name).read_bytes()
    for n, copy in enumerate(corrupted_copies(data, 12, seed=n_seed(name))):
        path = tmp_path / f"{n}.pdf"
        path.write_bytes(copy)
        try:
            doc = pdftext.extract_document(path)
        except PdfError as error:
            assert error.reason in pdftext.REASONS
        else:
            assert doc.chapters and doc.page_count >= 1


def n_seed(name: str) -> int:
    return sum(name.encode())


def test_blank_pages_are_empty(tmp_path):
    path = tmp_path / "blank.pdf"
    path.write_bytes(text_pdf([[], []]))
    assert pdftext.inspect_pdf(path).page_count == 2
    with pytest.raises(PdfError) as caught:
        pdftext.extract_document(path)
    assert caught.value.reason == "empty"


def test_reasons_are_short_user_sentences():
    assert {"not_pdf", "damaged", "password", "no_text", "empty", "timeout"} <= set(pdftext.REASONS)
    for sentence in pdftext.REASONS.values():
        assert sentence.endswith(".") and len(sentence) < 120
    assert "OCR" in pdftext.REASONS["no_text"]
    with pytest.raises(ValueError):
        PdfError("no_such_reason")


def test_generated_pdf_text_comes_through(tmp_path):
    path = tmp_path / "hello.pdf"
    path.write_bytes(text_pdf([[(72, 700, 12, "Hello world. This is a test of the text layer.")]]))
    doc = pdftext.extract_document(path)
    assert doc.page_count == 1
    assert doc.chapters == [Chapter("", ["Hello world. This is a test of the text layer."])]
    assert pdftext.narration_text(doc) == "Hello world. This is a test of the text layer.\n"


# --------------------------------------------------------------------------------------
# The long manuals: quality against their own text or HTML versions
# --------------------------------------------------------------------------------------

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def manual_text(name: str) -> str:
    return pdftext.narration_text(extracted(str(manual(name))))


def score_without_contents(text: str, truth: str, doc: Document) -> float:
    """Bag-of-words F1 against the truth less the printed table of contents, which the truth
    has and the narration leaves out (each entry's words once)."""
    read = score_text.tokens(text)
    expected = score_text.tokens(truth) - score_text.tokens(
        "\n".join(entry.title for entry in doc.contents)
    )
    common = sum((read & expected).values())
    recall = common / max(1, sum(expected.values()))
    precision = common / max(1, sum(read.values()))
    return 2 * recall * precision / max(1e-9, recall + precision)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MANUAL_TRUTH))
def test_manual_text_scores_against_its_truth(name):
    truth = score_text.read(manual(MANUAL_TRUTH[name]))
    doc = extracted(str(manual(name)))
    f1 = score_without_contents(pdftext.narration_text(doc), truth, doc)
    assert f1 >= 0.97, (f1, score_text.score(pdftext.narration_text(doc), truth))


def latin_long_words(text: str) -> int:
    """Runs of 25+ letters outside CJK text: words glued together by lost spaces."""
    text = CJK.sub(" ", unicodedata.normalize("NFKC", text))
    return sum(1 for w in re.findall(r"[^\W\d_]+", text) if len(w) >= 25)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MANUAL_TRUTH))
def test_manual_text_has_no_words_run_together(name):
    text = manual_text(name)
    truth = score_text.read(manual(MANUAL_TRUTH[name]))
    # The truth has a few long "words" of its own (maint-guide: a wiki page name,
    # HowToSetupADebianRepository); more than it has would be lost spaces.
    assert latin_long_words(text) <= latin_long_words(truth)
    if not CJK.search(truth):
        assert (
            score_text.score(text, truth)["words_25plus_letters"]
            <= score_text.score(truth, truth)["words_25plus_letters"]
        )
    # Japanese writes no spaces between words, so there every sentence is one long "word"
    # to the scorer; only the Latin words in it can show lost spaces (the check above).


def raw_page_lines(path: Path) -> list[list[str]]:
    """PDFium's own lines per page, without any of our cleaning."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            text = page.get_textpage().get_text_bounded()
            pages.append([line.strip() for line in text.splitlines() if line.strip()])
        return pages
    finally:
        pdf.close()


def repeated_edge_lines(pages: list[list[str]]) -> dict[str, int]:
    """Lines standing first or last on many pages, digits ignored: running headers and
    footers, found independently of the module's own detection.

    Maps each pattern ("Debian New Maintainers' Guide # / #") to how many pages have it at
    an edge.
    """
    patterns = collections.Counter()
    for lines in pages:
        edge = {re.sub(r"\d+", "#", line) for line in lines[:2] + lines[-2:]}
        for key in edge:
            if re.search(r"[^\W\d_]{3}", key) and len(key.split()) >= 2:
                patterns[key] += 1
    return {key: n for key, n in patterns.items() if n >= max(3, len(pages) // 10)}


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pattern_of(key: str) -> re.Pattern:
    return re.compile(re.escape(squeeze(key)).replace("\\#", "#").replace("#", r"\d+"))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MANUAL_TRUTH))
def test_manual_text_has_no_running_headers_or_page_numbers(name):
    path = manual(name)
    pages = raw_page_lines(path)
    headers = repeated_edge_lines(pages)
    assert len(headers) >= 2, "every manual has running headers or footers to find"
    text = squeeze(manual_text(name))
    raw = squeeze("\n".join("\n".join(lines) for lines in pages))
    for key, at_edges in headers.items():
        pattern = pattern_of(key)
        # The same words elsewhere in the body ("see Chapter 9") stay; a title page may
        # carry the running title once more. A header left on its pages would be dozens.
        allowed = len(pattern.findall(raw)) - at_edges + 1
        assert len(pattern.findall(text)) <= allowed, f"running line {key!r} survived"
    for chapter in extracted(str(path)).chapters:
        for paragraph in chapter.paragraphs:
            assert not re.fullmatch(r"\W*(\d+|[ivx]+)\W*", paragraph, re.I), paragraph
            assert re.search(r"[^\W\d_]", paragraph)


def assert_headings_not_read_twice(doc: Document) -> None:
    """Each chapter starts on its own heading, not with the next one's: the heading is spoken
    as the title, so it is not the chapter's first paragraph again."""
    key = pdftext.chapters.title_key
    for chapter in doc.chapters[1:]:
        assert key(chapter.paragraphs[0]) != key(chapter.title), chapter.title


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(MANUAL_TRUTH) - {"bash.pdf", "fhs-3.0.pdf"}))
def test_manual_chapters_follow_its_outline(name):
    path = manual(name)
    doc = extracted(str(path))
    outline_titles = [
        pdftext.clean_text(item.title)
        for item in pypdf.PdfReader(path).outline
        if not isinstance(item, list)
    ]
    titles = [chapter.title for chapter in doc.chapters if chapter.title != doc.title]
    assert titles and set(titles) <= set(outline_titles)
    assert len(titles) >= 0.8 * len(outline_titles)
    assert_headings_not_read_twice(doc)


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [*(MANUALS / name for name in sorted(set(MANUAL_TRUTH) - {"bash.pdf", "fhs-3.0.pdf"})),
     MANUALS / "debian-faq.ru.pdf", CORPUS_PDFS / "GeoTopo-komprimiert.pdf",
     CORPUS_PDFS / "pdflatex-outline.pdf"],
    ids=lambda path: path.name,
)  # fmt: skip
def test_without_its_outline_a_manual_gets_the_outlines_chapters_from_its_pages(
    path, tmp_path, monkeypatch
):
    from tests.score_chapters import found_chapters, outline_chapters, score, without_outline

    require(path, "scripts/fetch-manuals brings the manuals")
    expected = outline_chapters(path)
    copy = without_outline(path, tmp_path / path.name)
    assert outline_chapters(copy) == []
    result = score(found_chapters(pdftext.extract_document(copy)), expected)
    assert result.precision >= 0.9 and result.recall >= 0.9, result
    # From the headings alone, without the printed contents to confirm them.
    monkeypatch.setattr(pdftext.headings, "contents_starts", lambda *args: [])
    alone = score(found_chapters(pdftext.extract_document(copy)), expected)
    assert alone.precision >= 0.9 and alone.recall >= 0.9, alone


@pytest.mark.slow
def test_an_outline_of_one_entry_gives_way_to_the_headings(monkeypatch):
    path = manual("maint-guide.en.pdf")
    whole = pdftext.extract_document(path)
    real = pdftext.outline_entries
    monkeypatch.setattr(pdftext, "outline_entries", lambda *args: real(*args)[:1])
    doc = pdftext.extract_document(path)
    titles = [c.title for c in doc.chapters[1:]]
    assert len(titles) == len(whole.chapters) - (whole.chapters[0].title == whole.title)
    assert titles[0] == "1 Getting started The Right Way"  # as its contents name it


@pytest.mark.slow
def test_fhs_without_an_outline_has_the_chapters_its_contents_name():
    doc = extracted(str(manual("fhs-3.0.pdf")))
    opening, *chapters = doc.chapters
    assert "Dedication" in opening.paragraphs  # with the title page, before chapter 1
    assert [(c.title, c.page) for c in chapters] == [
        ("1. Introduction", 7),
        ("2. The Filesystem", 8),
        ("3. The Root Filesystem", 9),
        ("4. The /usr Hierarchy", 24),
        ("5. The /var Hierarchy", 36),
        ("6. Operating System Specific Annex", 45),
        ("7. Appendix", 48),
    ]
    assert_headings_not_read_twice(doc)
    # The contents pages are not read: "3.4.1. Purpose" is heard once, in its place.
    text = pdftext.narration_text(doc)
    headings = re.findall(r"\b\d+(?:\.\d+)+\. Purpose\b", text)
    assert len(headings) == len(set(headings))
    assert {c.title for c in doc.contents if c.title.endswith(". Purpose")} <= set(headings)
    assert "Table of Contents" not in text


@pytest.mark.slow
def test_bash_without_an_outline_or_contents_has_its_sections_as_chapters():
    doc = extracted(str(manual("bash.pdf")))
    titles = [chapter.title for chapter in doc.chapters]
    assert titles == bash_sections()
    assert titles[:3] == ["NAME", "SYNOPSIS", "COPYRIGHT"] and doc.chapters[0].page == 0
    assert_headings_not_read_twice(doc)


@pytest.mark.slow
def test_spaces_pdfium_misses_are_found_from_glyph_positions():
    # groff positions these words without space characters; PDFium's own text runs them
    # together ("anypart", "Ifthe"), so bash.pdf is measured glyph by glyph throughout.
    text = manual_text("bash.pdf")
    assert "matches any part of the string" in text
    assert not re.search(r"\b(anypart|Ifthe|theyare|indexedarray)\b", text)
    assert "neg ative" not in text and "negative" in text  # a space glyph between touching letters
    assert "~/.bashrc" in text  # groff's spacing tilde, not a combining accent


@pytest.mark.parametrize(
    "name", ["multicolumn.pdf", "pdflatex-4-pages.pdf", "pdflatex-outline.pdf"]
)
def test_measuring_few_glyphs_per_line_reads_like_measuring_all(monkeypatch, name):
    path = corpus_pdf(name)
    monkeypatch.setattr(pdftext.reading, "_SPACING_SAMPLE_GLYPHS", 10**9)  # every glyph measured
    every = pdftext.extract_document(path)
    monkeypatch.setattr(
        pdftext.reading, "_SPACING_SAMPLE_GLYPHS", -1
    )  # a few per line from the start
    sampled = pdftext.extract_document(path)
    assert sampled == every


# --------------------------------------------------------------------------------------
# Cleaning, on small strings and fake pages
# --------------------------------------------------------------------------------------


def lines(*texts: str, page: int = 0) -> list[Line]:
    return [Line(text, page=page) for text in texts]


def test_hyphenation_at_line_ends_is_joined():
    paragraphs = pdftext.build_paragraphs(
        lines("This is an ex-", "ample of hyphen-", "ation at work.")
    )
    assert paragraphs == ["This is an example of hyphenation at work."]


def test_pdfium_hyphen_marks_are_joined():
    assert pdftext.build_paragraphs(lines("regular ex\ufffe", "pressions carefully.")) == [
        "regular expressions carefully."
    ]


def test_compound_words_keep_their_hyphen_when_the_document_writes_them_so():
    paragraphs = pdftext.build_paragraphs(
        lines("It is a well-known fact.", "Another well-", "known fact is this one.")
    )
    assert paragraphs == ["It is a well-known fact.", "Another well-known fact is this one."]


def test_hyphen_before_a_capital_stays():
    assert pdftext.build_paragraphs(lines("Jean-", "Pierre came home.")) == [
        "Jean-Pierre came home."
    ]


def test_lines_join_with_a_space_and_never_split_a_word():
    paragraphs = pdftext.build_paragraphs(
        lines("the quick brown", "fox jumps over", "the lazy dog.")
    )
    assert paragraphs == ["the quick brown fox jumps over the lazy dog."]


def test_japanese_lines_join_without_a_space():
    assert pdftext.build_paragraphs(lines("日本語の文章は", "空白なしで続きます。")) == [
        "日本語の文章は空白なしで続きます。"
    ]


def test_paragraph_breaks_from_vertical_gaps():
    def line(text, y):
        return Line(
            text, x0=72, x1=540 if not text.endswith(".") else 300, bottom=y, top=y + 10, size=10
        )

    paragraphs = pdftext.build_paragraphs(
        [
            line("First paragraph line one goes on and on across the page", 700),
            line("and ends here.", 688),
            line("Second paragraph starts after a gap and runs across the page", 660),
            line("to its end.", 648),
        ]
    )
    assert paragraphs == [
        "First paragraph line one goes on and on across the page and ends here.",
        "Second paragraph starts after a gap and runs across the page to its end.",
    ]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("1.2 Foo ........ 12", ("1.2 Foo", True)),
        ("7.1 Suspicious changes . . . . . . . . . . 44", ("7.1 Suspicious changes", True)),
        ("Preface .......... xi", ("Preface", True)),
        ("A.5 Native Debian package . . . . . . 57", ("A.5 Native Debian package", True)),
        ("He waited... and waited.", ("He waited... and waited.", False)),
        ("Version 1.2.3 is out", ("Version 1.2.3 is out", False)),
    ],
)
def test_dot_leaders(line, expected):
    assert pdftext.strip_dot_leader(line) == expected


def test_a_table_of_contents_is_taken_out_and_kept_as_entries():
    toc = lines(
        "Contents",
        "1 Foo 2",
        "2 Bar 2",
        "3 Baz 3",
        "4 A rather long title that",
        "goes on 4",
        "5 End . . . . . . 7",
    )
    pages, entries = pdftext.take_contents([toc, lines("Text after it.", page=1)], 8)
    assert [[line.text for line in page] for page in pages] == [[], ["Text after it."]]
    assert [(e.title, e.label) for e in entries] == [
        ("1 Foo", "2"),
        ("2 Bar", "2"),
        ("3 Baz", "3"),
        ("4 A rather long title that goes on", "4"),
        ("5 End", "7"),
    ]


def test_a_table_of_contents_goes_on_over_the_next_page():
    first = lines("Contents", *(f"{n} Chapter title {n} {n * 10}" for n in range(1, 7)))
    rest = lines("7 The last chapter 70", "8 Index 80", page=1)
    pages, entries = pdftext.take_contents([first, rest, lines("1 The text.", page=2)], 90)
    assert [[line.text for line in page] for page in pages] == [[], [], ["1 The text."]]
    assert [e.label for e in entries] == ["10", "20", "30", "40", "50", "60", "70", "80"]


@pytest.mark.parametrize(
    "page",
    [
        ["Apples 12", "Pears 3", "Plums 40", "Figs 2"],  # numbers that go down
        ["Prices:", "Apples 1", "Pears 2"],  # too few
        [  # a short list inside a page of text, under no contents title
            "A paragraph of text that runs across the whole page and on.",
            "It goes on for a while, as paragraphs do, before a list.",
            "More text follows here, and it is not a table at all.",
            "Even more text before the list of things with numbers.",
            "Step 1",
            "Step 2",
            "Step 3",
            "Step 4",
            "And a last paragraph of text that closes the page here.",
            "It has two lines, so the list is less than most of it.",
            "Then a third line, a fourth one, and one more for luck.",
        ],
    ],
)
def test_lists_that_end_in_numbers_are_not_a_table_of_contents(page):
    pages, entries = pdftext.take_contents([lines(*page)], 50)
    assert [line.text for line in pages[0]] == page
    assert entries == []


def test_pdflatex_contents_without_dot_leaders_are_not_read():
    doc = pdftext.extract_document(corpus_pdf("pdflatex-outline.pdf"))
    text = pdftext.narration_text(doc)
    assert "Contents" not in text
    # The first thing read is the first chapter's title, then its text.
    assert text.startswith("Foo\n\nHello, here is some text without a meaning.")


@pytest.mark.parametrize("text", ["12", "- 12 -", "xiv", "Page 3", "3 / 57", "iv", "(7)"])
def test_bare_page_numbers(text):
    assert pdftext.is_page_number(text)


@pytest.mark.parametrize("text", ["12 Monkeys", "Chapter 3", "It is 12.", "Vivid"])
def test_text_is_not_a_page_number(text):
    assert not pdftext.is_page_number(text)


NAMES = [
    "Anna",
    "Boris",
    "Clara",
    "Dmitri",
    "Emil",
    "Frida",
    "Gustav",
    "Hanna",
    "Igor",
    "Jana",
    "Karl",
    "Lena",
]


def fake_book(n_pages: int) -> list[list[str]]:
    """Pages with alternating running headers, page numbers (some roman) and body lines
    that differ from page to page in their words, not only in their digits."""
    pages = []
    for p in range(n_pages):
        header = "My Book" if p % 2 else f"Chapter {1 + p // 4}: The Middle Part"
        pages.append(
            [
                f"{header} {p + 1}" if p % 2 == 0 else f"{p + 1} {header}",
                f"{NAMES[p]} opens page {p + 1} of the story.",
                f"Then {NAMES[(p + 5) % 12]} answers with more words.",
                f"And {NAMES[(p + 7) % 12]} has the last line.",
                str(p + 1) if p % 3 else ["i", "ii", "iii", "iv"][p // 3 % 4],
            ]
        )
    return pages


def test_running_headers_footers_and_page_numbers_are_removed():
    book = fake_book(12)
    cleaned = pdftext.remove_running_lines([lines(*page, page=p) for p, page in enumerate(book)])
    assert [[line.text for line in page] for page in cleaned] == [page[1:4] for page in book]


def test_found_running_lines_ignore_digits():
    found = pdftext.find_running_lines(
        [lines(*page, page=p) for p, page in enumerate(fake_book(12))]
    )
    assert found == {"#mybook", "chapter#:themiddlepart#"}


def test_a_line_repeated_alone_on_every_page_is_content():
    pages = [lines("habibi حبيبي", page=p) for p in range(4)]
    assert pdftext.remove_running_lines(pages) == pages


def test_running_lines_in_a_generated_pdf(tmp_path):
    path = tmp_path / "book.pdf"
    path.write_bytes(text_pdf(prose_pages(8, header="The Generated Book of Words")))
    text = pdftext.narration_text(pdftext.extract_document(path))
    assert "Generated Book" not in text
    assert not re.search(r"(^|\s)[1-8](\s|$)", text)
    assert "word1x word2x" in text


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("ﬁnd the ﬂow of ﬀ and ﬃ", "find the flow of ff and ffi"),
        ("soft\u00adhyphen and zero\u200bwidth", "softhyphen and zerowidth"),
        ("non\u00a0breaking\tspaces  and\nlines", "non breaking spaces and lines"),
        ("flag \U000f03d9 glyph \ue000 here", "flag glyph here"),
        ("ＦＵＬＬ width", "FULL width"),
        ("a footnote mark¹ and x\u2074", "a footnote mark and x"),
        (
            "see Debian Reference (http://www.debian.org/doc/manuals/debian-reference/) .",
            "see Debian Reference.",
        ),
        (
            "see Section 3.5 [Shell Expansions], page 22, for details",
            "see Section 3.5 [Shell Expansions], for details",
        ),
        ("control\x08 char\x02s", "control chars"),
    ],
)
def test_clean_text(raw, clean):
    assert pdftext.clean_text(raw) == clean


def test_footnotes_wait_for_the_end_of_the_paragraph_they_interrupt():
    def line(text, y, size=10, page=0, right=540):
        return Line(text, x0=72, x1=right, bottom=y, top=y + size, size=size, page=page)

    paragraphs = pdftext.build_paragraphs(
        [
            line("A sentence that runs across the page break, with a note.", 700),
            line("1 This is the note at the foot of the page.", 60, size=7, right=300),
            line("and ends on the next page.", 700, page=1, right=300),
            line("Another paragraph after a gap.", 660, page=1, right=300),
        ]
    )
    assert paragraphs == [
        "A sentence that runs across the page break, with a note. and ends on the next page.",
        "This is the note at the foot of the page.",
        "Another paragraph after a gap.",
    ]


# --------------------------------------------------------------------------------------
# Chapters
# --------------------------------------------------------------------------------------


def test_outline_gives_chapters_with_titles(monkeypatch):
    doc = pdftext.extract_document(corpus_pdf("pdflatex-outline.pdf"))
    chapters = doc.chapters
    # The contents page is not read: there is no opening chapter before "Foo".
    assert [c.title for c in chapters] == ["Foo", "Bar", "Baz"] * 3
    # The headings ("1 Foo") are spoken as titles, not again as the first paragraph.
    assert all(not re.fullmatch(r"\d+ (Foo|Bar|Baz)", c.paragraphs[0]) for c in chapters)
    # Several chapters start on the same page: the split is inside the page.
    assert all(c.paragraphs for c in chapters)
    # Nothing lost or doubled by the splits: the same words as without chapters, but the
    # nine headings.
    monkeypatch.setattr(pdftext, "outline_entries", lambda reader, page_count: [])
    monkeypatch.setattr(pdftext, "heading_starts", lambda lines, contents: [])
    flat = pdftext.extract_document(corpus_pdf("pdflatex-outline.pdf"))
    assert len(words_of(doc)) == len(words_of(flat)) - 2 * 9


def test_mistitled_and_repeated_outline_entries():
    # Top-level entries: First (p2), Tenth (same place), Fifteenth (p3), Eighteenth (p4),
    # Nineteenth (back to p2). The text is the same as pdflatex-outline.pdf's.
    doc = pdftext.extract_document(corpus_pdf("mistitled_outlines_example.pdf"))
    titles = [c.title for c in doc.chapters]
    assert titles == ["First", "Fifteenth", "Eighteenth"]  # the contents page is not read
    plain = pdftext.extract_document(corpus_pdf("pdflatex-outline.pdf"))
    # No text lost or read twice; only the matched headings of the other file differ.
    assert len(words_of(doc)) >= len(words_of(plain))
    assert len(words_of(doc)) <= len(words_of(plain)) + 3 * 9


def test_book_outline_with_chapters_starting_mid_page():
    doc = extracted(str(corpus_pdf("GeoTopo-komprimiert.pdf")))
    titles = [c.title for c in doc.chapters]
    assert titles[1:6] == [
        "1 Topologische Grundbegriffe",
        "2 Mannigfaltigkeiten und Simplizialkomplexe",
        "3 Fundamentalgruppe und Überlagerungen",
        "4 Euklidische und nichteuklidische Geometrie",
        "5 Krümmung",
    ]
    assert titles[-2:] == ["Symbolverzeichnis", "Stichwortverzeichnis"]
    assert doc.chapters[0].title == doc.title  # the opening part: title page, preface, contents
    assert "Vorwort" in doc.chapters[0].paragraphs
    index = doc.chapters[-1]
    assert "Zusammenhangskomponente" in " ".join(index.paragraphs)
    assert "Nullstellenmenge" not in " ".join(index.paragraphs)  # the symbol list, before it


def test_no_outline_gives_parts_of_about_the_given_length(tmp_path):
    path = tmp_path / "long.pdf"
    path.write_bytes(text_pdf(prose_pages(12, words_per_page=300)))
    whole = pdftext.extract_document(path)
    assert [c.title for c in whole.chapters] == [""]  # 3,600 words: one part
    parted = pdftext.extract_document(path, words_per_part=1000)
    assert [c.title for c in parted.chapters] == ["Part 1", "Part 2", "Part 3", "Part 4"]
    assert words_of(parted) == words_of(whole)
    for chapter in parted.chapters:
        count = sum(len(p.split()) for p in chapter.paragraphs)
        assert 600 <= count <= 1400
    for chapter in parted.chapters[:-1]:
        assert chapter.paragraphs[-1].endswith(".")  # cut at a paragraph's end


def test_split_into_parts_evens_out_and_keeps_paragraphs_whole():
    paragraphs = [" ".join(["word"] * 100) + "." for _ in range(120)]  # 12,000 words
    parts = pdftext.split_into_parts(paragraphs, 5250)
    assert [p.title for p in parts] == ["Part 1", "Part 2"]
    assert [len(p.paragraphs) for p in parts] == [60, 60]
    assert pdftext.split_into_parts(paragraphs[:3], 5250) == [Chapter("", paragraphs[:3])]
    assert pdftext.split_into_parts([], 5250) == []


def test_default_part_length_is_thirty_minutes_of_speech():
    assert pdftext.DEFAULT_WORDS_PER_PART == 5250 == 30 * 175


def test_narration_text_has_chapter_headings():
    doc = Document(
        "Book", "Me", 3, [Chapter("", ["Opening words."]), Chapter("One", ["First.", "Second."])]
    )
    assert pdftext.narration_text(doc) == "Opening words.\n\nOne\n\nFirst.\n\nSecond.\n"


def test_metadata_title_and_author():
    info = pdftext.inspect_pdf(corpus_pdf("GeoTopo-komprimiert.pdf"))
    assert info.page_count == 117 and not info.encrypted
    assert "Geometrie" in info.title and info.author


# --------------------------------------------------------------------------------------
# Isolation: a child process with a memory limit and a timeout
# --------------------------------------------------------------------------------------

# Module-level so that the child process (started with "spawn") can import them.


def _sleep_forever():
    time.sleep(3600)


def _crash():
    import ctypes

    ctypes.string_at(0)  # segmentation fault


def _allocate_too_much():
    return bytearray(2 * 1024**3)


def _raise_pdf_error():
    raise PdfError("password", "detail from the child")


def test_isolated_extraction_matches_in_process():
    path = corpus_pdf("pdflatex-outline.pdf")
    assert pdftext.extract_document_isolated(path, timeout=60) == pdftext.extract_document(path)


def test_isolated_passes_options_and_password():
    path = corpus_pdf("libreoffice-writer-password.pdf")
    doc = pdftext.extract_document_isolated(path, "openpassword", timeout=60, words_per_part=20)
    assert doc.chapters[0].paragraphs[0].startswith("Lorem ipsum")
    with pytest.raises(PdfError) as caught:
        pdftext.extract_document_isolated(path, timeout=60)
    assert caught.value.reason == "password"
    parted = pdftext.extract_document_isolated(
        corpus_pdf("multicolumn.pdf"), timeout=60, words_per_part=300
    )
    assert [c.title for c in parted.chapters][:2] == ["Part 1", "Part 2"]


def test_one_long_paragraph_is_still_cut_into_parts():
    # pdflatex-4-pages.pdf is a single paragraph of some 2,400 words.
    doc = pdftext.extract_document(corpus_pdf("pdflatex-4-pages.pdf"), words_per_part=600)
    assert len(doc.chapters) >= 3
    assert all(c.paragraphs[-1].endswith((".", "?", "!")) for c in doc.chapters)


def test_isolated_timeout_kills_the_child_instead_of_hanging():
    with pytest.raises(ChildFailed) as caught:
        run_isolated(_sleep_forever, timeout=1)
    assert caught.value.timed_out


def test_isolated_extraction_with_a_tiny_timeout():
    with pytest.raises(PdfError) as caught:
        pdftext.extract_document_isolated(corpus_pdf("GeoTopo-komprimiert.pdf"), timeout=0.01)
    assert caught.value.reason == "timeout"


def test_isolated_crash_is_a_failure_not_a_timeout():
    with pytest.raises(ChildFailed) as caught:
        run_isolated(_crash, timeout=60)
    assert not caught.value.timed_out and "died" in caught.value.detail


def test_isolated_memory_limit_is_damaged():
    with pytest.raises(ChildFailed) as caught:
        run_isolated(_allocate_too_much, timeout=60, memory_mb=512)
    assert caught.value.detail == "out of memory (limit 512 MB)"
    with pytest.raises(PdfError) as caught:
        pdftext.extract_document_isolated(
            corpus_pdf("GeoTopo-komprimiert.pdf"), timeout=60, memory_mb=16
        )
    assert caught.value.reason == "damaged"


def test_isolated_errors_keep_their_reason():
    with pytest.raises(PdfError) as caught:
        run_isolated(_raise_pdf_error, timeout=60, passthrough=(PdfError,))
    assert (caught.value.reason, caught.value.detail) == ("password", "detail from the child")
    with pytest.raises(ChildFailed) as caught:  # not passed through: a failure
        run_isolated(_raise_pdf_error, timeout=60)
    assert "unexpected" in caught.value.detail


# --------------------------------------------------------------------------------------
# The module itself
# --------------------------------------------------------------------------------------


def test_module_imports_no_django_and_keeps_pypdf_quiet():
    code = (
        "import logging, sys; from conversions import pdftext; "
        "assert 'django' not in sys.modules; "
        "assert logging.getLogger('pypdf').getEffectiveLevel() >= logging.ERROR"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_extraction_logs_nothing_from_pypdf(caplog):
    caplog.set_level(logging.WARNING)
    pdftext.extract_document(corpus_pdf("GeoTopo-komprimiert.pdf"))
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
