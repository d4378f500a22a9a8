"""Server time of the outcomes page and a CSV export for a company of a few thousand clients.

Seeds two centres and ``-n`` clients (default 3,000) with a year of care each, written in bulk:
a daily diary (about a million entries), weekly PSFS ratings and visits, phase changes, a
referral, and a three-exercise programme with three weeks of logs. Then times ``GET
/outcomes/`` (every table, for an admin of both centres) and ``GET /outcomes/monthly.csv``
through the WSGI app, counted afresh each time, then the page again from its snapshot (what
is shown for a few minutes after a count), and counts their SQL statements, on SQLite and on
PostgreSQL when one answers on 127.0.0.1:5432.
Usage: python bench/outcomes.py [-n 3000] [--rounds 5] [--no-postgres]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import signin  # noqa: E402
import sync_and_size  # noqa: E402
from brief_and_caseload import AREAS  # noqa: E402
from brief_and_caseload import Story  # noqa: E402
from brief_and_caseload import bulk  # noqa: E402
from brief_and_caseload import counting  # noqa: E402
from brief_and_caseload import diary_rows  # noqa: E402
from brief_and_caseload import fresh_app  # noqa: E402
from flask import Flask  # noqa: E402
from run import percentile  # noqa: E402

from webapp.auth.passwords import hash_password  # noqa: E402
from webapp.demo.services import DEMO_TOTP_SECRET  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.library import services as library  # noqa: E402
from webapp.localtime import local_day  # noqa: E402
from webapp.localtime import to_utc  # noqa: E402
from webapp.localtime import week_start  # noqa: E402
from webapp.models import Appointment  # noqa: E402
from webapp.models import AppointmentKind  # noqa: E402
from webapp.models import AppointmentSlot  # noqa: E402
from webapp.models import AppointmentStatus  # noqa: E402
from webapp.models import CarePlan  # noqa: E402
from webapp.models import Centre  # noqa: E402
from webapp.models import Condition  # noqa: E402
from webapp.models import DiaryEntry  # noqa: E402
from webapp.models import Discipline  # noqa: E402
from webapp.models import ExerciseLog  # noqa: E402
from webapp.models import PhaseChange  # noqa: E402
from webapp.models import Prescription  # noqa: E402
from webapp.models import Programme  # noqa: E402
from webapp.models import PsfsActivity  # noqa: E402
from webapp.models import PsfsScore  # noqa: E402
from webapp.models import Referral  # noqa: E402
from webapp.models import Role  # noqa: E402
from webapp.models import Urgency  # noqa: E402
from webapp.models import User  # noqa: E402
from webapp.models import care_team  # noqa: E402
from webapp.models import centre_membership  # noqa: E402
from webapp.models import now_utc  # noqa: E402

PASSWORD = "bench horse battery staple"
DOMAIN = "outcomes.bench.test"
CENTRES = [("Bench North", "Europe/London"), ("Bench Harbour", "Australia/Sydney")]
EXERCISES = ["N2", "N4", "S3"]


def _ids(session: Session, model: Any) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def seed(session: Session, clients: int, now: datetime) -> str:
    """The company in bulk; returns the admin's email."""
    rng = random.Random("bench:outcomes")
    centres = [Centre(name=n, address="1 Bench Street", timezone=tz) for n, tz in CENTRES]
    session.add_all(centres)
    hashed = hash_password(PASSWORD, "cheapest")
    admin = User(
        name="Ada Admin", email=f"ada@{DOMAIN}", role=Role.ADMIN, centres=centres,
        password_hash=hashed, totp_secret=DEMO_TOTP_SECRET, totp_enabled_at=now,
    )  # fmt: skip
    teams = []
    for centre in centres:
        team = [
            User(
                name=f"{discipline.value.title()} {centre.name}",
                email=f"{discipline.value}.{centre.id or len(teams)}@{DOMAIN}",
                role=Role.THERAPIST,
                discipline=discipline,
                centres=[centre],
                password_hash=hashed,
                totp_secret=DEMO_TOTP_SECRET,
                totp_enabled_at=now,
            )
            for discipline in (Discipline.MASSAGE, Discipline.PHYSIO)
        ]
        teams.append(team)
    session.add(admin)
    session.add_all([t for team in teams for t in team])
    session.flush()

    user_id, plan_id = _ids(session, User), _ids(session, CarePlan)
    appointment_id, programme_id = _ids(session, Appointment), _ids(session, Programme)
    prescription_id = _ids(session, Prescription)
    activity_id = _ids(session, PsfsActivity)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "user", "membership", "plan", "team", "change", "diary", "activity", "score",
        "appointment", "slot", "referral", "programme", "prescription", "log",
    )}  # fmt: skip
    conditions = list(Condition)
    for n in range(clients):
        centre_index = 0 if n % 3 else 1
        centre, (massage, physio) = centres[centre_index], teams[centre_index]
        zone = centre.timezone
        today = local_day(now, zone)
        start = today - timedelta(days=rng.randint(30, 400))
        condition = conditions[n % len(conditions)]
        uid, pid = user_id + n, plan_id + n
        rows["user"].append(
            {"id": uid, "name": f"Client {n:05d}", "email": f"client{n:05d}@{DOMAIN}",
             "role": Role.CLIENT, "discipline": None, "password_hash": None, "active": True,
             "created_at": now}
        )  # fmt: skip
        rows["membership"].append({"user_id": uid, "centre_id": centre.id})
        started = to_utc(start, clock(9), zone)
        phase, changes = 1, [(None, 1, started)]
        if (today - start).days > 45:
            changes.append((1, 2, started + timedelta(days=rng.randint(20, 45))))
            phase = 2
            if (today - start).days > 150 and rng.random() < 0.6:
                changes.append((2, 3, changes[-1][2] + timedelta(days=rng.randint(40, 100))))
                phase = 3
        rows["plan"].append(
            {"id": pid, "client_id": uid, "centre_id": centre.id, "condition": condition,
             "phase": phase, "goals": "", "start_date": start, "active": True,
             "created_at": started}
        )  # fmt: skip
        rows["team"] += [
            {"care_plan_id": pid, "therapist_id": massage.id},
            {"care_plan_id": pid, "therapist_id": physio.id},
        ]
        for from_phase, to_phase, when in changes:
            rows["change"].append(
                {"care_plan_id": pid, "from_phase": from_phase, "to_phase": to_phase,
                 "reason": "Bench", "changed_by_id": physio.id, "changed_at": when}
            )  # fmt: skip
        story = Story(pain=(rng.uniform(5, 8), rng.uniform(1.5, 6)), miss=rng.uniform(0.05, 0.4))
        rows["diary"] += diary_rows(uid, zone, AREAS[condition], start, today, story, rng)
        aid = activity_id + n
        rows["activity"].append(
            {"id": aid, "client_id": uid, "name": "Walk for an hour", "created_at": started}
        )
        week, level = week_start(start), rng.uniform(2, 4)
        while week <= today:
            rows["score"].append(
                {"activity_id": aid, "week_start": week, "score": round(level), "recorded_at": now}
            )
            level = min(level + rng.uniform(0, 0.4), 10)
            week += timedelta(days=7)
        day = start + timedelta(days=1)
        while day <= today + timedelta(days=14):
            starts = to_utc(day, clock(9 + n % 8), zone)
            past = starts < now
            roll = rng.random()
            status = AppointmentStatus.BOOKED
            if past:
                status = (
                    AppointmentStatus.NO_SHOW if roll < 0.05
                    else AppointmentStatus.CANCELLED_BY_CLIENT if roll < 0.09
                    else AppointmentStatus.ATTENDED
                )  # fmt: skip
            kind = AppointmentKind.PHYSIO if day.toordinal() % 2 else AppointmentKind.MASSAGE
            therapist = physio if kind is AppointmentKind.PHYSIO else massage
            rows["appointment"].append(
                {"id": appointment_id, "uid": f"a{appointment_id}@{DOMAIN}", "client_id": uid,
                 "care_plan_id": pid, "centre_id": centre.id, "kind": kind, "starts_at": starts,
                 "ends_at": starts + timedelta(minutes=30), "status": status, "sequence": 0,
                 "created_at": starts, "updated_at": starts}
            )  # fmt: skip
            rows["slot"].append(
                {"appointment_id": appointment_id, "therapist_id": therapist.id,
                 "discipline": therapist.discipline, "starts_at": starts,
                 "ends_at": starts + timedelta(minutes=30)}
            )  # fmt: skip
            appointment_id += 1
            day += timedelta(days=7)
        made = started + timedelta(days=rng.randint(5, 25))
        if made < now:
            rows["referral"].append(
                {"client_id": uid, "from_id": massage.id, "to_discipline": Discipline.PHYSIO,
                 "reason": "Bench", "body_region": "neck", "urgency": Urgency.ROUTINE,
                 "focus": "", "request_key": f"r{n}", "created_at": made,
                 "acknowledged_by_id": physio.id,
                 "acknowledged_at": made + timedelta(hours=rng.randint(1, 48))}
            )  # fmt: skip
        gid = programme_id + n
        rows["programme"].append(
            {"id": gid, "client_id": uid, "care_plan_id": pid, "version": 1,
             "client_seen_version": 1, "created_at": started}
        )  # fmt: skip
        for k, exercise in enumerate(EXERCISES):
            rid = prescription_id + 3 * n + k
            rows["prescription"].append(
                {"id": rid, "programme_id": gid, "exercise_id": exercise, "slot": f"s{rid}",
                 "position": k, "sets": 2, "reps": 10, "hold_seconds": None, "rest_seconds": 30,
                 "times_per_day": 1, "days_per_week": None, "each_side": False, "note": "",
                 "started_at": started, "started_in_version": 1}
            )  # fmt: skip
            for back in range(21):
                log_day = today - timedelta(days=back + 1)
                if rng.random() < 0.7:
                    rows["log"].append(
                        {"client_entry_id": f"l{rid}-{back}", "client_id": uid,
                         "prescription_id": rid, "local_date": log_day, "timezone": zone,
                         "performed_at": to_utc(log_day, clock(8), zone), "with_timer": False,
                         "received_at": now}
                    )  # fmt: skip
    connection = session.connection()
    connection.execute(insert(User), rows["user"])
    connection.execute(insert(centre_membership), rows["membership"])
    connection.execute(insert(CarePlan), rows["plan"])
    connection.execute(insert(care_team), rows["team"])
    for model, key in (
        (PhaseChange, "change"), (DiaryEntry, "diary"), (PsfsActivity, "activity"),
        (PsfsScore, "score"), (Appointment, "appointment"), (AppointmentSlot, "slot"),
        (Referral, "referral"), (Programme, "programme"), (Prescription, "prescription"),
        (ExerciseLog, "log"),
    ):  # fmt: skip
        bulk(session, model, rows[key])
    print("  rows: " + ", ".join(f"{k} {len(v)}" for k, v in rows.items()))
    return admin.email


