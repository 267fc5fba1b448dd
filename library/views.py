"""Library pages: the list, upload, detail (player), and the files and status behind them.

Every view that takes an audiobook gets it from `access.get_book_for_user` (someone else's book
is a 404); every change of state is a POST.
"""

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import listening
from audiobooker.disk import is_disk_full
from conversions import samples, speech
from conversions.audio import chapter_name
from conversions.models import ConversionJob

from . import covers, estimates, live, positions, services, streaming, transcripts, uploads
from .access import books_of, get_book_for_user
from .durations import format_duration
from .forms import BookmarkForm, ConvertForm, LibraryFilterForm, RenameForm, UploadForm
from .models import Audiobook, Bookmark

log = logging.getLogger(__name__)

BOOKS_PER_PAGE = 20
PK_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"  # see url_maker
DISK_FULL = (
    "The server is out of disk space, so your upload was not kept. Please try again later; "
    "if it keeps happening, tell the administrator."
)


def with_newest_job(books):
    """Annotate each book with its newest job's progress and error, in the same query."""
    newest = ConversionJob.objects.filter(audiobook=OuterRef("pk")).order_by("-created_at")
    return books.select_related("details").annotate(
        job_progress=Subquery(newest.values("progress")[:1]),
        job_error=Subquery(newest.values("error_message")[:1]),
    )


def url_maker(name: str) -> Callable[[object], str]:
    """pk -> reverse(name, args=[pk]), with one reverse() for a whole page of books: each
    costs ~0.1 ms, which was 40 % of rendering a row of the library."""
    pattern = reverse(name, args=[PK_PLACEHOLDER])
    return lambda pk: pattern.replace(PK_PLACEHOLDER, str(pk))


def details_of(book):
    """The book's AudiobookDetails row, or None (books the original app made have none)."""
    try:
        return book.details
    except Audiobook.details.RelatedObjectDoesNotExist:
        return None


def book_state(book) -> dict:
    """What the pages and status.json say about a book (annotated by `with_newest_job`)."""
    details = details_of(book)
    duration = details.duration if details else None
    audio_size = details.audio_size if details else None
    failed = book.status == Audiobook.Status.FAILED
    return {
        "status": book.status,
        "status_display": book.get_status_display(),
        "active": book.status in Audiobook.ACTIVE_STATUSES,
        "progress": max(0, min(100, book.job_progress or 0)),
        "error": (book.job_error or "") if failed else "",
        "duration": duration,
        "duration_display": format_duration(duration),
        "audio_size": audio_size,
        "size_display": filesizeformat(audio_size) if audio_size else "",
        "page_count": details.page_count if details else None,
    }


@login_required
def book_list(request):
    form = LibraryFilterForm(request.GET)
    form.is_valid()  # a bad value drops only its own filter (cleaned_data keeps the others)
    filters = form.cleaned_data
    books = with_newest_job(books_of(request.user)).order_by("-created_at", "-pk")
    if query := filters.get("q"):
        books = books.filter(title__icontains=query)
    if status := filters.get("status"):
        books = books.filter(status=status)
    page = Paginator(books, BOOKS_PER_PAGE).get_page(request.GET.get("page"))
    detail_url, status_url = url_maker("library:detail"), url_maker("library:status")
    waiting_times = estimates.for_books(page)
    listened = positions.positions_in(request.user, page)
    for book in page:
        book.state = book_state(book)
        book.listened = listened.get(book.pk)
        book.state["eta"] = waiting_times.get(book.pk)
        book.url, book.status_url = detail_url(book.pk), status_url(book.pk)
    # The pagination links keep the search and the filter.
    params = request.GET.copy()
    params.pop("page", None)
    filtered = bool(query or status)
    context = {
        "form": form,
        "page": page,
        "filtered": filtered,
        "query_string": params.urlencode(),
        # On the first page of the whole library only: a search is looking for something else.
        "continuing": [] if filtered or page.number > 1 else continue_listening(request.user),
    }
    return render(request, "library/list.html", context)


def continue_listening(user) -> list[dict]:
    """The "Continue listening" row: started books with their place and length for display."""
    started = positions.continue_listening(user)
    detail_url = url_maker("library:detail")
    for entry in started:
        entry["url"] = detail_url(entry["book"].pk)
        entry["position_display"] = format_duration(entry["position"])
        entry["duration_display"] = format_duration(entry["duration"])
    return started


