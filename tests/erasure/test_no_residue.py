"""After an erasure nothing personal is left anywhere: every text of every table is read.

The scan walks ``db.metadata``, so a table added later is covered without touching this file.
The kept clinical record is allowed to remain only with ``[client]`` where the name was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from tests.erasure.conftest import ACTIVITY
from tests.erasure.conftest import DIARY_NOTE
from tests.erasure.conftest import EMAIL
from tests.erasure.conftest import NAME
from tests.erasure.conftest import NOW
from tests.erasure.conftest import Full
from tests.erasure.conftest import gen_full_client
from tests.reminders.sinks import PushSink
from tests.reminders.sinks import SmtpSink
from tests.reminders.test_delivery import Clinic
from tests.reminders.test_delivery import give_programme
from tests.reminders.test_delivery import make_client
from tests.reminders.test_delivery import pass_settings
from tests.reminders.test_delivery import subscribe
from webapp.erasure import services as erasure
from webapp.extensions import db
from webapp.housekeeping import services as housekeeping
from webapp.models import CareAlert
from webapp.models import CarePlan
from webapp.models import Delivery
from webapp.models import DeliveryStatus
from webapp.models import NoteAddendum
from webapp.models import PhaseChange
from webapp.models import Prescription
from webapp.models import ProgrammeChange
from webapp.models import Referral
from webapp.models import ReminderSettings
from webapp.models import SessionNote
from webapp.models import User
from webapp.reminders import planning
from webapp.reminders import services as reminders


def every_text() -> Iterator[tuple[str, str, str]]:
    """(table, column, text) for every string and JSON value in the database."""
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                if isinstance(value, str):
                    yield table.name, column, value
                elif isinstance(value, list | dict):
                    yield table.name, column, json.dumps(value)


def needles(full: Full) -> list[str]:
    """Everything that points at the client: their name and its parts, their email, what they
    wrote, their phone's push keys, and the secrets their rows held."""
    first, surname = NAME.split(" ", 1)
    return [
        NAME,
        first,
        surname,
        *surname.split("-"),
        EMAIL,
        EMAIL.split("@")[0],
        DIARY_NOTE,
        ACTIVITY,
        "Ottoline",
        *[s for s in full.secrets if s],
    ]


def hits(words: list[str]) -> list[tuple[str, str, str]]:
    lowered = [w.lower() for w in words]
    return [
        (table, column, word)
        for table, column, text in every_text()
        for word in lowered
        if word in text.lower()
    ]


def kept_counts(client_id: int) -> dict[str, int]:
    plans = select(CarePlan.id).where(CarePlan.client_id == client_id)
    notes = select(SessionNote.id).where(SessionNote.client_id == client_id)
    return {
        "plans": db.session.scalar(select(func.count()).where(CarePlan.client_id == client_id)),
        "phase changes": db.session.scalar(
            select(func.count()).where(PhaseChange.care_plan_id.in_(plans))
        ),
        "notes": db.session.scalar(select(func.count()).where(SessionNote.client_id == client_id)),
        "addenda": db.session.scalar(select(func.count()).where(NoteAddendum.note_id.in_(notes))),
        "referrals": db.session.scalar(select(func.count()).where(Referral.client_id == client_id)),
        "alerts": db.session.scalar(select(func.count()).where(CareAlert.client_id == client_id)),
    }


def test_the_scan_finds_everything_before_the_erasure(full: Full) -> None:
    """The scan itself works: before erasure, every needle is somewhere."""
    found = {word for _table, _column, word in hits(needles(full))}
    assert found == {w.lower() for w in needles(full)}


