"""Lines -> paragraphs: the visual lines of pages, in reading order, joined into paragraphs
of clean text.

Layout first (a gap, an indent, a short last line, a change of font size), wording second (a
sentence end, a capital). Words hyphenated at line ends are joined again, unless the document
writes them with a hyphen elsewhere; footnotes wait until the paragraph they interrupt ends.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from .cleaning import clean_text, is_cjk, is_page_number
from .document import Line

# PDFium marks a hyphen it recognised at a line end with U+FFFE (sometimes U+0002).
_PDFIUM_HYPHENS = "\ufffe\x02"
_SENTENCE_END = re.compile(r"[.!?:;。！？」』）)\"'’”]$")
_TERMINAL = re.compile(r"[.!?。！？][\"'’”)\]]*$")
_BULLET = re.compile(r"^(?:[•◦▪▫‣⁃∙·○●■□➢►–—*-]\s|\(?[0-9]{1,3}[.)]\s|\(?[a-z][.)]\s|\([ivx]+\)\s)")
_HYPHENS = "-\u2010\u2011\u00ad" + _PDFIUM_HYPHENS
_WORD = re.compile(r"[^\W\d_]+")


@dataclass
class Vocabulary:
    """Words and hyphenated compounds seen in the document, to undo line-end hyphenation."""

    words: set[str] = field(default_factory=set)
    compounds: set[str] = field(default_factory=set)

    @classmethod
    def from_lines(cls, lines: list[Line]) -> Vocabulary:
        vocab = cls()
        for line in lines:
            text = line.text.casefold()
            vocab.words.update(_WORD.findall(text))
            for m in re.finditer(r"([^\W\d_]+)-([^\W\d_]+)", text):
                vocab.compounds.add(m.group(0))
        return vocab

    def join(self, left: str, right: str) -> str:
        """Join 'ex-' + 'pressions' as 'expressions', but 'well-' + 'known' as 'well-known'
        when the document writes it that way elsewhere and never as one word."""
        head = _WORD.findall(left[-40:].casefold())
        tail = _WORD.findall(right[:40].casefold())
        if head and tail:
            whole, compound = head[-1] + tail[0], f"{head[-1]}-{tail[0]}"
            if compound in self.compounds and whole not in self.words:
                return left + "-" + right
        return left + right


def _ends_with_hyphenation(text: str) -> bool:
    if len(text) < 2 or text[-1] not in _HYPHENS:
        return False
    return text[-2].isalpha()


# A URL at the end of a line that is still inside its parenthesis, or ends with a slash.
_OPEN_URL = re.compile(r"(?:\((?:https?|ftp)://[^\s()]*|(?:https?|ftp)://[^\s()]*/)$")


def _join(left: str, right: str, vocab: Vocabulary) -> str:
    """Join two lines of one paragraph: undo hyphenation, never glue two words together."""
    if not left:
        return right
    if not right:
        return left
    if _ends_with_hyphenation(left) and (
        right[0].islower() or left[-1] in "\u00ad" + _PDFIUM_HYPHENS
    ):
        return vocab.join(left[:-1], right)
    if left[-1] in _PDFIUM_HYPHENS or left[-1] == "\u00ad":
        return left[:-1] + right
    if is_cjk(left[-1]) and is_cjk(right[0]):
        return left + right  # CJK text wraps without spaces
    if left[-1] in "-\u2010\u2011/" and left[-2:-1].isalnum():
        return left + right  # "Jean-" + "Pierre", "http://example.org/" + "path"
    if _OPEN_URL.search(left):
        return left + right  # a URL broken over two lines
    return left + " " + right


def _starts_paragraph(
    prev: Line, line: Line, gap_typical: float, right_edge: float, page_lines: list[Line] = ()
) -> bool:
    """Is `line` the start of a new paragraph after `prev`? Layout first, wording second."""
    text, ptext = line.text, prev.text
    if _ends_with_hyphenation(ptext) and (text[:1].islower() or ptext[-1] in _PDFIUM_HYPHENS):
        return False
    if prev.leader or line.leader:
        return True  # each table-of-contents entry is a paragraph of its own
    if _BULLET.match(text):
        return True
    if not (prev.has_geometry and line.has_geometry):
        # No layout to go by: a sentence end followed by a capital is the best guess.
        return bool(_TERMINAL.search(ptext)) and text[:1].isupper()
    size = max(prev.size, line.size)
    if abs(prev.size - line.size) > 0.18 * size:
        return True  # a heading, a code block or small print
    below = prev.page == line.page and line.top <= prev.bottom + 0.5 * size
    if below and prev.bottom - line.top > gap_typical + 0.45 * size:
        return True  # vertical space between paragraphs
    ends_sentence = bool(_SENTENCE_END.search(ptext))
    short_prev = prev.x1 < right_edge - 2.5 * size
    starts_upper = not text[:1].islower()
    if ends_sentence and short_prev and starts_upper:
        return True  # the short last line of a paragraph
    if (
        below
        and ends_sentence
        and starts_upper
        and prev.x0 + 0.8 * size < line.x0 < prev.x0 + 6 * size
    ):
        return True  # first-line indent
    if below and short_prev and starts_upper and not ends_sentence and len(ptext.split()) <= 12:
        return True  # a short line with no full stop, then a capital: a heading
    if not below and ends_sentence and starts_upper and page_lines:
        # The first line of a new page or column: indented against the lines below it
        # (a first-line indent, a centred caption), it starts something new.
        left = min(
            (
                other.x0
                for other in page_lines
                if other.has_geometry and other.x0 < line.x1 and other.x1 > line.x0
            ),
            default=line.x0,
        )
        return line.x0 > left + 0.8 * size
    return False


_NOTE_MARK = re.compile(r"^\W{0,2}[0-9*†‡§]")
_NOTE_START = re.compile(r"^\s*([0-9]{1,3}|[*†‡§]{1,3})\s*(?=[^\W\d_]|[(\"'“‘])")


def _strip_note_refs(text: str, marks: set[str]) -> str:
    """Drop the page's footnote numbers where they follow punctuation ('outdated. 1')."""
    for mark in marks:
        text = re.sub(r"(?<=[.,;:!?)\]’”\"])\s?" + re.escape(mark) + r"(?=\s|$)", "", text, count=1)
    return text


