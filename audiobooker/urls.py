"""Top-level URLs; each app owns its own under a namespace."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("library/", include("library.urls")),
    path("feed/", include("feeds.urls")),
    path("admin/", admin.site.urls),
]
