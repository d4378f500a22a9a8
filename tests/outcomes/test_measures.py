"""Each outcome measure on hand-built histories with known answers, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from datetime import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event

from tests.outcomes.conftest import HALF_YEAR
from tests.outcomes.conftest import NOW
from tests.outcomes.conftest import TODAY
from tests.outcomes.conftest import Clinic
from tests.outcomes.conftest import days
from tests.outcomes.conftest import filters
from tests.outcomes.conftest import gen_diary
from tests.outcomes.conftest import gen_move
from tests.outcomes.conftest import gen_plan
from tests.outcomes.conftest import gen_psfs
from tests.outcomes.conftest import gen_referral
from tests.outcomes.conftest import gen_visit
from tests.outcomes.conftest import same
from webapp import policy
from webapp.brief.thresholds import DEFAULT
from webapp.extensions import db
from webapp.library import services as library
from webapp.localtime import to_utc
from webapp.models import AppointmentKind
from webapp.models import AppointmentStatus
from webapp.models import CarePlan
from webapp.models import Condition
from webapp.models import Discipline
from webapp.models import EntryKind
from webapp.models import Exercise
from webapp.models import ExerciseLog
from webapp.outcomes import diary
from webapp.outcomes import pathway
from webapp.outcomes import programmes as programme_outcomes
from webapp.outcomes import referrals
from webapp.outcomes import services
from webapp.outcomes import visits
from webapp.outcomes.charts import figure
from webapp.outcomes.cohort import cohort
from webapp.outcomes.periods import Period
from webapp.outcomes.tables import Table
from webapp.programmes import services as programmes

MARCH = date(2026, 3, 1)


def shown(table: Table) -> dict[str, list[str]]:
    """The table as the page shows it."""
    return {
        row.label: [figure(c, col.kind) for c, col in zip(row.cells, table.columns, strict=True)]
        for row in table.rows
    }


def of(clinic: Clinic, **kwargs: object):  # type: ignore[no-untyped-def]
    return cohort(db.session, policy.outcome_scope(clinic.admin_both), filters(**kwargs))  # type: ignore[arg-type]


def team(clinic: Clinic) -> list:  # type: ignore[type-arg]
    return [clinic.massage, clinic.physio]


# --- Pain --------------------------------------------------------------------------------------


def test_pain_change_compares_the_first_diary_week_with_the_latest(clinic: Clinic) -> None:
    better = gen_plan(clinic.north, team(clinic))
    gen_diary(better, same(MARCH, 7, 6))  # baseline 6.0
    gen_diary(better, same(date(2026, 6, 20), 7, 3))
    gen_diary(better, {date(2026, 6, 26): 5}, EntryKind.QUICK)  # that day's mean is 4
    small_drop = gen_plan(clinic.north, team(clinic))
    gen_diary(small_drop, same(MARCH + timedelta(days=3), 4, 4))  # 4 days of 7: enough
    gen_diary(small_drop, same(date(2026, 5, 1), 5, 3))
    worse = gen_plan(clinic.north, team(clinic))
    gen_diary(worse, same(MARCH, 7, 5))
    gen_diary(worse, same(date(2026, 6, 1), 7, 7))
    thin = gen_plan(clinic.north, team(clinic))
    gen_diary(thin, same(MARCH, 3, 6))  # 3 days: no baseline
    gen_diary(thin, same(date(2026, 6, 1), 7, 2))
    short = gen_plan(clinic.north, team(clinic))
    gen_diary(short, same(MARCH, 12, 6))  # the latest week would overlap the first
    db.session.commit()

    changes, baselines = diary.pain_changes(db.session, of(clinic))
    assert changes[better.id].baseline == 6.0
    assert changes[better.id].latest == round(22 / 7, 1) == 3.1
    assert changes[better.id].change == -2.9
    assert (changes[small_drop.id].baseline, changes[small_drop.id].latest) == (4.0, 3.0)
    assert (changes[worse.id].baseline, changes[worse.id].latest) == (5.0, 7.0)
    assert thin.id not in changes and thin.id not in baselines
    assert short.id not in changes and baselines[short.id] == (MARCH, 6.0)

    assert diary.improved(6.0, 3.1)  # down 2.9
    assert not diary.improved(4.0, 3.0)  # down 1.0: 30 % of 4 is 1.2
    assert diary.improved(4.0, 2.8)
    assert diary.worsened(5.0, 7.0)  # up 2.0; 30 % of 5 is 1.5
    assert not diary.worsened(5.0, 6.4)


def test_the_latest_week_must_fall_in_the_period(clinic: Clinic) -> None:
    plan = gen_plan(clinic.north, team(clinic), start=date(2025, 9, 1))
    gen_diary(plan, same(date(2025, 9, 1), 7, 6))
    gen_diary(plan, same(date(2025, 11, 1), 7, 3))  # last entries before the period
    db.session.commit()
    changes, _baselines = diary.pain_changes(db.session, of(clinic))
    assert plan.id not in changes


def test_pain_table_shows_five_clients_and_withholds_four(clinic: Clinic) -> None:
    for n in range(5):
        plan = gen_plan(clinic.north, team(clinic), condition=Condition.LOW_BACK)
        gen_diary(plan, same(MARCH, 7, 6))
        gen_diary(plan, same(date(2026, 6, 1), 7, 3 if n < 3 else 6))
    for condition, count, latest in ((Condition.POSTURAL, 4, 5), (Condition.JOINT_STIFFNESS, 3, 4)):
        for _n in range(count):
            plan = gen_plan(clinic.north, team(clinic), condition=condition)
            gen_diary(plan, same(MARCH, 7, 5))
            gen_diary(plan, same(date(2026, 6, 1), 7, latest))
    db.session.commit()
    group = of(clinic)
    changes, _ = diary.pain_changes(db.session, group)
    table = diary.pain_table(group, changes, DEFAULT)
    assert shown(table) == {
        # 3 of 5 improved (60 %), but that share counts 3 clients, so it is withheld.
        "Low back pain": ["5", "6.0", "4.2", "−1.8", "fewer than 5", "0%"],
        "Postural correction": ["fewer than 5"] * 6,
        "Joint stiffness": ["fewer than 5"] * 6,
        "All conditions": ["12", "5.4", "4.4", "−1.0", "fewer than 5", "0%"],
    }


def test_one_small_group_beside_a_total_hides_the_next_smallest(clinic: Clinic) -> None:
    for condition, count in ((Condition.LOW_BACK, 5), (Condition.POSTURAL, 4)):
        for _n in range(count):
            plan = gen_plan(clinic.north, team(clinic), condition=condition)
            gen_diary(plan, same(MARCH, 7, 6))
            gen_diary(plan, same(date(2026, 6, 1), 7, 3))
    db.session.commit()
    group = of(clinic)
    table = diary.pain_table(group, diary.pain_changes(db.session, group)[0], DEFAULT)
    # 9 − 5 would give the 4 away, so the 5 are hidden too.
    assert shown(table) == {
        "Low back pain": ["hidden"] * 6,
        "Postural correction": ["fewer than 5"] * 6,
        "All conditions": ["9", "6.0", "3.0", "−3.0", "100%", "0%"],
    }


# --- PSFS --------------------------------------------------------------------------------------


def test_psfs_change_is_first_rated_week_against_latest_in_the_period(clinic: Clinic) -> None:
    plan = gen_plan(clinic.north, team(clinic), start=date(2026, 3, 4))  # a Wednesday
    gen_psfs(
        plan,
        {
            date(2026, 3, 2): [2, 4],  # the week care started: 3.0
            date(2026, 4, 6): [5, 5],
            date(2026, 6, 22): [7, 8],  # latest in the period: 7.5
            date(2026, 7, 6): [9, 9],  # after it
        },
    )
    early = gen_plan(clinic.north, team(clinic))
    gen_psfs(early, {date(2026, 3, 2): [4]})  # rated once: no change
    db.session.commit()
    changes = diary.psfs_changes(db.session, of(clinic))
    assert (changes[plan.id].first, changes[plan.id].latest, changes[plan.id].change) == (
        3.0,
        7.5,
        4.5,
    )
    assert early.id not in changes


# --- Diary engagement ----------------------------------------------------------------------------


def test_engagement_is_days_with_an_entry_out_of_days_in_care(clinic: Clinic) -> None:
    june = Period(date(2026, 6, 1), date(2026, 6, 30), TODAY)  # 29 whole days: today isn't over
    plan = gen_plan(clinic.north, team(clinic), start=date(2026, 6, 11))  # 19 days in care
    gen_diary(plan, same(date(2026, 6, 11), 10, 4))
    gen_diary(plan, {date(2026, 6, 12): 5}, EntryKind.QUICK)  # a second entry, same day
    gen_diary(plan, {TODAY: 3})  # today: not counted yet
    before = gen_plan(clinic.north, team(clinic), start=date(2026, 1, 1))
    gen_diary(before, same(date(2026, 5, 30), 3, 4))  # 30, 31 May, 1 June
    db.session.commit()
    group = of(clinic, period=june)
    found = diary.diary_months(db.session, group, june.months())
    assert found[plan.id]["2026-06"].days_logged == 10
    shares = diary.engagement(group, found, june.months(june.last_whole))
    assert shares[plan.id] == 10 / 19
    assert shares[before.id] == 1 / 29
    monthly = diary.monthly_engagement(group, found, june.months())
    assert sorted(monthly[0]) == [1 / 29, 10 / 19]


def test_a_month_with_one_day_so_far_keeps_its_own_last_week(clinic: Clinic) -> None:
    today = date(2026, 7, 1)
    period = Period(date(2026, 6, 1), today, today)
    plan = gen_plan(clinic.north, team(clinic), start=date(2026, 6, 1))
    gen_diary(plan, same(date(2026, 6, 20), 4, 8))  # 20-23 June: before June's last week
    gen_diary(plan, same(date(2026, 6, 24), 7, 2))  # June's last week
    gen_diary(plan, {today: 6})  # July so far: today, not over yet
    db.session.commit()
    found = diary.diary_months(db.session, of(clinic, period=period), period.months())
    assert found[plan.id]["2026-06"] == diary.DiaryMonth(11, 2.0, 7)
    assert found[plan.id]["2026-07"] == diary.DiaryMonth(0, 6.0, 1)


# --- Adherence -----------------------------------------------------------------------------------


def test_adherence_uses_the_programme_definition_over_the_last_14_days(app, clinic: Clinic) -> None:  # type: ignore[no-untyped-def]
    library.load(db.session, Path(app.config["EXERCISES_DIR"]))
    plan = gen_plan(clinic.north, team(clinic))
    programme = programmes.programme_for(db.session, plan.client, plan)
    exercise = db.session.get(Exercise, "N2")
    dose = programmes.Dose.of(exercise)
    dose = replace(dose, times_per_day=1, days_per_week=None)
    rx = programmes.prescribe(
        db.session,
        programme,
        exercise,
        dose=dose,
        note="",
        reason="Start",
        by=clinic.physio,
        now=to_utc(MARCH, time(9), "Europe/London"),
    )
    db.session.flush()
    # Once a day is prescribed; done on 7 of the 14 days to 29 June, twice on one of them.
    for n, day in enumerate(days(date(2026, 6, 16), 14)):
        if n % 2 == 0:
            for _ in range(2 if n == 0 else 1):
                db.session.add(
                    ExerciseLog(
                        client_entry_id=f"log-{n}-{_}",
                        client_id=plan.client_id,
                        prescription_id=rx.id,
                        performed_at=to_utc(day, time(8), "Europe/London"),
                        local_date=day,
                    )
                )
    none = gen_plan(clinic.north, team(clinic))  # no programme: left out
    db.session.commit()
    percents = programme_outcomes.fortnights(db.session, of(clinic))
    assert percents == {plan.id: 50}
    assert none.id not in percents


# --- Pathway ---------------------------------------------------------------------------------


def test_phases_at_the_end_of_the_period_and_progression_times(clinic: Clinic) -> None:
    a = gen_plan(clinic.north, team(clinic), start=date(2026, 1, 10))
    gen_move(a, 2, date(2026, 2, 9))  # 30 days from the start
    gen_move(a, 3, date(2026, 4, 10))  # 60 days in phase 2, 90 from the start
    b = gen_plan(clinic.north, team(clinic), start=date(2026, 2, 1))
    gen_move(b, 2, date(2026, 3, 3))  # 30 days
    gen_move(b, 1, date(2026, 3, 13))  # a step back after 10 days
    gen_move(b, 2, date(2026, 7, 20))  # after the period: still phase 1 at its end
    c = gen_plan(clinic.north, team(clinic), start=date(2026, 4, 1))
    gen_move(c, 2, date(2026, 4, 21))  # 20 days
    db.session.commit()
    group = of(clinic)
    changes = pathway.changes(db.session, group)
    assert pathway.phase_at_end(group, changes) == {a.id: 3, b.id: 1, c.id: 2}
    found = sorted(
        (m.from_phase, m.to_phase, m.days_from_start, m.days_in_previous)
        for m in pathway.moves(group, changes)
    )
    assert found == [(1, 2, 20, 20), (1, 2, 30, 30), (1, 2, 30, 30), (2, 1, 40, 10), (2, 3, 90, 60)]
    table = pathway.progression_table(group, pathway.moves(group, changes))
    assert [row.label for row in table.rows] == [
        "Phase 1 → 2",
        "Phase 2 → 3",
        "Phase 2 → 1 (a step back)",
    ]
    assert all(not cell.shown for row in table.rows for cell in row.cells)  # 3, 1 and 1 clients


def test_progression_medians_show_for_five_clients(clinic: Clinic) -> None:
    for n in range(5):
        plan = gen_plan(clinic.north, team(clinic), start=date(2026, 1, 1))
        gen_move(plan, 2, date(2026, 1, 1) + timedelta(days=20 + 10 * n))
    db.session.commit()
    group = of(clinic)
    table = pathway.progression_table(
        group, pathway.moves(group, pathway.changes(db.session, group))
    )
    assert shown(table) == {"Phase 1 → 2": ["5", "5", "40", "40"]}


def test_phase_table_counts_each_plan_once(clinic: Clinic) -> None:
    for _n in range(6):
        gen_plan(clinic.north, team(clinic))
    moved = gen_plan(clinic.north, team(clinic))
    gen_move(moved, 2, date(2026, 4, 1))
    db.session.commit()
    group = of(clinic)
    table = pathway.phases_table(
        group, pathway.phase_at_end(group, pathway.changes(db.session, group))
    )
    # 7 − 0 − 6 would give the 1 away, so the 6 is hidden too; zero is shown.
    assert shown(table) == {
        "Neck & shoulder pain": ["hidden", "fewer than 5", "0", "7"],
        "All conditions": ["hidden", "fewer than 5", "0", "7"],
    }


# --- Referrals and visits ---------------------------------------------------------------------


def test_referrals_by_direction_with_median_hours_to_acknowledge(clinic: Clinic) -> None:
    made = to_utc(date(2026, 5, 4), time(15), "Europe/London")
    for n, wait in enumerate([2, 4, 6, 10, 30]):
        plan = gen_plan(clinic.north, team(clinic))
        gen_referral(plan, clinic.massage, made + timedelta(days=n), wait)
    for n, wait in enumerate([1, 1, 3, None, None]):
        plan = gen_plan(clinic.north, team(clinic))
        gen_referral(plan, clinic.physio, made + timedelta(days=n), wait)
    gen_referral(plan, clinic.massage, to_utc(date(2025, 12, 1), time(9), "Europe/London"), 1)
    db.session.commit()
    found = referrals.referrals(db.session, of(clinic))
    assert len(found) == 10  # December's is before the period
    assert sorted(m.hours_to_acknowledge or 0 for m in found if m.to.value == "physio") == [
        2,
        4,
        6,
        10,
        30,
    ]
    table = referrals.referrals_table(found)
    assert shown(table) == {
        "Massage → physiotherapy": ["5", "5", "5", "0", "6.0"],
        # 3 acknowledged and 2 open: each describes fewer than 5 clients.
        "Physiotherapy → massage": ["5", "5", "fewer than 5", "fewer than 5", "fewer than 5"],
        # 10 − 2 open would give the open ones away, so the acknowledged total is hidden.
        "Both directions": ["10", "10", "hidden", "fewer than 5", "hidden"],
    }


def test_attendance_counts_visits_by_kind_and_status(clinic: Clinic) -> None:
    for n in range(6):
        plan = gen_plan(clinic.north, team(clinic))
        gen_visit(plan, date(2026, 3, 2), AppointmentStatus.ATTENDED)
        gen_visit(plan, date(2026, 3, 9), AppointmentStatus.ATTENDED)
        third = AppointmentStatus.NO_SHOW if n < 5 else AppointmentStatus.ATTENDED
        gen_visit(plan, date(2026, 3, 16), third)
        gen_visit(plan, date(2026, 7, 6), AppointmentStatus.BOOKED)  # after the period
    db.session.commit()
    months = HALF_YEAR.months()
    table = visits.attendance_table(visits.attendance(db.session, of(clinic), months, NOW))
    assert shown(table) == {
        "Massage and physiotherapy": ["6", "18", "13", "5", "0", "0", "0", "72%"],
        "All visits": ["6", "18", "13", "5", "0", "0", "0", "72%"],
    }
    monthly = visits.monthly_attendance(db.session, of(clinic), months, NOW)
    march = months.index(next(m for m in months if m.key == "2026-03"))
    assert monthly == {march: visits.MonthVisits(6, 13, 5)}
    assert monthly[march].attendance == 72


def test_a_visit_type_with_few_clients_is_withheld(clinic: Clinic) -> None:
    for n in range(6):
        plan = gen_plan(clinic.north, team(clinic))
        gen_visit(plan, date(2026, 3, 2), AppointmentStatus.ATTENDED)
        if n < 2:
            gen_visit(plan, date(2026, 3, 9), AppointmentStatus.ATTENDED, AppointmentKind.REVIEW)
    db.session.commit()
    months = HALF_YEAR.months()
    table = visits.attendance_table(visits.attendance(db.session, of(clinic), months, NOW))
    assert shown(table)["Review"] == ["fewer than 5"] * 3 + ["0"] * 4 + ["fewer than 5"]
    assert shown(table)["All visits"][:3] == ["6", "8", "8"]


def test_discipline_keeps_visits_with_a_part_of_that_discipline(clinic: Clinic) -> None:
    plans = [gen_plan(clinic.north, team(clinic)) for _n in range(5)]
    for plan in plans:
        gen_visit(plan, date(2026, 3, 2), AppointmentStatus.ATTENDED, AppointmentKind.MASSAGE)
        gen_visit(plan, date(2026, 3, 3), AppointmentStatus.ATTENDED, AppointmentKind.PHYSIO)
        gen_visit(plan, date(2026, 3, 4), AppointmentStatus.ATTENDED, AppointmentKind.COMBINED)
    db.session.commit()
    months = HALF_YEAR.months()
    group = of(clinic, discipline=Discipline.MASSAGE)
    table = visits.attendance_table(visits.attendance(db.session, group, months, NOW))
    assert [row.label for row in table.rows] == [
        "Massage",
        "Massage and physiotherapy",
        "All visits",
    ]
    assert shown(table)["All visits"][:3] == ["5", "10", "10"]


def test_a_visit_counts_in_its_centres_month(clinic: Clinic) -> None:
    """09:00 on 1 April in Sydney is still 31 March in UTC: it is April's."""
    plans = [
        gen_plan(clinic.harbour, [clinic.harbour_massage, clinic.harbour_physio]) for _ in range(5)
    ]
    for plan in plans:
        gen_visit(plan, date(2026, 4, 1), AppointmentStatus.ATTENDED, clock=time(9))
    db.session.commit()
    months = HALF_YEAR.months()
    found = visits.monthly_attendance(db.session, of(clinic), months, NOW)
    assert {months[i].key: v.attended for i, v in found.items()} == {"2026-04": 5}


