"""Liveness: while a job runs, its worker holds a lock that dies with the worker's process.

- PostgreSQL: a session advisory lock per job, on a connection of the worker's own (so no
  transaction is held open, and the server frees the lock when the connection dies).
- SQLite: an flock on one file per job, in a folder next to the database.

A running job whose lock someone else can take has lost its worker (conversions/queue.py,
`Recovery`). `Heartbeat` keeps a running job's lock held: a PostgreSQL restart drops every
advisory lock, and the heartbeat takes the worker's back.
"""

import contextlib
import fcntl
import os
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection


def _lock_key(job_id: uuid.UUID) -> int:
    """The advisory lock's key: the first 64 bits of the job's UUID."""
    return int.from_bytes(job_id.bytes[:8], "big", signed=True)


class PostgresLocks:
    """Session advisory locks on a connection of their own, which dies with the process.

    TCP keepalives and tcp_user_timeout make the server notice a vanished machine in about
    30 s, freeing its locks. A restarted server forgets all locks: `check()` reconnects and takes
    ours again (recovery's grace period covers that gap).
    """

    def __init__(self):
        self.held: set[uuid.UUID] = set()
        self.conn = None
        self.mutex = threading.Lock()  # the main thread and the heartbeat thread share it

    def _connect(self):
        import psycopg2

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.update(
            keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
            tcp_user_timeout=30000, application_name="audiobooker-worker-lock",
        )  # fmt: skip
        conn = psycopg2.connect(**params)
        conn.autocommit = True  # never "idle in transaction"
        return conn

    def _query(self, sql, job_id):
        """Run `sql` on the lock connection. A connection that died (the server restarted,
        dropping every lock anyway) is replaced once; a server still away raises Django's
        OperationalError, which the callers' retries and the worker loop expect."""
        import psycopg2

        for attempt in (1, 2):
            try:
                if self.conn is None or self.conn.closed:
                    self.conn = self._connect()
                with self.conn.cursor() as cursor:
                    cursor.execute(sql, [_lock_key(job_id)])
                    return cursor.fetchone()[0]
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
                self._drop()
                if attempt == 2:
                    raise OperationalError(f"lock connection: {error}") from error

    def acquire(self, job_id) -> bool:
        with self.mutex:
            if self._query("SELECT pg_try_advisory_lock(%s)", job_id):
                self.held.add(job_id)
                return True
            return False

    def release(self, job_id) -> None:
        with self.mutex:
            self.held.discard(job_id)
            try:
                self._query("SELECT pg_advisory_unlock(%s)", job_id)
            except Exception:  # a dead connection has released it already
                self._drop()

    def check(self) -> bool:
        """Keep our locks: False when one of them could not be taken back after a reconnect."""
        with self.mutex:
            if self.conn is not None:
                try:
                    with self.conn.cursor() as cursor:
                        cursor.execute("SELECT 1")
                    return True
                except Exception:
                    self._drop()
            try:
                return all(self._query("SELECT pg_try_advisory_lock(%s)", j) for j in self.held)
            except Exception:
                self._drop()
                return True  # server still away: nobody else can recover the job meanwhile

    def _drop(self):
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
        self.conn = None

    def close(self):
        with self.mutex:
            self._drop()


class FileLocks:
    """flock on one file per job in a folder next to the SQLite database; dies with the process."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.files: dict[uuid.UUID, int] = {}

    def acquire(self, job_id) -> bool:
        fd = os.open(self.folder / f"{job_id}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.files[job_id] = fd
        return True

    def release(self, job_id) -> None:
        fd = self.files.pop(job_id, None)
        if fd is not None:
            # Unlink while still holding it: whoever opens the name afterwards gets a new file
            # and every decision about the job is re-checked against its token anyway.
            (self.folder / f"{job_id}.lock").unlink(missing_ok=True)
            os.close(fd)

    @property
    def held(self):
        return set(self.files)

    def check(self) -> bool:
        return True

    def close(self):
        for job_id in list(self.files):
            self.release(job_id)


def make_locks():
    """The locks for the database in use: PostgreSQL's advisory locks, or files for SQLite."""
    if connection.vendor == "postgresql":
        return PostgresLocks()
    name = str(settings.DATABASES["default"]["NAME"])
    if name.startswith("file:") or name == ":memory:":  # an in-memory test database
        return FileLocks(Path(settings.WORK_DIR) / "locks")
    return FileLocks(Path(name).with_name(Path(name).name + ".locks"))


class Heartbeat(threading.Thread):
    """Keeps the job's liveness lock held (PostgreSQL restarts drop it) while the job runs."""

    def __init__(self, locks, interval: float = 1.0):
        super().__init__(daemon=True)
        self.locks = locks
        self.interval = interval
        self.lost = False
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(self.interval):
            if not self.locks.check():
                self.lost = True
                return

    def stop(self):
        self.stopped.set()
