"""Visits as iCalendar: one ``.ics`` per visit, and a private feed phone calendars subscribe to.

Each visit keeps one UID for life and raises its SEQUENCE on every change, so a phone updates
the event in place. A cancelled visit is published as STATUS:CANCELLED for a while, so that
subscribed calendars remove it, and then dropped from the feed. Times are written in UTC,
which every calendar converts to the phone's own zone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from datetime import timedelta

from icalendar import Calendar
from icalendar import Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Appointment
from ..models import CalendarFeed
from ..models import User
from . import visits

PRODID = "-//Continuum//Sessions//EN"
UID_DOMAIN = "continuum.sessions"
FEED_PAST = timedelta(days=180)  # how far back a subscribed calendar keeps visits
CANCELLED_KEPT = timedelta(days=30)  # how long a cancellation stays in the feed


def event(appointment: Appointment, stamp: datetime, page_url: str) -> Event:
    """One visit as a VEVENT, with no clinical detail beyond the kind of visit."""
    item = Event()
    item.add("uid", f"{appointment.uid}@{UID_DOMAIN}")
    item.add("dtstamp", stamp)
    item.add("dtstart", appointment.starts_at)
    item.add("dtend", appointment.ends_at)
    item.add("sequence", appointment.sequence)
    item.add("last-modified", appointment.updated_at)
    item.add("summary", f"{appointment.kind.label} at {appointment.centre.name}")
    item.add("location", f"{appointment.centre.name}, {appointment.centre.address}")
    cancelled = appointment.status.is_cancelled
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    with_whom = " and ".join(slot.therapist.name for slot in appointment.slots)
    lines = [f"With {with_whom}."]
    if not cancelled:
        lines.append("Bring: " + "; ".join(visits.what_to_bring(appointment)) + ".")
    lines.append(f"Details: {page_url}")
    item.add("description", "\n".join(lines))
    item.add("url", page_url)
    item.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return item


def calendar(appointments: list[Appointment], stamp: datetime, page_url: str, name: str) -> bytes:
    """A calendar file holding these visits."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for appointment in appointments:
        cal.add_component(event(appointment, stamp, page_url))
    return cal.to_ical()


def feed_appointments(session: Session, client: User, now: datetime) -> list[Appointment]:
    """What the client's feed publishes: recent and coming visits, fresh cancellations."""
    query = (
        select(Appointment)
        .where(Appointment.client_id == client.id, Appointment.starts_at >= now - FEED_PAST)
        .order_by(Appointment.starts_at)
    )
    return [
        appointment
        for appointment in session.scalars(query)
        if not appointment.status.is_cancelled or appointment.updated_at >= now - CANCELLED_KEPT
    ]


# --- The private feed URL ----------------------------------------------------------------------


def feed_token(feed: CalendarFeed, secret: str) -> str:
    """The secret part of the feed URL; derived, so the client can see their link again."""
    digest = hmac.new(secret.encode(), f"calendar-feed:{feed.key}".encode(), hashlib.sha256)
    return f"{feed.id}-{digest.hexdigest()[:40]}"


def find_feed(session: Session, token: str, secret: str) -> CalendarFeed | None:
    """The live feed a token names, or None for a forged, mistyped or revoked one."""
    feed_id, _, _ = token.partition("-")
    if not feed_id.isdigit() or len(feed_id) > 18:
        return None
    feed = session.get(CalendarFeed, int(feed_id))
    if feed is None or feed.revoked_at is not None:
        return None
    if not hmac.compare_digest(feed_token(feed, secret), token):
        return None
    return feed


def live_feed(session: Session, client: User) -> CalendarFeed | None:
    query = select(CalendarFeed).where(
        CalendarFeed.client_id == client.id, CalendarFeed.revoked_at.is_(None)
    )
    return session.scalar(query)


def new_feed(session: Session, client: User, now: datetime) -> CalendarFeed:
    """Make a new feed link; any earlier link stops working at once."""
    stop_feed(session, client, now)
    feed = CalendarFeed(client_id=client.id, key=secrets.token_hex(32), created_at=now)
    session.add(feed)
    session.flush()
    return feed


def stop_feed(session: Session, client: User, now: datetime) -> None:
    feed = live_feed(session, client)
    if feed is not None:
        feed.revoked_at = now
        session.flush()
