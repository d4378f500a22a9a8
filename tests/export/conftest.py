"""Two clients of one care team, each with a record in every category the export covers.

Every free text is marked with its owner's initials, so a test can tell whose row leaked, and
every secret the database holds about the clients is kept in ``Household.secrets``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from tests.factories import TOTP_SECRET
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from webapp.audit import services as audit
from webapp.auth import services as auth
from webapp.auth import two_factor
from webapp.careteam import services as careteam
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import Appointment
from webapp.models import AppointmentKind
from webapp.models import AppointmentSlot
from webapp.models import AppointmentStatus
from webapp.models import CalendarFeed
from webapp.models import CareAlert
from webapp.models import CarePlan
from webapp.models import Consent
from webapp.models import ConsentTopic
from webapp.models import Delivery
from webapp.models import DeliveryStatus
from webapp.models import DiaryEntry
from webapp.models import Discipline
from webapp.models import EntryKind
from webapp.models import ErasureRequest
from webapp.models import Exercise
from webapp.models import GlobalRating
from webapp.models import Invitation
from webapp.models import PasswordReset
from webapp.models import PsfsActivity
from webapp.models import PsfsScore
from webapp.models import RedFlagScreen
from webapp.models import ReminderSettings
from webapp.models import Role
from webapp.models import User
from webapp.pathway import services as pathway
from webapp.programmes import services as programmes
from webapp.reminders import services as reminders

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
# One of each visit status, to check the FHIR mapping.
VISITS = {
    AppointmentStatus.ATTENDED: -14,
    AppointmentStatus.NO_SHOW: -7,
    AppointmentStatus.CANCELLED_BY_CLIENT: -3,
    AppointmentStatus.BOOKED: 7,
}


@dataclass
class Household:
    client: User  # Alex Morgan: two-step sign-in on
    other: User  # Ruby Clarke, on the same care team
    massage: User
    physio: User
    admin: User
    secrets: list[str] = field(default_factory=list)  # never in any export
    clinical: list[str] = field(default_factory=list)  # the care team's record, withheld


@pytest.fixture
def household(app: Flask) -> Household:
    library.load(db.session, Path(app.config["EXERCISES_DIR"]))
    centre = gen_centre("Islington", "Europe/London")
    massage = gen_therapist(centre, Discipline.MASSAGE, name="Tom Okafor")
    physio = gen_therapist(centre, Discipline.PHYSIO, name="Sam Patel")
    admin = gen_user(Role.ADMIN, [centre], name="Priya Shah")
    start = NOW - timedelta(days=60)
    client = gen_client(centre, [massage, physio], name="Alex Morgan", two_factor=True, now=start)
    other = gen_client(centre, [massage, physio], name="Ruby Clarke", now=start)
    found = Household(client, other, massage, physio, admin)
    for person, mark in ((client, "AM"), (other, "RC")):
        fill_every_category(found, person, mark)
    db.session.commit()
    return found


def fill_every_category(home: Household, client: User, mark: str) -> None:
    """Give ``client`` at least one row of every kind; texts carry ``mark``."""
    plan = client.active_care_plan
    assert plan is not None
    massage, physio = home.massage, home.physio
    pathway.change_phase(
        db.session,
        plan,
        to_phase=2,
        reason=f"{mark} moves on",
        by=physio,
        now=NOW - timedelta(days=30),
    )

    programme = programmes.programme_for(db.session, client, plan)
    exercise = db.session.get(Exercise, "N1")
    assert exercise is not None
    rx = programmes.prescribe(
        db.session,
        programme,
        exercise,
        dose=programmes.Dose.of(exercise),
        note=f"{mark} keep the chin level",
        reason=f"{mark} first exercise",
        by=physio,
        now=NOW - timedelta(days=20),
    )
    db.session.flush()
    programmes.log_exercise(
        db.session,
        client,
        rx,
        client_entry_id=str(uuid.uuid4()),
        now=NOW - timedelta(days=2),
        timezone="Europe/London",
        sets_done=1,
    )

    for kind, days_ago, pain in ((EntryKind.CHECKIN, 5, 6), (EntryKind.QUICK, 1, 3)):
        at = NOW - timedelta(days=days_ago)
        db.session.add(
            DiaryEntry(
                client_entry_id=str(uuid.uuid4()),
                client_id=client.id,
                kind=kind,
                local_date=at.date(),
                recorded_at=at,
                timezone="Europe/London",
                utc_offset_minutes=0,
                pain_now=pain,
                pain_worst=8 if kind is EntryKind.CHECKIN else None,
                sleep=4,
                stress=5,
                flare=kind is EntryKind.CHECKIN,
                areas=["neck", "shoulder_left"],
                notes=f"{mark} diary: stiff after the commute",
                received_at=at,
                updated_at=at,
            )
        )
    activity = PsfsActivity(
        client_id=client.id, name=f"{mark} carry shopping", created_by_id=physio.id
    )
    db.session.add(activity)
    db.session.flush()
    db.session.add(PsfsScore(activity_id=activity.id, week_start=date(2026, 11, 23), score=4))
    db.session.add(GlobalRating(client_id=client.id, local_date=date(2026, 11, 20), score=3))
    db.session.add(
        RedFlagScreen(client_id=client.id, local_date=date(2026, 11, 23), ticked=["night_pain"])
    )
    db.session.add(
        CareAlert(
            client_id=client.id,
            kind="red_flag",
            urgency="soon",
            summary=f"{mark} ticked night pain",
            acknowledged_by_id=physio.id,
            acknowledged_at=NOW - timedelta(days=4),
        )
    )

    visits = {status: _visit(plan, home, status, days) for status, days in VISITS.items()}
    attended = visits[AppointmentStatus.ATTENDED]
    note = careteam.write_note(
        db.session,
        client,
        physio,
        careteam.NoteText(
            treatment=f"{mark} CLINICAL treatment: soft tissue release",
            findings=f"{mark} CLINICAL findings: reduced rotation",
            plan=f"{mark} CLINICAL plan: load progressively",
            handover=f"{mark} CLINICAL handover",
            client_summary=f"{mark} summary: good progress",
            client_next_steps=f"{mark} next: keep walking",
        ),
        appointment=attended,
        request_key=str(uuid.uuid4()),
        now=attended.ends_at,
    )
    careteam.add_addendum(
        db.session,
        note,
        physio,
        f"{mark} CLINICAL addendum",
        request_key=str(uuid.uuid4()),
        now=attended.ends_at + timedelta(hours=1),
    )
    careteam.refer(
        db.session,
        client,
        massage,
        careteam.ReferralText(
            reason=f"{mark} CLINICAL referral reason",
            body_region="neck",
            urgency="soon",
            focus=f"{mark} CLINICAL referral focus",
        ),
        request_key=str(uuid.uuid4()),
        now=NOW - timedelta(days=10),
    )
    home.clinical += [
        f"{mark} CLINICAL treatment",
        f"{mark} CLINICAL findings",
        f"{mark} CLINICAL plan",
        f"{mark} CLINICAL handover",
        f"{mark} CLINICAL addendum",
        f"{mark} CLINICAL referral reason",
        f"{mark} CLINICAL referral focus",
    ]

    db.session.add(ReminderSettings(client_id=client.id, exercise_days=[0, 2, 4]))
    db.session.add(
        Delivery(
            recipient_id=client.id,
            kind="exercise",
            channel="push",
            due_at=NOW - timedelta(days=1),
            status=DeliveryStatus.SENT,
            next_attempt_at=NOW - timedelta(days=1),
            sent_at=NOW - timedelta(days=1),
            outcome=f"{mark} OUTCOME 201 from the push service",
        )
    )
    endpoint_secret = uuid.uuid4().hex
    p256dh, push_auth = f"{mark}-p256dh-{uuid.uuid4().hex}", f"{mark}-auth-{uuid.uuid4().hex}"
    reminders.subscribe(
        db.session, client, f"https://push.example.test/send/{endpoint_secret}", p256dh, push_auth
    )
    feed = CalendarFeed(client_id=client.id, key=uuid.uuid4().hex)
    db.session.add(feed)
    db.session.add(
        Consent(
            client_id=client.id,
            topic=ConsentTopic.REMINDERS,
            granted=False,
            recorded_by_id=client.id,
        )
    )
    db.session.add(ErasureRequest(client_id=client.id))

    session_token = auth.start_session(db.session, client, NOW - timedelta(days=1))
    invitation_token_hash = auth.digest(f"{mark}-invitation")
    db.session.add(Invitation(token_hash=invitation_token_hash, user_id=client.id, expires_at=NOW))
    reset_token_hash = auth.digest(f"{mark}-reset")
    db.session.add(PasswordReset(token_hash=reset_token_hash, user_id=client.id, expires_at=NOW))
    recovery_codes = two_factor.new_recovery_codes(db.session, client, NOW)
    audit.record(db.session, physio, client.id, "read", "diary", now=NOW - timedelta(days=3))
    audit.record(db.session, client, client.id, "read", "programme", now=NOW - timedelta(days=2))
    db.session.flush()

    assert client.password_hash is not None
    home.secrets += [
        client.password_hash,
        session_token,
        auth.digest(session_token),
        invitation_token_hash,
        reset_token_hash,
        *recovery_codes,
        feed.key,
        endpoint_secret,
        p256dh,
        push_auth,
        f"{mark} OUTCOME",
    ]
    if client.totp_secret:
        home.secrets.append(TOTP_SECRET)


def _visit(plan: CarePlan, home: Household, status: AppointmentStatus, days: int) -> Appointment:
    """A combined visit ``days`` from NOW (massage, then physio), written directly."""
    starts = NOW.replace(hour=10) + timedelta(days=days)
    appointment = Appointment(
        uid=str(uuid.uuid4()),
        client_id=plan.client_id,
        care_plan_id=plan.id,
        centre_id=plan.centre_id,
        kind=AppointmentKind.COMBINED,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status=status,
    )
    for n, (therapist, discipline) in enumerate(
        ((home.massage, Discipline.MASSAGE), (home.physio, Discipline.PHYSIO))
    ):
        appointment.slots.append(
            AppointmentSlot(
                therapist_id=therapist.id,
                discipline=discipline,
                starts_at=starts + timedelta(minutes=30 * n),
                ends_at=starts + timedelta(minutes=30 * (n + 1)),
            )
        )
    db.session.add(appointment)
    db.session.flush()
    return appointment
