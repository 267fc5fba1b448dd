"""The typographic cover as SVG, for a book that has no cover file yet (not converted, or no
font to draw one with): the design of conversions/cover.py's PNG, which the worker makes for a
blank or unreadable first page. The text is escaped by the template; the browser sets it in
its own sans serif font (any script it has a font for).
"""

import textwrap

from django.template.loader import render_to_string

from conversions.cover import HEIGHT, WIDTH, colour_for, title_lines


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
