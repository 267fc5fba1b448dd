"""Listening positions: where each person is in each of their books, across browsers.

The player (static/js/position.js) posts the position while it plays, at most about once every
10 s and once more on pause or when the page is left; this module is the one writer of
ListeningPosition. A finished book keeps its flag until it is played again.
"""

import math

from django import forms

from .models import Audiobook, ListeningPosition

CONTINUE_LISTENING = 6  # books in the library's "Continue listening" row
# A position may run a little past the duration the pipeline measured (players round, and
# MP3 frames pad the end).
PAST_THE_END = 5.0


class PositionForm(forms.Form):
    position = forms.FloatField(min_value=0)
    finished = forms.BooleanField(required=False)

    def __init__(self, *args, duration: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.duration = duration

    def clean_position(self):
        position = self.cleaned_data["position"]
        if not math.isfinite(position):
            raise forms.ValidationError("A position is a number of seconds.")
        if self.duration is not None and position > self.duration + PAST_THE_END:
            raise forms.ValidationError("This position is past the end of the book.")
        return position


def save_position(user, book: Audiobook, position: float, finished: bool) -> ListeningPosition:
    """Keep `user`'s place in `book` (the newest write wins, whichever browser it came from)."""
    saved, _ = ListeningPosition.objects.update_or_create(
        user=user, audiobook=book, defaults={"position": position, "finished": finished}
    )
    return saved


def position_in(user, book: Audiobook) -> ListeningPosition | None:
    return ListeningPosition.objects.filter(user=user, audiobook=book).first()


def positions_in(user, books) -> dict:
    """book pk -> ListeningPosition, for the books of a page."""
    pks = [book.pk for book in books]
    rows = ListeningPosition.objects.filter(user=user, audiobook_id__in=pks)
    return {row.audiobook_id: row for row in rows}


def continue_listening(user, most: int = CONTINUE_LISTENING) -> list[dict]:
    """The books `user` started and did not finish, the most recently heard first, with how
    far along each is (`percent` is None when the book's length is not known)."""
    rows = (
        ListeningPosition.objects.filter(
            user=user, audiobook__user=user, finished=False, position__gt=0
        )
        .exclude(audiobook__audio_path="")
        .exclude(audiobook__audio_path=None)
        .select_related("audiobook__details")
        .order_by("-updated_at")[:most]
    )
    started = []
    for row in rows:
        book = row.audiobook
        try:
            duration = book.details.duration
        except Audiobook.details.RelatedObjectDoesNotExist:
            duration = None
        percent = None
        if duration:
            percent = max(0, min(100, round(100 * row.position / duration)))
        started.append(
            {"book": book, "position": row.position, "duration": duration, "percent": percent}
        )
    return started
