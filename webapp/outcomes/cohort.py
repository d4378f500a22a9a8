"""The care plans an outcomes report counts: the viewer's scope, narrowed by the filters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import CarePlan
from ..models import Centre
from ..models import Condition
from ..models import Discipline
from ..models import User
from ..models import care_team
from ..pathway.content import CONDITIONS
from ..pathway.content import condition_label
from ..policy import OutcomeScope
from .filters import Filters
from .periods import Period

T = TypeVar("T")
ALL_CONDITIONS = "All conditions"


@dataclass(frozen=True)
class PlanRow:
    """What the measures need of a care plan, read once as plain values."""

    id: int
    client_id: int
    centre_id: int
    timezone: str
    condition: Condition
    start_date: date


@dataclass(frozen=True)
class Cohort:
    ids: Select[tuple[int]]  # the care plans' ids, as a subquery every measure joins on
    plans: list[PlanRow]
    period: Period
    discipline: Discipline | None
    zones: dict[int, str]  # every centre's time zone, by id

    @property
    def client_ids(self) -> Select[tuple[int]]:
        return select(CarePlan.client_id).where(CarePlan.id.in_(self.ids))

    def groups(self, per_plan: dict[int, T]) -> Iterator[tuple[str, list[T], bool]]:
        """Each condition's results (in the usual order of conditions), then all of them."""
        by_condition: dict[Condition, list[T]] = defaultdict(list)
        everyone: list[T] = []
        for plan in self.plans:
            if plan.id in per_plan:
                by_condition[plan.condition].append(per_plan[plan.id])
                everyone.append(per_plan[plan.id])
        for condition in CONDITIONS:
            if by_condition[condition]:
                yield condition_label(condition), by_condition[condition], False
        if everyone:
            yield ALL_CONDITIONS, everyone, True


def select_plans(scope: OutcomeScope, filters: Filters) -> Select[tuple[int]]:
    """Select the ids of the care plans in scope that match the filters and started by the end
    of the period (a plan keeps counting once started: plans record no end yet)."""
    period = filters.period
    query = select(CarePlan.id).where(
        CarePlan.id.in_(scope.care_plans()), CarePlan.start_date <= period.last
    )
    if period.is_future:
        return query.where(False)
    if filters.centre_id is not None:
        query = query.where(CarePlan.centre_id == filters.centre_id)
    if filters.condition is not None:
        query = query.where(CarePlan.condition == filters.condition)
    if filters.discipline is not None:
        query = query.where(
            exists()
            .where(
                care_team.c.care_plan_id == CarePlan.id,
                care_team.c.therapist_id == User.id,
                User.discipline == filters.discipline,
            )
            .correlate(CarePlan)
        )
    return query


def cohort(session: Session, scope: OutcomeScope, filters: Filters) -> Cohort:
    """Read the selected care plans, in one query."""
    ids = select_plans(scope, filters)
    query = (
        select(
            CarePlan.id,
            CarePlan.client_id,
            CarePlan.centre_id,
            Centre.timezone,
            CarePlan.condition,
            CarePlan.start_date,
        )
        .join(Centre, CarePlan.centre_id == Centre.id)
        .where(CarePlan.id.in_(ids))
        .order_by(CarePlan.id)
    )
    rows = session.connection().execute(query).all()
    plans = [PlanRow(*row) for row in rows]
    zones = dict(session.connection().execute(select(Centre.id, Centre.timezone)).all())
    return Cohort(ids, plans, filters.period, filters.discipline, zones)
