"""The first-run tour for a client who has just set their password.

Four screens: their care team, their phase and plan, how to log pain and exercises, and
reminders. Finishing or skipping it marks the client as onboarded; the tour stays open to
them afterwards from Today, and reading it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..models import Appointment
from ..models import CarePlan
from ..models import Discipline
from ..models import ReminderSettings
from ..models import User
from ..programmes import services as programmes
from ..reminders import planning
from ..sessions import booking

STEPS = ("team", "plan", "logging", "reminders")


@dataclass(frozen=True)
class Tour:
    """What the tour shows one client."""

    plan: CarePlan | None
    exercises: int
    next_visit: Appointment | None
    reminders: ReminderSettings

    @property
    def massage(self) -> list[User]:
        return (
            [t for t in self.plan.team if t.discipline is Discipline.MASSAGE] if self.plan else []
        )

    @property
    def physio(self) -> list[User]:
        return [t for t in self.plan.team if t.discipline is Discipline.PHYSIO] if self.plan else []


def tour_for(session: Session, client: User, now: datetime) -> Tour:
    programme = programmes.programme_of(session, client)
    return Tour(
        plan=client.active_care_plan,
        exercises=len(programme.current) if programme else 0,
        next_visit=booking.next_visit(session, client, now),
        reminders=planning.settings_for(session, client),
    )


def needs_tour(client: User) -> bool:
    return client.onboarded_at is None


def finish(client: User, now: datetime) -> None:
    """Finished or skipped: either way the tour is no longer offered on Today (idempotent)."""
    if client.onboarded_at is None:
        client.onboarded_at = now