@login_required
def upload(request):
    form = UploadForm(
        request.POST or None, request.FILES or None, user=request.user,
        initial={"voice": listening.default_voice(request.user)},
    )  # fmt: skip
    context = {"form": form, "max_upload_mb": settings.MAX_UPLOAD_MB}
    if request.method != "POST":
        return render(request, "library/upload.html", context)
    try:
        if uploads.disk_was_full(request):
            return out_of_space(request, context)
        if not form.is_valid():
            # 413 when a file was refused for its size as it came in (the form says which).
            status = 413 if uploads.had_too_large(request) else 422
            return render(request, "library/upload.html", context, status=status)
        books = store_uploads(request.user, form.cleaned_data["pdfs"], form.cleaned_data["voice"])
    except services.ConversionRefused as error:
        # The queue filled up between the form's check and the insert (uploads side by side).
        form.add_error(None, str(error))
        return render(request, "library/upload.html", context, status=422)
    except Exception as error:  # OSError, or the database's own disk full
        if not is_disk_full(error):
            raise
        log.error("upload refused: %s", error)
        return out_of_space(request, context)
    finally:
        form.close()
    for name, why in form.refused:
        messages.error(request, f"“{name}” was not uploaded: {why}")
    reused = sum(book.status == Audiobook.Status.COMPLETED for book in books)
    if len(books) == 1:
        if reused:
            messages.success(request, f"“{books[0].title}” is ready: its audio is reused.")
        else:
            messages.success(
                request,
                f"“{books[0].title}” is uploaded and waiting to be converted.",
                extra_tags="waiting",
            )
        return redirect("library:detail", books[0].pk)
    # "waiting": progress.js takes the message away once none of these books waits any more.
    messages.success(request, uploaded_message(len(books), reused), extra_tags="waiting")
    return redirect("library:list")


def uploaded_message(count: int, reused: int) -> str:
    """What an upload of several PDFs says, some of them perhaps ready at once (reused)."""
    if not reused:
        return f"{count} PDFs are uploaded and waiting to be converted."
    if reused == count:
        return (
            f"{count} PDFs are uploaded and ready: each was converted before, so its audio "
            "is reused."
        )
    return (
        f"{count} PDFs are uploaded: {reused} ready at once (converted before, so the audio is "
        f"reused), {count - reused} waiting to be converted."
    )


def out_of_space(request, context):
    """507: the server's disk is full. Nothing of the upload is kept; the form starts afresh."""
    messages.error(request, DISK_FULL)
    context["form"] = UploadForm(user=request.user)
    return render(request, "library/upload.html", context, status=507)


def upload_too_long(request, length: int):
    """413 for a request body too long to be a valid upload, answered before it is read
    (library.middleware): the upload page with the reason, or a line of text elsewhere."""
    text = (
        f"This upload is too large ({filesizeformat(length)}); the limit is "
        f"{settings.MAX_UPLOAD_MB} MB for each PDF."
    )
    if request.path_info != reverse("library:upload") or not request.user.is_authenticated:
        return HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")
    messages.error(request, text)
    context = {"form": UploadForm(user=request.user), "max_upload_mb": settings.MAX_UPLOAD_MB}
    return render(request, "library/upload.html", context, status=413)


def store_uploads(user, pdfs, voice: str) -> list[Audiobook]:
    """All of the checked PDFs, or none: a failure half-way removes the books made so far."""
    books = []
    try:
        for pdf in pdfs:
            books.append(
                services.create_audiobook(
                    user,
                    pdf.file,
                    title=pdf.title,
                    page_count=pdf.page_count,
                    author=pdf.author,
                    voice=voice,
                    word_count=pdf.words,
                    content_hash=pdf.content_hash,
                )  # fmt: skip
            )
    except BaseException:
        for book in books:
            services.delete_audiobook(book)
        raise
    return books


@login_required
def detail(request, pk, rename_form=None, convert_form=None, http_status=200):
    book = get_book_for_user(request, pk, with_newest_job(Audiobook.objects))
    state = book_state(book)
    state["eta"] = estimates.for_books([book]).get(book.pk)
    details = details_of(book)
    chapters = chapter_list(details.chapters if details else None)
    context = {
        "book": book,
        "state": state,
        "details": details,
        "reused_from": reused_from(details, request.user),
        "reading": reading_of(details),
        "chapters": chapters,
        "cues": transcripts.transcript_of(book) if book.audio_path else [],
        "cover_type": "image/png" if has_cover(book) else "image/svg+xml",
        **bookmarks_context(request, book),
        # A book being converted again keeps its finished audio until the new one is done.
        "playable": bool(book.audio_path),
        "listened": positions.position_in(request.user, book),
        "live": live.listening_live(book),
        "ready": live.ready_of(book),
        "rename_form": rename_form or RenameForm(initial={"title": book.title}),
        "convert_form": convert_form or ConvertForm(initial={"voice": chosen_voice(details)}),
    }
    return render(request, "library/detail.html", context, status=http_status)


