"""The app's own error pages (404, 403, 500) in the site's layout, with DEBUG on as well.

With DEBUG off Django renders templates/404.html, 403.html and 500.html itself. With DEBUG on
(the default, and what `make run` uses) it shows its technical pages instead, which are for
developers: this middleware shows a person the app's pages in that mode too, unless
TECHNICAL_ERROR_PAGES asks for Django's. A view's Http404, PermissionDenied or crash arrives
through process_exception; a URL that matches nothing never reaches a view, so its 404 is
recognised afterwards by the request having no resolver match.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

logger = logging.getLogger("django.request")


def error_page(request, status: int):
    return render(request, f"{status}.html", status=status)


class AppErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def active() -> bool:
        return settings.DEBUG and not settings.TECHNICAL_ERROR_PAGES

    def __call__(self, request):
        response = self.get_response(request)
        if (
            self.active()
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
        ):
            return error_page(request, 404)
        return response

    def process_exception(self, request, exception):
        if not self.active():
            return None
        if isinstance(exception, Http404):
            return error_page(request, 404)
        if isinstance(exception, PermissionDenied):
            return error_page(request, 403)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        return error_page(request, 500)
