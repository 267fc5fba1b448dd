"""What the feed says about each finished book: its episode's text and its chapters file.

The description is the first sentences of the book's own text, read from the start of its
WebVTT transcript (the narration as spoken, already cleaned of headers and page numbers), and
kept in the cache under the audio's storage name: new audio has a new name.
"""

import html
import re

from django.core.cache import cache

from library import streaming
from library.views import chapter_list

DESCRIPTION_CHARACTERS = 400  # about three sentences: what podcast apps show in a list
TRANSCRIPT_HEAD = 16 * 1024  # bytes of the WebVTT read for them
# Characters XML 1.0 does not allow, which a PDF's title or text may still carry.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
SENTENCE_END = re.compile(r"(?<=[.!?…。])\s+")


def xml_text(text: str) -> str:
    return NOT_XML.sub("", text or "")


def first_sentences(vtt: str, most: int = DESCRIPTION_CHARACTERS) -> str:
    """The cues' text from the start of a WebVTT file, whole sentences up to `most` characters
    (the first sentence cut with "…" when it alone is longer)."""
    texts = []
    for block in vtt.replace("\r\n", "\n").split("\n\n"):
        lines = block.strip().split("\n")
        if len(lines) >= 2 and "-->" in lines[0]:
            texts.append(html.unescape(" ".join(lines[1:])))
        elif len(lines) >= 3 and "-->" in lines[1]:  # a cue with an identifier
            texts.append(html.unescape(" ".join(lines[2:])))
    text = " ".join(" ".join(texts).split())
    if len(text) <= most:
        return text
    kept = ""
    for sentence in SENTENCE_END.split(text):
        if len(kept) + len(sentence) + 1 > most:
            break
        kept = f"{kept} {sentence}".strip()
    return kept or text[: most - 1].rstrip() + "…"


def description_of(book) -> str:
    """The first sentences of `book`'s text ("" when its transcript cannot be read)."""
    key = f"feeds:description:{book.audio_path.name}"
    description = cache.get(key)
    if description is None:
        try:
            head = b"".join(streaming.stream(book.transcript_name, 0, TRANSCRIPT_HEAD))
        except OSError:
            return ""
        # The head may end inside a character or a cue: both are dropped.
        description = xml_text(first_sentences(head.decode("utf-8", "ignore").rsplit("\n\n", 1)[0]))
        cache.set(key, description, timeout=None)
    return description


def chapters_document(details) -> dict:
    """The Podcasting 2.0 JSON chapters file (application/json+chapters, version 1.2.0), with
    the same chapter names as the player's list."""
    chapters = chapter_list(details.chapters if details else None)
    return {
        "version": "1.2.0",
        "chapters": [
            {"startTime": round(chapter["start"], 3), "title": chapter["title"]}
            for chapter in chapters
        ],
    }
