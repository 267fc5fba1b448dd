#!/usr/bin/env python
"""OCR of scanned pages: accuracy, resolution, speed, and the way Tesseract is called.

    .venv/bin/python bench/ocr.py

Image-only copies of real manuals are made here (tests/scans.py: pages rendered by PDFium at
300 dpi, as a scanner would, and a PDF of those pictures alone). Then:

1. Accuracy: the narration text of the scan against the narration text of the same pages
   from their text layer, bag-of-words F1 (tests/score_text.py); the language found by the
   first pass (script detection) or chosen.
2. Resolution: the scan's pages recognised at several rendering resolutions (Tesseract's raw
   lines against PDFium's text of the same pages), F1 and CPU seconds a page; ratios against
   300 dpi.
3. Speed: pages a second through `extract_document` (OCR in processes, at the chosen
   resolution), one process against one per core.
4. The binding: CPU seconds a page through tesserocr (in-process, one model load) against
   Debian's `tesseract` command (a process and a model load per page).

The manuals come from scripts/fetch-manuals. Prints Markdown for docs/benchmarks.md.
"""

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)

os.environ["OMP_THREAD_LIMIT"] = "1"  # one Tesseract thread, as in the OCR processes

ENGLISH = ("maint-guide.en.pdf", range(6, 18))  # chapters 1 and 2: prose, lists, commands
RUSSIAN = ("debian-faq.ru.pdf", range(8, 16))
SWEEP_PAGES = 6  # of the English scan, at each resolution
DPIS = (150, 200, 250, 300)


def text_copy(source: Path, pages: range, target: Path) -> Path:
    import pypdf

    reader, writer = pypdf.PdfReader(source), pypdf.PdfWriter()
    for index in pages:
        writer.add_page(reader.pages[index])
    writer.write(target)
    return target


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    import pypdfium2 as pdfium

    from conversions import pdftext
    from conversions.pdftext import ocr
    from tests import score_text
    from tests.corpus import MANUALS
    from tests.scans import SCAN_DPI, image_only_copy

    if not ocr.ocr_available():
        sys.exit("Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-ocr-"))
    cores = os.process_cpu_count() or 1
    scans = {}

    print("## OCR: `bench/ocr.py`\n")
    print(
        f"Image-only copies of manual pages (rendered at {SCAN_DPI} dpi, a PDF of the pictures "
        f"alone), read at {ocr.OCR_DPI} dpi with {cores} OCR processes, one Tesseract thread "
        f"each (tesserocr {__import__('tesserocr').tesseract_version().split()[1]}, Debian's "
        "language data).\n"
    )
    print(
        "| scan | pages | language asked | language used | F1 vs text layer | seconds | pages/s |"
    )
    print("|---|---|---|---|---|---|---|")
    runs = [(ENGLISH, ""), (RUSSIAN, ""), (RUSSIAN, "ru")]
    if "rus" not in ocr.installed_languages():
        runs = runs[:1]
    for (name, pages), asked in runs:
        if name not in scans:
            scans[name] = image_only_copy(MANUALS / name, tmp / f"scan-{name}", pages)
        truth = pdftext.narration_text(
            pdftext.extract_document(text_copy(MANUALS / name, pages, tmp / f"text-{name}"))
        )
        started = time.perf_counter()
        doc = pdftext.extract_document(scans[name], processes=cores, ocr_language=asked)
        seconds = time.perf_counter() - started
        f1 = score_text.score(pdftext.narration_text(doc), truth)["f1"]
        used = (
            "Russian" if any("а" <= ch <= "я" for ch in pdftext.narration_text(doc)) else "English"
        )
        print(
            f"| {name} | {len(pages)} | {asked or 'found'} | {used}{' (' + doc.note + ')' if doc.note else ''} "
            f"| {f1:.3f} | {seconds:.1f} | {len(pages) / seconds:.2f} |",
            flush=True,
        )

    # Resolution.
    name, pages = ENGLISH
    sample = list(range(SWEEP_PAGES))
    source = pdfium.PdfDocument(str(MANUALS / name))
    truth = "\n".join(source[pages[i]].get_textpage().get_text_bounded() for i in sample)
    print(
        f"\nResolution: the first {SWEEP_PAGES} pages of the English scan, Tesseract's lines "
        "against PDFium's text of the same pages, one process.\n"
    )
    print("| dpi | F1 | CPU s a page | F1 ratio to 300 dpi | time ratio to 300 dpi |")
    print("|---|---|---|---|---|")
    sweep = {}
    for dpi in DPIS:
        before = cpu_of_children()
        found, _ = ocr.recognise_pages(scans[name], None, sample, language="en", dpi=dpi)
        cpu = (cpu_of_children() - before) / len(sample)
        text = "\n".join(line.text for i in sample for line in found[i])
        sweep[dpi] = (score_text.score(text, truth)["f1"], cpu)
    for dpi, (f1, cpu) in sweep.items():
        print(
            f"| {dpi}{' (chosen)' if dpi == ocr.OCR_DPI else ''} | {f1:.3f} | {cpu:.2f} "
            f"| {f1 / sweep[300][0]:.3f} | {cpu / sweep[300][1]:.2f} |",
            flush=True,
        )

    # Speed: processes.
    print(f"\nSpeed: the {len(pages)}-page English scan through `extract_document`.\n")
    print("| OCR processes | seconds | pages/s | ratio to 1 process |")
    print("|---|---|---|---|")
    timings = {}
    for processes in sorted({1, cores}):
        started = time.perf_counter()
        pdftext.extract_document(scans[name], processes=processes, ocr_language="en")
        timings[processes] = time.perf_counter() - started
        print(
            f"| {processes} | {timings[processes]:.1f} | {len(pages) / timings[processes]:.2f} "
            f"| {timings[1] / timings[processes]:.2f}x |",
            flush=True,
        )

    # The binding.
    command = shutil.which("tesseract")
    if command:
        sample = list(range(4))
        pixels = []
        for i in sample:
            page = pdfium.PdfDocument(str(scans[name]))[i]
            bitmap = page.render(scale=ocr.OCR_DPI / 72, grayscale=True).to_numpy()
            pixels.append(bitmap[:, :, 0] if bitmap.ndim == 3 else bitmap)
        before = cpu_of_children()
        for image in pixels:
            height, width = image.shape
            pgm = b"P5\n%d %d\n255\n" % (width, height) + image.tobytes()
            subprocess.run([command, "stdin", "stdout", "-l", "eng"], input=pgm,
                           capture_output=True, check=True)  # fmt: skip
        cli = (cpu_of_children() - before) / len(sample)
        version = subprocess.run([command, "--version"], capture_output=True, text=True)
        cli_version = version.stdout.split()[1] if version.stdout else "?"
        before = cpu_of_children()
        ocr.recognise_pages(scans[name], None, sample, language="en")
        inproc = (cpu_of_children() - before) / len(sample)
        print(f"\nThe binding: CPU seconds a page at {ocr.OCR_DPI} dpi, {len(sample)} pages.\n")
        print("| how | CPU s a page | ratio to the command |")
        print("|---|---|---|")
        print(
            f"| `tesseract` command {cli_version} (Debian), a process a page | {cli:.2f} | 1.00 |"
        )
        print(
            f"| tesserocr, in the OCR processes (model loaded once) | {inproc:.2f} | {inproc / cli:.2f} |"
        )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
