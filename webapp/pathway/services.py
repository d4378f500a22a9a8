"""Care plans and moves between phases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy.orm import Session

from ..models import CarePlan
from ..models import Centre
from ..models import Condition
from ..models import Discipline
from ..models import PhaseChange
from ..models import Role
from ..models import User

REASON_MAX = 500
# A second identical request this soon after the first is a double tap, not a new decision.
REPEAT_WINDOW = timedelta(minutes=2)


class CarePlanError(ValueError):
    """A care plan or phase change that the pathway's rules don't allow."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_care_team(centre: Centre, team: Sequence[User]) -> None:
    """Insist on at least one massage therapist and one physiotherapist from the centre."""
    for member in team:
        if member.role is not Role.THERAPIST:
            raise CarePlanError("team", f"{member.name} is not a therapist.")
        if all(c.id != centre.id for c in member.centres):
            raise CarePlanError("team", f"{member.name} doesn't work at {centre.name}.")
    disciplines = {member.discipline for member in team}
    if Discipline.MASSAGE not in disciplines:
        raise CarePlanError("massage_therapists", "Choose at least one massage therapist.")
    if Discipline.PHYSIO not in disciplines:
        raise CarePlanError("physiotherapists", "Choose at least one physiotherapist.")


def start_care_plan(
    session: Session,
    *,
    client: User,
    centre: Centre,
    condition: Condition,
    phase: int,
    team: Sequence[User],
    goals: str,
    start_date: date,
    started_by: User | None,
    now: datetime,
) -> CarePlan:
    """Open a client's care plan in ``phase`` and record it as the first step of the pathway."""
    if client.role is not Role.CLIENT:
        raise CarePlanError("client", "Only clients have care plans.")
    if phase not in (1, 2, 3):
        raise CarePlanError("phase", "Choose phase 1, 2 or 3.")
    if client.active_care_plan is not None:
        raise CarePlanError("client", f"{client.name} already has an active care plan.")
    check_care_team(centre, team)
    plan = CarePlan(
        client=client,
        centre=centre,
        condition=condition,
        phase=phase,
        goals=goals.strip(),
        start_date=start_date,
        team=list(team),
        created_at=now,
    )
    plan.phase_changes.append(
        PhaseChange(
            from_phase=None,
            to_phase=phase,
            reason="Care plan started.",
            changed_by=started_by,
            changed_at=now,
        )
    )
    session.add(plan)
    return plan


def change_phase(
    session: Session, plan: CarePlan, *, to_phase: int, reason: str, by: User, now: datetime
) -> PhaseChange:
    """Move the client to another phase (forward or back), keeping who, when and why."""
    reason = " ".join(reason.split())
    last = plan.phase_changes[-1] if plan.phase_changes else None
    if (
        last is not None
        and last.to_phase == to_phase
        and last.changed_by_id == by.id
        and last.reason == reason
        and now - last.changed_at < REPEAT_WINDOW
    ):
        return last
    if to_phase not in (1, 2, 3):
        raise CarePlanError("to_phase", "Choose phase 1, 2 or 3.")
    if to_phase == plan.phase:
        raise CarePlanError("to_phase", f"The client is already in phase {to_phase}.")
    if not reason:
        raise CarePlanError("reason", "Say why, so the whole care team and the client know.")
    if len(reason) > REASON_MAX:
        raise CarePlanError("reason", f"Keep the reason under {REASON_MAX} characters.")
    change = PhaseChange(
        from_phase=plan.phase, to_phase=to_phase, reason=reason, changed_by=by, changed_at=now
    )
    plan.phase_changes.append(change)
    plan.phase = to_phase
    session.add(change)
    return change


def phase_started_at(plan: CarePlan) -> datetime | None:
    """Return when the client entered their current phase."""
    for change in reversed(plan.phase_changes):
        if change.to_phase == plan.phase:
            return change.changed_at
    return None


def time_in_phase(plan: CarePlan, now: datetime) -> str:
    """Say in plain words how long the client has been in their current phase."""
    started = phase_started_at(plan)
    if started is None:
        return ""
    days = max((now - started).days, 0)
    if days == 0:
        return "since today"
    if days == 1:
        return "1 day"
    if days < 14:
        return f"{days} days"
    weeks = days // 7
    if weeks < 9:
        return f"{weeks} weeks"
    return f"{days // 30} months"
