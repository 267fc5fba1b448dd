#!/usr/bin/env python
"""Audiobooker's conversion against the command-line chain a person would use, in one run.

    .venv/bin/python bench/convert.py [PDF ...]

For each PDF (default: the longest manual that scripts/fetch-manuals brings, bashref.pdf, and
fhs-3.0.pdf), converts it twice, one after the other on the same machine:
  ours:  python manage.py convert PDF -o OUT.mp3     (all cores)
  chain: pdftotext PDF - | espeak-ng --stdout | ffmpeg -> MP3 (mono 22.05 kHz 48 kb/s)
and prints seconds, hours of audio, x real time, peak RSS (largest single process) and the
ratio ours/chain (lower is better). Needs pdftotext (poppler-utils), espeak-ng and ffmpeg for
the chain; prints a Markdown table for docs/benchmarks.md.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MANUALS = Path(os.environ.get("AUDIOBOOKER_MANUALS", REPO / ".cache" / "manuals"))
DEFAULT = [MANUALS / "bashref.pdf", MANUALS / "fhs-3.0.pdf"]
# eSpeak on both sides: this compares the pipeline with the hand-made chain, not voices
# (bench/voices.py compares the natural voice with Piper alone).
VOICE, RATE = "en-us", int(os.environ.get("TTS_RATE", "175"))


# Runs a command and prints the largest RSS (KB) any process under it reached: a fresh process
# per measurement, because RUSAGE_CHILDREN keeps the maximum over all earlier children too.
_MEASURE = (
    "import resource, subprocess, sys;"
    "subprocess.run(['bash', '-o', 'pipefail', '-c', sys.argv[1]], check=True,"
    " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(command: str) -> tuple[float, float]:
    """Wall seconds, and the peak RSS in MB of the largest single process it started."""
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _MEASURE, command], check=True, cwd=REPO,
                         capture_output=True, text=True)  # fmt: skip
    return time.monotonic() - started, int(out.stdout.split()[-1]) / 1024


def duration(mp3: Path) -> float:
    from mutagen.mp3 import MP3

    return MP3(mp3).info.length


def main(pdfs: list[Path]) -> None:
    python = sys.executable
    rows = []
    with tempfile.TemporaryDirectory(prefix="audiobooker-bench-") as tmp:
        for pdf in pdfs:
            ours_mp3, chain_mp3 = Path(tmp) / "ours.mp3", Path(tmp) / "chain.mp3"
            chain = (
                f"pdftotext -enc UTF-8 '{pdf}' - | espeak-ng -v {VOICE} -s {RATE} --stdout"
                f" | ffmpeg -v error -y -i - -ac 1 -ar 22050 -b:a 48k '{chain_mp3}'"
            )
            chain_s, chain_rss = run(chain)
            ours_s, ours_rss = run(
                f"'{python}' manage.py convert '{pdf}' -o '{ours_mp3}' --voice espeak:{VOICE}"
            )
            ours_h, chain_h = duration(ours_mp3) / 3600, duration(chain_mp3) / 3600
            rows.append((pdf.name, "audiobooker", ours_s, ours_h, ours_rss, ours_s / chain_s))
            rows.append(
                (pdf.name, "pdftotext \\| espeak-ng \\| ffmpeg", chain_s, chain_h, chain_rss, 1.0)
            )
            print(f"{pdf.name}: ours {ours_s:.1f} s, chain {chain_s:.1f} s", file=sys.stderr)
    print(f"## Conversion ({os.cpu_count()} cores, voice {VOICE}, {RATE} wpm)\n")
    print("| PDF | how | seconds | audio h | x real time | peak RSS MB | ratio to chain |")
    print("|---|---|---|---|---|---|---|")
    for name, how, seconds, hours, rss, ratio in rows:
        print(f"| {name} | {how} | {seconds:.1f} | {hours:.2f} | {hours * 3600 / seconds:.0f}x "
              f"| {rss:.0f} | {ratio:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT)
