"""Template variables every page needs."""

from django.conf import settings


def site(request):
    return {"signup_open": settings.SIGNUP_OPEN}
