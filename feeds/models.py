"""A person's private podcast feed address: a secret token in the URL instead of a session.

A table of our own (the seed's `users` table takes no new columns). One row per person at
most; making a new address replaces the row's token, so the old one stops working at once.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class FeedAddress(models.Model):
    """The token itself is never stored: `token_hash` (SHA-256 of it) finds the row for a
    request, and `seed` lets the app rebuild the token to show it on the account page (an HMAC
    with SECRET_KEY, see feeds/addresses.py), so that a copy of the database alone opens no
    feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.DB_CASCADE, primary_key=True, related_name="feed_address"
    )
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token.")
    seed = models.CharField(
        max_length=64, help_text="Random; with SECRET_KEY it gives the token back."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(
        default=timezone.now,
        help_text="When a book left the feed (deleted): its Last-Modified is never older.",
    )

    class Meta:
        db_table = "feed_addresses"
        verbose_name_plural = "feed addresses"

    def __str__(self):
        return f"feed address of {self.user_id}"


def book_left_the_feed(sender, instance, **kwargs):
    """post_delete of an Audiobook: its owner's feed changed now. (A whole account deleted by
    the database's cascade sends no signal, and takes its feed address with it.)"""
    if instance.user_id:
        FeedAddress.objects.filter(user_id=instance.user_id).update(changed_at=timezone.now())
