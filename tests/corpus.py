"""Where the test corpus lives: the shared PDFs beside the repository and the long manuals.

The shared corpus is `../shared/corpus` next to the checkout (CI lays it there too); the long
Debian manuals are fetched by `make test` into `.cache/manuals` (see the Makefile). Both can be
moved with AUDIOBOOKER_CORPUS and AUDIOBOOKER_MANUALS.
"""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("AUDIOBOOKER_CORPUS", REPO.parent / "shared" / "corpus"))
CORPUS_PDFS = CORPUS / "pdfs"
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
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(path: Path, why: str) -> Path:
    """Return `path`, or skip the test with `why` when it is missing (a failure under CI=true)."""
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing under CI: {why}")
        pytest.skip(f"{path} is missing: {why}")
    return path


def corpus_pdf(name: str) -> Path:
    return require(CORPUS_PDFS / name, "the shared corpus should sit at ../shared/corpus")


def manual(name: str) -> Path:
    return require(MANUALS / name, "run `make test` (it fetches the manuals with apt-get download)")
