"""Project-wide pages: the landing page and the health check."""

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache


def home(request):
    """The library for a signed-in user; a short landing page for everyone else."""
    if request.user.is_authenticated:
        return redirect("library:list")
    return render(request, "home.html")


@never_cache
def healthz(request):
    """200 "ok" when the database answers, 503 otherwise (for load balancers and systemd)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
