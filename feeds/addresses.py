"""Feed addresses: making one, finding the person a token belongs to, and showing it again.

The token is HMAC-SHA256(SECRET_KEY, seed) for a random seed kept in the row, and the row keeps
only SHA-256(token) to look requests up by. The account page can therefore show the address
again at any time, while the database alone (a backup, a dump) opens no feed. A new SECRET_KEY
gives other tokens: the old address keeps working (its hash is stored), but the page cannot
show it any more and offers a new one instead.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction

from .models import FeedAddress

SALT = b"audiobooker.feeds.token"


def token_for(seed: str) -> str:
    key = hashlib.sha256(SALT + settings.SECRET_KEY.encode()).digest()
    digest = hmac.new(key, seed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")  # 43 characters, 256 bits


def hash_of(token: str) -> str:
    """What is stored for a token: SHA-256 is enough for 256 random bits (nothing to guess)."""
    return hashlib.sha256(token.encode()).hexdigest()


def make_new_address(user) -> str:
    """A new token for `user`'s feed, replacing (and so revoking) any earlier one at once."""
    seed = secrets.token_urlsafe(32)
    token = token_for(seed)
    with transaction.atomic():
        FeedAddress.objects.update_or_create(
            user=user, defaults={"seed": seed, "token_hash": hash_of(token)}
        )
    return token


def current_token(user) -> str | None:
    """The token of `user`'s feed address, or None: no address, or one made under another
    SECRET_KEY (it still works, but cannot be shown)."""
    if not user.is_authenticated:
        return None
    address = FeedAddress.objects.filter(user=user).first()
    if address is None:
        return None
    token = token_for(address.seed)
    return token if hmac.compare_digest(hash_of(token), address.token_hash) else None


def person_for(token: str):
    """The person whose feed `token` opens, or None (wrong, revoked, or malformed)."""
    if not token or len(token) > 100:
        return None
    address = FeedAddress.objects.filter(token_hash=hash_of(token)).select_related("user").first()
    if address is None or not address.user.is_active:
        return None
    return address.user
