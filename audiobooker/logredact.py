"""Feed tokens kept out of the logs that Audiobooker writes.

A private feed's URL carries its secret token (feeds/views.py), and access logs keep URLs: a
log shipped elsewhere, or read over a shoulder, would hand out the feed. Every log line that
names a request goes through `redact`: Django's request and runserver loggers through the
filter below (settings.LOGGING), gunicorn's access log through `GunicornLogger`
(gunicorn.conf.py). nginx's own log is configured apart (docs/deploy.md).
"""

import logging
import re

# /feed/<token>/...; the account page's own /feed/address/new/ carries none.
FEED_TOKEN = re.compile(r"(/feed/)(?!address/)[A-Za-z0-9_-]{16,}")
HIDDEN = r"\1[token]"


def redact(text: str) -> str:
    return FEED_TOKEN.sub(HIDDEN, text)


class RedactFeedTokens(logging.Filter):
    """Rewrites a record whose message holds a feed token (its arguments are folded in)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: logging reports it itself
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


try:
    from gunicorn.glogging import Logger
except ImportError:  # gunicorn is only needed to serve
    Logger = None

if Logger is not None:

    class GunicornLogger(Logger):
        """gunicorn's logger, with feed tokens hidden in every access-log field (the request
        line, the path, the referer, headers)."""

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}
