"""A client with a row in every table that can hold something about them, and the sinks a
reminders pass sends to."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask import current_app

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.reminders.conftest import push
from tests.reminders.conftest import smtp
from tests.reminders.conftest import vapid
from webapp.audit import services as audit
from webapp.auth import services as auth
from webapp.careteam import services as careteam
from webapp.diary import services as diary
from webapp.erasure import services as erasure
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import AppointmentKind
from webapp.models import AppointmentStatus
from webapp.models import Centre
from webapp.models import Consent
from webapp.models import ConsentTopic
from webapp.models import Delivery
from webapp.models import DeliveryStatus
from webapp.models import DiaryEntry
from webapp.models import Discipline
from webapp.models import EntryKind
from webapp.models import ErasureRequest
from webapp.models import Exercise
from webapp.models import LoginAttempt
from webapp.models import PasswordReset
from webapp.models import RecoveryCode
from webapp.models import Role
from webapp.models import User
from webapp.pathway import services as pathway
from webapp.programmes import services as programmes
from webapp.reminders import planning
from webapp.reminders import services as reminders
from webapp.sessions import booking
from webapp.sessions import calendar

__all__ = ["push", "smtp", "vapid"]

LONDON = "Europe/London"
# A Tuesday afternoon in London (GMT): the plan started on 1 October (tests.factories).
NOW = datetime(2026, 11, 3, 14, 1, tzinfo=UTC)
NAME = "Philippa Quennell-Ashworth"
EMAIL = "pip.qa@example.test"
DIARY_NOTE = "Walked the dog along the canal at Hackney Wick"
ACTIVITY = "Lifting my granddaughter Ottoline"
PUSH_ENDPOINT = "https://push.example/send/f3a9c1d2e4b5"
PUSH_P256DH = "BKeyOfPhilippasPhoneForWebPushZ9"
PUSH_AUTH = "authOfPhilippasPhone"


@dataclass
class Full:
    """The client and everyone around them, and the secrets their rows held."""

    client: User
    centre: Centre
    massage: User
    physio: User
    admin: User
    admin_elsewhere: User
    request: ErasureRequest
    secrets: list[str]
    last_visit: datetime


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def gen_full_client(
    *,
    now: datetime = NOW,
    push_endpoint: str = PUSH_ENDPOINT,
    p256dh: str = PUSH_P256DH,
    auth_key: str = PUSH_AUTH,
) -> Full:
    """A client with data in every table that can hold any, and an open erasure request.

    Their name is in the free text of the kept record (notes, an addendum, a referral, the
    plan's goals, a phase change, the programme), so pseudonymising it can be checked.
    """
    library.load(db.session, Path(current_app.config["EXERCISES_DIR"]))
    centre = gen_centre("Islington", LONDON)
    elsewhere = gen_centre("Surry Hills", "Australia/Sydney")
    massage = gen_therapist(centre, Discipline.MASSAGE, name="Tom Okafor")
    physio = gen_therapist(centre, Discipline.PHYSIO, name="Sam Patel")
    admin = gen_user(Role.ADMIN, [centre], name="Priya Shah")
    admin_elsewhere = gen_user(Role.ADMIN, [elsewhere], name="Liam Nguyen")
    start = now - timedelta(days=40)
    client = gen_client(
        centre, [massage, physio], name=NAME, email=EMAIL, two_factor=True, now=start
    )
    plan = client.active_care_plan
    assert plan is not None
    plan.goals = "Philippa wants to lift her granddaughter again"
    pathway.change_phase(
        db.session,
        plan,
        to_phase=2,
        reason="Quennell-Ashworth moves freely now",
        by=physio,
        now=start + timedelta(days=20),
    )

    # The home programme and a log of it.
    programme = programmes.programme_for(db.session, client, plan)
    exercise = db.session.get(Exercise, "N2")
    assert exercise is not None
    rx = programmes.prescribe(
        db.session,
        programme,
        exercise,
        dose=programmes.Dose.of(exercise),
        note="Philippa: keep the chin level",
        reason="Start for Ms Quennell-Ashworth",
        by=physio,
        now=start,
    )
    db.session.flush()
    programmes.log_exercise(
        db.session,
        client,
        rx,
        client_entry_id=str(uuid.uuid4()),
        now=start + timedelta(days=1),
        timezone=LONDON,
    )

    # The diary and the measures around it.
    db.session.add(
        DiaryEntry(
            client_entry_id=str(uuid.uuid4()),
            client_id=client.id,
            kind=EntryKind.CHECKIN,
            local_date=(start + timedelta(days=2)).date(),
            recorded_at=start + timedelta(days=2),
            timezone=LONDON,
            utc_offset_minutes=0,
            pain_now=6,
            areas=["neck"],
            notes=DIARY_NOTE,
        )
    )
    activity = diary.add_activity(db.session, client, ACTIVITY, by=physio, now=start)
    db.session.flush()
    diary.record_weekly(
        db.session,
        client,
        scores={activity.id: 4},
        ticked=["fever"],
        today=(start + timedelta(days=7)).date(),
        now=start + timedelta(days=7),
    )
    diary.record_review(db.session, client, 3, today=(now - timedelta(days=1)).date(), now=now)

    # Visits: one attended (with a note, an addendum and a referral), one to come, one
    # cancelled and a booked series.
    team = booking.Team(massage, physio)
    held = booking.book(
        db.session,
        client,
        team.visit(AppointmentKind.COMBINED),
        day=(start + timedelta(days=10)).date(),
        clock=time(10, 0),
        by=admin,
        request_key=str(uuid.uuid4()),
        now=start,
    )
    booking.record_outcome(db.session, held, AppointmentStatus.ATTENDED, now)
    booking.book(
        db.session,
        client,
        team.visit(AppointmentKind.PHYSIO),
        day=(now + timedelta(days=7)).date(),
        clock=time(9, 0),
        by=admin,
        request_key=str(uuid.uuid4()),
        now=now,
    )
    cancelled = booking.book(
        db.session,
        client,
        team.visit(AppointmentKind.MASSAGE),
        day=(now + timedelta(days=8)).date(),
        clock=time(9, 0),
        by=admin,
        request_key=str(uuid.uuid4()),
        now=now,
    )
    booking.cancel(
        db.session,
        cancelled,
        status=AppointmentStatus.CANCELLED_BY_CLIENT,
        rest_of_series=False,
        now=now,
    )
    booking.book_series(
        db.session,
        client,
        booking.PATTERNS["weekly_combined"],
        team,
        first_day=(now + timedelta(days=14)).date(),
        clock=time(11, 0),
        count=2,
        every_weeks=None,
        by=admin,
        request_key=str(uuid.uuid4()),
        now=now,
    )
    note = careteam.write_note(
        db.session,
        client,
        physio,
        careteam.NoteText(
            treatment="Mobilised C5-6; PHILIPPA tolerated it well",
            findings="Ms Quennell-Ashworth: less guarding, Ashworth family history of RA",
            plan="Progress Philippa's loading next week",
            handover="Pip (Philippa) prefers morning visits",
            client_summary="Well done, Philippa!",
            client_next_steps="Email pip.qa@example.test the leaflet",
        ),
        appointment=held,
        request_key=str(uuid.uuid4()),
        now=held.ends_at,
    )
    careteam.add_addendum(
        db.session,
        note,
        physio,
        "Correction: Mrs Quennell's left side, not right",
        request_key=str(uuid.uuid4()),
        now=held.ends_at + timedelta(hours=1),
    )
    careteam.refer(
        db.session,
        client,
        massage,
        careteam.ReferralText(
            reason="Philippa has tingling in the hand",
            body_region="neck",
            urgency="soon",
            focus="Ask Philippa Quennell-Ashworth about her desk",
        ),
        request_key=str(uuid.uuid4()),
        now=held.ends_at,
    )

    # Reminders and where they go.
    settings = planning.settings_for(db.session, client)
    settings.by_email = True
    reminders.subscribe(db.session, client, push_endpoint, p256dh, auth_key)
    db.session.add_all(
        [
            Delivery(
                recipient_id=client.id,
                kind="appointment_24h",
                channel="email",
                due_at=now + timedelta(days=6),
                next_attempt_at=now + timedelta(days=6),
                subject="later",
            ),
            Delivery(
                recipient_id=client.id,
                kind="exercise",
                channel="email",
                due_at=now - timedelta(days=1),
                next_attempt_at=now - timedelta(days=1),
                subject=(now - timedelta(days=1)).date().isoformat(),
                status=DeliveryStatus.SENT,
                sent_at=now - timedelta(days=1),
                outcome=f"250 OK for {EMAIL}",
            ),
        ]
    )
    feed = calendar.new_feed(db.session, client, now)

    # Credentials, sign-ins and links.
    session_token = auth.start_session(db.session, client, now)
    invitation_token = auth.issue_invitation(db.session, client, admin, start, timedelta(days=7))
    reset_token = "reset-" + uuid.uuid4().hex
    db.session.add_all(
        [
            RecoveryCode(user_id=client.id, code_hash=sha("recovery-code-1")),
            PasswordReset(
                token_hash=sha(reset_token),
                user_id=client.id,
                created_at=now,
                expires_at=now + timedelta(minutes=30),
            ),
            LoginAttempt(email=EMAIL, address="198.51.100.7", succeeded=False, attempted_at=now),
            LoginAttempt(
                email=EMAIL, address="198.51.100.7", succeeded=True, kind="code", attempted_at=now
            ),
            Consent(
                client_id=client.id,
                topic=ConsentTopic.REMINDERS,
                granted=True,
                recorded_at=now,
                recorded_by_id=client.id,
            ),
        ]
    )
    audit.record(db.session, physio, client.id, "read", "notes", note.id, now=now)
    request = erasure.request_erasure(db.session, client, now)
    db.session.commit()
    return Full(
        client=client,
        centre=centre,
        massage=massage,
        physio=physio,
        admin=admin,
        admin_elsewhere=admin_elsewhere,
        request=request,
        secrets=[
            client.password_hash or "",
            feed.key,
            auth.digest(session_token),
            auth.digest(invitation_token),
            sha(reset_token),
            sha("recovery-code-1"),
            push_endpoint,
            p256dh,
            auth_key,
        ],
        last_visit=held.starts_at,
    )


@pytest.fixture
def full(app: Flask) -> Full:
    return gen_full_client()
