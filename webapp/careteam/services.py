"""What the care team shares: session notes with addenda, and referrals between disciplines.

Notes are never edited: a correction is an addendum with its own author and time. The
clinical parts are for the care team; the client sees only the summary written for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..diary.measures import BODY_REGIONS
from ..models import Appointment
from ..models import CarePlan
from ..models import Discipline
from ..models import NoteAddendum
from ..models import Referral
from ..models import SessionNote
from ..models import Urgency
from ..models import User
from ..models import care_team

TEXT_MAX = 4000
LINE_MAX = 500
SUMMARY_SHOWN_FOR = timedelta(days=14)  # how long Today shows the latest summary


class CareTeamError(Exception):
    """A note or referral that breaks a rule; ``field`` names the form field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def other_discipline(discipline: Discipline) -> Discipline:
    return Discipline.PHYSIO if discipline is Discipline.MASSAGE else Discipline.MASSAGE


def _on_team(therapist: User, client: User) -> CarePlan:
    plan = client.active_care_plan
    if plan is None or therapist not in plan.team or not therapist.is_active:
        raise CareTeamError("Only the client's care team can do this.", "form")
    return plan


def _text(value: str, field: str, label: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CareTeamError(f"Write {label}.", field)
    if len(value) > limit:
        raise CareTeamError(f"Keep {label} under {limit} characters.", field)
    return value


# --- Notes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteText:
    treatment: str
    findings: str = ""
    plan: str = ""
    handover: str = ""
    client_summary: str = ""
    client_next_steps: str = ""


def write_note(
    session: Session,
    client: User,
    author: User,
    text: NoteText,
    *,
    appointment: Appointment | None,
    request_key: str,
    now: datetime,
) -> SessionNote:
    """Keep a note of a session; a retried submission returns the note already kept."""
    already = session.scalar(select(SessionNote).where(SessionNote.request_key == request_key))
    if already is not None:
        return already
    _on_team(author, client)
    if appointment is not None and (
        appointment.client_id != client.id
        or appointment.status.is_cancelled
        or appointment.starts_at > now
    ):
        raise CareTeamError(
            "Choose one of this client's visits that has taken place.", "appointment_id"
        )
    note = SessionNote(
        client_id=client.id,
        appointment_id=appointment.id if appointment else None,
        author_id=author.id,
        discipline=author.discipline,
        treatment=_text(text.treatment, "treatment", "what you did", TEXT_MAX, required=True),
        findings=_text(text.findings, "findings", "the findings", TEXT_MAX),
        plan=_text(text.plan, "plan", "the plan", TEXT_MAX),
        handover=_text(text.handover, "handover", "the handover", LINE_MAX),
        client_summary=_text(text.client_summary, "client_summary", "the summary", TEXT_MAX),
        client_next_steps=_text(
            text.client_next_steps, "client_next_steps", "what to do next", TEXT_MAX
        ),
        request_key=request_key,
        written_at=now,
    )
    session.add(note)
    session.flush()
    return note


def add_addendum(
    session: Session, note: SessionNote, author: User, text: str, *, request_key: str, now: datetime
) -> NoteAddendum:
    """Add a correction or addition to a note; the note itself stays as it was written."""
    already = session.scalar(select(NoteAddendum).where(NoteAddendum.request_key == request_key))
    if already is not None:
        return already
    _on_team(author, note.client)
    addendum = NoteAddendum(
        note_id=note.id,
        author_id=author.id,
        text=_text(text, "text", "the addendum", TEXT_MAX, required=True),
        request_key=request_key,
        written_at=now,
    )
    session.add(addendum)
    session.flush()
    return addendum


def notes_for(session: Session, client: User, limit: int = 50) -> list[SessionNote]:
    """The care team's notes on a client, newest first."""
    query = (
        select(SessionNote)
        .where(SessionNote.client_id == client.id)
        .order_by(SessionNote.written_at.desc(), SessionNote.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def summaries_for(session: Session, client: User, limit: int = 20) -> list[SessionNote]:
    """The notes that carry a summary written for the client, newest first."""
    query = (
        select(SessionNote)
        .where(
            SessionNote.client_id == client.id,
            (SessionNote.client_summary != "") | (SessionNote.client_next_steps != ""),
        )
        .order_by(SessionNote.written_at.desc(), SessionNote.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def latest_summary(session: Session, client: User, now: datetime) -> SessionNote | None:
    """The summary Today shows after a visit, for two weeks."""
    for note in summaries_for(session, client, limit=1):
        if note.written_at >= now - SUMMARY_SHOWN_FOR:
            return note
    return None


# --- Referrals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralText:
    reason: str
    body_region: str
    urgency: str
    focus: str = ""


def refer(
    session: Session,
    client: User,
    by: User,
    text: ReferralText,
    *,
    request_key: str,
    now: datetime,
) -> Referral:
    """Refer the client to the other discipline on their care team."""
    already = session.scalar(select(Referral).where(Referral.request_key == request_key))
    if already is not None:
        return already
    _on_team(by, client)
    if text.body_region not in BODY_REGIONS:
        raise CareTeamError("Choose the body region.", "body_region")
    if text.urgency not in {u.value for u in Urgency}:
        raise CareTeamError("Choose how soon.", "urgency")
    assert by.discipline is not None
    referral = Referral(
        client_id=client.id,
        from_id=by.id,
        to_discipline=other_discipline(by.discipline),
        reason=_text(text.reason, "reason", "the reason", LINE_MAX, required=True),
        body_region=text.body_region,
        urgency=Urgency(text.urgency),
        focus=_text(text.focus, "focus", "the suggested focus", LINE_MAX),
        request_key=request_key,
        created_at=now,
    )
    session.add(referral)
    session.flush()
    return referral


def may_acknowledge(therapist: User, referral: Referral) -> bool:
    plan = referral.client.active_care_plan
    return (
        plan is not None
        and therapist in plan.team
        and therapist.discipline is referral.to_discipline
        and therapist.is_active
    )


def acknowledge(session: Session, referral: Referral, by: User, now: datetime) -> None:
    """The receiving discipline has seen the referral (a second tap changes nothing)."""
    if not may_acknowledge(by, referral):
        raise CareTeamError(
            f"This referral is for the {referral.to_discipline.label.lower()}.", "form"
        )
    if referral.acknowledged_at is None:
        referral.acknowledged_at = now
        referral.acknowledged_by_id = by.id
        session.flush()


def inbox(session: Session, therapist: User, now: datetime) -> list[Referral]:
    """Referrals to this therapist's discipline for clients on their care teams.

    Open ones first (urgent first), then the last 30 days' acknowledged ones.
    """
    on_team = (
        select(CarePlan.client_id)
        .join(care_team, care_team.c.care_plan_id == CarePlan.id)
        .where(CarePlan.active, care_team.c.therapist_id == therapist.id)
    )
    query = select(Referral).where(
        Referral.client_id.in_(on_team),
        Referral.to_discipline == therapist.discipline,
        Referral.acknowledged_at.is_(None) | (Referral.acknowledged_at >= now - timedelta(days=30)),
    )
    urgency_rank = {Urgency.URGENT: 0, Urgency.SOON: 1, Urgency.ROUTINE: 2}
    found = list(session.scalars(query))
    return sorted(
        found,
        key=lambda r: (not r.is_open, urgency_rank[r.urgency], -r.created_at.timestamp()),
    )


def referrals_for(session: Session, client: User) -> list[Referral]:
    query = (
        select(Referral)
        .where(Referral.client_id == client.id)
        .order_by(Referral.created_at.desc())
        .limit(50)
    )
    return list(session.scalars(query))