# --- The whole report ----------------------------------------------------------------------------


def test_monthly_pain_compares_each_months_last_week_with_the_baseline(clinic: Clinic) -> None:
    for _n in range(5):
        plan = gen_plan(clinic.north, team(clinic))
        gen_diary(plan, same(MARCH, 7, 6))
        gen_diary(plan, same(date(2026, 4, 24), 7, 5))  # April's last 7 days: −1.0
        gen_diary(plan, same(date(2026, 5, 25), 7, 3))  # May's: −3.0
    db.session.commit()
    table = services.report(
        db.session, policy.outcome_scope(clinic.admin_north), filters(), NOW
    ).tables["monthly"]
    rows = shown(table)
    assert list(rows) == ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026"]
    assert rows["Mar 2026"][:3] == ["0", "no data", "no data"]  # March's last week is early
    assert rows["Apr 2026"][:3] == ["5", "−1.0", "0%"]
    assert rows["May 2026"][:3] == ["5", "−3.0", "100%"]
    assert rows["Jun 2026"][:3] == ["0", "no data", "no data"]


def test_the_report_takes_the_same_number_of_queries_for_any_number_of_clients(
    clinic: Clinic,
) -> None:
    def build(count: int) -> None:
        for _n in range(count):
            plan = gen_plan(clinic.north, team(clinic))
            gen_diary(plan, same(MARCH, 7, 6))
            gen_diary(plan, same(date(2026, 6, 1), 7, 3))
            gen_psfs(plan, {date(2026, 3, 2): [3], date(2026, 6, 1): [7]})
            gen_visit(plan, date(2026, 3, 2), AppointmentStatus.ATTENDED)
            gen_referral(
                plan, clinic.massage, to_utc(date(2026, 3, 3), time(9), "Europe/London"), 5
            )
            gen_move(plan, 2, date(2026, 4, 1))
        db.session.commit()

    def queries() -> int:
        statements: list[str] = []
        note = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            db.session.expire_all()
            services.report(db.session, policy.outcome_scope(clinic.admin_both), filters(), NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        return len(statements)

    build(3)
    few = queries()
    build(12)
    many = queries()
    assert few == many
    assert many <= 16


def test_cohort_counts_only_plans_started_by_the_end_of_the_period(clinic: Clinic) -> None:
    gen_plan(clinic.north, team(clinic), start=date(2026, 6, 30))
    later = gen_plan(clinic.north, team(clinic), start=date(2026, 7, 1))
    db.session.commit()
    ids = {p.id for p in of(clinic).plans}
    assert later.id not in ids and len(ids) == 1
    assert db.session.get(CarePlan, later.id) is not None
