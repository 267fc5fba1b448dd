from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"

    def ready(self):
        from django.db.models.signals import post_delete

        from library.models import Audiobook

        from .models import book_left_the_feed

        # A deleted book leaves no row to date the feed's change by (its Last-Modified).
        post_delete.connect(book_left_the_feed, sender=Audiobook, dispatch_uid="feeds.deleted")
