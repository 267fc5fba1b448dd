"""OCR of pages without a text layer (conversions/pdftext/ocr.py), on image-only copies of
real manuals made here (tests/scans.py): the recognised text against the text layer of the
same pages, the language (chosen, found, or missing), mixed PDFs, progress page by page, and
the conversion of a scan into audio. Small page ranges keep them quick; none needs a
database."""

import os
import re

import pypdf
import pytest

from conversions import pdftext
from conversions.pdftext import ocr
from tests import score_text
from tests.corpus import manual
from tests.needs import require_ocr
from tests.scans import image_only_copy


@pytest.fixture(autouse=True)
def _needs_tesseract():
    require_ocr()


def copy_of(name: str, pages: range, tmp_path, *, scanned: bool) -> str:
    """These pages of a manual as a PDF of their own: as they are, or image-only."""
    kind = "scan" if scanned else "text"
    target = tmp_path / f"{kind}-{pages.start}-{pages.stop}-{name}"
    if scanned:
        return image_only_copy(manual(name), target, pages)
    reader = pypdf.PdfReader(manual(name))
    writer = pypdf.PdfWriter()
    for index in pages:
        writer.add_page(reader.pages[index])
    writer.write(target)
    return target


def narration(path, **kw) -> str:
    return pdftext.narration_text(pdftext.extract_document(path, **kw))


def test_a_scanned_manual_reads_as_its_text_layer(tmp_path):
    pages = range(6, 9)  # maint-guide.en: chapter 1, with a running header and footnotes
    seen = []
    scan = copy_of("maint-guide.en.pdf", pages, tmp_path, scanned=True)
    doc = pdftext.extract_document(
        scan, processes=2, progress=lambda done, total, count: seen.append((done, total, count))
    )
    read = pdftext.narration_text(doc)
    truth = narration(copy_of("maint-guide.en.pdf", pages, tmp_path, scanned=False))
    assert score_text.score(read, truth)["f1"] >= 0.93
    # Page by page, from nothing to all three.
    assert seen[0] == (0, 3, 3) and seen[-1] == (3, 3, 3)
    assert [done for done, _, _ in seen] == list(range(4))
    # The same cleaning as a text layer: no running footer ("Debian New Maintainers' Guide
    # 2 / 63"), no bare page numbers, words hyphenated at line ends joined.
    assert not re.search(r"\d+ / 63", read)
    assert "Getting started The Right Way" in read
    assert doc.note == ""


def test_only_the_pages_without_text_are_recognised_in_a_mixed_pdf(tmp_path):
    text = copy_of("maint-guide.en.pdf", range(6, 7), tmp_path, scanned=False)
    scan = image_only_copy(manual("maint-guide.en.pdf"), tmp_path / "p8.pdf", [8])
    writer = pypdf.PdfWriter()
    for part in (text, scan):
        writer.append(str(part))
    mixed = tmp_path / "mixed.pdf"
    writer.write(mixed)
    seen = []
    read = narration(mixed, progress=lambda done, total, count: seen.append((done, total, count)))
    assert seen[-1] == (1, 1, 2)  # one page of two was recognised
    page8 = narration(copy_of("maint-guide.en.pdf", range(8, 9), tmp_path, scanned=False))
    assert score_text.score(read, narration(text) + page8)["f1"] >= 0.95


@pytest.mark.slow
def test_a_russian_scan_is_read_in_russian_found_or_chosen(tmp_path):
    if "rus" not in ocr.installed_languages():
        pytest.skip("no Russian data for Tesseract (apt: tesseract-ocr-rus)")
    pages = range(10, 12)
    scan = copy_of("debian-faq.ru.pdf", pages, tmp_path, scanned=True)
    truth = narration(copy_of("debian-faq.ru.pdf", pages, tmp_path, scanned=False))
    found = pdftext.extract_document(scan, processes=2)  # script detection, then Russian
    chosen = pdftext.extract_document(scan, processes=2, ocr_language="ru")
    for doc in (found, chosen):
        assert score_text.score(pdftext.narration_text(doc), truth)["f1"] >= 0.85
        assert doc.note == ""
    assert pdftext.narration_text(found) == pdftext.narration_text(chosen)


def test_a_language_without_data_is_read_as_english_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "installed_languages", lambda: frozenset({"eng", "osd"}))
    chosen = ocr.language_for("de")
    assert chosen.tesseract == "eng"
    assert "German" in chosen.note and "English" in chosen.note
    scan = copy_of("maint-guide.en.pdf", range(6, 7), tmp_path, scanned=True)
    doc = pdftext.extract_document(scan, ocr_language="de")
    assert "German" in doc.note
    assert "Getting started The Right Way" in pdftext.narration_text(doc)


@pytest.mark.parametrize(
    "code, tesseract",
    [("en", "eng"), ("en-us", "eng"), ("ru", "rus"), ("de", "deu"), ("zh", "chi_sim"),
     ("zh-tw", "chi_tra"), ("ja", "jpn")],
)  # fmt: skip
def test_tesseract_names_of_languages(code, tesseract):
    assert ocr.tesseract_language(code) == tesseract


def test_without_ocr_a_scan_keeps_its_clear_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(pdftext, "ocr_available", lambda: False)
    scan = copy_of("maint-guide.en.pdf", range(6, 8), tmp_path, scanned=True)
    with pytest.raises(pdftext.PdfError) as caught:
        pdftext.extract_document(scan)
    assert caught.value.reason == "no_text"
    assert pdftext.is_scanned(scan)
    assert not pdftext.is_scanned(
        copy_of("maint-guide.en.pdf", range(6, 8), tmp_path, scanned=False)
    )


def test_ocr_runs_in_the_isolated_process_and_reports_each_page(tmp_path):
    scan = copy_of("maint-guide.en.pdf", range(6, 8), tmp_path, scanned=True)
    seen = []
    doc = pdftext.extract_document_isolated(
        scan, processes=2, progress=lambda *values: seen.append(values)
    )
    assert seen[-1] == (2, 2, 2)
    assert "Getting started The Right Way" in pdftext.narration_text(doc)


def test_a_scan_converts_into_audio_with_progress_from_the_start(tmp_path):
    from mutagen.mp3 import MP3

    from conversions.pipeline import READ_SHARE, convert_pdf

    scan = copy_of("maint-guide.en.pdf", range(6, 9), tmp_path, scanned=True)
    progress, pages = [], []
    result = convert_pdf(
        scan, tmp_path / "work", voice="espeak:en-us", rate=175, processes=2,
        progress=progress.append, on_ocr=lambda done, total: pages.append(done),
    )  # fmt: skip
    assert pages == [0, 1, 2, 3]
    assert progress == sorted(progress) and progress[-1] == 100
    # Recognising the pages moves the bar: it does not wait at 0 % until the speaking.
    reading = [p for p in progress if 0 < p <= progress[progress.index(100) - 1]]
    assert len([p for p in reading if p > READ_SHARE]) >= 3
    assert result.words > 500 and MP3(result.mp3).info.length > 60
    vtt = result.vtt.read_text()
    assert "Debian" in vtt and "package" in vtt


def die(task):
    os._exit(3)  # as a crash in Tesseract, or the memory limit, ends an OCR process


def test_an_ocr_process_that_dies_is_a_failure_at_once_not_a_hang():
    pool = ocr._Pool(2, "eng")
    try:
        with pytest.raises(ocr.OcrFailed):
            pool.run([("no.pdf", None, 0, 200, False)] * 3, lambda page: None, work=die)
    finally:
        pool.close()
