"""gunicorn's configuration (read from the working directory, or with `-c gunicorn.conf.py`).

    .venv/bin/gunicorn -c gunicorn.conf.py audiobooker.wsgi

Threaded workers (gthread): a listener playing a book holds its request open for as long as the
audio takes to send, which is long. A thread waiting on a slow client does not stop its worker
from telling the master it is alive, so `timeout` only catches a worker that is truly stuck,
and the other threads go on serving pages meanwhile.
"""

import multiprocessing
import os

# BIND: full address(es), comma separated, e.g. "0.0.0.0:8000" or "unix:/run/audiobooker.sock".
# PORT alone changes only the port; the default listens on this machine only, for a reverse
# proxy in front (DESIGN.md "Serving and scaling").
bind = os.environ.get("BIND", "").split(",") if os.environ.get("BIND") else []
bind = [address.strip() for address in bind if address.strip()]
if not bind:
    bind = [f"127.0.0.1:{os.environ.get('PORT') or 8000}"]

# Processes: WEB_CONCURRENCY, else 2 per core plus 1, at most 8 (each holds a copy of Django;
# past that, more threads or more machines serve better than more processes on one box).
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)  # requests served at once by each process

timeout = 60  # a worker whose main loop is silent this long is stuck: restarted
graceful_timeout = 30  # on SIGTERM, requests in flight get this long to finish
keepalive = 5  # behind a proxy that keeps connections open

# Request limits: gunicorn's limit_request_line (4094 bytes), limit_request_fields (100) and
# limit_request_field_size (8190 bytes), left at their defaults, bound the request line and
# headers only, never a body. Bodies are bounded by the app: a Content-Length longer than any
# valid upload is refused before the body is read (library/middleware.py), and no file is kept
# past MAX_UPLOAD_MB (library/uploads.py). A proxy in front should refuse long bodies first
# (docs/deploy.md: nginx's client_max_body_size).

# One line per request to stdout, errors to stderr (the service manager keeps them).
accesslog = "-"
errorlog = "-"
# Feed URLs carry a secret token: the access log shows "/feed/[token]/" instead.
logger_class = "audiobooker.logredact.GunicornLogger"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# The control socket (gunicorn 25+) is an admin interface Audiobooker does not use; by default
# it sits at one path per user, so two servers on one account would fight over it.
control_socket_disable = True
