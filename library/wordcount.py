"""Words in uploaded PDFs, counted while the upload is checked: what a waiting book's
conversion time is estimated from (library/estimates.py).

PDFium's text of each page, counted as the pipeline counts (`conversions.language.count_words`:
a Japanese or Chinese character is a word). Raw page text, headers and page numbers included:
the statistics of finished jobs keep the same count (`JobStats.counted_words`), so the speeds
learned from them are in the same measure.

Bounded, because it runs inside the upload request:
- in a child process (`conversions.children.run_isolated`), one for the whole upload, with a
  memory limit and TIMEOUT seconds: the request opens a stranger's file with a C library, and a
  file that crashes or hangs PDFium costs it the count, nothing more (the estimate then goes by
  pages);
- at most MAX_PAGES pages a file, spread evenly over it and scaled up to the whole.
Measured on the longest manual, bashref.pdf (196 pages, 96,617 words): 0.24 s counting every
page in the request's own process, 0.7 s in a fresh child (0.15 s for the 50 pages of fhs-3.0).
No imports from Django here: the child process imports this module.
"""

import logging
import os

log = logging.getLogger(__name__)

MAX_PAGES = 200
TIMEOUT = 10.0  # seconds for all the files of one upload
MEMORY_MB = 1024


def _count(sources: list, max_pages: int) -> list[int | None]:
    """In the child: words in each source (a path, or the bytes of a small upload)."""
    import pypdfium2 as pdfium

    from conversions.language import count_words

    counts: list[int | None] = []
    for source in sources:
        try:
            document = pdfium.PdfDocument(source)
        except Exception:  # a file the pipeline will refuse with its own reason
            counts.append(None)
            continue
        try:
            pages = len(document)
            chosen = range(pages) if pages <= max_pages else (
                int(i * pages / max_pages) for i in range(max_pages)
            )  # fmt: skip
            words = read = 0
            for index in chosen:
                page = document[index]
                try:
                    text = page.get_textpage()
                    try:
                        words += count_words(text.get_text_range())
                    finally:
                        text.close()
                finally:
                    page.close()
                read += 1
            counts.append(round(words * pages / read) if read else 0)
        except Exception:
            counts.append(None)
        finally:
            document.close()
    return counts


def count_words(sources: list) -> list[int | None]:
    """Words in each PDF (a path, or bytes); None for one that could not be counted."""
    from conversions.children import ChildFailed, run_isolated

    if not sources:
        return []
    sources = [os.fspath(s) if not isinstance(s, bytes) else s for s in sources]
    try:
        return run_isolated(
            _count, sources, MAX_PAGES, timeout=TIMEOUT, memory_mb=MEMORY_MB, name="wordcount"
        )
    except ChildFailed as failure:
        log.warning("words not counted: %s", failure.detail)
        return [None] * len(sources)
