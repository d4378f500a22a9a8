"""Server time per page on the demo data set (DESIGN.md §7: client pages ≤ 50 ms p95).

Runs in-process through the WSGI app (no network), on a fresh SQLite file seeded with the demo
company, and prints p50/p95/max per page. Usage: make bench   (or python bench/run.py -n 300)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_migrate import upgrade
from sqlalchemy import insert
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import signin  # noqa: E402
import sync_and_size  # noqa: E402
from flask import Flask  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.auth.passwords import hash_password  # noqa: E402
from webapp.demo import services as demo  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.library import services as library  # noqa: E402
from webapp.models import Centre  # noqa: E402
from webapp.models import Condition  # noqa: E402
from webapp.models import Exercise  # noqa: E402
from webapp.models import ExerciseLog  # noqa: E402
from webapp.models import Prescription  # noqa: E402
from webapp.models import Programme  # noqa: E402
from webapp.models import Role  # noqa: E402
from webapp.models import User  # noqa: E402
from webapp.models import now_utc  # noqa: E402
from webapp.pathway import services as pathway  # noqa: E402
from webapp.programmes import services as programmes  # noqa: E402

HEAVY = "Hana Heavyuser"  # a 12-exercise programme and a year of daily logs

PAGES = {
    "heavy": (HEAVY, ["/today"]),
    "client": ("Alex Morgan", ["/today", "/pathway", "/exercises/{alex_rx}", "/sessions"]),
    "therapist": (
        "Sam Patel",
        [
            "/caseload/",
            "/clients/{alex}",
            "/clients/{alex}/programme",
            "/clients/{alex}/notes",
            "/schedule?view=week",
            "/referrals",
        ],
    ),
    "admin": ("Ruth Adler", ["/admin/", "/admin/clients/new"]),
}


def seed_heavy_client(app) -> int:  # type: ignore[no-untyped-def]
    """A client a year into care: 12 current exercises and every session logged."""
    centre = db.session.scalar(select(Centre).where(Centre.name == "Continuum Islington"))
    team = list(db.session.scalars(select(User).where(User.name.in_(["Tom Okafor", "Sam Patel"]))))
    client = User(
        name=HEAVY,
        email=demo.email_for(HEAVY),
        role=Role.CLIENT,
        centres=[centre],
        password_hash=hash_password(demo.password_for(HEAVY), app.config["PASSWORD_HASH_PROFILE"]),
    )
    db.session.add(client)
    now = now_utc()
    start = now - timedelta(days=365)
    plan = pathway.start_care_plan(
        db.session,
        client=client,
        centre=centre,
        condition=Condition.LOW_BACK,
        phase=2,
        team=team,
        goals="Garden all afternoon",
        start_date=start.date(),
        started_by=None,
        now=start,
    )
    programme = programmes.programme_for(db.session, client, plan)
    ids = ["L2", "L5", "L6", "H1", "H2", "H4", "T2", "T5", "G1", "G4", "A4", "N2"]
    for exercise_id in ids:
        exercise = db.session.get(Exercise, exercise_id)
        programmes.prescribe(
            db.session,
            programme,
            exercise,
            dose=programmes.Dose.of(exercise),
            note="",
            reason="Bench",
            by=team[0],
            now=start,
        )
    db.session.flush()
    zone = ZoneInfo(centre.timezone)
    rows = []
    for day in range(365):
        when = start + timedelta(days=day, hours=2)
        for rx in programme.current:
            for n in range(rx.times_per_day or 1):
                rows.append(
                    {
                        "client_entry_id": str(uuid.uuid4()),
                        "client_id": client.id,
                        "prescription_id": rx.id,
                        "performed_at": when + timedelta(hours=n),
                        "local_date": (when + timedelta(hours=n)).astimezone(zone).date(),
                        "sets_done": rx.sets,
                        "with_timer": False,
                        "received_at": when,
                    }
                )
    programme.client_seen_version = programme.version  # she has used the app all year
    db.session.execute(insert(ExerciseLog), rows)
    return len(rows)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=200, help="requests per page per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported")
    parser.add_argument("--sync-seconds", type=float, default=5.0, help="seconds per sync run")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="continuum-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "http://localhost",
        }
    )
    app.instance_path = str(folder)
    with app.app_context():
        upgrade()
        root = Path(app.config["EXERCISES_DIR"])
        library.load(db.session, root)
        demo.seed(db.session, now_utc(), app.config["PASSWORD_HASH_PROFILE"], root)
        db.session.commit()
        alex = db.session.scalar(db.select(User.id).where(User.name == "Alex Morgan"))
        logs = seed_heavy_client(app)
        alex_rx = db.session.scalar(
            select(Prescription.id)
            .join(Prescription.programme)
            .where(Programme.client_id == alex, Prescription.ended_at.is_(None))
        )
        db.session.commit()
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite demo data, {args.n} requests per page"
    )
    print(f"{HEAVY}: 12 exercises, {logs} logs over a year")
    print(f"median of {args.rounds} rounds")
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for person, urls in PAGES.values():
        http = app.test_client()
        signin.sign_in(
            http, demo.email_for(person), demo.password_for(person), demo.DEMO_TOTP_SECRET
        )
        for template in urls:
            url = template.format(alex=alex, alex_rx=alex_rx)
            for _ in range(10):  # warm up templates and connections
                http.get(url)
            rounds = []
            for _ in range(args.rounds):
                samples = []
                for _ in range(args.n):
                    start = time.perf_counter()
                    response = http.get(url)
                    samples.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
                rounds.append((statistics.median(samples), percentile(samples, 0.95), max(samples)))
            p50, p95, worst = (statistics.median(r[i] for r in rounds) for i in range(3))
            label = f"{url} ({person.split()[0]})"
            print(f"{label:34} {p50:8.1f} {p95:8.1f} {worst:8.1f}")
    other_figures(app, args.sync_seconds)


def other_figures(app: Flask, seconds: float) -> None:
    """Sync throughput on SQLite and PostgreSQL, and Today's compressed first load."""
    alex = (demo.email_for("Alex Morgan"), demo.password_for("Alex Morgan"))
    html, assets, total = sync_and_size.first_load_bytes(app, *alex)
    print(
        f"\nToday's first load (Alex), gzip: HTML {html / 1024:.1f} KB + assets "
        f"{assets / 1024:.1f} KB = {total / 1024:.1f} KB"
    )
    print("\nsync throughput (entries stored per second, one client, in-process)")
    engines = [("SQLite", app)]
    pg_url = sync_and_size.postgres_database()
    if pg_url:
        pg_app = fresh_app(pg_url)
        engines.append(("PostgreSQL", pg_app))
    for label, target in engines:
        for batch in (1, 50):
            rate = sync_and_size.sync_throughput(target, *alex, batch=batch, seconds=seconds)
            print(f"  {label:10} batches of {batch:2}: {rate:8.0f} entries/s")
    if pg_url:
        with pg_app.app_context():
            db.engine.dispose()
        sync_and_size.drop_postgres(pg_url)


def fresh_app(url: str) -> Flask:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "BASE_URL": "http://localhost"}
    )
    with app.app_context():
        upgrade()
        root = Path(app.config["EXERCISES_DIR"])
        library.load(db.session, root)
        demo.seed(db.session, now_utc(), app.config["PASSWORD_HASH_PROFILE"], root)
        db.session.commit()
    return app


if __name__ == "__main__":
    main()
