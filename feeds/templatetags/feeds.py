"""Template tags for the feed's address: the account page's section and the library page's
<link rel="alternate">, without either view knowing about feeds."""

import segno
from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from feeds import addresses

register = template.Library()


def feed_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("feeds:feed", args=[token]))


@register.simple_tag(takes_context=True)
def feed_address(context) -> dict:
    """{"url", "qr", "exists"} for the signed-in person: the address with its QR code as inline
    SVG (made here, so a phone can scan the page with nothing loaded from elsewhere), or no
    url when there is none to show."""
    request = context["request"]
    token = addresses.current_token(request.user)
    if token is None:
        exists = addresses.FeedAddress.objects.filter(user=request.user).exists()
        return {"url": "", "qr": "", "exists": exists}
    url = feed_url(request, token)
    qr = segno.make(url, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="qr",
        title="QR code of your feed address", omitsize=True,
    )  # fmt: skip
    return {"url": url, "qr": mark_safe(qr), "exists": True}  # noqa: S308 (segno's own SVG)


@register.simple_tag(takes_context=True)
def feed_link(context) -> str:
    """The feed's URL for <link rel="alternate">, or "" when the person has no address."""
    request = context.get("request")
    token = addresses.current_token(request.user) if request is not None else None
    return feed_url(request, token) if token else ""
