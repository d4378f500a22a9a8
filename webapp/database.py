"""Engine set-up: SQLite pragmas that must hold on every connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy import event

SQLITE_BUSY_TIMEOUT_MS = 5000


def configure_engine(engine: Engine) -> None:
    """Switch on WAL, a busy timeout and foreign keys for SQLite, and check they took."""
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")
    event.listen(engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, in_memory))


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
