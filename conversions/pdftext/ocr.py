"""Optical character recognition for pages without a usable text layer (scans, pages that are
pictures of text).

PDFium renders each page in grey at `OCR_DPI`; Tesseract reads it; its words come back as
visual lines with their geometry in PDF units, so that the same cleaning applies to them as to
a text layer (running headers, page numbers, hyphenation, paragraphs, headings).

- Tesseract is called in-process through tesserocr, not through its command (pytesseract
  runs the command too): one model load per OCR process instead of one per page, no image
  files, and its wheel's Tesseract 5.5 read a page in 0.78x the CPU of Debian's `tesseract`
  5.3 command (1.36 s against 1.74 s at 200 dpi, bench/ocr.py) with the same words. The
  language data comes from the OS (Debian's `tesseract-ocr-eng`, `-rus`, ...), found where
  `TESSDATA_PREFIX` says or in Debian's folders.
- The pages are shared out to a pool of OCR processes, as many as cores, each with one
  Tesseract thread (`OMP_THREAD_LIMIT=1`: Tesseract's own threads would only fight the other
  processes for the cores). The pool runs inside the isolated pdftext process, so its memory
  limit holds for each OCR process, and all of them die with it.
- The language: the one asked for (a chosen voice's), else found from the pages: Tesseract's
  script detection (OSD) on a few pages, and for Latin script the language of a first pass
  in English. A language without installed data is read as English, with a note saying so.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from ..children import die_with_parent
from .document import Line

logger = logging.getLogger(__name__)

# Rendering resolution. Measured (bench/ocr.py) on image-only copies of the manuals: 200 dpi
# reads as well as 300 (bag-of-words F1 0.987 against 0.985) in 0.80x the CPU; 150 starts
# losing small print (0.983).
OCR_DPI = 200
# Words Tesseract is less sure of than this (0-100) are specks, rules and picture edges.
MIN_WORD_CONFIDENCE = 30
# Pages looked at to find the language of a book nobody named one for.
SAMPLE_PAGES = 3

_TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
# Tesseract's names for languages whose ISO 639-2 code is not its own.
_TESSERACT_NAMES = {"zho": "chi_sim", "zh-tw": "chi_tra", "zh-hant": "chi_tra", "zh-hk": "chi_tra"}
# What a script found by OSD most likely is, where a first pass in English cannot tell (an
# English model reads Cyrillic or kanji as Latin nonsense).
_SCRIPT_LANGUAGES = {
    "Cyrillic": "ru", "Greek": "el", "Arabic": "ar", "Hebrew": "he", "Han": "zh",
    "Japanese": "ja", "Katakana": "ja", "Hiragana": "ja", "Hangul": "ko", "Devanagari": "hi",
    "Thai": "th", "Armenian": "hy", "Georgian": "ka", "Bengali": "bn", "Tamil": "ta",
}  # fmt: skip


class OcrUnavailable(Exception):
    """No Tesseract (tesserocr) or no language data for it on this machine."""


def tessdata_dir() -> str | None:
    """Where Tesseract's language data is: `TESSDATA_PREFIX`, else Debian's folders."""
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *_TESSDATA_DIRS]
    for folder in candidates:
        if folder and any(Path(folder).glob("*.traineddata")):
            return folder
    return None


@functools.cache
def installed_languages() -> frozenset[str]:
    """Tesseract's names of the languages whose data is installed ("eng", "rus", ...)."""
    folder = tessdata_dir()
    if folder is None:
        return frozenset()
    try:
        import tesserocr  # noqa: F401 (only whether it loads)
    except ImportError:
        return frozenset()
    return frozenset(
        p.name.removesuffix(".traineddata") for p in Path(folder).glob("*.traineddata")
    )


def ocr_available() -> bool:
    """Can scanned pages be read here: tesserocr loads and English data is installed."""
    return "eng" in installed_languages()


def tesseract_language(code: str) -> str:
    """ "en", "ru-RU", "zh-tw" -> "eng", "rus", "chi_tra" ("" when unknown)."""
    from ..language import iso_639_2

    code = code.strip().lower().replace("_", "-")
    if code in _TESSERACT_NAMES:
        return _TESSERACT_NAMES[code]
    three = iso_639_2(code)
    return _TESSERACT_NAMES.get(three, three)


def language_name(code: str) -> str:
    """ "ru" -> "Russian", for notes to the listener."""
    try:
        from lingua import IsoCode639_1, Language

        primary = code.split("-")[0].upper()
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, primary)).name.title()
    except (AttributeError, ValueError, ImportError):
        return code


@dataclass
class OcrLanguage:
    """What Tesseract reads a book's scanned pages as, and why, for the listener."""

    tesseract: str  # "eng", "rus+eng"
    code: str  # the book's language as asked for or found ("ru"); "" when unknown
    note: str = ""


