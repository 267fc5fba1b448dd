"""Links, e-mail addresses, file paths and command lines, put into words a listener can follow.

The rules (see also the package docstring):
- A URL is said as its host, without "www.": "https://www.debian.org/" -> "debian dot org". When
  it has a path or query, only "a link to" is added: "https://www.debian.org/doc/manuals" ->
  "a link to debian dot org". Nobody follows a path read aloud character by character.
- A bare host with a known top-level domain ("wiki.debian.org/Foo") is read the same way.
- An e-mail address is said in full, with "at" and "dot": "user at example dot com"; the
  angle brackets around it in "Name <user@example.com>" go.
- An absolute path is said as its parts, without the slashes: "/usr/share/doc" -> "user share
  doc". The common Unix directory names that are not words are said as people say them: usr
  "user", tmp "temp", etc "E T C", sbin "S bin", src "source", mnt "mount". "." inside a name is
  "dot" ("README dot Debian"), "_" a space. "~/" at the start is "home". Relative paths
  ("debian/rules") are left alone: the engine says "debian slash rules", which is right.
- Command lines: a shell prompt ("$ " or "# " before a command) is dropped; options are read
  as typed, without the symbols becoming noise: "--help" -> "dash dash help", "-us" -> "dash u
  s" (up to three letters are spelled; longer ones, as in "find -name", are words); " | " is
  "pipe", "&&" "and", a line-continuation backslash nothing.
"""

from __future__ import annotations

import re

from . import numbers
from .languages import Language

_TLDS = (
    "org|com|net|edu|gov|io|info|eu|de|ru|fr|es|uk|jp|us|ca|ch|at|nl|it|pl|be|se|no|fi|dk|cz|"
    "cn|br|au|in|su|ua|by|kz|mx|ar|pt|gr|ie|nz|dev|app"
)
# Stops at spaces, quotes and brackets; trailing sentence punctuation is trimmed afterwards.
_URL = re.compile(
    r"<?(?:(?:https?|ftps?|sftp|git|ssh|rsync|file)://|www\.)[^\s<>\"'“”‘’()\[\]{}]+>?",
    re.IGNORECASE,
)
_BARE_HOST = re.compile(
    rf"(?<![\w.@/-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS}))"
    r"(/[^\s<>\"'“”‘’()\[\]{}]*)?(?![\w@-])",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"<?(?:mailto:)?(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]*)@"
    r"([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)>?"
)
# An absolute path: "/" then a name, after a space, an opening bracket or quote, "=" or ")".
_PATH = re.compile(r"(?<![\w/~.:<>@-])(~?/)([\w.<>+-][\w.<>+*-]*(?:/[\w.<>+*-]+)*)/?")
# A dot inside a file name is "dot" ("README.gz", ".bashrc"), but not in a version ("bash-2.0").
_NAME_DOT = re.compile(r"\.(?!\d)")
_TRAILING = ".,;:!?'\"”’»"

_PATH_WORDS = {
    "usr": "user",
    "tmp": "temp",
    "etc": "E T C",
    "sbin": "S bin",
    "src": "source",
    "mnt": "mount",
}

_PROMPT = re.compile(r"(?:(?<=^)|(?<=[\s:]))[$#] +(?=[a-z][\w.+-]*)")
# An option starts a word: after a space, "(", "[" or "=" ("»postinst«-Skripte" is no option).
_OPTION_START = r"(?:(?<=^)|(?<=[\s(\[=]))"
_LONG_OPTION = re.compile(rf"{_OPTION_START}(?:--|−−)([A-Za-z][\w-]*)")  # groff prints "−−"
_SHORT_OPTION = re.compile(rf"{_OPTION_START}[-−]([A-Za-z]{{1,3}})(?=$|[\s,;)\]]|\d)")
_WORD_OPTION = re.compile(rf"{_OPTION_START}[-−]([A-Za-z]{{4,}}[\w-]*)(?![\w])")
_PIPE = re.compile(r" \| ")
_AND_THEN = re.compile(r"\s*&&\s*")
_CONTINUATION = re.compile(r" \\(?= |$)")


def _trim(token: str) -> tuple[str, str]:
    """Split trailing sentence punctuation (and a closing ">") off a URL or path."""
    end = len(token)
    while end > 0 and token[end - 1] in _TRAILING:
        end -= 1
    return token[:end], token[end:]


