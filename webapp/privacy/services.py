"""Consent: what a client has agreed to, recorded decision by decision, and withdrawable.

Two topics need the client's say. Note sharing lets their massage therapist and physiotherapist
read each other's clinical notes; without it each discipline reads only its own, and the client
summaries. Reminders lets the clock send them reminders at all; without it nothing is sent.

Every decision is a new ``Consent`` row, never changed, so the history shows who recorded what
and when. A client with no row for a topic agreed at intake, before Continuum recorded consent
(README, "Data rights"). For reminders the decision is also the ``enabled`` switch the clock
reads, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Consent
from ..models import ConsentTopic
from ..models import Discipline
from ..models import SessionNote
from ..models import User
from ..reminders import planning


@dataclass(frozen=True)
class TopicText:
    title: str
    given: str
    withdrawn: str


TOPICS: dict[ConsentTopic, TopicText] = {
    ConsentTopic.NOTE_SHARING: TopicText(
        title="Sharing notes between massage and physio",
        given=(
            "Your massage therapist and your physiotherapist read each other's clinical notes, "
            "so each knows what the other found and did."
        ),
        withdrawn=(
            "Each of your therapists reads only the notes of their own discipline. They still "
            "see your diary, your programme and the summaries written for you."
        ),
    ),
    ConsentTopic.REMINDERS: TopicText(
        title="Reminders",
        given="Continuum may remind you of your exercises, check-ins and sessions.",
        withdrawn="Continuum sends you no reminders at all.",
    ),
}


def is_given(session: Session, client: User, topic: ConsentTopic) -> bool:
    """Answer whether the client's consent on ``topic`` is in force now."""
    if topic is ConsentTopic.REMINDERS:
        return planning.settings_for(session, client).enabled
    latest = session.scalar(
        select(Consent.granted)
        .where(Consent.client_id == client.id, Consent.topic == topic)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
        .limit(1)
    )
    return True if latest is None else latest


def record(
    session: Session, client: User, topic: ConsentTopic, granted: bool, by: User, now: datetime
) -> Consent | None:
    """Record a decision; a decision that changes nothing (a retried form) records nothing."""
    if is_given(session, client, topic) == granted:
        return None
    decision = Consent(
        client_id=client.id, topic=topic, granted=granted, recorded_at=now, recorded_by_id=by.id
    )
    session.add(decision)
    if topic is ConsentTopic.REMINDERS:
        settings = planning.settings_for(session, client)
        settings.enabled = granted
        settings.updated_at = now
    session.flush()
    return decision


def record_intake(
    session: Session, client: User, topic: ConsentTopic, granted: bool, by: User, now: datetime
) -> Consent:
    """Record the answer a new client gave at intake, whatever it is, as the first decision."""
    decision = Consent(
        client_id=client.id, topic=topic, granted=granted, recorded_at=now, recorded_by_id=by.id
    )
    session.add(decision)
    if topic is ConsentTopic.REMINDERS:
        planning.settings_for(session, client).enabled = granted
    session.flush()
    return decision


def history(session: Session, client: User) -> list[Consent]:
    """Every decision the client or the clinic recorded, newest first."""
    query = (
        select(Consent)
        .where(Consent.client_id == client.id)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
    )
    return list(session.scalars(query))


def withheld_notes(
    session: Session, client: User, reader: User, notes: list[SessionNote]
) -> set[int]:
    """The ids of the notes whose clinical parts ``reader`` may not read.

    Without the client's consent to note sharing, a therapist reads only their own
    discipline's notes. Nothing is withheld from a note's author.
    """
    if reader.discipline is None or is_given(session, client, ConsentTopic.NOTE_SHARING):
        return set()
    return {
        note.id
        for note in notes
        if note.discipline is not Discipline(reader.discipline) and note.author_id != reader.id
    }
