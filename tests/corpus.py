"""The test corpus: the PDFs kept in tests/data, and the long manuals.

tests/data holds small real PDFs from py-pdf's sample files (CC-BY-SA-4.0; see its README.md).
The long Debian manuals, each with its own text as ground truth, are fetched by
`scripts/fetch-manuals` (run by `make test`) into .cache/manuals, or AUDIOBOOKER_MANUALS.
"""

import os
import re
from pathlib import Path

from tests.needs import require

REPO = Path(__file__).resolve().parents[1]
CORPUS_PDFS = REPO / "tests" / "data"
MANUALS = Path(os.environ.get("AUDIOBOOKER_MANUALS", REPO / ".cache" / "manuals"))
# The long manuals that scripts/fetch-manuals brings, each with its own text as ground truth.
MANUAL_TRUTH = {
    "maint-guide.en.pdf": "maint-guide.en.txt",
    "maint-guide.ja.pdf": "maint-guide.ja.txt",
    "developers-reference.pdf": "developers-reference.txt",
    "bash.pdf": "bash.html",
    "bashref.pdf": "bashref.html",
    "fhs-3.0.pdf": "fhs-3.0.txt",
}


def corpus_pdf(name: str) -> Path:
    """One of the PDFs in tests/data."""
    return require(CORPUS_PDFS / name, "the test PDFs are kept in tests/data")


def manual(name: str) -> Path:
    """One of the long manuals (or its ground-truth text) in .cache/manuals."""
    return require(MANUALS / name, "run `make test` or scripts/fetch-manuals (apt-get download)")


def bash_sections() -> list[str]:
    """bash.pdf prints no table of contents; its HTML version's index names the manual page's
    sections (NAME, SYNOPSIS, ...), which are the PDF's top-level headings."""
    html = manual("bash.html").read_text(encoding="utf-8", errors="replace")
    index = html[html.index('<A NAME="index">') :]
    sections, depth = [], 0
    for tag, title in re.findall(r"<(/?DL)>|<DT><A HREF=\"#\w+\">([^<]*)</A>", index):
        if tag == "DL":
            depth += 1
        elif tag == "/DL":
            depth -= 1
            if depth == 0:
                break
        elif depth == 1:
            sections.append(title)
    return sections
