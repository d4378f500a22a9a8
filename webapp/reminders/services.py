"""One reminders pass: plan what is due, claim it, send it, record what happened.

Exactly once: planning inserts outbox rows under a unique key; claiming flips rows from
pending to sending in one atomic UPDATE (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's
single writer otherwise), so two passes never take the same row; each row is committed as
sent straight after its send. A pass that dies after claiming leaves its rows "sending": once
their lease runs out, the next pass takes them again, so nothing is lost. Retries keep the
same email Message-ID and push Topic, so a resend after a crash mid-send replaces rather than
repeats on the phone.
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from .. import localtime
from ..brief.record import gather
from ..brief.rules import AMBER
from ..brief.rules import RED
from ..brief.rules import evaluate
from ..models import Appointment
from ..models import AppointmentSlot
from ..models import AppointmentStatus
from ..models import CarePlan
from ..models import ConsentTopic
from ..models import Delivery
from ..models import DeliveryStatus
from ..models import DiaryEntry
from ..models import PushSubscription
from ..models import ReminderSettings
from ..models import Role
from ..models import User
from ..privacy import services as consent
from ..programmes import adherence
from ..programmes import services as programmes
from . import channels
from . import messages
from . import planning

MAX_ATTEMPTS = 5
CLAIM_BATCH = 50


@dataclass(frozen=True)
class Settings:
    """What a pass needs from the app's configuration."""

    base_url: str
    smtp_url: str
    mail_from: str
    vapid_private_key: str
    vapid_contact: str
    lease: timedelta = timedelta(minutes=5)


@dataclass
class Tally:
    planned: int = 0
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def send_due(session: Session, now: datetime, settings: Settings) -> Tally:
    """Plan, then claim and send batches until nothing due is left."""
    tally = Tally(planned=planning.plan(session, now))
    session.commit()
    drain(session, now, settings, tally)
    return tally


def drain(session: Session, now: datetime, settings: Settings, tally: Tally) -> None:
    """Claim and send batches until nothing due is left. Several drains (threads or
    processes) may run at once: each claims its own rows."""
    token = secrets.token_hex(8)
    deadline = time.monotonic() + 0.8 * settings.lease.total_seconds()
    # Each row is committed on its own; keep the batch's preloaded people and settings loaded
    # across those commits instead of reading them again for every row.
    own = session.registry() if hasattr(session, "registry") else session  # scoped or plain
    expiring, own.expire_on_commit = own.expire_on_commit, False
    try:
        while time.monotonic() < deadline and (ids := claim(session, now, token, settings.lease)):
            batch = _preload(session, ids)  # noqa: F841 - held so the session keeps them
            for number, delivery_id in enumerate(ids):
                if time.monotonic() >= deadline:
                    release(session, ids[number:], token)  # the next pass sends them
                    return
                deliver(session, delivery_id, now, settings, tally)
            session.expire_all()  # the next batch reads fresh rows
    finally:
        own.expire_on_commit = expiring
        channels.close_connections()


def release(session: Session, ids: list[int], token: str) -> None:
    """Give back claimed rows this pass will not send."""
    table = Delivery.__table__
    session.execute(
        update(table)
        .where(table.c.id.in_(ids), table.c.claimed_by == token, table.c.status == "sending")
        .values(status="pending", claimed_by=None, claimed_at=None)
    )
    session.commit()


def _preload(session: Session, ids: list[int]) -> list[object]:
    """Load a batch's rows, recipients, plans, settings and subscriptions in a few queries.

    The session holds what it loaded only weakly: the caller keeps the returned objects for
    the batch, or they are collected and every row reads them again one by one.
    """
    deliveries = session.scalars(
        select(Delivery)
        .where(Delivery.id.in_(ids))
        .options(
            selectinload(Delivery.recipient)
            .selectinload(User.care_plans)
            .selectinload(CarePlan.centre),
            selectinload(Delivery.recipient).selectinload(User.centres),
        )
    ).all()
    people = list({d.recipient_id for d in deliveries})
    settings = session.scalars(
        select(ReminderSettings).where(ReminderSettings.client_id.in_(people))
    ).all()
    session.info["subscriptions"] = defaultdict(list)
    for row in session.scalars(
        select(PushSubscription).where(PushSubscription.user_id.in_(people))
    ):
        session.info["subscriptions"][row.user_id].append(row)
    return [*deliveries, *settings]


