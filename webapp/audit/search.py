"""An admin's search of the audit trail: by client, staff member and date, within their centres.

An admin sees the events about the clients of their centres, and the events by the staff of
their centres. An event by one of their staff about another centre's client shows no client:
not its name, not its id. A client filter matches only the admin's own clients (by name or
id), so another centre's client id finds nothing; a staff filter outside their centres is
refused by the view (404), like every other record of another centre.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from .. import policy
from ..localtime import to_utc
from ..localtime import wall_clock
from ..models import AuditEvent
from ..models import Centre
from ..models import Role
from ..models import User
from ..models import centre_membership
from .services import ACTIONS
from .services import centre_ids
from .services import role_label

PAGE_SIZE = 50
CSV_LIMIT = 10_000  # one export; narrow the filters for more
CLIENT_MATCHES_SHOWN = 10


@dataclass(frozen=True)
class Filters:
    client: str = ""  # part of a name, or an id
    staff_id: int | None = None
    start: date | None = None  # local days, in the admin's zone
    end: date | None = None
    page: int = 1

    def args(self) -> dict[str, str]:
        """The filters as query-string values, for links that keep them (pages, CSV)."""
        found = {
            "client": self.client,
            "staff": str(self.staff_id) if self.staff_id else "",
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
        }
        return {k: v for k, v in found.items() if v}


@dataclass(frozen=True)
class Chosen:
    """What the query string asked for: the filters, or a message per field that was wrong."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    filters: Filters | None = None


def read(args: Mapping[str, str]) -> Chosen:
    """Read the filters from a query string; bad input is a message, never an error page."""
    values = {k: (args.get(k) or "").strip() for k in ("client", "staff", "from", "to", "page")}
    errors: dict[str, str] = {}
    client = values["client"][:80]
    staff_id = None
    if values["staff"]:
        if values["staff"].isdigit():
            staff_id = int(values["staff"])
        else:
            errors["staff"] = "Choose a member of staff from the list."
    days: dict[str, date | None] = {}
    for key in ("from", "to"):
        days[key] = None
        if values[key]:
            try:
                days[key] = date.fromisoformat(values[key])
            except ValueError:
                errors[key] = "Enter a date as YYYY-MM-DD."
    start, end = days["from"], days["to"]
    if start and end and end < start:
        errors["to"] = "The end date is before the start date."
    # Plain digits, short enough to be a page (a longer one would overflow the OFFSET).
    text = values["page"]
    page = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else 1
    page = max(page, 1)
    if errors:
        return Chosen(values, errors)
    return Chosen(values, filters=Filters(client, staff_id, start, end, page))


@dataclass(frozen=True)
class Row:
    """One event as the admin's table shows it."""

    event: AuditEvent
    actor: User | None
    client: User | None  # None: no client, or one the admin may not name
    other_centre: bool  # about a client of a centre the admin does not manage
    centres: list[Centre]
    timezone: str  # the centre's, for the local time

    @property
    def who(self) -> str:
        if self.actor is not None:
            return self.actor.name
        return {"system": "The system", "calendar-feed": "Calendar link"}.get(
            self.event.actor_role, "Former user"
        )

    @property
    def role(self) -> str:
        return role_label(self.actor, self.event.actor_role)

    @property
    def local(self) -> datetime:
        return wall_clock(self.event.at, self.timezone)

    @property
    def action(self) -> str:
        return ACTIONS.get(self.event.action, self.event.action)


@dataclass(frozen=True)
class Results:
    rows: list[Row]
    has_more: bool
    matched_clients: list[User]  # the admin's clients the client filter named (a few)


@dataclass(frozen=True)
class Scope:
    """The admin's centres, and the people whose events they may read."""

    admin: User
    centre_ids: tuple[int, ...]
    timezone: str

    @classmethod
    def of(cls, admin: User, timezone: str) -> Scope:
        return cls(admin, tuple(c.id for c in admin.centres), timezone)

    def clients(self) -> Select[tuple[int]]:
        """Select the ids of the clients of the admin's centres."""
        return policy.visible_clients(self.admin).with_only_columns(User.id)

    def staff(self) -> Select[tuple[int]]:
        """Select the ids of the staff of the admin's centres (therapists and admins)."""
        return (
            select(centre_membership.c.user_id)
            .join(User, User.id == centre_membership.c.user_id)
            .where(centre_membership.c.centre_id.in_(self.centre_ids), User.role != Role.CLIENT)
        )


