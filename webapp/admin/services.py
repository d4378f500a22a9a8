"""Centres, staff and onboarding clients by invitation."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import segno
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from .. import policy
from ..auth import services as auth_services
from ..models import CarePlan
from ..models import Centre
from ..models import Condition
from ..models import ConsentTopic
from ..models import Invitation
from ..models import Role
from ..models import User
from ..pathway import services as pathway_services
from ..privacy import services as consent


@dataclass(frozen=True)
class ClientRow:
    client: User
    plan: CarePlan | None
    status: str  # "active", "invited" or "expired"
    link_expires_at: datetime | None


def admin_centres(admin: User) -> list[Centre]:
    """Return the centres an admin runs."""
    return sorted(admin.centres, key=lambda c: c.name)


def therapists_at(session: Session, centres: list[Centre]) -> list[User]:
    """Return the therapists working at any of ``centres``, by name."""
    ids = [c.id for c in centres]
    query = (
        select(User)
        .where(User.role == Role.THERAPIST, User.active, User.centres.any(Centre.id.in_(ids)))
        .options(selectinload(User.centres))
        .order_by(User.name)
    )
    return list(session.scalars(query))


def client_rows(session: Session, admin: User, now: datetime) -> list[ClientRow]:
    """List the clients of the admin's centres with their onboarding status."""
    clients = list(
        session.scalars(
            policy.visible_clients(admin)
            .options(selectinload(User.care_plans).selectinload(CarePlan.centre))
            .order_by(User.name)
        )
    )
    live_links = {
        inv.user_id: inv.expires_at
        for inv in session.scalars(
            select(Invitation).where(
                Invitation.user_id.in_([c.id for c in clients]),
                Invitation.used_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
        )
    }
    rows = []
    for client in clients:
        if client.password_hash is not None:
            status = "active"
        else:
            status = "invited" if client.id in live_links else "expired"
        rows.append(ClientRow(client, client.active_care_plan, status, live_links.get(client.id)))
    return rows


class EmailTaken(ValueError):
    """Another account already uses this email address."""


def invite_client(
    session: Session,
    *,
    admin: User,
    name: str,
    email: str,
    centre: Centre,
    condition: Condition,
    phase: int,
    team: list[User],
    goals: str,
    start_date: date,
    now: datetime,
    ttl: timedelta,
    consents: dict[ConsentTopic, bool] | None = None,
) -> tuple[User, str]:
    """Create a client with their care plan and team, and return a one-time invitation token.

    ``consents`` are the client's answers at intake, recorded as given by the admin.
    """
    if not policy.manages_centre(admin, centre):
        raise pathway_services.CarePlanError("centre_id", "Choose one of your centres.")
    if auth_services.find_user_by_email(session, email) is not None:
        raise EmailTaken(email)
    client = User(
        email=auth_services.normalise_email(email),
        name=" ".join(name.split()),
        role=Role.CLIENT,
        centres=[centre],
        created_at=now,
    )
    session.add(client)
    pathway_services.start_care_plan(
        session,
        client=client,
        centre=centre,
        condition=condition,
        phase=phase,
        team=team,
        goals=goals,
        start_date=start_date,
        started_by=admin,
        now=now,
    )
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent request took the email first
        raise EmailTaken(email) from error
    for topic, granted in (consents or {}).items():
        consent.record_intake(session, client, topic, granted, by=admin, now=now)
    token = auth_services.issue_invitation(session, client, admin, now, ttl)
    return client, token


def qr_svg(url: str, title: str = "QR code for the invitation link") -> str:
    """Render ``url`` as a QR code in SVG markup, with no inline styles."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer,
        kind="svg",
        scale=5,
        xmldecl=False,
        svgns=True,
        nl=False,
        svgclass="qr-code",
        title=title,
        dark="#111",
    )
    return buffer.getvalue().decode()
