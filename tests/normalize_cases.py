"""The table of real sentences and what a narrator says (tests/data/normalize_cases.tsv).

Shared by tests/test_normalize.py, which asserts every row, and bench/normalize.py, which
prints the share read correctly per language. The file's header says where the sentences come
from.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

CASES_PATH = Path(__file__).resolve().parent / "data" / "normalize_cases.tsv"


@dataclass(frozen=True)
class Case:
    language: str
    source: str
    text: str
    expected: str
    limit: str  # non-empty: a known limit, expected to fail

    @property
    def real(self) -> bool:
        return not self.source.startswith("constructed")


def load_cases() -> list[Case]:
    with CASES_PATH.open(encoding="utf-8", newline="") as file:
        lines = (line for line in file if not line.startswith("#"))
        reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Case(row["language"], row["source"], row["input"], row["expected"], row["limit"])
            for row in reader
        ]
