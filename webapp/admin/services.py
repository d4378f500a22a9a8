"""Centres, staff and onboarding clients by invitation."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import segno
from sqlalchemy import func
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
from ..models import centre_membership
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


PAGE_SIZE = 50  # clients a page
SEARCH_LIMIT = 100  # characters of a search that count


@dataclass(frozen=True)
class ClientPage:
    """One page of an admin's clients, by name, with the search that found them."""

    rows: list[ClientRow]
    search: str
    number: int  # 1 to ``pages``
    pages: int  # at least 1, even with no clients
    total: int  # clients matching the search, on every page

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def staff_by_centre(session: Session, centres: list[Centre]) -> dict[int, list[User]]:
    """The staff of each centre (by id), by name, in one query; clients are left out."""
    found: dict[int, list[User]] = {centre.id: [] for centre in centres}
    rows = session.execute(
        select(centre_membership.c.centre_id, User)
        .join(User, User.id == centre_membership.c.user_id)
        .where(centre_membership.c.centre_id.in_(list(found)), User.role != Role.CLIENT)
        .order_by(User.name, User.id)
    )
    for centre_id, user in rows:
        found[centre_id].append(user)
    return found


def client_page(
    session: Session,
    admin: User,
    now: datetime,
    *,
    search: str = "",
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> ClientPage:
    """One page of the clients of the admin's centres, by name, with their onboarding status.

    ``search`` keeps the clients whose name or email contains it (any case). A page before
    the first is the first, and one after the last is the last.
    """
    search = " ".join(search.split())[:SEARCH_LIMIT]
    query = policy.visible_clients(admin)
    if search:
        query = query.where(
            User.name.icontains(search, autoescape=True)
            | User.email.icontains(search, autoescape=True)
        )
    total = session.scalar(query.with_only_columns(func.count(User.id))) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(page, 1), pages)
    clients = list(
        session.scalars(
            query.options(selectinload(User.care_plans).selectinload(CarePlan.centre))
            .order_by(User.name, User.id)
            .offset((number - 1) * per_page)
            .limit(per_page)
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
    return ClientPage(rows, search, number, pages, total)


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
