#!/usr/bin/env python
"""Chapters without an outline, and contents pages not read aloud.

    .venv/bin/python bench/chapters.py

1. Every manual with an outline is copied without it (pypdf), and the chapters found in the
   copy are scored against the real outline's top level, on title and start page
   (tests/score_chapters.py): the headings alone, the headings confirmed by the printed
   contents (what a conversion uses), and the baseline, parts of 30 minutes (what a PDF without
   an outline got before). The ratio column is the copy's reading time over the original's:
   the cost of finding the headings.
2. fhs-3.0.pdf and bash.pdf have no outline: they are scored against their printed contents
   (fhs) and the section index of bash's HTML version (bash.pdf prints none).
3. Contents pages: numbered headings spoken twice (once in the contents, once in place) in
   the narration, with the contents read as each entry's title (the baseline: how they were
   read before) and left out.

The manuals come from scripts/fetch-manuals. Prints Markdown for docs/benchmarks.md.
"""

import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)


def timed(call):
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


def fmt(score) -> str:
    return f"{score.precision:.2f} | {score.recall:.2f}"


def main() -> None:
    from conversions import pdftext
    from conversions.pdftext import headings
    from tests.corpus import CORPUS_PDFS, MANUALS, bash_sections
    from tests.score_chapters import (
        found_chapters,
        outline_chapters,
        score,
        without_outline,
    )

    with_outline = [
        MANUALS / name
        for name in (
            "maint-guide.en.pdf", "maint-guide.ja.pdf", "maint-guide.zh-cn.pdf",
            "developers-reference.pdf", "bashref.pdf", "debian-faq.ru.pdf",
        )
    ] + [CORPUS_PDFS / "GeoTopo-komprimiert.pdf", CORPUS_PDFS / "pdflatex-outline.pdf"]  # fmt: skip
    real_contents_starts = headings.contents_starts
    tmp = Path(tempfile.mkdtemp(prefix="bench-chapters-"))

    def parts_only(path):
        headings_starts, pdftext.heading_starts = pdftext.heading_starts, lambda *a: []
        try:
            return pdftext.extract_document(path)
        finally:
            pdftext.heading_starts = headings_starts

    def headings_only(path):
        headings.contents_starts = lambda *a: []
        try:
            return pdftext.extract_document(path)
        finally:
            headings.contents_starts = real_contents_starts

    print("## Chapters without an outline: `bench/chapters.py`\n")
    print(
        "Copies of the manuals with their outline removed, against the real outline's top "
        "level (title and start page). P = precision, R = recall.\n"
    )
    print(
        "| PDF | outline chapters | headings P | headings R | + contents P | + contents R "
        "| baseline (parts) P | baseline R | seconds copy | seconds original | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    totals = {"headings": Counter(), "contents": Counter(), "parts": Counter()}
    for path in with_outline:
        expected = outline_chapters(path)
        copy = without_outline(path, tmp / path.name)
        _, original_s = timed(lambda path=path: pdftext.extract_document(path))
        doc, copy_s = timed(lambda copy=copy: pdftext.extract_document(copy))
        results = {
            "headings": score(found_chapters(headings_only(copy)), expected),
            "contents": score(found_chapters(doc), expected),
            "parts": score(found_chapters(parts_only(copy)), expected),
        }
        for key, result in results.items():
            totals[key].update(expected=result.expected, found=result.found, right=result.right)
        print(
            f"| {path.name} | {len(expected)} | {fmt(results['headings'])} "
            f"| {fmt(results['contents'])} | {fmt(results['parts'])} "
            f"| {copy_s:.2f} | {original_s:.2f} | {copy_s / original_s:.2f} |",
            flush=True,
        )

    def total(key):
        t = totals[key]
        return f"{t['right'] / max(1, t['found']):.2f} | {t['right'] / max(1, t['expected']):.2f}"

    count = totals["contents"]["expected"]
    print(
        f"| **all** | {count} | {total('headings')} | {total('contents')} | {total('parts')} "
        "| | | |\n"
    )

    print("Without an outline in the original: against their own contents.\n")
    print("| PDF | reference | chapters | P | R | baseline (parts) P | baseline R |")
    print("|---|---|---|---|---|---|---|")
    fhs = MANUALS / "fhs-3.0.pdf"
    doc = pdftext.extract_document(fhs)
    offset = 6  # printed page 1 is the 8th page (index 7)
    top = [
        (entry.title, int(entry.label) + offset)
        for entry in doc.contents
        if re.fullmatch(r"\d+\. .*", entry.title)
    ]
    found = score(found_chapters(doc), top)
    parts = score(found_chapters(parts_only(fhs)), top)
    print(
        f"| fhs-3.0.pdf | printed contents, top level ({len(top)}) | {found.found} "
        f"| {fmt(found)} | {fmt(parts)} |"
    )
    bash = MANUALS / "bash.pdf"
    sections = [(title, None) for title in bash_sections()]
    doc = pdftext.extract_document(bash)
    found = score(found_chapters(doc), sections)
    parts = score(found_chapters(parts_only(bash)), sections)
    print(
        f"| bash.pdf | bash.html's section index ({len(sections)}; titles only) "
        f"| {found.found} | {fmt(found)} | {fmt(parts)} |\n"
    )

    print("Contents pages read aloud: numbered headings heard twice in the narration.\n")
    print("| PDF | numbered headings | heard twice, contents read (baseline) | heard twice now |")
    print("|---|---|---|---|")

    def numbered(text: str) -> Counter:
        return Counter(
            p for p in text.split("\n\n") if re.fullmatch(r"\d+(\.\d+)*\.? \S.{0,150}", p)
        )

    for path in (MANUALS / "debian-faq.ru.pdf", MANUALS / "maint-guide.en.pdf", fhs):
        doc = pdftext.extract_document(path)
        now = pdftext.narration_text(doc)
        # The baseline read each contents entry as a paragraph, without its page number.
        before = numbered("\n\n".join([*(entry.title for entry in doc.contents), now]))
        after = numbered(now)
        twice_before = sum(1 for n in before.values() if n > 1)
        twice_after = sum(1 for n in after.values() if n > 1)
        print(f"| {path.name} | {len(after)} | {twice_before} | {twice_after} |", flush=True)


if __name__ == "__main__":
    main()
