"""Who may touch which audiobook: the one place that decides it.

Every view that takes an audiobook gets it through `get_book_for_user`. Someone else's book is
a 404, never a 403, so that its existence is not revealed. The views are also wrapped in
`login_required`, which sends anonymous visitors to the login page first.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Audiobook


def books_of(user) -> QuerySet:
    """The audiobooks `user` owns (none for an anonymous visitor)."""
    if not user.is_authenticated:
        return Audiobook.objects.none()
    return Audiobook.objects.filter(user=user)


def get_book_for_user(request, pk, queryset: QuerySet | None = None) -> Audiobook:
    """The request's user's audiobook `pk`, or 404 (someone else's, missing, or anonymous).

    `queryset` narrows or widens what is loaded with the book (select_related, annotations);
    the owner filter is always applied on top of it.
    """
    if not request.user.is_authenticated:
        raise Http404("No audiobook here.")  # login_required normally answers first
    books = (queryset if queryset is not None else Audiobook.objects).filter(user=request.user)
    return get_object_or_404(books, pk=pk)
