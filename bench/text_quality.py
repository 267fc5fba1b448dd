#!/usr/bin/env python
"""Extraction quality and speed on the long manuals: our narration text against the manual's
own plain text, next to what pdftotext (poppler) gives, in one run.

    .venv/bin/python bench/text_quality.py

Scores with tests/score_text.py (bag-of-words F1; "long" = words of 25+ letters, a sign of
lost spaces). The manuals come from scripts/fetch-manuals. Prints a Markdown table for
docs/benchmarks.md.
"""

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)


def main() -> None:
    from conversions import pdftext
    from tests import score_text as scorer
    from tests.corpus import MANUAL_TRUTH, MANUALS

    print("## Text quality (narration text vs the manual's own text)\n")
    print(
        "| manual | pages | F1 ours | long words ours | seconds ours | F1 pdftotext | long words pdftotext | seconds pdftotext |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for pdf_name, truth_name in MANUAL_TRUTH.items():
        pdf, truth = MANUALS / pdf_name, scorer.read(str(MANUALS / truth_name))
        started = time.perf_counter()
        doc = pdftext.extract_document(pdf)
        ours_s = time.perf_counter() - started
        ours = scorer.score(pdftext.narration_text(doc), truth)
        started = time.perf_counter()
        plain = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                               capture_output=True, text=True).stdout  # fmt: skip
        poppler_s = time.perf_counter() - started
        poppler = scorer.score(plain, truth)
        print(f"| {pdf_name} | {doc.page_count} | {ours['f1']:.3f} | {ours['words_25plus_letters']} "
              f"| {ours_s:.2f} | {poppler['f1']:.3f} | {poppler['words_25plus_letters']} "
              f"| {poppler_s:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