def _host_words(host: str, language: Language) -> str:
    labels = [label for label in host.lower().split(".") if label]
    if labels and labels[0] == "www" and len(labels) > 2:
        labels = labels[1:]
    if labels and all(label.isdigit() and len(label) <= 3 for label in labels):
        labels = [numbers.cardinal(int(label), language.code) for label in labels]
    return f" {language.words['dot']} ".join(labels)


def _split_host(remainder: str) -> tuple[str, str]:
    """("www.debian.org", "/doc/") from "www.debian.org/doc/"."""
    found = re.search(r"[/?#]", remainder)
    if not found:
        return remainder, ""
    return remainder[: found.start()], remainder[found.start() :]


def _say_path_text(path: str, language: Language) -> str:
    home = path.startswith("~")
    parts = [part for part in path.lstrip("~").split("/") if part]
    words = [language.words.get("home", "home")] if home else []
    dot = f" {language.words['dot']} "
    for part in parts:
        part = part.strip("<>")
        if part in _PATH_WORDS:
            words.append(_PATH_WORDS[part])
            continue
        part = part.replace("<", " ").replace(">", " ").replace("_", " ").replace("*", " star ")
        words.append(_NAME_DOT.sub(dot, part).strip() if "." in part else part)
    return " ".join(word for word in words if word)


def _say_url(match: re.Match, language: Language) -> str:
    token, rest = _trim(match.group(0).lstrip("<"))
    token = token.rstrip(">")
    scheme, _, remainder = token.partition("://")
    if not remainder:  # "www.debian.org/..."
        scheme, remainder = "", token
    if scheme.lower() == "file":
        path = remainder if remainder.startswith("/") else "/" + remainder
        return _say_path_text(path, language) + rest
    host, path = _split_host(remainder)
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    words = _host_words(host, language)
    if not words:
        return match.group(0)
    if path.strip("/"):
        return f"{language.words['link']} {words}{rest}"
    return words + rest


def _say_bare_host(match: re.Match, language: Language) -> str:
    host, path = match.group(1), match.group(2) or ""
    path, rest = _trim(path)
    words = _host_words(host, language)
    if path.strip("/"):
        return f"{language.words['link']} {words}{rest}"
    return words + rest


def _say_email(match: re.Match, language: Language) -> str:
    local, host = match.group(1), match.group(2)
    dot = f" {language.words['dot']} "
    plus = f" {language.words['plus']} "
    local_words = local.replace(".", dot).replace("_", " ").replace("+", plus)
    return f"{local_words} {language.words['at']} {_host_words(host, language)}"


def _say_path(match: re.Match, language: Language) -> str:
    token, rest = _trim(match.group(0))
    spoken = _say_path_text(token, language) or token
    # Keep the words apart from what the path was glued to: "$(DESTDIR)/usr/lib" -> "... user lib".
    text, start, end = match.string, match.start(), match.end()
    if start > 0 and not text[start - 1].isspace() and text[start - 1] not in "([{\"'‘“«=":
        spoken = " " + spoken
    if not rest and end < len(text) and text[end].isalnum():
        spoken += " "
    return spoken + rest


def _spell(letters: str) -> str:
    return " ".join(letters)


def say_links(text: str, language: Language) -> str:
    """URLs, e-mail addresses and absolute paths in words (see the module docstring)."""
    if "://" in text or "www." in text.lower():
        text = _URL.sub(lambda m: _say_url(m, language), text)
    if "@" in text:
        text = _EMAIL.sub(lambda m: _say_email(m, language), text)
    if "." in text:
        text = _BARE_HOST.sub(lambda m: _say_bare_host(m, language), text)
    if "/" in text:
        text = _PATH.sub(lambda m: _say_path(m, language), text)
    return text


def say_code(text: str, language: Language) -> str:
    """Prompts, options, pipes and continuations of command lines (see the module docstring)."""
    dash = language.words["dash"]
    if "$" in text or "#" in text:
        text = _PROMPT.sub("", text)
    if "-" in text or "−" in text:
        text = _LONG_OPTION.sub(lambda m: f"{dash} {dash} {m.group(1)}", text)
        text = _SHORT_OPTION.sub(lambda m: f"{dash} {_spell(m.group(1))} ", text)
        text = _WORD_OPTION.sub(lambda m: f"{dash} {m.group(1)}", text)
    if "|" in text:
        text = _PIPE.sub(f" {language.words['pipe']} ", text)
    if "&&" in text:
        text = _AND_THEN.sub(f" {language.symbols.get('&', 'and')} ", text)
    if "\\" in text:
        text = _CONTINUATION.sub("", text)
    return text
