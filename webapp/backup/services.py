"""Take a consistent backup of the database while the app runs, and restore one.

SQLite: the online backup API copies every page into a new file while readers and writers go
on, so the copy is one consistent moment. PostgreSQL: ``pg_dump --format=custom`` (one
consistent snapshot, compressed) and ``pg_restore --clean --single-transaction``, so a restore
either replaces everything or changes nothing. The password, if any, goes to the tools in
``PGPASSWORD``, never on the command line where ``ps`` would show it.

A restore brings the schema of the backup's day; ``flask db upgrade`` afterwards brings it to
the release's (the restore command runs it).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import table
from sqlalchemy.engine import URL
from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, without secrets."""


@dataclass(frozen=True)
class Outcome:
    path: Path
    bytes: int
    seconds: float


def create(database_url: str, destination: Path) -> Outcome:
    """Write a backup of the database at ``database_url`` to ``destination``."""
    url = make_url(database_url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), destination)
    elif url.get_backend_name() == "postgresql":
        _run("pg_dump", ["--format=custom", "--no-owner", f"--file={destination}"], url)
    else:
        raise BackupError(f"no backup for {url.get_backend_name()} databases")
    return Outcome(destination, destination.stat().st_size, time.perf_counter() - started)


def restore(database_url: str, source: Path) -> Outcome:
    """Replace the database at ``database_url`` with the backup at ``source``.

    Stop the web and clock processes first: a restore replaces what they would write.
    """
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    url = make_url(database_url)
    started = time.perf_counter()
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(source)
        _sqlite_copy(source, _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        options = ["--clean", "--if-exists", "--no-owner", "--no-privileges"]
        _run("pg_restore", [*options, "--single-transaction", "--exit-on-error", str(source)], url)
    else:
        raise BackupError(f"no restore for {url.get_backend_name()} databases")
    return Outcome(source, source.stat().st_size, time.perf_counter() - started)


def row_counts(database_url: str) -> dict[str, int]:
    """Rows in every table, to compare a restored database with the one backed up."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            return {
                name: conn.scalar(select(func.count()).select_from(table(name))) or 0
                for name in names
            }
    finally:
        engine.dispose()


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _sqlite_copy(source: Path, destination: Path) -> None:
    """Copy with SQLite's online backup API: consistent even while the app writes."""
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def _check_sqlite_backup(source: Path) -> None:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the backup at {source} is not a SQLite database: {error}") from error
    if verdict != "ok":
        raise BackupError(f"the backup at {source} is damaged: {verdict}")


def _run(tool: str, arguments: list[str], url: URL) -> None:
    """Run a PostgreSQL client tool against the database at ``url``."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (Debian: postgresql-client)")
    connection = [
        f"--host={url.host or 'localhost'}",
        f"--port={url.port or 5432}",
        f"--username={url.username or 'postgres'}",
        f"--dbname={url.database}",
    ]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(  # nosec B603
        [tool, *connection, *arguments], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-500:]}")
