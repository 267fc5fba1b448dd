#!/usr/bin/env python3
"""Score extracted narration text against a ground-truth text, bag of words.

    python tests/score_text.py EXTRACTED.txt TRUTH.(txt|html)

Prints one JSON line: recall, precision, f1 over word tokens (NFKC, lower case, digits
ignored, CJK characters counted one by one, end-of-line hyphenation undone), and how many
"words" of 25+ letters the extraction has (a sign of lost spaces; CJK text, written without
spaces, is left out of that count). The text-quality tests and bench/text_quality.py use
`read` and `score`. Standard library only.
"""

import collections
import html.parser
import json
import re
import sys
import unicodedata

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class _Text(html.parser.HTMLParser):
    """The visible text of an HTML page (no scripts, styles or head)."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style", "head")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def read(path) -> str:
    """A text file's text, or an HTML file's visible text."""
    path = str(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if path.endswith((".html", ".htm")):
        parser = _Text()
        parser.feed(text)
        text = " ".join(parser.parts)
    return text


def tokens(text: str) -> collections.Counter:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    out = CJK.findall(text)
    out += [w for w in re.findall(r"\w+", CJK.sub(" ", text)) if not w.isdigit()]
    return collections.Counter(out)


def score(extracted: str, truth: str) -> dict:
    a, b = tokens(extracted), tokens(truth)
    inter = sum((a & b).values())
    recall = inter / max(1, sum(b.values()))
    precision = inter / max(1, sum(a.values()))
    f1 = 2 * recall * precision / max(1e-9, recall + precision)
    letters = re.findall(r"[^\W\d_]+", CJK.sub(" ", unicodedata.normalize("NFKC", extracted)))
    return {
        "recall": round(recall, 3),
        "precision": round(precision, 3),
        "f1": round(f1, 3),
        "words_25plus_letters": sum(1 for w in letters if len(w) >= 25),
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(score(read(sys.argv[1]), read(sys.argv[2]))))
