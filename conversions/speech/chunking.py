"""Narration text -> chunks: sentences grouped into pieces of bounded size.

A chunk is what a speech engine is given at once and what one caption cue shows, so chunks end
at sentence ends wherever a sentence fits. Sizes are bounded in words and in characters: words
for languages written with spaces, characters for Japanese and Chinese (written without them,
where a whole paragraph is one "word") and for long runs such as paths and URLs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..normalize import primary_language, split_sentences

MAX_CHUNK_WORDS = 250  # <= 250 words ran at ~850x real time per core; captions stay usable
MAX_CHUNK_CHARS = 4000  # bounds chunks of long "words" (paths, URLs) that a word count misses
# Languages written without spaces between words: sentences end at 。！？ with no space after.
UNSPACED_LANGUAGES = frozenset({"ja", "zh"})

_UNSPACED_ENDS = ("。", "！", "？", "」", "』", "）", "】", "、", "，")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+|(?<=[、，；：])\s*")


def has_words(text: str) -> bool:
    """Whether `text` has anything to say: a letter or a digit."""
    return any(ch.isalnum() for ch in text)


def _fits(text: str, max_words: int, max_chars: int) -> bool:
    return len(text) <= max_chars and len(text.split()) <= max_words


def _joined(pieces: list[str], unspaced: bool) -> str:
    """Pieces joined as the language writes them: with spaces, or in Japanese and Chinese
    without, except after a piece that does not end a sentence (a heading, a number): a space
    there keeps "63" and "3.4" apart and gives the reader a pause."""
    if not unspaced:
        return " ".join(pieces)
    out = pieces[0] if pieces else ""
    for piece in pieces[1:]:
        out += ("" if out.endswith(_UNSPACED_ENDS) else " ") + piece
    return out


def _pack(pieces: list[str], max_words: int, max_chars: int, unspaced: bool) -> list[str]:
    """Join consecutive pieces greedily while the result stays within both limits."""
    chunks: list[str] = []
    current: list[str] = []
    words = chars = 0
    for piece in pieces:
        n_words, n_chars = len(piece.split()), len(piece)
        if current and (words + n_words > max_words or chars + 1 + n_chars > max_chars):
            chunks.append(_joined(current, unspaced))
            current = []
        if current:
            words, chars = words + n_words, chars + 1 + n_chars
        else:
            words, chars = n_words, n_chars
        current.append(piece)
    if current:
        chunks.append(_joined(current, unspaced))
    return chunks


def _cut_sentence(sentence: str, max_words: int, max_chars: int, unspaced: bool) -> list[str]:
    """An overlong sentence cut at , ; : first, then between words, then inside a huge word."""
    pieces: list[str] = []
    for clause in _CLAUSE_BREAK.split(sentence):
        if not clause:
            continue
        if _fits(clause, max_words, max_chars):
            pieces.append(clause)
            continue
        for word in clause.split():
            pieces.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
    return _pack(pieces, max_words, max_chars, unspaced)


def split_into_chunks(
    paragraphs: Sequence[str],
    max_words: int = MAX_CHUNK_WORDS,
    max_chars: int = MAX_CHUNK_CHARS,
    language: str = "en",
) -> list[str]:
    """Group sentences into chunks of at most `max_words` words and `max_chars` characters.

    Chunks end at sentence ends (a sentence or a few); a sentence longer than the limits is cut
    at commas, semicolons or colons, else between words. No chunk is empty or without a letter
    or digit (a chunk of only punctuation would be silence). In Japanese and Chinese the
    sentences of a chunk are joined without a space, as they are written.
    """
    if max_words < 1 or max_chars < 1:
        raise ValueError("max_words and max_chars must be positive")
    unspaced = primary_language(language) in UNSPACED_LANGUAGES
    pieces: list[str] = []
    for paragraph in paragraphs:
        for sentence in split_sentences(paragraph, language):
            if _fits(sentence, max_words, max_chars):
                pieces.append(sentence)
            else:
                pieces.extend(_cut_sentence(sentence, max_words, max_chars, unspaced))
    return [chunk for chunk in _pack(pieces, max_words, max_chars, unspaced) if has_words(chunk)]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def speakable_text(text: str, language: str = "en") -> str:
    """The text as an engine should get it: plain, one line, no control bytes.

    eSpeak NG (which Piper also uses to read text) turns `<` and `>` into pauses and reads the
    rest of a tag aloud ("b bold slash b"); in English they are said as words instead.
    """
    text = _CONTROL.sub(" ", text)
    # Lone surrogates (from broken PDF text) would make the UTF-8 encoding in a driver raise.
    text = text.encode("utf-8", "replace").decode("utf-8")
    if primary_language(language) == "en":
        text = text.replace("<", " less than ").replace(">", " greater than ")
    else:
        text = text.replace("<", " ").replace(">", " ")
    return " ".join(text.split())
