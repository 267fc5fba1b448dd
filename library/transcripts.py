"""The transcript of a finished book, read from its WebVTT captions for the detail page, so that
the page shows the text without JavaScript and the player needs no second download."""

import html
import logging
import re

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]*>")


def _seconds(stamp: str) -> float:
    total = 0.0
    for part in stamp.strip().split(":"):
        total = total * 60 + float(part)
    return total


def parse_webvtt(text: str) -> list[dict]:
    """Cues as {"start", "end", "text"}: timings in seconds, text as it is said (tags dropped,
    character references decoded once, so a PDF's own "&amp;" stays "&amp;")."""
    cues = []
    for block in re.split(r"\n{2,}", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.split("\n")
        at = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if at is None:
            continue
        start, rest = lines[at].split("-->", 1)
        try:
            begin, end = _seconds(start), _seconds(rest.split()[0])
        except (ValueError, IndexError):
            continue
        body = html.unescape(_TAG.sub("", " ".join(lines[at + 1 :]))).strip()
        if body:
            cues.append({"start": begin, "end": end, "text": body})
    return cues


def transcript_of(book) -> list[dict]:
    """The book's cues, or [] when it has none (not converted, or the file is gone)."""
    name = book.transcript_name
    if not name:
        return []
    try:
        with default_storage.open(name, "rb") as vtt:
            return parse_webvtt(vtt.read().decode("utf-8", errors="replace"))
    except OSError:
        logger.warning("transcript %s of book %s is missing", name, book.pk)
        return []
