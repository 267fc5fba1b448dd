"""Covers: the first page rendered by PDFium into a PNG (in a child process), kept beside the
MP3 and in its ID3 APIC frame, served to the pages; a typographic SVG cover otherwise."""

import struct
import zlib

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from mutagen.id3 import ID3

from conversions.audio import ChapterAudio, Mp3SegmentWriter, write_audiobook
from conversions.cover import colour_for, png, render_first_page, write_cover
from library import services
from library.models import Audiobook
from tests.corpus import corpus_pdf
from tests.factories import make_book, make_job, make_user


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_the_png_writer_round_trips_pixels():
    rows = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])  # 2 x 2
    data = png(2, 2, rows)
    assert png_size(data) == (2, 2)
    idat = data[data.index(b"IDAT") + 4 :]
    raw = zlib.decompressobj().decompress(idat)
    assert raw[:7] == b"\x00" + rows[:6] and raw[7:14] == b"\x00" + rows[6:]


def test_the_first_page_becomes_a_cover_and_a_blank_one_does_not(tmp_path):
    data = render_first_page(str(corpus_pdf("GeoTopo-komprimiert.pdf")))
    width, height = png_size(data)
    assert height == 512 and 300 < width < 400  # an A4 page's shape
    blank = tmp_path / "blank.pdf"
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(blank)
    assert render_first_page(str(blank)) == b""
    # Through the child process.
    out = write_cover(corpus_pdf("GeoTopo-komprimiert.pdf"), tmp_path / "cover.png")
    assert out is not None and out.read_bytes() == data


@pytest.mark.parametrize("content", ["blank", "broken"])
def test_a_blank_or_unreadable_first_page_gets_a_typographic_cover(tmp_path, content):
    pdf = tmp_path / f"{content}.pdf"
    if content == "blank":
        writer = pypdf.PdfWriter()
        writer.add_blank_page(595, 842)
        writer.write(pdf)
    else:
        pdf.write_bytes(b"%PDF-1.4\nnot really\n")
    title = "Пример: a long title that wraps"
    out = write_cover(pdf, tmp_path / "cover.png", title=title, author="A. Writer")
    assert out is not None
    data = out.read_bytes()
    assert png_size(data) == (384, 512)
    pixels = zlib.decompress(data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8])
    colour = bytes.fromhex(colour_for(title)[1:])
    corner, middle = pixels[1:4], pixels[(384 * 3 + 1) * 200 :]
    assert corner == colour  # the title's colour
    assert b"\xff\xff\xff" in middle  # and white letters on it


def test_the_mp3_carries_the_cover(tmp_path):
    writer = Mp3SegmentWriter(tmp_path / "s.mp3", sample_rate=22050)
    writer.add_chunk([bytes(2 * 22050)])
    chapters = [ChapterAudio("One", ("text",), (writer.close(),))]
    cover = render_first_page(str(corpus_pdf("GeoTopo-komprimiert.pdf")))
    write_audiobook(chapters, tmp_path / "book.mp3", title="Covered", cover=cover)
    (frame,) = ID3(tmp_path / "book.mp3").getall("APIC")
    assert (frame.mime, frame.type, frame.data) == ("image/png", 3, cover)


@pytest.mark.django_db
def test_the_cover_page_serves_the_stored_picture_or_draws_one(
    owner, user, stranger, tmp_path, django_capture_on_commit_callbacks
):
    book = make_book(user=user, title="Fish & Chips <for two>")
    drawn = owner.get(f"/library/{book.pk}/cover")
    assert drawn.status_code == 200 and drawn["Content-Type"].startswith("image/svg+xml")
    svg = drawn.content.decode()
    assert "Fish &amp;" in svg and "&lt;for two&gt;" in svg and "<script" not in svg
    assert stranger.get(f"/library/{book.pk}/cover").status_code == 404

    job = make_job(book, status="completed", progress=100)
    mp3, vtt, cover = tmp_path / "b.mp3", tmp_path / "b.vtt", tmp_path / "b.png"
    mp3.write_bytes(b"ID3")
    vtt.write_text("WEBVTT\n")
    cover.write_bytes(render_first_page(str(corpus_pdf("GeoTopo-komprimiert.pdf"))))
    Audiobook.objects.filter(pk=book.pk).update(
        audio_path=services.store_audio(job.pk, mp3, vtt, cover), status="completed"
    )
    book.refresh_from_db()
    picture = owner.get(f"/library/{book.pk}/cover")
    assert picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content) == cover.read_bytes()
    assert 'data-cover-type="image/png"' in owner.get(f"/library/{book.pk}/").content.decode()

    # The cover goes with the book.
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_audiobook(book)
    assert not default_storage.exists(book.cover_name)


@pytest.mark.django_db
def test_the_orphan_sweep_keeps_a_books_cover(tmp_path):
    from datetime import timedelta

    book = make_book(user=make_user("sweep@example.com"), status="completed")
    job = make_job(book, status="completed", progress=100)
    book.audio_path = default_storage.save(f"audio/{job.pk}.mp3", ContentFile(b"ID3"))
    default_storage.save(f"audio/{job.pk}.png", ContentFile(b"png"))
    book.save()
    services.sweep_orphans(min_age=timedelta(0))
    assert default_storage.exists(book.cover_name)
