"""Engine set-up: SQLite pragmas that must hold on every connection."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask import request
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import event

SQLITE_BUSY_TIMEOUT_MS = 5000


def configure_engine(engine: Engine) -> None:
    """Switch on WAL, a busy timeout and foreign keys for SQLite, and check they took."""
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")
    event.listen(engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, in_memory))
    event.listen(engine, "begin", _write_lock_for_writing_requests)


def _write_lock_for_writing_requests(conn: Connection) -> None:
    """A request that may write takes SQLite's write lock when its transaction begins.

    Otherwise its transaction starts as a reader (a SAVEPOINT, or the first read after BEGIN)
    and its first write must upgrade; if any other connection committed in between (every page
    view commits its audit row), SQLite refuses the upgrade at once with "database is locked",
    busy timeout or not. BEGIN IMMEDIATE waits for the lock instead (SECURITY.md §3.2). Page
    views (GET) stay plain readers: their one write, the audit row, is their first statement
    in a transaction of its own.
    """
    if not has_request_context() or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    raw = conn.connection.driver_connection
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, in_memory: bool) -> None:
    cursor = dbapi_connection.cursor()
    try:
        (mode,) = cursor.execute("PRAGMA journal_mode=WAL").fetchone()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        (timeout,) = cursor.execute("PRAGMA busy_timeout").fetchone()
        (foreign_keys,) = cursor.execute("PRAGMA foreign_keys").fetchone()
    finally:
        cursor.close()
    expected_mode = "memory" if in_memory else "wal"
    if mode.lower() != expected_mode or timeout != SQLITE_BUSY_TIMEOUT_MS or foreign_keys != 1:
        raise RuntimeError(
            f"SQLite pragmas did not take effect: journal_mode={mode}, "
            f"busy_timeout={timeout}, foreign_keys={foreign_keys}"
        )
