"""10,000 due reminders dispatched to local sinks in one pass; target ≤ 60 s, SQLite and PostgreSQL.

5,000 clients whose care began three days ago with nothing in their diary are each due a diary
nudge this morning, by email (to a local aiosmtpd server) and by Web Push (to a local push
service that verifies VAPID and decrypts every message): 10,000 outbox rows. One
``send_due`` pass plans, claims and sends them all; the script prints the time and what each
sink received.

Usage: make bench (or python bench/reminders.py [--clients N] [--no-postgres])
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from datetime import datetime
from datetime import time as clock
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sync_and_size  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.reminders.sinks import PushSink  # noqa: E402
from tests.reminders.sinks import SmtpSink  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.localtime import to_utc  # noqa: E402
from webapp.models import CarePlan  # noqa: E402
from webapp.models import Centre  # noqa: E402
from webapp.models import Delivery  # noqa: E402
from webapp.models import DeliveryStatus  # noqa: E402
from webapp.models import PushSubscription  # noqa: E402
from webapp.models import ReminderSettings  # noqa: E402
from webapp.models import User  # noqa: E402
from webapp.models import care_team  # noqa: E402
from webapp.models import centre_membership  # noqa: E402
from webapp.models import now_utc  # noqa: E402
from webapp.reminders import commands  # noqa: E402
from webapp.reminders import keys  # noqa: E402

ZONE = "Europe/London"


def serve_sinks(conn: Connection, clients: int) -> None:
    """In a process of its own: the mail server and the push service, with one browser per
    client; answers with their addresses, then, when asked, with what arrived."""
    smtp, push = SmtpSink().start(), PushSink().start()
    browsers = [push.browser() for _ in range(clients)]
    conn.send((smtp.url, [(b.endpoint, b.p256dh, b.auth_b64) for b in browsers]))
    conn.recv()
    conn.send(
        (
            len({m.message_id for m in smtp.mails}),
            len(smtp.mails),
            len({p.topic for p in push.received}),
            len(push.received),
            len(push.refused),
        )
    )
    smtp.stop()
    push.stop()


def seed(clients: int, browsers: list[tuple[str, str, str]], day: datetime) -> None:
    """The centre, two therapists and the clients with settings and push subscriptions."""
    session = db.session
    centre = Centre(name="Bench Centre", address="1 Test Row", timezone=ZONE)
    session.add(centre)
    session.flush()
    start = day.date() - timedelta(days=3)
    staff = [
        {
            "email": f"staff{n}@bench.test",
            "name": f"Staff {n}",
            "role": "therapist",
            "discipline": discipline,
            "password_hash": "x",
            "active": True,
            "created_at": day,
        }
        for n, discipline in enumerate(("massage", "physio"))
    ]
    people = [
        {
            "email": f"client{n}@bench.test",
            "name": f"Client {n}",
            "role": "client",
            "discipline": None,
            "password_hash": "x",
            "active": True,
            "created_at": day,
        }
        for n in range(clients)
    ]
    session.execute(insert(User), staff + people)
    ids = dict(session.execute(select(User.email, User.id)).all())
    client_ids = [ids[p["email"]] for p in people]
    session.execute(
        insert(centre_membership),
        [{"user_id": uid, "centre_id": centre.id} for uid in ids.values()],
    )
    session.execute(
        insert(CarePlan),
        [
            {
                "client_id": cid,
                "centre_id": centre.id,
                "condition": "neck_shoulder",
                "phase": 1,
                "goals": "",
                "start_date": start,
                "active": True,
                "created_at": day,
            }
            for cid in client_ids
        ],
    )
    plan_of = dict(session.execute(select(CarePlan.client_id, CarePlan.id)).all())
    therapists = [ids[s["email"]] for s in staff]
    session.execute(
        insert(care_team),
        [{"care_plan_id": plan_of[c], "therapist_id": t} for c in client_ids for t in therapists],
    )
    session.execute(
        insert(ReminderSettings),
        [
            {
                "client_id": cid,
                "enabled": True,
                "exercise_times": [],
                "exercise_days": [],
                "by_push": True,
                "by_email": True,
                "quiet_start": "21:00",
                "quiet_end": "08:00",
                "updated_at": day,
            }
            for cid in client_ids
        ],
    )
    subscriptions = [
        {"user_id": cid, "endpoint": endpoint, "p256dh": p256dh, "auth": auth, "created_at": day}
        for cid, (endpoint, p256dh, auth) in zip(client_ids, browsers, strict=True)
    ]
    session.execute(insert(PushSubscription), subscriptions)
    session.commit()


def run(url: str, label: str, clients: int) -> tuple[str, float, int, int, int]:
    """One pass over ``clients`` × 2 due reminders; the sinks run in a process of their own, so
    the time measured is the sender's."""
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    sinks = context.Process(target=serve_sinks, args=(theirs, clients), daemon=True)
    sinks.start()
    try:
        smtp_url, browsers = mine.recv()
        pair = keys.generate()
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        app.instance_path = tempfile.mkdtemp()
        with app.app_context():
            upgrade()
            today = now_utc().date() + timedelta(days=1)
            morning = to_utc(today, clock(10, 1), ZONE)
            seed(clients, browsers, morning)
        app.config.update(
            SMTP_URL=smtp_url,
            VAPID_PRIVATE_KEY=pair["private"],
            VAPID_CONTACT="mailto:bench@continuum.invalid",
            BASE_URL="http://127.0.0.1:5000",
        )
        began = time.perf_counter()
        tally = commands.run_pass(app, morning)  # as the clock runs it
        took = time.perf_counter() - began
        with app.app_context():
            sent = db.session.scalar(
                select(func.count(Delivery.id)).where(Delivery.status == DeliveryStatus.SENT)
            )
            db.engine.dispose()
        mine.send("report")
        mails, raw_mails, pushes, raw_pushes, refused = mine.recv()
        print(
            f"{label}: {tally.planned} planned, {sent} sent in {took:.1f} s "
            f"({tally.planned / took:.0f}/s); the SMTP server got {mails} ({raw_mails} raw), "
            f"the push service {pushes} ({raw_pushes} raw, refused {refused})"
        )
        return label, took, tally.planned, mails, pushes
    finally:
        sinks.join(timeout=10)
        if sinks.is_alive():
            sinks.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    results = [run(f"sqlite:///{folder / 'reminders.db'}", "SQLite", args.clients)]
    pg_url = None if args.no_postgres else sync_and_size.postgres_database()
    if pg_url:
        try:
            results.append(run(pg_url, "PostgreSQL", args.clients))
        finally:
            sync_and_size.drop_postgres(pg_url)
    for label, took, planned, _mails, _pushes in results:
        verdict = "within" if took <= 60 else "OVER"
        print(f"  {label:10} {planned} reminders in {took:5.1f} s ({verdict} the 60 s target)")


if __name__ == "__main__":
    main()
