"""Consent to note sharing and to reminders: recorded decision by decision, and withdrawable."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.factories import login
from tests.reminders.sinks import SmtpSink
from tests.reminders.test_delivery import NUDGE_DAY
from tests.reminders.test_delivery import Clinic
from tests.reminders.test_delivery import deliveries
from tests.reminders.test_delivery import local
from tests.reminders.test_delivery import make_client
from tests.reminders.test_delivery import run
from tests.sessions.conftest import Care
from webapp.careteam import services as careteam
from webapp.extensions import db
from webapp.models import Consent
from webapp.models import ConsentTopic
from webapp.models import Discipline
from webapp.models import ReminderSettings
from webapp.models import Role
from webapp.models import User
from webapp.models import now_utc
from webapp.privacy import services

SHARING = ConsentTopic.NOTE_SHARING
REMINDERS = ConsentTopic.REMINDERS
PHYSIO_NOTE = careteam.NoteText(
    treatment="Thoracic mobilisation at T4 to T6",
    findings="Rotation 60 degrees left",
    plan="Add wall angels",
    handover="Go gently on the right upper trapezius",
    client_summary="We loosened your upper back.",
    client_next_steps="Chin tucks three times a day.",
)


def signed_in(app: Flask, user: User) -> FlaskClient:
    http = app.test_client()
    login(http, user)
    return http


def decisions(client: User) -> int:
    return db.session.scalar(select(func.count(Consent.id)).where(Consent.client_id == client.id))


def withdraw(http: FlaskClient, topic: ConsentTopic) -> None:
    answer = http.post("/settings/privacy", data={"topic": topic.value, "decision": "withdraw"})
    assert answer.status_code == 302


# --- The service -----------------------------------------------------------------------------


def test_consent_given_at_intake_holds_until_the_client_withdraws_it(app: Flask) -> None:
    centre = gen_centre()
    client = gen_client(centre, [gen_therapist(centre, d) for d in Discipline])
    now = now_utc()
    assert services.is_given(db.session, client, SHARING)
    assert services.is_given(db.session, client, REMINDERS)
    assert services.history(db.session, client) == []

    first = services.record(db.session, client, SHARING, False, by=client, now=now)
    assert first is not None and not services.is_given(db.session, client, SHARING)
    # The same decision again (a retried form) records nothing more.
    again = services.record(db.session, client, SHARING, False, by=client, now=now)
    assert again is None
    services.record(db.session, client, SHARING, True, by=client, now=now + timedelta(minutes=1))
    assert services.is_given(db.session, client, SHARING)
    assert [d.granted for d in services.history(db.session, client)] == [True, False]


def test_the_reminders_decision_is_the_switch_the_clock_reads(app: Flask) -> None:
    centre = gen_centre()
    client = gen_client(centre, [gen_therapist(centre, d) for d in Discipline])
    services.record(db.session, client, REMINDERS, False, by=client, now=now_utc())
    assert db.session.get(ReminderSettings, client.id).enabled is False
    assert not services.is_given(db.session, client, REMINDERS)


def test_without_sharing_each_discipline_reads_only_its_own_clinical_notes(
    app: Flask, london: Care
) -> None:
    now = now_utc()
    physio_note = careteam.write_note(
        db.session,
        london.client,
        london.physio,
        PHYSIO_NOTE,
        appointment=None,
        request_key="k1",
        now=now,
    )
    notes = [physio_note]
    assert services.withheld_notes(db.session, london.client, london.massage, notes) == set()
    services.record(db.session, london.client, SHARING, False, by=london.client, now=now)
    assert services.withheld_notes(db.session, london.client, london.massage, notes) == {
        physio_note.id
    }
    assert services.withheld_notes(db.session, london.client, london.physio, notes) == set()
    other_physio = gen_therapist(london.physio.centres[0], Discipline.PHYSIO)
    assert services.withheld_notes(db.session, london.client, other_physio, notes) == set()


# --- Through the app -------------------------------------------------------------------------


def test_a_client_withdraws_note_sharing_and_the_other_discipline_stops_reading_them(
    app: Flask, london: Care
) -> None:
    careteam.write_note(
        db.session,
        london.client,
        london.physio,
        PHYSIO_NOTE,
        appointment=None,
        request_key="k2",
        now=now_utc(),
    )
    db.session.commit()
    massage = signed_in(app, london.massage)
    notes_url = f"/clients/{london.client.id}/notes"
    brief_url = f"/clients/{london.client.id}/brief"
    assert "Thoracic mobilisation" in massage.get(notes_url).get_data(as_text=True)

    client = signed_in(app, london.client)
    withdraw(client, SHARING)
    withdraw(client, SHARING)  # a double tap records one decision
    assert decisions(london.client) == 1
    page = client.get("/settings/privacy").get_data(as_text=True)
    assert "Sharing notes between massage and physio: off" in page
    assert "withdrawn" in page and "by you" in page

    for url in (notes_url, brief_url):
        body = massage.get(url).get_data(as_text=True)
        for clinical in ("Thoracic mobilisation", "Rotation 60", "wall angels", "trapezius"):
            assert clinical not in body, (url, clinical)
        assert "has not agreed to share notes between massage and physio" in body
    # The summary written for the client is theirs to see, and stays on the notes page.
    assert "We loosened your upper back." in massage.get(notes_url).get_data(as_text=True)
    # The physio who wrote it still reads it all.
    physio_page = signed_in(app, london.physio).get(notes_url).get_data(as_text=True)
    assert "Thoracic mobilisation" in physio_page

    answer = client.post("/settings/privacy", data={"topic": "note_sharing", "decision": "give"})
    assert answer.status_code == 302
    assert "Thoracic mobilisation" in massage.get(notes_url).get_data(as_text=True)
    assert decisions(london.client) == 2


def test_withdrawing_reminders_stops_the_next_pass_sending_any(
    app: Flask, clinic: Clinic, smtp: SmtpSink, vapid: dict[str, str]
) -> None:
    client = make_client(clinic, name="Alex Morgan")
    keeps = make_client(clinic, name="Kim Lee")
    db.session.commit()
    withdraw(signed_in(app, client), REMINDERS)

    run(local(NUDGE_DAY, "14:01"), vapid, smtp)
    assert {mail.to[0] for mail in smtp.mails} == {keeps.email}
    assert deliveries(recipient_id=client.id) == []


def test_a_reminder_already_planned_is_not_sent_after_withdrawal(
    app: Flask, clinic: Clinic, smtp: SmtpSink, vapid: dict[str, str]
) -> None:
    client = make_client(clinic)
    db.session.commit()
    run(local(NUDGE_DAY, "13:59"), vapid, smtp)  # nothing due yet
    services.record(db.session, client, REMINDERS, False, by=client, now=now_utc())
    run(local(NUDGE_DAY, "14:01"), vapid, smtp)
    assert smtp.mails == []


def test_turning_reminders_off_in_their_settings_is_recorded_as_a_decision(
    app: Flask, clinic: Clinic
) -> None:
    client = make_client(clinic)
    db.session.commit()
    http = signed_in(app, client)
    answer = http.post(
        "/settings/reminders",
        data={"first_time": "08:30", "quiet_start": "21:00", "quiet_end": "08:00"},
    )
    assert answer.status_code == 302
    history = services.history(db.session, client)
    assert [(d.topic, d.granted, d.recorded_by_id) for d in history] == [
        (REMINDERS, False, client.id)
    ]


def test_an_unknown_topic_or_decision_is_refused_clearly(app: Flask, london: Care) -> None:
    http = signed_in(app, london.client)
    answer = http.post("/settings/privacy", data={"topic": "marketing", "decision": "withdraw"})
    assert answer.status_code == 422
    assert "Not a valid choice" in answer.get_data(as_text=True)
    answer = http.post("/settings/privacy", data={"topic": "reminders"})
    assert answer.status_code == 422
    assert "Choose to agree or to withdraw." in answer.get_data(as_text=True)
    assert decisions(london.client) == 0


def test_the_admin_records_consent_at_intake(app: Flask) -> None:
    centre = gen_centre()
    massage = gen_therapist(centre, Discipline.MASSAGE)
    physio = gen_therapist(centre, Discipline.PHYSIO)
    admin = gen_user(Role.ADMIN, [centre], name="Ada Admin")
    db.session.commit()
    http = signed_in(app, admin)
    answer = http.post(
        "/admin/clients/new",
        data={
            "name": "Nina Newclient",
            "email": "nina@example.com",
            "centre_id": str(centre.id),
            "condition": "neck_shoulder",
            "phase": "1",
            "massage_therapists": [str(massage.id)],
            "physiotherapists": [str(physio.id)],
            "start_date": date.today().isoformat(),
            "wants_reminders": "y",
        },
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    client = db.session.scalar(select(User).where(User.email == "nina@example.com"))
    history = {d.topic: d for d in services.history(db.session, client)}
    assert history[SHARING].granted is False and history[SHARING].recorded_by_id == admin.id
    assert history[REMINDERS].granted is True
    assert not services.is_given(db.session, client, SHARING)
    assert services.is_given(db.session, client, REMINDERS)
