"""Sync throughput (batches of 1 and 50, SQLite and PostgreSQL) and Today's first-load size."""

from __future__ import annotations

import gzip
import json
import re
import time
import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy import text

from webapp.models import now_utc

SYNC_HEADERS = {"X-Continuum-Sync": "1", "Origin": "http://localhost"}


def _entry(hours_ago: float) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "quick",
        "recorded_at": (now_utc() - timedelta(hours=hours_ago)).isoformat(),
        "tz": "Europe/London",
        "data": {"pain_now": 4},
    }


def sync_throughput(app: Flask, email: str, password: str, batch: int, seconds: float) -> float:
    """Entries stored per second when a client syncs batches of ``batch`` entries."""
    http = app.test_client()
    http.post("/login", data={"email": email, "password": password})
    stored = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        payload = {"entries": [_entry(1 + n / 100) for n in range(batch)]}
        response = http.post(
            "/api/sync",
            data=json.dumps(payload),
            content_type="application/json",
            headers=SYNC_HEADERS,
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        stored += sum(r["status"] == "stored" for r in response.json["results"])
    return stored / (time.perf_counter() - start)


def postgres_database() -> str | None:
    """A fresh PostgreSQL database for the bench, or None when no server answers."""
    admin_url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    name = f"continuum_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception:  # noqa: BLE001 - no server: report SQLite only
        return None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_postgres(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


ASSET = re.compile(r'(?:src|href)="(/(?:static|library)/[^"]+|/manifest\.webmanifest)"')


def first_load_bytes(app: Flask, email: str, password: str) -> tuple[int, int, int]:
    """Gzipped bytes of Today and everything it loads: (html, assets, total)."""
    http = app.test_client()
    http.post("/login", data={"email": email, "password": password})
    html = http.get("/today").get_data()
    assets = sorted(set(ASSET.findall(html.decode())))
    asset_bytes = 0
    for url in assets:
        response = http.get(url)
        asset_bytes += len(gzip.compress(response.get_data(), 6))
        response.close()
    html_bytes = len(gzip.compress(html, 6))
    return html_bytes, asset_bytes, html_bytes + asset_bytes