def language_for(code: str) -> OcrLanguage:
    """Tesseract's languages for a book in `code`: that language with English (the commands,
    names and terms in it), or English alone, with a note, when its data is not installed."""
    installed = installed_languages()
    wanted = tesseract_language(code) if code else "eng"
    if wanted == "eng":
        return OcrLanguage("eng", code)
    if wanted and wanted in installed:
        return OcrLanguage(f"{wanted}+eng", code)
    name = language_name(code)
    return OcrLanguage(
        "eng",
        code,
        f"Its scanned pages were read as English: no text recognition data for {name} is "
        "installed on this server.",
    )


# --------------------------------------------------------------------------------------
# One OCR process: render, recognise, and turn Tesseract's words into lines
# --------------------------------------------------------------------------------------


@dataclass
class PageText:
    """What one page gave: its lines, and the script Tesseract saw (when asked)."""

    index: int
    lines: list[Line] = field(default_factory=list)
    script: str = ""


_state: dict = {}  # the OCR process's Tesseract and open PDF, made once per process


def _start_process(parent_pid: int, folder: str, languages: str) -> None:
    """Runs first in each OCR process: die with the pdftext process, one Tesseract thread."""
    die_with_parent(parent_pid)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    _state.update(folder=folder, languages=languages)


def _api(languages: str):
    """The process's Tesseract for `languages` (made once; "osd" for script detection)."""
    import tesserocr

    key = ("api", languages)
    if key not in _state:
        psm = tesserocr.PSM.OSD_ONLY if languages == "osd" else tesserocr.PSM.AUTO
        _state[key] = tesserocr.PyTessBaseAPI(path=_state["folder"], lang=languages, psm=psm)
    return _state[key]


def _render(path: str, password: str | None, index: int, dpi: int):
    """The page as 8-bit grey pixels (a numpy array), and its size in PDF units."""
    import pypdfium2 as pdfium

    if _state.get("path") != path:
        if "pdf" in _state:
            _state["pdf"].close()
        _state["pdf"] = pdfium.PdfDocument(path, password=password or None)
        _state["path"] = path
    page = _state["pdf"][index]
    try:
        width, height = page.get_size()
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        pixels = bitmap.to_numpy()
    finally:
        page.close()
    if pixels.ndim == 3:
        pixels = pixels[:, :, 0]
    return pixels, width, height


def _script(pixels) -> str:
    """The script Tesseract's OSD sees on the page ("Latin", "Cyrillic"), or ""."""
    if "osd" not in installed_languages():
        return ""
    api = _api("osd")
    height, width = pixels.shape
    api.SetImageBytes(pixels.tobytes(), width, height, 1, width)
    try:
        found = api.DetectOrientationScript()
    except RuntimeError:  # too little text on the page to tell
        return ""
    return (found or {}).get("script_name", "") if (found or {}).get("script_conf", 0) > 1 else ""


def recognise_page(task: tuple) -> PageText:
    """OCR one page: (path, password, index, dpi, want_script) -> its lines in PDF units."""
    import tesserocr

    path, password, index, dpi, want_script = task
    pixels, page_width, page_height = _render(path, password, index, dpi)
    result = PageText(index)
    if want_script:
        result.script = _script(pixels)
    api = _api(_state["languages"])
    height, width = pixels.shape
    api.SetImageBytes(pixels.tobytes(), width, height, 1, width)
    api.SetSourceResolution(dpi)
    api.Recognize()
    scale = 72 / dpi
    words: list[tuple[str, tuple[int, int, int, int]]] = []

    def flush() -> None:
        if words:
            result.lines.append(_line(words, index, scale, page_height))
            words.clear()

    iterator = api.GetIterator()
    level = tesserocr.RIL.WORD
    if iterator is not None:
        for word in tesserocr.iterate_level(iterator, level):
            if word.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
                flush()
            try:
                text = (word.GetUTF8Text(level) or "").strip()
            except RuntimeError:  # an empty word (a speck Tesseract took for one)
                continue
            box = word.BoundingBox(level)
            if text and box and word.Confidence(level) >= MIN_WORD_CONFIDENCE:
                words.append((text, box))
    flush()
    api.Clear()
    return result


