"""What a test needs from the machine: a file or a program.

When one is missing the test is skipped with a message saying how to get it, except under
CI=true (`.ci/run` sets it), where it fails: on CI a test never passes by quietly not running.
`make test` installs the programs and fetches the files, so a full run skips nothing.
"""

import os
import shutil
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(what: str) -> None:
    """Skip the test because `what` is missing, or fail it under CI=true."""
    if IN_CI:
        pytest.fail(f"{what} (a failure under CI=true)")
    pytest.skip(what)


def require(path: Path, why: str) -> Path:
    """Return `path`, or skip the test (fail under CI=true) when it does not exist."""
    if not path.exists():
        missing(f"{path} is missing: {why}")
    return path


def require_tool(name: str, why: str = "make test installs it") -> str:
    """The full path of the program `name` (also looked for in the sbin folders), or skip the
    test (fail under CI=true) when it is not installed."""
    found = shutil.which(name) or shutil.which(name, path="/usr/local/sbin:/usr/sbin:/sbin")
    if not found:
        missing(f"{name} is not installed: {why}")
    return found


def require_ocr() -> None:
    """Skip the test (fail under CI=true) unless Tesseract can read scanned pages here."""
    from conversions.pdftext import ocr_available

    if not ocr_available():
        missing(
            "Tesseract is not installed (apt: tesseract-ocr tesseract-ocr-eng): make test installs it"
        )