def _split_footnotes(lines: list[Line], body_size: float) -> tuple[list[Line], list[Line]]:
    """A page's body lines and its footnotes: a trailing block of smaller text below the body,
    starting with a note mark."""
    if not body_size or len(lines) < 2:
        return lines, []
    i = len(lines)
    while i > 1 and lines[i - 1].has_geometry and 0 < lines[i - 1].size < 0.92 * body_size:
        i -= 1
    body, notes = lines[:i], lines[i:]
    if not notes or not _NOTE_MARK.match(notes[0].text):
        return lines, []
    body_bottom = min((line.bottom for line in body if line.has_geometry), default=0.0)
    if max(line.top for line in notes) > body_bottom + 1:
        return lines, []  # not below the body text: a caption or other small print
    return body, notes


def _has_words(text: str) -> bool:
    """A paragraph worth reading: has a letter and is not a stray page number."""
    return bool(re.search(r"[^\W\d_]", text)) and not is_page_number(text)


def _group_by_page(lines: list[Line]):
    group: list[Line] = []
    for line in lines:
        if group and line.page != group[-1].page:
            yield group[0].page, group
            group = []
        group.append(line)
    if group:
        yield group[0].page, group


def _page_metrics(lines: list[Line], body_size: float) -> tuple[float, float]:
    """Typical gap between the lines of a paragraph, and the right edge of full lines."""
    gaps = [
        a.bottom - b.top
        for a, b in zip(lines, lines[1:], strict=False)
        if a.has_geometry
        and b.has_geometry
        and abs(a.size - b.size) < 0.1 * a.size
        and -0.2 * a.size <= a.bottom - b.top < 2 * a.size
    ]
    gap = statistics.median(gaps) if gaps else 0.25 * (body_size or 10.0)
    rights = sorted(line.x1 for line in lines if line.has_geometry)
    right = rights[int(len(rights) * 0.9)] if rights else 0.0
    return gap, right


def build_paragraphs(lines: list[Line], vocab: Vocabulary | None = None) -> list[str]:
    """Join visual lines (in reading order, with their page) into paragraphs of clean text.

    Footnotes wait until the paragraph they interrupt is finished, so a sentence that runs
    over a page break is read whole.
    """
    if vocab is None:
        vocab = Vocabulary.from_lines(lines)
    sizes = [line.size for line in lines if line.has_geometry]
    body_size = statistics.median(sizes) if sizes else 0.0

    done: list[str] = []
    pending_notes: list[str] = []
    current = ""

    def close() -> None:
        nonlocal current
        if current:
            done.append(current)
        current = ""
        done.extend(pending_notes)
        pending_notes.clear()

    prev: Line | None = None
    for _page, group in _group_by_page(lines):
        body, notes = _split_footnotes(group, body_size)
        marks: set[str] = set()
        page_notes: list[str] = []
        for line in notes:
            text = line.text
            mark = _NOTE_START.match(text)
            if mark:
                # "1The document assumes..." -> "The document assumes...": the number
                # only points from the text to the note, which a listener hears in place.
                marks.add(mark.group(1))
                text = text[mark.end() :]
                page_notes.append("")
            elif not page_notes:
                page_notes.append("")
            page_notes[-1] = _join(page_notes[-1], text, vocab)
        gap_typical, right_edge = _page_metrics(body, body_size)
        for line in body:
            if not line.text:
                continue
            if prev is None or _starts_paragraph(prev, line, gap_typical, right_edge, body):
                close()
            text = _strip_note_refs(line.text, marks) if marks else line.text
            current = _join(current, text, vocab)
            prev = line
        pending_notes.extend(page_notes)
    close()
    out = []
    for text in done:
        text = clean_text(text)
        if text and _has_words(text):
            out.append(text)
    return out
