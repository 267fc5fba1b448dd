#!/usr/bin/env python
"""Normalisation: the share of the sentence table read as a narrator would, per language, and
its speed on the longest manual against splitting the same text into sentences.

    .venv/bin/python bench/normalize.py

The table is tests/data/normalize_cases.tsv (rows marked as known limits count as wrong). The
speed is measured on the narration text of bashref.pdf (the longest manual, 196 pages) as
conversions.pdftext gives it, sentence by sentence as the speech processes will call it; the
baseline is `split_sentences` over the same paragraphs, run in the same process just before.
Prints Markdown for docs/benchmarks.md.
"""

import collections
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)

ROUNDS = 5
# What normalisation is compared with: converting the same book. bashref.pdf is 7.69 h of
# audio; Piper (joe-medium) speaks 23.6x real time on two cores here, so about 20 minutes;
# eSpeak NG converts it in 52 s (bench/convert.py, docs/benchmarks.md).
PIPER_BASHREF_SECONDS = 7.69 * 3600 / 23.6
ESPEAK_BASHREF_SECONDS = 52.0


def best_of(rounds: int, func) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def first_call_ms() -> tuple[float, float]:
    """Import time and the first call's time in a fresh process (the regex cache is empty)."""
    code = (
        "import time; t = time.perf_counter(); from conversions.normalize import normalize; "
        "u = time.perf_counter(); normalize('Version 3.0 needs 512 MB, e.g. in 1999.', 'en'); "
        "print((u - t) * 1000, (time.perf_counter() - u) * 1000)"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True, text=True
        ).stdout.split()  # fmt: skip
        for _ in range(ROUNDS)
    ]
    return min(float(r[0]) for r in runs), min(float(r[1]) for r in runs)


def table_shares() -> None:
    from conversions.normalize import normalize
    from tests.normalize_cases import load_cases

    rows = collections.defaultdict(lambda: [0, 0, 0, 0])  # right, all, real right, real all
    for case in load_cases():
        right = normalize(case.text, case.language) == case.expected
        counts = rows[case.language]
        counts[0] += right
        counts[1] += 1
        if case.real:
            counts[2] += right
            counts[3] += 1
    print("| language | sentences | read right | share | real sentences | read right | share |")
    print("|---|---|---|---|---|---|---|")
    total = [0, 0, 0, 0]
    for language in ("en", "ru", "de", "fr", "es"):
        right, count, real_right, real_count = rows[language]
        total = [a + b for a, b in zip(total, rows[language], strict=True)]
        print(f"| {language} | {count} | {right} | {right / count:.1%} | {real_count} "
              f"| {real_right} | {real_right / real_count:.1%} |")  # fmt: skip
    right, count, real_right, real_count = total
    print(f"| **all** | {count} | {right} | {right / count:.1%} | {real_count} | {real_right} "
          f"| {real_right / real_count:.1%} |")  # fmt: skip


def speed() -> None:
    from conversions import pdftext
    from conversions.normalize import (
        MAX_ENTRIES,
        Lexicon,
        Substitution,
        normalize,
        split_sentences,
    )
    from tests.corpus import MANUALS

    pdf = MANUALS / "bashref.pdf"
    if not pdf.exists():
        sys.exit(f"{pdf} is missing: run `make test` or scripts/fetch-manuals first")
    doc = pdftext.extract_document(pdf)
    paragraphs = [p for chapter in doc.chapters for p in chapter.paragraphs]
    sentences = [s for p in paragraphs for s in split_sentences(p, "en")]
    chars = sum(len(p) for p in paragraphs)
    words = sum(len(p.split()) for p in paragraphs)

    start_up_ms = first_call_ms()
    # A full pronunciation list whose words all occur in the book: the worst case.
    vocabulary = collections.Counter(
        word for s in sentences for word in s.split() if word.isalpha() and len(word) > 4
    )
    lexicon = Lexicon(Substitution(w, w.upper()) for w, _ in vocabulary.most_common(MAX_ENTRIES))
    normalize("warm up", "en", lexicon)

    split_s = best_of(ROUNDS, lambda: [split_sentences(p, "en") for p in paragraphs])
    normalize_s = best_of(ROUNDS, lambda: [normalize(s, "en") for s in sentences])
    lexicon_s = best_of(ROUNDS, lambda: [normalize(s, "en", lexicon) for s in sentences])
    changed = sum(normalize(s, "en") != s for s in sentences)

    print(f"\nbashref.pdf: {doc.page_count} pages, {len(paragraphs):,} paragraphs, "
          f"{len(sentences):,} sentences, {words:,} words, {chars:,} characters; best of "
          f"{ROUNDS} rounds.\n")  # fmt: skip
    print("| step | seconds | characters/s | vs splitting |")
    print("|---|---|---|---|")
    print(f"| split into sentences (baseline) | {split_s:.3f} | {chars / split_s:,.0f} | 1.00x |")
    print(f"| normalise every sentence | {normalize_s:.3f} | {chars / normalize_s:,.0f} "
          f"| {normalize_s / split_s:.2f}x |")  # fmt: skip
    print(f"| the same with a {len(lexicon):,}-pair pronunciation list | {lexicon_s:.3f} "
          f"| {chars / lexicon_s:,.0f} | {lexicon_s / split_s:.2f}x |")  # fmt: skip
    old_break = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)\]]))\s+")  # the splitter before
    old_count = sum(len([s for s in old_break.split(" ".join(p.split())) if s]) for p in paragraphs)
    print(f"\n- sentences: {len(sentences):,} with `split_sentences`, {old_count:,} with the "
          f"previous regex (which also broke after \"e.g.\", \"Fig.\", initials)")  # fmt: skip
    print(f"- normalisation changed {changed:,} of {len(sentences):,} sentences "
          f"({changed / len(sentences):.0%})")  # fmt: skip
    print(f"- once per speech process: import {start_up_ms[0]:.0f} ms, first English call "
          f"(compiles the rules) {start_up_ms[1]:.0f} ms")  # fmt: skip
    for name, seconds in (
        (f"a Piper conversion ({PIPER_BASHREF_SECONDS / 60:.0f} min)", PIPER_BASHREF_SECONDS),
        ("an eSpeak NG conversion (52 s)", ESPEAK_BASHREF_SECONDS),
    ):
        print(f"- share of {name} of the same book: {normalize_s / seconds:.2%} "
              f"({lexicon_s / seconds:.2%} with the list)")  # fmt: skip


def main() -> None:
    print("## Normalisation: `bench/normalize.py`\n")
    table_shares()
    speed()


if __name__ == "__main__":
    main()