def bookmarks_context(request, book, form=None) -> dict:
    marks = Bookmark.objects.filter(audiobook=book, user=request.user).order_by("position")
    for mark in marks:
        mark.position_display = format_duration(mark.position) or "0:00"
    return {"book": book, "bookmarks": marks, "bookmark_form": form or BookmarkForm()}


def bookmarks_answer(request, book, form=None, status=200):
    """The player's bookmarks again: the list alone for the player's fetch, else the page."""
    if request.headers.get("X-Requested-With") == "fetch":
        context = bookmarks_context(request, book, form)
        return render(request, "library/detail.html#bookmarks", context, status=status)
    if form is not None and form.errors:
        problems = " ".join(message for errors in form.errors.values() for message in errors)
        messages.error(request, f"The bookmark was not saved: {problems}")
    return redirect(reverse("library:detail", args=[book.pk]) + "#bookmarks")


@login_required
@require_POST
def add_bookmark(request, pk):
    book = get_book_for_user(request, pk)
    form = BookmarkForm(request.POST)
    if not form.is_valid():
        return bookmarks_answer(request, book, form, status=422)
    Bookmark.objects.create(user=request.user, audiobook=book, **form.cleaned_data)
    return bookmarks_answer(request, book)


@login_required
@require_POST
def delete_bookmark(request, pk, bookmark_id):
    book = get_book_for_user(request, pk)
    Bookmark.objects.filter(pk=bookmark_id, audiobook=book, user=request.user).delete()
    return bookmarks_answer(request, book)


def reused_from(details, user) -> Audiobook | None:
    """The book whose audio this one reused, when it is the same person's (another person's
    book is never named)."""
    source = details.reused_from if details and details.reused else None
    return source if source is not None and source.user_id == user.pk else None


def voice_named(voice_id: str) -> str:
    """A voice's label, or its id when it is no longer installed."""
    try:
        return speech.get_voice(voice_id).label
    except speech.UnknownVoice:
        return voice_id


def chosen_voice(details) -> str:
    """The voice to offer for the next conversion: the book's own choice while it is still
    installed, else automatic."""
    choice = details.voice_choice if details else ""
    if choice:
        try:
            return speech.get_voice(choice).id
        except speech.UnknownVoice:
            pass
    return speech.AUTOMATIC


def reading_of(details) -> dict:
    """How the book is read, for the page: its language, its voice, and a note when either is
    a fallback ("" where not known yet)."""
    if details is None:
        return {"language": "", "voice": "", "note": "", "choice": ""}
    return {
        "language": speech.language_name(details.language) if details.language else "",
        "language_code": details.language,
        "voice": voice_named(details.voice) if details.voice else "",
        "note": details.reading_note,
        "choice": voice_named(details.voice_choice) if details.voice_choice else "",
    }


def chapter_list(chapters) -> list[dict]:
    """details.chapters for the page: every chapter named (the pipeline leaves an untitled
    opening part, and the parts of a document without an outline, without a title)."""
    chapters = chapters or []
    titled = any(chapter.get("title") for chapter in chapters)
    listed = []
    for number, chapter in enumerate(chapters, 1):
        start = float(chapter.get("start") or 0)
        title = chapter_name(chapter.get("title") or "", number, titled)
        listed.append({"title": title, "start": start, "start_display": format_duration(start)})
    return listed


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_safe
def voices(request):
    """Every installed voice, grouped by language, each with a sample to listen to."""
    groups: dict[str, list] = {}
    for voice in speech.installed_voices():
        groups.setdefault(speech.language_name(voice.language), []).append(voice)
    context = {"groups": sorted(groups.items()), "default": settings.TTS_VOICE}
    return render(request, "library/voices.html", context)


@login_required
@require_safe
def voice_sample(request, voice_id):
    """A short sample of an installed voice (made the first time it is asked for)."""
    try:
        voice = speech.get_voice(voice_id)
    except speech.UnknownVoice:
        raise Http404("No such voice.") from None
    try:
        path = samples.sample_path(voice)
    except speech.SpeechError as error:
        log.error("sample of %s failed: %s", voice, error)
        raise Http404("This voice cannot speak here.") from None
    response = FileResponse(open(path, "rb"), content_type="audio/mpeg")  # noqa: SIM115
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_POST
def rename(request, pk):
    book = get_book_for_user(request, pk)
    form = RenameForm(request.POST)
    if not form.is_valid():
        if wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=422)
        return detail(request, pk, rename_form=form, http_status=422)
    book.title = form.cleaned_data["title"]
    # Only the title: the worker may be writing the status and audio of this very row.
    book.save(update_fields=["title", "updated_at"])
    if wants_json(request):
        return JsonResponse({"title": book.title})
    messages.success(request, "The title is changed.")
    return redirect("library:detail", book.pk)


