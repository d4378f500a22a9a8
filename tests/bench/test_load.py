"""bench/load.py end to end at toy size: a tiny company on SQLite, gunicorn, two locust users
for a few seconds per phase; every request answered, the access log grouped into actions,
the table written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import generate
from bench import load
from tests.conftest import IN_CI

SIZE = generate.Size(centres=1, therapists=2, clients=6, days=21)
SETTINGS = load.Settings(
    users=2,
    therapists=1,
    clients_each=2,
    therapists_each=1,
    warmup=0.5,
    duration=3.0,
    sync_batch=3,
    workers=1,
)


def test_access_log_lines_group_into_actions(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(
        "GET /today 200 900\n"  # before the window: not counted
        "GET /__load__/mixed/start 404 100\n"
        "GET /today 200 12000\n"
        "POST /diary/quick 302 8000\n"
        "POST /exercises/41/log 200 9000\n"
        "POST /api/sync 200 20000\n"
        "GET /diary 200 15000\n"
        "GET /clients/7/brief 500 30000\n"
        "GET /clients/7 200 5000\n"
        "GET /__load__/mixed/stop 404 100\n"
        "GET /sessions 200 1000\n"
    )
    times, bad = load.server_times(log, "mixed")
    assert times == {
        "today": [12.0],
        "pain log": [8.0],
        "exercise tick": [9.0],
        "sync batch": [20.0],
        "diary": [15.0],
        "brief": [30.0],
        "other GET /clients/7": [5.0],
    }
    assert bad == {"brief 500": 1}
    assert load.percentile([float(n) for n in range(1, 101)], 95) == 95.0
    assert load.percentile([3.0], 99) == 3.0


def test_a_toy_load_test_runs_end_to_end(tmp_path: Path) -> None:
    if not (load.BIN / "locust").exists():
        missing = "locust is not installed: pip install -e '.[test,bench]'"
        pytest.fail(missing) if IN_CI else pytest.skip(missing)
    table, record = load.run(
        "sqlite",
        SETTINGS,
        SIZE,
        data_folder=tmp_path / "data",
        results=tmp_path / "results",
        jobs=0,
        command="pytest",
    )
    phases = record["phases"]
    assert set(phases) == {"bare", "today", "mixed"}
    assert set(phases["bare"]["actions"]) == {"bare"}
    assert set(phases["today"]["actions"]) == {"today"}
    assert set(phases["mixed"]["actions"]) == {
        "today",
        "pain log",
        "exercise tick",
        "sync batch",
        "diary",
        "sessions",
        "caseload",
        "brief",
    }
    for phase in phases.values():
        assert phase["errors"] == [] and phase["locks"] == 0
        assert phase["cpu"]["server"] > 0 and phase["cpu"]["locust"] > 0
        for name, row in phase["actions"].items():
            assert row["requests"] > 0 and row["failed"] == 0, name
            assert row["server_requests"] > 0, name
            assert row["server_p50"] <= row["server_p99"], name
            assert row["client_p95"] > 0, name
    assert record["today_share"] > 0
    assert "| mixed | brief |" in table and "of the baseline" in table
    written = tmp_path / "results" / "load-sqlite.md"
    assert written.read_text() == table
    assert json.loads((tmp_path / "results" / "load-sqlite.json").read_text())["rows"] > 0
    # A second run reuses the stamped data set rather than generating it again.
    stamp = json.loads((tmp_path / "data" / "scale.stamp.json").read_text())
    assert stamp["size"] == {"centres": 1, "therapists": 2, "clients": 6, "days": 21}
    made = stamp["generated_at"]
    url, _accounts, _rows = load.pristine("sqlite", SIZE, 1, tmp_path / "data")
    assert json.loads((tmp_path / "data" / "scale.stamp.json").read_text())["generated_at"] == made
    assert url.endswith("scale.db")
