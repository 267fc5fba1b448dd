"""Forms of the library pages. The upload form checks every file before anything is stored."""

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django import forms
from django.conf import settings
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from pypdf.errors import DependencyError

from audiobooker.disk import is_disk_full
from conversions import speech
from conversions.pdftext import (
    REASONS,
    PdfError,
    inspect_pdf,
    is_scanned,
    ocr_available,
    plain_title,
)

from . import wordcount
from .models import Audiobook

# The PDF spec lets the "%PDF-" header start anywhere in the first 1024 bytes (some producers
# put junk before it); the pipeline accepts the same window.
HEADER_WINDOW = 1024


@dataclass
class CheckedPdf:
    """An upload that passed every check: what to store, and what we learned about it."""

    file: File  # the upload itself, or its decrypted copy
    name: str  # the name it was uploaded under (shown to the user, never used as a path)
    title: str
    page_count: int
    author: str
    decrypted: bool = False
    content_hash: str = ""  # of the bytes uploaded, hashed as they streamed in (uploads.py)
    words: int | None = None  # in its text (wordcount.py); None: not counted


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files; cleans to a list. Per-file checks live in the form (they need the
    password field), so that every file's problem is reported at once."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("allow_empty_file", True)  # refused by the form, with the file's name
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = list(data) if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            return super().clean(None, initial)  # "required"
        single = super().clean
        return [single(item, initial) for item in files]


def title_from_name(name: str) -> str:
    """The title a file name suggests ("My Book.pdf": "My Book"); the name is only text."""
    stem = PurePath(name.replace("\\", "/")).name
    if stem.lower().endswith(".pdf"):
        stem = stem[:-4]
    # The same cleaning as a PDF's own title: no NUL (PostgreSQL refuses it), no control or
    # bidi characters ("Invoice\u202egpj.exe.pdf" must not show as "Invoiceexe.jpg").
    return plain_title(stem) or "Untitled"


class TitleField(forms.CharField):
    """A title typed by a person, cleaned like the titles that come from PDFs."""

    def to_python(self, value):
        return plain_title(super().to_python(value))


def voice_label(voice: speech.Voice) -> str:
    """How a voice shows in a list: its name, and whether it is natural or eSpeak's fast one."""
    kind = "natural" if voice.natural else "robotic, fast"
    return f"{voice.label} · {kind}"


def voice_choices() -> list:
    """Automatic first, then every installed voice, grouped by language (languages A-Z; in a
    language the best voice first)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for voice in speech.installed_voices():
        groups.setdefault(speech.language_name(voice.language), []).append(
            (voice.id, voice_label(voice))
        )
    return [(speech.AUTOMATIC, AUTOMATIC_LABEL), *sorted(groups.items())]


AUTOMATIC_LABEL = "Automatic (for the book's language)"


class VoiceField(forms.ChoiceField):
    """A voice from those installed now, or "auto"; anything else is invalid."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Voice")
        kwargs.setdefault("initial", speech.AUTOMATIC)
        super().__init__(choices=voice_choices, required=False, **kwargs)
        self.error_messages["invalid_choice"] = (
            "There is no voice %(value)s here. Choose one from the list."
        )

    def clean(self, value):
        return super().clean(value) or speech.AUTOMATIC