@login_required
@require_POST
def retry(request, pk):
    """Convert a failed book again, or a finished one with another voice (a new job; the
    finished audio stays playable until the new audio is done)."""
    book = get_book_for_user(request, pk)
    form = ConvertForm(request.POST)
    if not form.is_valid():
        return detail(request, pk, convert_form=form, http_status=422)
    try:
        job = services.start_conversion(book, voice=form.cleaned_data["voice"])
    except services.ConversionRefused as error:
        # A second click, a book already queued, or a full queue: one attempt at a time.
        messages.info(request, str(error))
        return redirect("library:detail", book.pk)
    if job.status == job.Status.COMPLETED:
        messages.success(request, f"“{book.title}” is ready: its audio is reused.")
    elif book.audio_path:
        messages.success(request, f"“{book.title}” is queued to be converted again.")
    else:
        messages.success(request, f"“{book.title}” is queued for another try.")
    return redirect("library:detail", book.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request, pk):
    """GET asks for confirmation; POST deletes the book, its jobs and its files."""
    book = get_book_for_user(request, pk)
    if request.method != "POST":
        return render(request, "library/delete.html", {"book": book})
    services.delete_audiobook(book)
    messages.success(request, f"“{book.title}” is deleted.")
    return redirect("library:list")


@never_cache
@login_required
@require_safe
def status(request, pk):
    """The live state of a conversion, polled by static/js/progress.js."""
    book = get_book_for_user(request, pk, with_newest_job(Audiobook.objects))
    waiting_time = estimates.for_books([book]).get(book.pk)
    return JsonResponse(
        {
            "id": str(book.pk),
            "title": book.title,
            **book_state(book),
            "eta": waiting_time,
            "ready": live.ready_of(book),
        }
    )


@login_required
@require_POST
def position(request, pk):
    """Save where the listener is in the book (static/js/position.js), for every browser: a
    finished book, or the ready part of a converting one (live.js)."""
    book = get_book_for_user(request, pk, Audiobook.objects.select_related("details"))
    if not book.audio_path and not live.has_ready_audio(book):
        raise Http404("This audiobook has no audio yet.")
    details = details_of(book)
    form = positions.PositionForm(request.POST, duration=details.duration if details else None)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=422)
    saved = positions.save_position(request.user, book, **form.cleaned_data)
    return JsonResponse(
        {
            "position": saved.position,
            "finished": saved.finished,
            "updated_at": int(saved.updated_at.timestamp() * 1000),
        }
    )


# ---- files ------------------------------------------------------------------------------------


def download_name(title: str) -> str:
    # Characters that file systems or the header itself do not take become spaces.
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|\s]+', " ", title).strip(" .") or "audiobook"
    return f"{name[:150]}.mp3"


def for_the_owner(request, book, response):
    """The audio's headers however it is sent: a download under the book's title when asked
    for, and never kept by shared caches."""
    if request.GET.get("download"):
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=download_name(book.title)
        )
    response["Cache-Control"] = "private"
    return response


@login_required
@require_safe
def audio(request, pk):
    """The MP3, with HTTP Range support so players can seek (206, 416), or handed to nginx."""
    book = get_book_for_user(request, pk)
    if not book.audio_path:
        raise Http404("This audiobook has no audio yet.")
    response = streaming.send_audio(request, book.audio_path.name)
    if response.status_code == 416:
        return response  # nothing was sent: no download name, nothing to cache
    return for_the_owner(request, book, response)


def has_cover(book) -> bool:
    """Whether the conversion stored a picture of the first page (else the cover is drawn)."""
    try:
        return bool(book.cover_name) and default_storage.exists(book.cover_name)
    except OSError:
        return False


@login_required
@require_safe
def cover(request, pk):
    """The book's cover: its first page (PNG) when the conversion kept one, else a typographic
    cover (SVG) from its title and author."""
    book = get_book_for_user(request, pk)
    if has_cover(book):
        response = FileResponse(
            default_storage.open(book.cover_name, "rb"), content_type="image/png"
        )
    else:
        details = details_of(book)
        svg = covers.typographic_cover(book.title, details.author if details else "")
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"  # a new conversion may bring a new one
    return response


@login_required
@require_safe
def transcript(request, pk):
    """The WebVTT captions that the worker wrote beside the MP3."""
    book = get_book_for_user(request, pk)
    if not book.audio_path:
        raise Http404("This audiobook has no transcript yet.")
    return streaming.stored_file(book.transcript_name, "text/vtt; charset=utf-8", "private")
