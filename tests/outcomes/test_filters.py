"""Reading the filters, and the care plans each filter keeps."""

from __future__ import annotations

from datetime import date

from tests.outcomes.conftest import HALF_YEAR
from tests.outcomes.conftest import Clinic
from tests.outcomes.conftest import filters
from tests.outcomes.conftest import gen_plan
from webapp import policy
from webapp.extensions import db
from webapp.models import CarePlan
from webapp.models import Condition
from webapp.models import Discipline
from webapp.outcomes.cohort import cohort
from webapp.outcomes.filters import read
from webapp.outcomes.periods import Period

TODAY = date(2026, 6, 30)


def test_no_filters_mean_the_last_twelve_months() -> None:
    found = read({}, TODAY)
    assert found.errors == {}
    assert found.filters is not None
    assert (found.filters.period.start, found.filters.period.end) == (
        date(2025, 7, 1),
        TODAY,
    )
    assert found.filters.centre_id is None and found.filters.condition is None
    assert found.filters.args() == {"from": "2025-07-01", "to": "2026-06-30"}


def test_filters_are_read_and_written_back() -> None:
    args = {
        "from": "2026-01-01",
        "to": "2026-03-31",
        "centre": "7",
        "condition": "low_back",
        "discipline": "physio",
    }
    found = read(args, TODAY)
    assert found.filters is not None
    assert found.filters.condition is Condition.LOW_BACK
    assert found.filters.discipline is Discipline.PHYSIO
    assert found.filters.centre_id == 7
    assert found.filters.args() == args


def test_bad_input_is_a_message_per_field_and_no_figures() -> None:
    found = read(
        {"from": "31/01/2026", "to": "2026-02-30", "condition": "gout", "discipline": "yoga"},
        TODAY,
    )
    assert found.filters is None
    assert found.errors == {
        "from": "Enter a date, for example 2026-01-31.",
        "to": "Enter a date, for example 2026-01-31.",
        "condition": "Choose a condition from the list.",
        "discipline": "Choose massage therapy or physiotherapy.",
    }
    assert found.values["from"] == "31/01/2026"  # the input comes back as typed


def test_a_period_must_run_forwards_and_not_too_long() -> None:
    backwards = read({"from": "2026-03-01", "to": "2026-02-01"}, TODAY)
    assert backwards.errors == {"to": "The period must end on or after the day it starts."}
    long = read({"from": "2023-01-01", "to": "2026-01-01"}, TODAY)
    assert long.errors == {"to": "Choose a period of three years or less."}
    far = read({"from": "1999-01-01", "to": "1999-02-01"}, TODAY)
    assert set(far.errors) == {"from", "to"}


def test_a_future_start_without_an_end_asks_about_that_future() -> None:
    found = read({"from": "2027-01-01"}, TODAY)
    assert found.filters is not None
    assert found.filters.period.is_future
    assert found.filters.period.end == date(2027, 1, 1)


def test_period_months_and_days_that_count() -> None:
    period = Period(date(2026, 1, 15), date(2026, 8, 31), TODAY)
    assert period.last == TODAY and period.last_whole == date(2026, 6, 29)
    assert period.runs_past_today and not period.is_future
    months = period.months()
    assert [m.key for m in months] == [f"2026-0{n}" for n in range(1, 7)]
    assert (months[0].first, months[0].last) == (date(2026, 1, 15), date(2026, 1, 31))
    assert (months[-1].first, months[-1].last) == (date(2026, 6, 1), TODAY)
    assert months[1].label == "Feb 2026"


# --- The care plans each filter keeps -----------------------------------------------------------


def kept(clinic: Clinic, admin_key: str = "admin_both", **kwargs: object) -> set[int]:
    scope = policy.outcome_scope(getattr(clinic, admin_key))
    assert scope is not None
    return {p.id for p in cohort(db.session, scope, filters(**kwargs)).plans}


def test_centre_condition_discipline_and_period_narrow_the_plans(clinic: Clinic) -> None:
    north_neck = gen_plan(clinic.north, [clinic.massage, clinic.physio])
    north_back = gen_plan(
        clinic.north, [clinic.massage_2, clinic.physio_2], condition=Condition.LOW_BACK
    )
    harbour = gen_plan(clinic.harbour, [clinic.harbour_massage, clinic.harbour_physio])
    later = gen_plan(clinic.north, [clinic.massage, clinic.physio], start=date(2026, 7, 2))
    physio_only = gen_plan(clinic.north, [clinic.massage, clinic.physio])
    physio_only.team = [clinic.physio]  # its massage therapist has since left the team
    db.session.commit()
    everyone = {north_neck.id, north_back.id, harbour.id, physio_only.id}
    assert kept(clinic) == everyone  # later starts after the period
    assert later.id not in kept(clinic)
    assert kept(clinic, "admin_north") == everyone - {harbour.id}
    assert kept(clinic, "admin_harbour") == {harbour.id}
    assert kept(clinic, centre_id=clinic.harbour.id) == {harbour.id}
    assert kept(clinic, condition=Condition.LOW_BACK) == {north_back.id}
    assert kept(clinic, discipline=Discipline.MASSAGE) == everyone - {physio_only.id}
    assert kept(clinic, discipline=Discipline.PHYSIO) == everyone
    future = Period(date(2026, 8, 1), date(2026, 9, 30), HALF_YEAR.today)
    assert kept(clinic, period=future) == set()


def test_a_therapist_counts_only_plans_whose_team_they_are_on(clinic: Clinic) -> None:
    mine = gen_plan(clinic.north, [clinic.massage, clinic.physio])
    gen_plan(clinic.north, [clinic.massage_2, clinic.physio_2])
    db.session.commit()
    scope = policy.outcome_scope(clinic.physio)
    assert scope is not None and scope.therapist_id == clinic.physio.id
    assert {p.id for p in cohort(db.session, scope, filters()).plans} == {mine.id}
    assert policy.outcome_scope(mine.client) is None
    assert db.session.get(CarePlan, mine.id) is not None