def claim(session: Session, now: datetime, token: str, lease: timedelta) -> list[int]:
    """Take up to a batch of due rows for this pass, atomically; commit the claim.

    Claims are stamped with the pass's ``now``; a pass gives back what it has not sent before
    80 % of the lease is over (see ``drain``), so no live pass's rows are ever taken.
    """
    table = Delivery.__table__
    stamp = now
    session.execute(
        update(table)
        .where(table.c.status == "sending", table.c.claimed_at < stamp - lease)
        .values(status="pending")
    )
    due = (
        select(table.c.id)
        .where(table.c.status == "pending", table.c.next_attempt_at <= now)
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(CLAIM_BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Chosen once, in a materialised CTE: as a plain "id IN (subquery)" PostgreSQL may run
        # the subquery again for each row it looks at, each time skipping the rows just
        # claimed, and so take every due row in one go whatever the batch size.
        batch = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        due = select(batch.c.id)
    ids = list(
        session.scalars(
            update(table)
            .where(table.c.id.in_(due.scalar_subquery()), table.c.status == "pending")
            .values(status="sending", claimed_at=stamp, claimed_by=token)
            .returning(table.c.id)
        )
    )
    session.commit()
    return sorted(ids)


def deliver(
    session: Session, delivery_id: int, now: datetime, settings: Settings, tally: Tally
) -> None:
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    if not delivery.kind.startswith("exercise") and _waits_for_morning(session, delivery, now):
        session.commit()
        return
    message, reason = _message(session, delivery, now)
    if message is None:
        _finish(delivery, DeliveryStatus.SKIPPED, reason, now)
        tally.skipped += 1
    else:
        outcome = _send(session, delivery, message, settings)
        if outcome.state == "sent":
            _finish(delivery, DeliveryStatus.SENT, "", now)
            delivery.sent_at = now
            tally.sent += 1
            tally.by_kind[delivery.kind] = tally.by_kind.get(delivery.kind, 0) + 1
        elif outcome.state == "gone" or delivery.attempts + 1 >= MAX_ATTEMPTS:
            delivery.attempts += 1
            _finish(delivery, DeliveryStatus.FAILED, outcome.detail, now)
            tally.failed += 1
        else:
            delivery.attempts += 1
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + timedelta(minutes=min(2**delivery.attempts, 60))
            delivery.outcome = outcome.detail
            tally.retried += 1
    session.commit()


def _waits_for_morning(session: Session, delivery: Delivery, now: datetime) -> bool:
    """A visit, diary or programme reminder held up into the client's quiet hours (by a retry
    or downtime) waits for their end instead of being dropped."""
    recipient = delivery.recipient
    if delivery.kind == "digest" or recipient.role is not Role.CLIENT:
        return False
    if not recipient.is_active:
        return False  # disabled or erased: skipped at once, and no settings row made for them
    settings = planning.settings_for(session, recipient)
    zone = localtime.client_timezone(recipient)
    if not planning.in_quiet_hours(now, settings, zone):
        return False
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = planning.out_of_quiet_hours(now, settings, zone)
    delivery.outcome = "waiting for the end of quiet hours"
    return True


def _finish(delivery: Delivery, status: DeliveryStatus, outcome: str, now: datetime) -> None:
    delivery.status = status
    delivery.outcome = outcome
    delivery.claimed_at = now


def _send(
    session: Session, delivery: Delivery, message: messages.Message, settings: Settings
) -> channels.Outcome:
    recipient = delivery.recipient
    if delivery.channel == "email":
        return channels.email(
            recipient.email,
            message,
            delivery_id=delivery.id,
            base_url=settings.base_url,
            smtp_url=settings.smtp_url,
            sender=settings.mail_from,
        )
    known = session.info.get("subscriptions")
    subscriptions = (
        known[recipient.id]
        if known is not None
        else list(
            session.scalars(
                select(PushSubscription).where(PushSubscription.user_id == recipient.id)
            )
        )
    )
    if not subscriptions:
        return channels.Outcome("gone", "no push subscription")
    results = []
    for row in list(subscriptions):
        result = channels.push(
            channels.Subscription(row.id, row.endpoint, row.p256dh, row.auth),
            message,
            delivery_id=delivery.id,
            base_url=settings.base_url,
            private_key=settings.vapid_private_key,
            contact=settings.vapid_contact,
        )
        if result.state == "gone":
            session.execute(delete(PushSubscription).where(PushSubscription.id == row.id))
            subscriptions.remove(row)  # and from the batch's cache: not tried again this pass
        results.append(result)
    if any(r.state == "sent" for r in results):
        return channels.SENT
    if any(r.state == "retry" for r in results):
        return next(r for r in results if r.state == "retry")
    # Name each answer (e.g. "push subscription 3 answered 410"), never the message.
    return channels.Outcome("gone", "; ".join(r.detail for r in results))


# --- Is it still wanted, and what does it say? ---------------------------------------------------


def _message(
    session: Session, delivery: Delivery, now: datetime
) -> tuple[messages.Message | None, str]:
    """The message to send, or None and why it is no longer wanted."""
    recipient = delivery.recipient
    if not recipient.is_active:
        return None, "account disabled"
    if delivery.kind == "digest":
        return _digest(session, recipient, now), ""
    settings = planning.settings_for(session, recipient)
    if not settings.enabled:
        return None, "reminders stopped by the client"
    zone = localtime.client_timezone(recipient)
    if settings.paused_until and localtime.local_day(now, zone) <= settings.paused_until:
        return None, "paused by the client"
    if delivery.channel == "push" and not settings.by_push:
        return None, "push turned off"
    if delivery.channel == "email" and not settings.by_email:
        return None, "email turned off"
    if planning.in_quiet_hours(now, settings, zone):
        return None, "quiet hours"
    if delivery.kind in ("exercise", "exercise_repeat"):
        if _exercises_done(session, recipient, zone, now):
            return None, "today's exercises are done"
        return (messages.EXERCISE if delivery.kind == "exercise" else messages.EXERCISE_REPEAT), ""
    if delivery.kind == "diary_nudge":
        since = date.fromisoformat(delivery.subject)
        newer = session.scalar(
            select(func.count(DiaryEntry.id)).where(
                DiaryEntry.client_id == recipient.id, DiaryEntry.local_date > since
            )
        )
        return (None, "the diary has an entry since") if newer else (messages.DIARY_NUDGE, "")
    if delivery.kind in planning.APPOINTMENT_LEADS:
        return _appointment(session, delivery)
    if delivery.kind == "programme_changed":
        programme = programmes.programme_of(session, recipient)
        if programme is None or programme.client_seen_version >= int(delivery.subject):
            return None, "the client has seen the change"
        return messages.PROGRAMME_CHANGED, ""
    return None, f"unknown kind {delivery.kind}"


def _exercises_done(session: Session, client: User, zone: str, now: datetime) -> bool:
    programme = programmes.programme_of(session, client)
    items = adherence.today_items(session, programme, zone, now) if programme else []
    # Only "due" is left to do: a rest day (strength work, or the week's sessions already
    # done) counts as nothing to do, though its item still shows one session outstanding.
    return not any(item.status == "due" for item in items)


def _appointment(session: Session, delivery: Delivery) -> tuple[messages.Message | None, str]:
    appointment_id, _, starts = delivery.subject.partition("@")
    appointment = session.get(Appointment, int(appointment_id))
    if appointment is None or appointment.status is not AppointmentStatus.BOOKED:
        return None, "the visit was cancelled"
    if appointment.starts_at.isoformat() != starts:
        return None, "the visit moved"
    local = localtime.wall_clock(appointment.starts_at, appointment.centre.timezone)
    when = f"{local:%a} {local.day} {local:%b} at {local:%H:%M}"
    hours = int(planning.APPOINTMENT_LEADS[delivery.kind].total_seconds() // 3600)
    return messages.appointment(when, appointment.centre.name, hours), ""


def _digest(session: Session, therapist: User, now: datetime) -> messages.Message:
    zone = localtime.staff_timezone(therapist)
    today = localtime.local_day(now, zone)
    start = localtime.to_utc(today, datetime.min.time(), zone)
    visits = list(
        session.scalars(
            select(Appointment)
            .join(AppointmentSlot)
            .where(
                AppointmentSlot.therapist_id == therapist.id,
                Appointment.status == AppointmentStatus.BOOKED,
                Appointment.starts_at >= start,
                Appointment.starts_at < start + timedelta(days=1),
            )
            .order_by(Appointment.starts_at)
            .distinct()
        )
    )
    plans = {v.client_id: v.care_plan for v in visits if v.care_plan.active}
    records = gather(session, list(plans.values()), now) if plans else {}
    lines, flagged = [], set()
    for visit in visits:
        record = records.get(visit.client_id)
        count = len([f for f in evaluate(record) if f.level in (RED, AMBER)]) if record else 0
        if count:
            flagged.add(visit.client_id)
        initials = "".join(part[0] for part in visit.client.name.split()[:2])
        local = localtime.wall_clock(visit.starts_at, visit.centre.timezone)
        note = f"{count} flag{'s' if count != 1 else ''} to review" if count else "no flags"
        lines.append(f"{local:%H:%M}  {initials}  {note}")
    return messages.digest(len(visits), len(flagged), lines)


def forget_subscription(session: Session, user: User, endpoint: str) -> None:
    session.execute(
        delete(PushSubscription).where(
            PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint
        )
    )


def subscribe(session: Session, user: User, endpoint: str, p256dh: str, auth: str) -> None:
    """Keep a browser's push subscription (the same endpoint again updates its keys)."""
    found = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if found is None:
        session.add(PushSubscription(user_id=user.id, endpoint=endpoint, p256dh=p256dh, auth=auth))
    else:
        found.user_id, found.p256dh, found.auth = user.id, p256dh, auth
    session.flush()


@dataclass(frozen=True)
class Choices:
    enabled: bool
    times: list[str]
    days: list[int]
    by_push: bool
    by_email: bool
    quiet_start: str
    quiet_end: str
    pause: str  # "", a number of days, or "resume"


def save_choices(session: Session, client: User, choices: Choices, now: datetime) -> None:
    """Keep the client's reminder choices; they apply from the next pass."""
    consent.record(session, client, ConsentTopic.REMINDERS, choices.enabled, by=client, now=now)
    settings = planning.settings_for(session, client)
    settings.exercise_times = sorted(set(choices.times))
    settings.exercise_days = sorted(set(choices.days))
    settings.by_push = choices.by_push
    settings.by_email = choices.by_email
    settings.quiet_start = choices.quiet_start
    settings.quiet_end = choices.quiet_end
    if choices.pause == "resume":
        settings.paused_until = None
    elif choices.pause.isdigit():
        today = localtime.local_day(now, localtime.client_timezone(client))
        settings.paused_until = today + timedelta(days=int(choices.pause) - 1)
    settings.updated_at = now
    session.flush()