def staff_choices(session: Session, scope: Scope) -> list[User]:
    """The staff of the admin's centres, by name, for the staff filter."""
    return list(session.scalars(select(User).where(User.id.in_(scope.staff())).order_by(User.name)))


def matching_clients(session: Session, scope: Scope, text: str) -> Select[tuple[User]]:
    """Select the admin's clients whose name contains ``text``, or whose id it is."""
    query = policy.visible_clients(scope.admin)
    if text.isdigit():
        return query.where(User.id == int(text))
    return query.where(User.name.icontains(text, autoescape=True))


def search(session: Session, scope: Scope, filters: Filters, *, limit: int = PAGE_SIZE) -> Results:
    """One page of events in scope, newest first, with the filters applied."""
    query = _query(session, scope, filters)
    matched: list[User] = []
    if filters.client:
        clients = matching_clients(session, scope, filters.client)
        matched = list(session.scalars(clients.order_by(User.name).limit(CLIENT_MATCHES_SHOWN)))
        query = query.where(AuditEvent.client_id.in_(clients.with_only_columns(User.id)))
    found = session.execute(query.offset((filters.page - 1) * limit).limit(limit + 1)).all()
    return Results(_rows(session, scope, found[:limit]), len(found) > limit, matched)


def _query(session: Session, scope: Scope, filters: Filters) -> Select:  # type: ignore[type-arg]
    actor = aliased(User)
    client = aliased(User)
    visible = AuditEvent.client_id.in_(scope.clients())
    query = (
        select(AuditEvent, actor, client, visible.label("visible"))
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(client, client.id == AuditEvent.client_id)
        .where(visible | AuditEvent.actor_id.in_(scope.staff()))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if filters.staff_id is not None:
        query = query.where(AuditEvent.actor_id == filters.staff_id)
    if filters.start is not None:
        query = query.where(AuditEvent.at >= to_utc(filters.start, time(0), scope.timezone))
    if filters.end is not None:
        end = to_utc(filters.end + timedelta(days=1), time(0), scope.timezone)
        query = query.where(AuditEvent.at < end)
    return query


def _rows(session: Session, scope: Scope, found: list) -> list[Row]:  # type: ignore[type-arg]
    centres = {c.id: c for c in session.scalars(select(Centre))}
    rows = []
    for event, actor, client, visible in found:
        theirs = [centres[c] for c in centre_ids(event) if c in centres]
        managed = [c for c in theirs if c.id in scope.centre_ids]
        zone = (managed or theirs)[0].timezone if theirs else scope.timezone
        rows.append(
            Row(
                event=event,
                actor=actor,
                client=client if visible else None,
                other_centre=event.client_id is not None and not visible,
                centres=theirs,
                timezone=zone,
            )
        )
    return rows


def for_export(session: Session, scope: Scope, filters: Filters) -> Results:
    """Every filtered event for a CSV, newest first, up to ``CSV_LIMIT``."""
    return search(session, scope, replace(filters, page=1), limit=CSV_LIMIT)


def csv_text(rows: list[Row]) -> str:
    """The events as CSV with a header row: UTC and local times, ids, never clinical text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "time_utc",
            "time_local",
            "who",
            "role",
            "centres",
            "client_id",
            "client",
            "action",
            "record",
            "record_id",
            "request_id",
        ]
    )
    for row in rows:
        event = row.event
        writer.writerow(
            [
                event.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                row.local.isoformat(timespec="seconds"),
                _cell(row.who),
                row.role,
                _cell("; ".join(c.name for c in row.centres)),
                row.client.id if row.client else "",
                _cell(row.client.name) if row.client else "",
                event.action,
                event.record,
                event.record_id,
                event.request_id,
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """Keep a spreadsheet from reading a name as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
