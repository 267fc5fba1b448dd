"""WSGI entry point (gunicorn audiobooker.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "audiobooker.settings")

application = get_wsgi_application()