def _line(words, page: int, scale: float, page_height: float) -> Line:
    """A visual line from Tesseract's words (pixel boxes, y down) in PDF units (y up)."""
    left = min(box[0] for _, box in words)
    top = min(box[1] for _, box in words)
    right = max(box[2] for _, box in words)
    bottom = max(box[3] for _, box in words)
    heights = sorted(box[3] - box[1] for _, box in words)
    size = heights[len(heights) // 2] * scale
    text = _join_words([text for text, _ in words])
    return Line(
        text,
        x0=left * scale,
        x1=right * scale,
        bottom=page_height - bottom * scale,
        top=page_height - top * scale,
        size=max(0.1, size),
        page=page,
    )


_CJK_WORD = re.compile(r"^[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+$")


def _join_words(words: list[str]) -> str:
    """Words into a line: with spaces, except between Chinese or Japanese words, which
    Tesseract cuts apart although the script writes no spaces."""
    out = words[0]
    for previous, word in zip(words, words[1:], strict=False):
        joint = "" if _CJK_WORD.match(previous[-1]) and _CJK_WORD.match(word[0]) else " "
        out += joint + word
    return out


# --------------------------------------------------------------------------------------
# A document's pages: the pool, and the language
# --------------------------------------------------------------------------------------


Progress = Callable[[int, int], None]  # (pages recognised, pages to recognise)


class OcrFailed(Exception):
    """An OCR process died (a crash in Tesseract, the memory limit): the page cannot be read."""


class _Pool:
    """OCR processes for one language, as many as asked (at most one per page).

    concurrent.futures rather than multiprocessing.Pool: when a process dies (a crash, the
    memory limit) it says so at once, where a Pool would wait for the lost page forever.
    """

    def __init__(self, processes: int, languages: str) -> None:
        folder = tessdata_dir()
        if folder is None:
            raise OcrUnavailable("no Tesseract language data")
        # The OCR processes inherit the environment: one OpenMP thread each from the start.
        os.environ["OMP_THREAD_LIMIT"] = "1"
        self.executor = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_process,
            initargs=(os.getpid(), folder, languages),
        )

    def run(self, tasks: list[tuple], each: Callable[[PageText], None], work=None) -> None:
        """`each` result of `work` (`recognise_page`) on the tasks, as they come."""
        futures = [self.executor.submit(work or recognise_page, task) for task in tasks]
        try:
            for future in as_completed(futures):
                each(future.result())
        except BrokenProcessPool as exc:
            raise OcrFailed(f"an OCR process died: {exc}") from None

    def close(self) -> None:
        for process in list(getattr(self.executor, "_processes", {}).values()):
            process.kill()  # a page still being read is not waited for
        self.executor.shutdown(wait=True, cancel_futures=True)


def _found_language(samples: list[PageText]) -> str:
    """The language of the sampled pages: their script, and for Latin script the language of
    the text the English pass gave ("" when unsure: English it is)."""
    from ..language import detect_language

    scripts = Counter(page.script for page in samples if page.script)
    script = scripts.most_common(1)[0][0] if scripts else "Latin"
    if script != "Latin":
        return _SCRIPT_LANGUAGES.get(script, "")
    paragraphs = [" ".join(line.text for line in page.lines) for page in samples]
    guess = detect_language(paragraphs)
    return guess.code if guess.source == "detected" else ""


def recognise_pages(
    path: str | os.PathLike,
    password: str | None,
    indices: Sequence[int],
    *,
    language: str = "",
    processes: int = 1,
    progress: Progress = lambda done, total: None,
    dpi: int = OCR_DPI,
) -> tuple[dict[int, list[Line]], OcrLanguage]:
    """The lines of the pages `indices` (0-based), read by Tesseract, and the language used.

    `language` is the book's language when known ("ru"); else a few pages are read in
    English first, with script detection, to find it (those pages are kept when the book is
    English). Raises OcrUnavailable when Tesseract cannot run here.
    """
    if not ocr_available():
        raise OcrUnavailable("Tesseract or its English data is not installed")
    path = str(path)
    processes = max(1, min(processes, len(indices)))
    total = len(indices)
    done: dict[int, list[Line]] = {}

    def keep(page: PageText) -> None:
        done[page.index] = page.lines
        progress(len(done), total)

    chosen = language_for(language) if language else None
    if chosen is None:
        # A first pass in English over a few pages spread through the book.
        step = max(1, total // SAMPLE_PAGES)
        sample = list(indices[::step][:SAMPLE_PAGES])
        samples: list[PageText] = []
        pool = _Pool(min(processes, len(sample)), "eng")
        try:
            pool.run([(path, password, i, dpi, True) for i in sample], samples.append)
        finally:
            pool.close()
        chosen = language_for(_found_language(samples))
        if chosen.tesseract == "eng":
            for page in samples:
                keep(page)
    rest = [i for i in indices if i not in done]
    if rest:
        pool = _Pool(processes, chosen.tesseract)
        try:
            pool.run([(path, password, i, dpi, False) for i in rest], keep)
        finally:
            pool.close()
    return done, chosen
