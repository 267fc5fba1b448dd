"""The typographic cover of a book whose first page gave no picture (not converted yet, a blank
or unreadable page): the title and author set on a colour picked from the title, as SVG.

The same title always gets the same colour, so a library of such covers still tells books
apart at a glance. The text is escaped and wrapped here; the browser sets it in its own sans
serif font (any script it has a font for).
"""

import hashlib
import textwrap

from django.template.loader import render_to_string

# Backgrounds with white text at WCAG AA contrast (4.5:1 or more).
PALETTE = ["#2f5d8a", "#6b3e75", "#2e6b3f", "#8a3b2f", "#3d5560", "#5a4a8a", "#7a4f14", "#265f6b"]
WIDTH, HEIGHT = 384, 512
MAX_LINES = 6


def colour_for(title: str) -> str:
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def title_lines(title: str) -> list[str]:
    """The title in lines that fit the cover; a long one ends in an ellipsis."""
    width = 12 if len(title) <= 48 else 16
    lines = textwrap.wrap(title, width=width, break_long_words=True) or ["Audiobook"]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines


def typographic_cover(title: str, author: str = "") -> str:
    lines = title_lines(title)
    size = 44 if max(len(line) for line in lines) <= 12 else 34
    step = round(size * 1.2)
    top = HEIGHT * 0.42 - step * (len(lines) - 1) / 2
    return render_to_string(
        "library/cover.svg",
        {
            "width": WIDTH,
            "height": HEIGHT,
            "inner_width": WIDTH - 40,
            "inner_height": HEIGHT - 40,
            "center": WIDTH // 2,
            "author_y": HEIGHT - 60,
            "background": colour_for(title),
            "lines": [{"text": line, "y": round(top + i * step)} for i, line in enumerate(lines)],
            "size": size,
            "author": textwrap.shorten(author, width=30, placeholder="…") if author else "",
        },
    )