def timed(get: Any, rounds: int) -> tuple[float, float, float]:
    samples = []
    for _ in range(rounds):
        begun = time.perf_counter()
        response = get()
        samples.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(samples), percentile(samples, 0.95), max(samples)


def bench(app: Flask, label: str, args: argparse.Namespace) -> list[tuple[Any, ...]]:
    begun = time.perf_counter()
    with app.app_context():
        upgrade()
        library.load(db.session, Path(app.config["EXERCISES_DIR"]))
        email = seed(db.session, args.n, now_utc())
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # As autovacuum soon would after a bulk load: planner statistics for the new rows.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        engine = db.engine
    print(f"{label}: set up in {time.perf_counter() - begun:.1f} s")
    http = app.test_client()
    signin.sign_in(http, email, PASSWORD, DEMO_TOTP_SECRET)
    table = []
    kept = app.config["OUTCOMES_SNAPSHOT_TTL"]
    app.config["OUTCOMES_SNAPSHOT_TTL"] = timedelta(0)  # count the figures on every request
    for url in ("/outcomes/", "/outcomes/monthly.csv", "/outcomes/?condition=low_back"):
        http.get(url)  # warm
        with counting(engine) as statements:
            http.get(url)
        p50, p95, worst = timed(lambda u=url: http.get(u), args.rounds)
        table.append((url, label, p50, p95, worst, len(statements)))
    app.config["OUTCOMES_SNAPSHOT_TTL"] = kept  # then the page as it is shown again
    http.get("/outcomes/")
    with counting(engine) as statements:
        http.get("/outcomes/")
    p50, p95, worst = timed(lambda: http.get("/outcomes/"), args.rounds)
    table.append(("/outcomes/ (a snapshot)", label, p50, p95, worst, len(statements)))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=3000, help="clients")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    folder = Path(tempfile.mkdtemp(prefix="continuum-outcomes-"))
    table = bench(fresh_app(f"sqlite:///{folder / 'bench.db'}", folder), "SQLite", args)
    pg_url = None if args.no_postgres else sync_and_size.postgres_database()
    if pg_url:
        pg_app = fresh_app(pg_url)
        try:
            table += bench(pg_app, "PostgreSQL", args)
        finally:
            with pg_app.app_context():
                db.engine.dispose()
            sync_and_size.drop_postgres(pg_url)
    print(f"{args.n} clients, a year of care each; median of {args.rounds} requests")
    print(f"{'page':36} {'database':10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>7}")
    for url, label, p50, p95, worst, queries in table:
        print(f"{url:36} {label:10} {p50:8.0f} {p95:8.0f} {worst:8.0f} {queries:7}")


if __name__ == "__main__":
    main()