def test_no_personal_data_is_left_in_any_table_after_erasure(full: Full) -> None:
    client_id = full.client.id
    before = kept_counts(client_id)
    erasure.complete(db.session, full.request, full.admin, NOW)
    db.session.commit()

    assert hits(needles(full)) == []
    texts = sum(1 for _ in every_text())
    print(f"erasure scan: {len(db.metadata.sorted_tables)} tables, {texts} texts, 0 hits")
    # The clinical record is still there, the same rows, with "[client]" where the name was.
    assert kept_counts(client_id) == before
    note = db.session.scalar(select(SessionNote).where(SessionNote.client_id == client_id))
    assert note is not None
    assert note.treatment == "Mobilised C5-6; [client] tolerated it well"
    assert note.findings == "Ms [client]: less guarding, [client] family history of RA"
    assert note.plan == "Progress [client]'s loading next week"
    assert note.handover == "Pip ([client]) prefers morning visits"
    assert note.client_next_steps == "Email [client] the leaflet"
    assert note.addenda[0].text == "Correction: Mrs [client]'s left side, not right"
    referral = db.session.scalar(select(Referral).where(Referral.client_id == client_id))
    assert referral is not None
    assert referral.reason == "[client] has tingling in the hand"
    assert referral.focus == "Ask [client] about her desk"
    plan = db.session.scalar(select(CarePlan).where(CarePlan.client_id == client_id))
    assert plan is not None and not plan.active
    assert plan.goals == "[client] wants to lift her granddaughter again"
    assert plan.phase_changes[-1].reason == "[client] moves freely now"
    assert db.session.scalar(select(Prescription.note)) == "[client]: keep the chin level"
    reasons = set(db.session.scalars(select(ProgrammeChange.reason)))
    assert "Start for Ms [client]" in reasons

    tombstone = db.session.get(User, client_id)
    assert tombstone is not None
    assert tombstone.name == f"Erased client #{client_id}"
    assert tombstone.email == f"erased-{client_id}@erased.invalid"
    assert (tombstone.password_hash, tombstone.totp_secret, tombstone.totp_enabled_at) == (
        None,
        None,
        None,
    )
    assert not tombstone.active and tombstone.erased_at == NOW
    assert [c.id for c in tombstone.centres] == [full.centre.id]
    # The outbox holds nothing for them, waiting or sent.
    assert db.session.scalar(select(func.count()).where(Delivery.recipient_id == client_id)) == 0


def test_the_next_reminders_pass_sends_nothing_to_an_erased_client(
    app: Flask, smtp: SmtpSink, push: PushSink, vapid: dict[str, str]
) -> None:
    """The erased client had email and push reminders and pending rows in the outbox; a client
    of the same care team gets theirs in the same passes."""
    phone = push.browser(server_key=vapid["public"])
    full = gen_full_client(
        push_endpoint=phone.endpoint, p256dh=phone.p256dh, auth_key=phone.auth_b64
    )
    settings = planning.settings_for(db.session, full.client)
    settings.exercise_times = ["14:00"]
    other = make_client(
        Clinic(full.centre, full.massage, full.physio), email=True, push=True, times=("14:00",)
    )
    give_programme(other, full.physio, "N2")
    other_phone = push.browser(server_key=vapid["public"])
    subscribe(other, other_phone)
    db.session.commit()
    # Planned before the erasure: pending rows for both.
    planning.plan(db.session, NOW)
    db.session.commit()
    planned = {d.recipient_id for d in db.session.scalars(select(Delivery))}
    assert {full.client.id, other.id} <= planned

    erasure.complete(db.session, full.request, full.admin, NOW)
    db.session.commit()
    tally = reminders.send_due(db.session, NOW, pass_settings(vapid, smtp.url))
    later = reminders.send_due(db.session, NOW + timedelta(days=1), pass_settings(vapid, smtp.url))

    assert tally.sent > 0 and later.sent > 0
    assert {mail.to[0] for mail in smtp.mails} == {other.email}
    assert {got.browser for got in push.received} == {other_phone.name}
    db.session.expire_all()
    client_id = full.client.id
    assert db.session.scalar(select(func.count()).where(Delivery.recipient_id == client_id)) == 0
    assert db.session.get(ReminderSettings, client_id) is None


def test_a_reminder_on_its_way_during_the_erasure_is_skipped_then_swept(
    full: Full, smtp: SmtpSink, vapid: dict[str, str]
) -> None:
    """A pass had claimed a row when the erasure came: the row is left to that pass (deleting
    it under the pass would fail its update); it finds the account gone, and housekeeping
    deletes the row."""
    claimed = db.session.scalar(
        select(Delivery).where(
            Delivery.recipient_id == full.client.id, Delivery.status == DeliveryStatus.PENDING
        )
    )
    assert claimed is not None
    claimed.status, claimed.claimed_by, claimed.claimed_at = DeliveryStatus.SENDING, "pass", NOW
    claimed.next_attempt_at = NOW
    claimed_id = claimed.id
    db.session.commit()
    erasure.complete(db.session, full.request, full.admin, NOW)
    db.session.commit()
    rows = select(Delivery.status).where(Delivery.recipient_id == full.client.id)
    assert db.session.scalars(rows).all() == [DeliveryStatus.SENDING]

    tally = reminders.Tally()
    reminders.deliver(db.session, claimed_id, NOW, pass_settings(vapid, smtp.url), tally)
    assert (tally.sent, tally.skipped, smtp.mails) == (0, 1, [])
    assert db.session.get(ReminderSettings, full.client.id) is None
    housekeeping.purge(db.session, NOW, timedelta(days=30))
    db.session.commit()
    assert db.session.scalars(rows).all() == []
