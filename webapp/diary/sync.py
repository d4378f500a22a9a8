"""Offline sync: a batch of entries made on the device, each stored exactly once by its id.

Every entry is checked on its own, so the valid rest of a batch is kept when one is refused.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .. import policy
from ..models import EntryKind
from ..models import Prescription
from ..models import User
from ..programmes import services as programmes
from . import services
from .services import DiaryError

MAX_BATCH = 100
TYPES = {"checkin", "quick", "exercise"}


class BatchRefused(ValueError):
    """The payload as a whole is malformed; nothing in it was looked at."""


def process(session: Session, client: User, payload: Any, now: datetime) -> list[dict[str, str]]:
    """Store each valid entry once and say, per entry, what happened to it."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entries"), list):
        raise BatchRefused('Send {"entries": [...]}.')
    entries = payload["entries"]
    if not 1 <= len(entries) <= MAX_BATCH:
        raise BatchRefused(f"Send 1 to {MAX_BATCH} entries at a time.")
    plan = client.active_care_plan
    plan_start = plan.start_date if plan is not None else None
    results = []
    for raw in entries:
        entry_id = _entry_id(raw)
        try:
            with session.begin_nested():
                status = _one(session, client, raw, entry_id, now, plan_start)
            results.append({"id": entry_id or "", "status": status})
        except DiaryError as error:
            results.append({"id": entry_id or "", "status": "rejected", "error": str(error)})
        except programmes.ProgrammeError as error:
            results.append({"id": entry_id or "", "status": "rejected", "error": error.message})
    return results


def _entry_id(raw: Any) -> str | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _one(
    session: Session,
    client: User,
    raw: Any,
    entry_id: str | None,
    now: datetime,
    plan_start: Any,
) -> str:
    if not isinstance(raw, dict):
        raise DiaryError({"entry": "Each entry must be an object."})
    if entry_id is None:
        raise DiaryError({"id": "Each entry needs a UUID made on the device."})
    kind = raw.get("type")
    if kind not in TYPES:
        raise DiaryError({"type": "Type must be checkin, quick or exercise."})
    when = services.when_from(raw.get("recorded_at"), raw.get("tz"), now=now, plan_start=plan_start)
    if kind == "exercise":
        return _exercise(session, client, raw, entry_id, when, now)
    checkin = services.checkin_from(raw.get("data") or {}, quick=kind == "quick")
    stored = services.record(
        session,
        client,
        entry_id=entry_id,
        kind=EntryKind.CHECKIN if kind == "checkin" else EntryKind.QUICK,
        checkin=checkin,
        when=when,
        now=now,
    )
    return stored.status


def _exercise(
    session: Session,
    client: User,
    raw: dict[str, Any],
    entry_id: str,
    when: services.When,
    now: datetime,
) -> str:
    prescription_id = raw.get("prescription_id")
    if not isinstance(prescription_id, int) or isinstance(prescription_id, bool):
        raise DiaryError({"prescription_id": "Say which exercise was done."})
    prescription = session.get(Prescription, prescription_id)
    if prescription is None or not policy.may(client, "log", prescription.programme.client):
        raise DiaryError({"prescription_id": "That exercise isn't in your programme."})
    _log, created = programmes.log_exercise(
        session,
        client,
        prescription,
        client_entry_id=entry_id,
        now=now,
        performed_at=when.recorded_at,
        timezone=when.timezone,
    )
    return "stored" if created else "duplicate"
