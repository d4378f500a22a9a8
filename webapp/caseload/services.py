"""The therapist's caseload: the clients whose care teams they are on."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from .. import policy
from ..models import CarePlan
from ..models import User


def caseload(session: Session, therapist: User) -> list[CarePlan]:
    """Return the active care plans of the therapist's clients, by client name."""
    clients = policy.visible_clients(therapist).with_only_columns(User.id)
    query = (
        select(CarePlan)
        .join(CarePlan.client)
        .where(CarePlan.active, CarePlan.client_id.in_(clients))
        .options(
            selectinload(CarePlan.client),
            selectinload(CarePlan.centre),
            selectinload(CarePlan.team),
            selectinload(CarePlan.phase_changes),
        )
        .order_by(User.name)
    )
    return list(session.scalars(query))
