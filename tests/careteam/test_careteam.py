"""Shared notes with addenda, client-facing summaries, and referrals between disciplines."""

from __future__ import annotations

import uuid
from datetime import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from tests.factories import gen_therapist
from tests.factories import login
from tests.sessions.conftest import Care
from tests.sessions.conftest import visit_for
from webapp.careteam import services
from webapp.careteam.services import CareTeamError
from webapp.extensions import db
from webapp.models import AppointmentKind
from webapp.models import AppointmentStatus
from webapp.models import Discipline
from webapp.models import Referral
from webapp.models import SessionNote
from webapp.models import now_utc
from webapp.sessions import booking

NOTE = {
    "appointment_id": "0",
    "treatment": "Thoracic mobilisation, chin tucks reviewed",
    "findings": "Rotation 60 degrees left, 45 right",
    "plan": "Add wall angels next week",
    "handover": "Go gently on the right upper trapezius, still irritable",
    "client_summary": "We loosened your upper back and checked your chin tucks.",
    "client_next_steps": "Keep the chin tucks going three times a day.",
    "request_key": "33333333-3333-4333-8333-333333333333",
}


def signed_in(app: Flask, user) -> object:  # type: ignore[no-untyped-def]
    http = app.test_client()
    login(http, user)
    return http


def notes_count() -> int:
    return db.session.scalar(select(func.count(SessionNote.id))) or 0


def test_a_physios_handover_reaches_the_massage_therapist(app: Flask, london: Care) -> None:
    physio = signed_in(app, london.physio)
    url = f"/clients/{london.client.id}/notes/new"
    assert physio.post(url, data=NOTE).status_code == 302
    assert physio.post(url, data=NOTE).status_code == 302  # a double tap keeps one note
    assert notes_count() == 1
    page = signed_in(app, london.massage).get(f"/clients/{london.client.id}/notes")
    body = page.get_data(as_text=True)
    assert "Go gently on the right upper trapezius" in body
    assert "Rotation 60 degrees left" in body and london.physio.name in body
    summary = signed_in(app, london.massage).get(f"/clients/{london.client.id}")
    assert "Go gently on the right upper trapezius" in summary.get_data(as_text=True)


def test_the_client_sees_only_the_summary_written_for_them(app: Flask, london: Care) -> None:
    signed_in(app, london.physio).post(f"/clients/{london.client.id}/notes/new", data=NOTE)
    client = signed_in(app, london.client)
    for path in ("/today", "/sessions"):
        body = client.get(path).get_data(as_text=True)
        if path == "/today":
            assert "We loosened your upper back" in body
            assert "Keep the chin tucks going" in body
        for private in ("Thoracic mobilisation", "Rotation 60", "trapezius", "wall angels"):
            assert private not in body, (path, private)


def test_admins_book_visits_but_read_no_notes(app: Flask, london: Care) -> None:
    signed_in(app, london.physio).post(f"/clients/{london.client.id}/notes/new", data=NOTE)
    admin = signed_in(app, london.admin)
    assert admin.get(f"/clients/{london.client.id}/notes").status_code == 403
    body = admin.get(f"/clients/{london.client.id}").get_data(as_text=True)
    assert "trapezius" not in body and "Thoracic" not in body


def test_a_therapist_outside_the_care_team_can_neither_read_nor_write(
    app: Flask, london: Care, sydney: Care
) -> None:
    signed_in(app, london.physio).post(f"/clients/{london.client.id}/notes/new", data=NOTE)
    note = db.session.scalar(select(SessionNote))
    for outsider in (sydney.physio, gen_therapist(london.client.centres[0], Discipline.PHYSIO)):
        db.session.commit()
        http = signed_in(app, outsider)
        assert http.get(f"/clients/{london.client.id}/notes").status_code == 404
        other = {**NOTE, "request_key": str(uuid.uuid4())}
        assert http.post(f"/clients/{london.client.id}/notes/new", data=other).status_code == 404
        addendum = {"text": "sneaky", "request_key": str(uuid.uuid4())}
        assert http.post(f"/notes/{note.id}/addenda", data=addendum).status_code == 404
    assert notes_count() == 1
    with pytest.raises(CareTeamError):
        services.write_note(
            db.session,
            london.client,
            sydney.physio,
            services.NoteText(treatment="x"),
            appointment=None,
            request_key=str(uuid.uuid4()),
            now=now_utc(),
        )


def test_a_note_is_never_edited_only_added_to(app: Flask, london: Care) -> None:
    physio = signed_in(app, london.physio)
    physio.post(f"/clients/{london.client.id}/notes/new", data=NOTE)
    note = db.session.scalar(select(SessionNote))
    massage = signed_in(app, london.massage)
    addendum = {"text": "Correction: it was the left side.", "request_key": str(uuid.uuid4())}
    assert massage.post(f"/notes/{note.id}/addenda", data=addendum).status_code == 302
    assert massage.post(f"/notes/{note.id}/addenda", data=addendum).status_code == 302
    db.session.expire_all()
    assert note.treatment == NOTE["treatment"] and note.findings == NOTE["findings"]
    assert [(a.text, a.author_id) for a in note.addenda] == [
        ("Correction: it was the left side.", london.massage.id)
    ]
    body = physio.get(f"/clients/{london.client.id}/notes").get_data(as_text=True)
    assert "Addendum by " + london.massage.name in body
    empty = massage.post(f"/notes/{note.id}/addenda", data={"text": " ", "request_key": "k"})
    assert empty.status_code == 422 and "Write the addendum" in empty.get_data(as_text=True)
    # There is no route that edits or deletes a note.
    rules = [r for r in app.url_map.iter_rules() if "note" in r.rule]
    assert all(r.methods & {"PUT", "PATCH", "DELETE"} == set() for r in rules)


