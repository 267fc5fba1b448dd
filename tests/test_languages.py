"""Every book read in its own language: detection, the voice it gets, and what a listener hears.

The three pages in tests/data/manual-pages are real pages of Debian's Japanese, Chinese and
Russian manuals. Read with the English voice they came out letter by letter (Cyrillic as "pe
er i ve e", each Chinese character as "Chinese letter"); here each is spoken by a voice of its
own language, and the pace proves it is speech, not spelling.
"""

import re
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from conversions import pdftext
from conversions.language import (
    TOO_LITTLE_TEXT,
    book_language,
    count_words,
    detect_language,
    iso_639_2,
    language_from_tag,
)
from conversions.pipeline import convert_pdf
from tests.corpus import REPO, corpus_pdf, manual

PAGES = REPO / "tests" / "data" / "manual-pages"


def paragraphs_of(pdf: Path) -> list[str]:
    return [p for c in pdftext.extract_document(pdf).chapters for p in c.paragraphs]


def cue_texts(vtt: Path) -> list[str]:
    blocks = vtt.read_text(encoding="utf-8").split("\n\n")[1:]
    return [block.split("\n", 1)[1] for block in blocks if "-->" in block]


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("maint-guide.ja.p19.pdf", "ja"),
        ("maint-guide.zh-cn.p5.pdf", "zh"),
        ("debian-faq.ru.p11.pdf", "ru"),
    ],
)
def test_the_language_of_real_pages(name, code):
    guess = detect_language(paragraphs_of(PAGES / name))
    assert (guess.code, guess.source, guess.note) == (code, "detected", "")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("maint-guide.en.pdf", "en"),
        ("maint-guide.ja.pdf", "ja"),  # full of English commands and file names
        ("maint-guide.zh-cn.pdf", "zh"),
        ("debian-faq.ru.pdf", "ru"),  # read letter by letter by the English voice: 68 wpm
        ("bashref.pdf", "en"),
        ("fhs-3.0.pdf", "en"),
    ],
)
def test_the_language_of_whole_manuals(name, code):
    assert detect_language(paragraphs_of(manual(name))).code == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("GeoTopo-komprimiert.pdf", "de"),
        ("pdflatex-outline.pdf", "en"),
        ("crazyones-pdfa.pdf", "en"),
        ("google-doc-document.pdf", "en"),
        ("minimal-document.pdf", "la"),  # lorem ipsum is Latin
        ("habibi.pdf", "ar"),  # one Arabic word: its script says enough
    ],
)
def test_the_language_of_the_corpus_pdfs(name, code):
    assert detect_language(paragraphs_of(corpus_pdf(name))).code == code


def test_a_pdf_that_names_its_language_is_taken_at_its_word():
    # LibreOffice writes /Lang: this lorem ipsum says it is American English.
    document = pdftext.extract_document(corpus_pdf("002-trivial-libre-office-writer.pdf"))
    assert document.language == "en-US"
    guess = book_language(document.language, [])
    assert (guess.code, guess.source) == ("en-us", "pdf")


def test_too_little_text_falls_back_to_english_and_says_so():
    guess = detect_language(["Some text.", "Line 2"])
    assert (guess.code, guess.source, guess.note) == ("en", "default", TOO_LITTLE_TEXT)
    assert detect_language([]).note == TOO_LITTLE_TEXT


def test_the_pdfs_own_language_entry_wins_over_detection():
    german = ["Dies ist ein ganz gewöhnlicher deutscher Satz über das Wetter in Bayern."] * 5
    assert book_language("en-GB", german).code == "en-gb"
    assert book_language("en-GB", german).source == "pdf"
    assert book_language("", german).code == "de"
    assert book_language("x-none", german).code == "de"  # not a language: detected instead
    assert language_from_tag("<script>") == ""


def test_words_count_each_chinese_or_japanese_character():
    assert count_words("three plain words") == 3
    assert count_words("今日は晴れ") == 5
    assert count_words("Debian のパッケージ") == 7


def test_id3_wants_three_letter_codes():
    assert [iso_639_2(c) for c in ("en", "en-us", "ru", "ja", "zh", "de")] == [
        "eng", "eng", "rus", "jpn", "zho", "deu",
    ]  # fmt: skip
    assert iso_639_2("tlh") == "tlh" and iso_639_2("xx") == ""


# --- what a listener hears ------------------------------------------------------------------------


def convert(pdf: Path, tmp_path: Path, **kwargs):
    return convert_pdf(pdf, tmp_path / "work", rate=175, processes=2, **kwargs)


@pytest.mark.slow
def test_a_russian_page_is_read_in_russian_at_a_speaking_pace(tmp_path):
    result = convert(PAGES / "debian-faq.ru.p11.pdf", tmp_path)

    assert (result.language, result.voice, result.note) == ("ru", "espeak:ru", "")
    assert str(ID3(result.mp3)["TLAN"]) == "rus"
    cues = cue_texts(result.vtt)
    assert any("Дебиан" in cue for cue in cues)  # the transcript keeps the Cyrillic text
    words = sum(len(cue.split()) for cue in cues)
    per_minute = words / (result.duration / 60)
    # Spelled with the English voice the FAQ came out at 68 words a minute.
    assert 100 < per_minute < 250


@pytest.mark.slow
def test_a_chinese_page_is_read_in_mandarin(tmp_path):
    result = convert(PAGES / "maint-guide.zh-cn.p5.pdf", tmp_path)

    assert (result.language, result.voice) == ("zh", "espeak:cmn")
    assert str(ID3(result.mp3)["TLAN"]) == "zho"
    han = sum(len(re.findall(r"[\u4e00-\u9fff]", cue)) for cue in cue_texts(result.vtt))
    per_minute = han / (result.duration / 60)
    # "Chinese letter" for each character is about 60 a minute; Mandarin speech is 150+.
    assert per_minute > 120


@pytest.mark.slow
def test_a_chosen_voice_reads_the_book_whatever_its_language(tmp_path):
    result = convert(PAGES / "debian-faq.ru.p11.pdf", tmp_path, voice="espeak:en-us")
    assert (result.language, result.voice) == ("ru", "espeak:en-us")