class UploadForm(forms.Form):
    pdf = MultipleFileField(
        label="PDF files",
        help_text="Choose or drop one or more PDF files.",
        widget=MultipleFileInput(attrs={"accept": ".pdf,application/pdf", "class": "dropzone"}),
        error_messages={"required": "Choose at least one PDF file."},
    )
    title = TitleField(
        max_length=500,
        required=False,
        help_text="Left empty: the PDF's own title, or its file name. With several files it goes "
        "before each one's own title.",
    )
    password = forms.CharField(
        label="PDF password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="Only for a PDF that needs a password to open. Audiobooker keeps an unlocked "
        "copy, so the password is not stored.",
    )
    voice = VoiceField(
        help_text="Automatic finds the book's language and picks the best voice installed for "
        "it. Natural voices sound like a person; eSpeak's are robotic but read about 100 "
        "languages."
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user  # whose queue the upload joins (MAX_QUEUED_PER_USER)
        self.needs_password = False  # the page opens the password field when this is set
        # Files of a batch that were refused while others were taken: (file name, why).
        self.refused: list[tuple[str, str]] = []
        self._temporary = []  # decrypted copies, removed by close()

    def clean(self):
        cleaned = super().clean()
        uploads = cleaned.get("pdf") or []
        password = cleaned.get("password") or None
        if uploads and (error := self.queue_error(len(uploads))):
            # Before any PDF is opened: there is no point checking files we will not take.
            self.add_error(None, error)
            return cleaned
        several = len(uploads) > 1
        pdfs, errors = [], []
        for upload in uploads:
            try:
                pdfs.append(self.check_pdf(upload, password))
            except forms.ValidationError as error:
                self.refused.append((upload.name, " ".join(error.messages)))
                for message in error.messages:
                    # With several files, say which one each problem is about.
                    errors.append(f"{upload.name}: {message}" if several else message)
        if not pdfs:
            self.add_error("pdf", errors)
            self.close()
            return cleaned
        # In a batch, the good PDFs are taken; the view names the refused ones.
        title = cleaned.get("title")
        if title and len(pdfs) == 1 and not several:
            pdfs[0].title = title
        elif title:
            for pdf in pdfs:
                pdf.title = f"{title} – {pdf.title}"[:500]
        for pdf, words in zip(
            pdfs, wordcount.count_words([text_source(p) for p in pdfs]), strict=True
        ):
            pdf.words = words
        cleaned["pdfs"] = pdfs
        return cleaned

    def queue_error(self, count: int) -> str:
        """Why `count` more books would not fit in the user's queue ("" when they fit).

        Counted from the rows when the form is checked, so two uploads sent at the same moment
        may together go a little past the limit; it is there to stop one person filling the
        workers' queue, not to be exact.
        """
        if self.user is None:
            return ""
        limit = settings.MAX_QUEUED_PER_USER
        queued = Audiobook.objects.filter(
            user=self.user,
            status__in=Audiobook.ACTIVE_STATUSES,
        ).count()
        if queued + count <= limit:
            return ""
        if queued >= limit:
            books = f"{queued} book{'s' if queued != 1 else ''}"
            return (
                f"You already have {books} waiting or converting, as many as one person may "
                "have at once. Upload more when some of them are done."
            )
        room = f"there is room for {limit - queued} more"
        if queued:
            room = f"you have {queued}, so {room}"
        return (
            f"One person may have {limit} books waiting or converting at once; {room}, and you "
            f"chose {count} PDFs. Upload fewer, or the rest when some are done."
        )

    def check_pdf(self, upload, password: str | None) -> CheckedPdf:
        """Name, size, header, then open it (with the password if it needs one)."""
        name = upload.name or ""
        if not name.lower().endswith(".pdf"):
            raise forms.ValidationError("This is not a PDF file: its name does not end in .pdf.")
        if not upload.size:
            raise forms.ValidationError("This file is empty.")
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                f"This file is too large ({filesizeformat(upload.size)}); "
                f"the limit is {settings.MAX_UPLOAD_MB} MB."
            )
        upload.seek(0)
        head = upload.read(HEADER_WINDOW)
        upload.seek(0)
        if b"%PDF-" not in head:
            raise forms.ValidationError(REASONS["not_pdf"])
        with local_path(upload) as path:
            try:
                info = inspect_pdf(path)
            except PdfError as error:
                if error.reason != "password":
                    raise forms.ValidationError(str(error)) from error
                self.needs_password = True
                if not password:
                    raise forms.ValidationError(str(error)) from error
                return self.unlock(upload, path, password)
            refuse_scan_without_ocr(path)
        return CheckedPdf(
            file=upload,
            name=name,
            title=info.title or title_from_name(name),
            page_count=info.page_count,
            author=info.author,
            content_hash=getattr(upload, "content_hash", ""),
        )

    def unlock(self, upload, path, password: str) -> CheckedPdf:
        """Open a password-protected PDF and keep a decrypted copy, so the worker needs no
        password and the password is stored nowhere."""
        try:
            inspect_pdf(path, password)
        except PdfError as error:
            if error.reason == "password":
                raise forms.ValidationError("That password does not open this PDF.") from error
            raise forms.ValidationError(str(error)) from error
        # Kept open until the form is closed (after storing), which removes it.
        copy = tempfile.NamedTemporaryFile(suffix=".pdf", dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115
        self._temporary.append(copy)
        try:
            write_decrypted(path, password, copy)
            copy.flush()
            info = inspect_pdf(copy.name)
        except Exception as error:  # PdfError, or pypdf/PDFium failing to write
            if is_disk_full(error):
                raise  # the server's problem, not the file's: the view says so
            raise forms.ValidationError(REASONS["damaged"]) from error
        refuse_scan_without_ocr(copy.name)
        copy.seek(0)
        return CheckedPdf(
            file=File(copy, name=upload.name),
            name=upload.name,
            title=info.title or title_from_name(upload.name),
            page_count=info.page_count,
            author=info.author,
            decrypted=True,
            content_hash=getattr(upload, "content_hash", ""),
        )

    def close(self):
        """Remove the decrypted copies (call when done with the form, valid or not)."""
        for copy in self._temporary:
            copy.close()
        self._temporary = []


def text_source(pdf: CheckedPdf):
    """What wordcount reads for a checked PDF: its file's path, or the bytes of a small upload
    kept in memory."""
    if hasattr(pdf.file, "temporary_file_path"):
        return pdf.file.temporary_file_path()
    if pdf.decrypted:
        return pdf.file.file.name  # the decrypted copy, a named temporary file
    pdf.file.seek(0)
    data = pdf.file.read()
    pdf.file.seek(0)
    return data


def refuse_scan_without_ocr(path) -> None:
    """A PDF of scanned pages converts only where OCR is installed: elsewhere it is refused
    now, with the reason, instead of failing in the queue."""
    if ocr_available():
        return
    try:
        scanned = is_scanned(path)
    except PdfError:
        return  # inspect_pdf let it through: the conversion will say what is wrong
    if scanned:
        raise forms.ValidationError(REASONS["no_text"])


@contextmanager
def local_path(upload):
    """A path to the upload's bytes: its temporary file, or a copy of an in-memory upload."""
    if hasattr(upload, "temporary_file_path"):
        yield upload.temporary_file_path()
        return
    with tempfile.NamedTemporaryFile(suffix=".pdf", dir=settings.FILE_UPLOAD_TEMP_DIR) as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        upload.seek(0)
        yield copy.name


def write_decrypted(path, password: str, out) -> None:
    """Write an unencrypted copy of the PDF at `path` into the open binary file `out`."""
    try:
        reader = pypdf.PdfReader(path)
        reader.decrypt(password)
        pypdf.PdfWriter(clone_from=reader).write(out)
    except DependencyError:
        # AES needs a crypto package pypdf does not have here; PDFium has AES built in.
        out.seek(0)
        out.truncate()
        document = pdfium.PdfDocument(str(path), password=password)
        try:
            document.save(out, flags=pdfium_c.FPDF_REMOVE_SECURITY)
        finally:
            document.close()


class ConvertForm(forms.Form):
    """Converting a book again (after a failure, or with another voice)."""

    voice = VoiceField()


class RenameForm(forms.Form):
    title = TitleField(max_length=500, label="Title")


class LibraryFilterForm(forms.Form):
    """The list page's search and status filter (GET)."""

    q = forms.CharField(
        label="Search titles", required=False, max_length=500, widget=forms.SearchInput
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "All")] + list(Audiobook.Status.choices)
    )


class BookmarkForm(forms.Form):
    """A place to come back to; the player fills in where the listener is."""

    position = forms.FloatField(
        label="At (seconds from the start)", min_value=0, max_value=10 * 24 * 3600
    )
    note = forms.CharField(label="Note", max_length=500, required=False)