def test_a_note_without_what_was_done_comes_back_with_the_input(app: Flask, london: Care) -> None:
    physio = signed_in(app, london.physio)
    response = physio.post(
        f"/clients/{london.client.id}/notes/new", data={**NOTE, "treatment": "  "}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Write what you did." in body and "Rotation 60 degrees left" in body
    assert notes_count() == 0


REFERRAL = {
    "reason": "Pins and needles into the right hand after massage",
    "body_region": "neck",
    "urgency": "soon",
    "focus": "Neural screen, upper limb",
    "request_key": "44444444-4444-4444-8444-444444444444",
}


def test_massage_refers_to_physio_who_acknowledges(app: Flask, london: Care) -> None:
    massage = signed_in(app, london.massage)
    url = f"/clients/{london.client.id}/referrals/new"
    assert "Refer to physiotherapist" in massage.get(url).get_data(as_text=True)
    assert massage.post(url, data=REFERRAL).status_code == 302
    assert massage.post(url, data=REFERRAL).status_code == 302
    referral = db.session.scalar(select(Referral))
    assert db.session.scalar(select(func.count(Referral.id))) == 1
    assert referral.to_discipline is Discipline.PHYSIO and referral.is_open

    physio = signed_in(app, london.physio)
    inbox = physio.get("/referrals").get_data(as_text=True)
    assert "Pins and needles" in inbox and "Waiting" in inbox
    assert "Pins and needles" not in massage.get("/referrals").get_data(as_text=True)
    # The referrer cannot acknowledge their own referral.
    assert massage.post(f"/referrals/{referral.id}/acknowledge").status_code == 403
    assert physio.post(f"/referrals/{referral.id}/acknowledge").status_code == 302
    db.session.expire_all()
    assert referral.acknowledged_by_id == london.physio.id
    both = massage.get(f"/clients/{london.client.id}/notes").get_data(as_text=True)
    assert "Acknowledged by " + london.physio.name in both


def test_a_bad_referral_is_refused_with_the_input_kept(app: Flask, london: Care) -> None:
    massage = signed_in(app, london.massage)
    url = f"/clients/{london.client.id}/referrals/new"
    response = massage.post(url, data={**REFERRAL, "body_region": "elbow-ish"})
    assert response.status_code == 422
    assert "Pins and needles" in response.get_data(as_text=True)
    response = massage.post(url, data={**REFERRAL, "urgency": "yesterday"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_the_inbox_puts_open_urgent_referrals_first(app: Flask, london: Care) -> None:
    now = now_utc()
    made = []
    for n, urgency in enumerate(("routine", "urgent", "soon")):
        made.append(
            services.refer(
                db.session,
                london.client,
                london.massage,
                services.ReferralText(f"Reason {n}", "neck", urgency),
                request_key=str(uuid.uuid4()),
                now=now + timedelta(minutes=n),
            )
        )
    services.acknowledge(db.session, made[1], london.physio, now)
    db.session.commit()
    order = [r.reason for r in services.inbox(db.session, london.physio, now)]
    assert order == ["Reason 2", "Reason 0", "Reason 1"]


def test_a_note_belongs_to_a_visit_that_took_place(london: Care, sydney: Care) -> None:
    future = visit_for(
        london, AppointmentKind.PHYSIO, (now_utc() + timedelta(days=3)).date(), time(9)
    )
    others = visit_for(
        sydney, AppointmentKind.PHYSIO, (now_utc() + timedelta(days=3)).date(), time(9)
    )
    later = now_utc() + timedelta(days=5)
    cancelled = visit_for(
        london, AppointmentKind.MASSAGE, (now_utc() + timedelta(days=4)).date(), time(9)
    )
    booking.cancel(
        db.session,
        cancelled,
        status=AppointmentStatus.CANCELLED_BY_CLIENT,
        rest_of_series=False,
        now=now_utc(),
    )
    for visit, when in ((future, now_utc()), (others, later), (cancelled, later)):
        with pytest.raises(CareTeamError) as error:
            services.write_note(
                db.session,
                london.client,
                london.physio,
                services.NoteText(treatment="x"),
                appointment=visit,
                request_key=str(uuid.uuid4()),
                now=when,
            )
        assert error.value.field == "appointment_id"
    note = services.write_note(
        db.session,
        london.client,
        london.physio,
        services.NoteText(treatment="x"),
        appointment=future,
        request_key=str(uuid.uuid4()),
        now=later,
    )
    assert note.appointment_id == future.id
