"""``flask demo`` seeds the demo company idempotently and prints its sign-ins."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.orm import aliased

from tests.factories import gen_centre
from tests.factories import gen_user
from webapp.careteam import services as careteam
from webapp.demo import outcomes as cohort
from webapp.demo import services as demo
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import Appointment
from webapp.models import AppointmentSlot
from webapp.models import AppointmentStatus
from webapp.models import CarePlan
from webapp.models import Centre
from webapp.models import NoteAddendum
from webapp.models import Role
from webapp.models import SessionNote
from webapp.models import User
from webapp.models import now_utc
from webapp.sessions import booking


def run_demo(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["demo", *args])
    return result.exit_code, result.stdout


def test_demo_seeds_and_prints_one_line_per_account(app: Flask) -> None:
    code, out = run_demo(app)
    assert code == 0
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert all(len(parts) == 3 for parts in lines)
    roles = [role for role, _email, _password in lines]
    assert roles.count("client") >= 8 and "therapist" in roles and "admin" in roles
    emails = {email for _role, email, _password in lines}
    db.session.expire_all()
    accounts = db.session.scalars(db.select(User)).all()
    assert {u.email for u in accounts} == emails


def test_demo_is_idempotent(app: Flask) -> None:
    first = run_demo(app)
    second = run_demo(app)
    assert first == second
    assert db.session.scalar(db.select(db.func.count(Centre.id))) == 2
    accounts = demo.accounts() + cohort.accounts()
    assert db.session.scalar(db.select(db.func.count(User.id))) == len(accounts)


def test_demo_tells_believable_stories(app: Flask) -> None:
    run_demo(app)
    db.session.expire_all()
    centres = {c.name: c.timezone for c in db.session.scalars(db.select(Centre))}
    assert set(centres.values()) == {"Europe/London", "Australia/Sydney"}
    plans = db.session.scalars(db.select(CarePlan)).all()
    assert {p.phase for p in plans} == {1, 2, 3}
    assert len({p.condition for p in plans}) >= 6
    for plan in plans:
        disciplines = {m.discipline.value for m in plan.team}
        assert disciplines == {"massage", "physio"}
        assert all(plan.centre in m.centres for m in plan.team)
        assert plan.phase_changes[-1].to_phase == plan.phase
    stepped_back = [
        p
        for p in plans
        if any(c.from_phase is not None and c.to_phase < c.from_phase for c in p.phase_changes)
    ]
    assert stepped_back, "one story should show a step back after a flare"


def test_demo_clients_have_visits_notes_and_referrals(app: Flask) -> None:
    run_demo(app)
    db.session.expire_all()
    now = now_utc()
    plans = db.session.scalars(db.select(CarePlan).where(CarePlan.active)).all()
    assert len(plans) == len(demo.CLIENTS) + len(cohort.cohort())
    for plan in plans:
        client = plan.client
        coming = booking.next_visit(db.session, client, now)
        assert coming is not None and coming.status is AppointmentStatus.BOOKED, client.name
        noted = db.session.scalar(
            db.select(db.func.count(SessionNote.id))
            .join(Appointment, SessionNote.appointment_id == Appointment.id)
            .where(
                SessionNote.client_id == client.id,
                Appointment.status == AppointmentStatus.ATTENDED,
            )
        )
        assert noted, f"{client.name} has no note of an attended visit"
    sam = db.session.scalar(db.select(User).where(User.name == "Sam Patel"))
    inbox = careteam.inbox(db.session, sam, now)
    assert any(r.is_open for r in inbox), "Sam Patel's referrals inbox has nothing open"
    assert any(not r.is_open for r in inbox), "one referral to Sam Patel was acknowledged"
    assert db.session.scalar(db.select(db.func.count(NoteAddendum.id))) >= 1


def test_demo_never_double_books_a_therapist(app: Flask) -> None:
    run_demo(app)
    db.session.expire_all()
    mine, other = aliased(AppointmentSlot), aliased(AppointmentSlot)
    my_visit, other_visit = aliased(Appointment), aliased(Appointment)
    called_off = [AppointmentStatus.CANCELLED_BY_CLIENT, AppointmentStatus.CANCELLED_BY_CLINIC]
    overlaps = db.session.execute(
        db.select(mine.id, other.id)
        .join(my_visit, mine.appointment_id == my_visit.id)
        .join(other, (other.therapist_id == mine.therapist_id) & (other.id > mine.id))
        .join(other_visit, other.appointment_id == other_visit.id)
        .where(
            my_visit.status.not_in(called_off),
            other_visit.status.not_in(called_off),
            mine.starts_at < other.ends_at,
            other.starts_at < mine.ends_at,
        )
    ).all()
    assert db.session.scalar(db.select(db.func.count(AppointmentSlot.id))) > 50
    assert overlaps == []


def test_demo_accounts_can_sign_in(app: Flask) -> None:
    run_demo(app)
    for account in demo.accounts()[:4] + demo.accounts()[-2:]:
        http = app.test_client()
        response = http.post("/login", data={"email": account.email, "password": account.password})
        assert response.status_code == 302, account.email


def test_demo_refuses_production(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(ENV="production")
    code, out = run_demo(app)
    assert code != 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_if_empty_leaves_a_real_database_alone(app: Flask) -> None:
    gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    code, out = run_demo(app, "--if-empty")
    assert code == 0 and out == ""
    assert db.session.scalar(db.select(db.func.count(Centre.id))) == 1


def test_demo_has_enough_clients_per_condition_for_outcomes(app: Flask) -> None:
    run_demo(app)
    db.session.expire_all()
    per_condition = db.session.execute(
        db.select(CarePlan.condition, db.func.count()).group_by(CarePlan.condition)
    ).all()
    assert len(per_condition) == 7
    assert all(count >= 5 for _condition, count in per_condition)
    owen = db.session.scalar(db.select(User).where(User.email == demo.email_for("Owen Fletcher")))
    on_team = db.session.scalar(
        db.select(db.func.count()).select_from(CarePlan).where(CarePlan.team.contains(owen))
    )
    assert on_team >= 30  # the cohort's Islington physiotherapist: a caseload with real figures


def test_demo_adds_the_outcomes_cohort_to_an_older_demo(app: Flask) -> None:
    root = Path(app.config["EXERCISES_DIR"])
    library.load(db.session, root)
    demo.seed(db.session, now_utc(), "cheapest", root)  # as the demo was before the cohort
    db.session.commit()
    assert not cohort.is_seeded(db.session)
    code, _out = run_demo(app)
    assert code == 0
    assert cohort.is_seeded(db.session)
