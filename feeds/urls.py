"""Feed URLs (feeds:*): each carries the person's secret token instead of a session."""

from django.urls import path

from . import views

app_name = "feeds"

urlpatterns = [
    path("address/new/", views.new_address, name="new_address"),
    path("<slug:token>/", views.feed, name="feed"),
    path("<slug:token>/<uuid:pk>/audio.mp3", views.audio, name="audio"),
    path("<slug:token>/<uuid:pk>/chapters.json", views.chapters, name="chapters"),
    path("<slug:token>/<uuid:pk>/transcript.vtt", views.transcript, name="transcript"),
    path("<slug:token>/<uuid:pk>/cover.png", views.cover, name="cover"),
]
