"""Library URLs (library:*). Every URL with a <uuid> goes through access.get_book_for_user."""

from django.urls import path

from . import live, views

app_name = "library"

urlpatterns = [
    path("", views.book_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("voices/", views.voices, name="voices"),
    # Voice ids hold ":" and "/" ("espeak:sit/yue"); the view looks them up, never uses them
    # as a path.
    path("voices/<path:voice_id>/sample.mp3", views.voice_sample, name="voice_sample"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/audio.mp3", views.audio, name="audio"),
    path("<uuid:pk>/transcript.vtt", views.transcript, name="transcript"),
    path("<uuid:pk>/cover", views.cover, name="cover"),
    path("<uuid:pk>/bookmarks/", views.add_bookmark, name="add_bookmark"),
    path(
        "<uuid:pk>/bookmarks/<int:bookmark_id>/delete/",
        views.delete_bookmark,
        name="delete_bookmark",
    ),
    path("<uuid:pk>/status.json", views.status, name="status"),
    path("<uuid:pk>/position/", views.position, name="position"),
    path("<uuid:pk>/segments/<int:index>.mp3", live.segment, name="segment"),
    path("<uuid:pk>/segments/<int:index>.json", live.segment_cues, name="segment_cues"),
    path("<uuid:pk>/rename/", views.rename, name="rename"),
    path("<uuid:pk>/retry/", views.retry, name="retry"),
    path("<uuid:pk>/delete/", views.delete, name="delete"),
]
