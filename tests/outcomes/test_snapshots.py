"""Outcome reports kept for a few minutes in the database (issue #10): the same figures for
every instance, said to be as of when they were counted, and counted again when they expire."""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from tests.factories import login
from tests.outcomes.conftest import NOW
from tests.outcomes.conftest import Clinic
from tests.outcomes.conftest import filters
from tests.outcomes.conftest import gen_diary
from tests.outcomes.conftest import gen_plan
from tests.outcomes.conftest import gen_visit
from tests.outcomes.conftest import same
from webapp import policy
from webapp.extensions import db
from webapp.models import AppointmentStatus
from webapp.models import Condition
from webapp.models import OutcomeSnapshot
from webapp.models import User
from webapp.outcomes import services
from webapp.outcomes import snapshots

TTL = timedelta(minutes=10)


def gen_clients(clinic: Clinic, count: int, condition: Condition = Condition.NECK_SHOULDER) -> None:
    """Clients at North whose pain went from 6 to 3, with a visit each."""
    start = date(2026, 3, 2)
    for _n in range(count):
        team = [clinic.massage, clinic.physio]
        plan = gen_plan(clinic.north, team, start=start, condition=condition)
        gen_diary(plan, same(start, 7, 6))
        gen_diary(plan, same(date(2026, 6, 20), 7, 3))
        gen_visit(plan, date(2026, 6, 2), AppointmentStatus.ATTENDED)
    db.session.commit()


def kept() -> int:
    return db.session.scalar(select(func.count()).select_from(OutcomeSnapshot)) or 0


def test_a_snapshot_gives_back_the_same_tables_and_charts(clinic: Clinic) -> None:
    gen_clients(clinic, 6)
    scope = policy.outcome_scope(clinic.admin_north)
    fresh = services.report(db.session, scope, filters(), NOW)
    again = snapshots.from_body(filters(), snapshots.body_of(fresh), NOW)
    assert again.tables == fresh.tables
    assert again.charts == fresh.charts
    assert (again.plans, again.months, again.as_of) == (fresh.plans, fresh.months, NOW)


def test_the_report_is_counted_once_then_shown_as_of_then(clinic: Clinic) -> None:
    gen_clients(clinic, 6)
    scope = policy.outcome_scope(clinic.admin_north)
    first = snapshots.report(db.session, scope, filters(), NOW, TTL)
    db.session.commit()
    assert first.as_of is None and kept() == 1

    gen_clients(clinic, 5, Condition.LOW_BACK)  # recorded after the figures were counted
    later = snapshots.report(db.session, scope, filters(), NOW + timedelta(minutes=9), TTL)
    assert later.as_of == NOW
    assert later.tables == first.tables and later.plans == 6

    expired = snapshots.report(db.session, scope, filters(), NOW + TTL, TTL)
    db.session.commit()
    assert expired.as_of is None and expired.plans == 11
    assert kept() == 1  # written over, under the same key


def test_scope_filters_and_day_each_have_their_own_snapshot(clinic: Clinic) -> None:
    gen_clients(clinic, 6)
    north = policy.outcome_scope(clinic.admin_north)
    harbour = policy.outcome_scope(clinic.admin_harbour)
    mine = policy.outcome_scope(clinic.physio)
    keys = {
        snapshots.key(north, filters()),
        snapshots.key(harbour, filters()),
        snapshots.key(mine, filters()),
        snapshots.key(north, filters(condition=Condition.LOW_BACK)),
        snapshots.key(north, filters(centre_id=clinic.north.id)),
    }
    assert len(keys) == 5
    snapshots.report(db.session, north, filters(), NOW, TTL)
    db.session.commit()
    assert snapshots.report(db.session, harbour, filters(), NOW, TTL).plans == 0


def test_expired_snapshots_are_dropped_when_another_is_kept(clinic: Clinic) -> None:
    gen_clients(clinic, 6)
    scope = policy.outcome_scope(clinic.admin_north)
    snapshots.report(db.session, scope, filters(), NOW, TTL)
    snapshots.report(db.session, scope, filters(condition=Condition.LOW_BACK), NOW, TTL)
    db.session.commit()
    assert kept() == 2
    later = NOW + TTL + timedelta(seconds=1)
    snapshots.report(db.session, scope, filters(condition=Condition.POSTURAL), later, TTL)
    db.session.commit()
    assert kept() == 1


def test_no_time_to_keep_counts_every_time(clinic: Clinic) -> None:
    gen_clients(clinic, 6)
    scope = policy.outcome_scope(clinic.admin_north)
    for _n in range(2):
        assert snapshots.report(db.session, scope, filters(), NOW, timedelta(0)).as_of is None
    db.session.commit()
    assert kept() == 0


def signed_in(app: Flask, user: User) -> FlaskClient:
    http = app.test_client()
    assert login(http, user).status_code == 302
    return http


def without_as_of(page: str) -> str:
    page = re.sub(r'<p class="as-of">.*?</p>', "", page, flags=re.S)
    return re.sub(r"\s+", " ", page)


def test_the_page_says_when_its_figures_were_counted(app: Flask, clinic: Clinic) -> None:
    gen_clients(clinic, 6)
    http = signed_in(app, clinic.admin_north)
    first = http.get("/outcomes/").get_data(as_text=True)
    assert "Figures as of" not in first
    again = http.get("/outcomes/")
    assert again.status_code == 200
    page = again.get_data(as_text=True)
    assert re.search(r"Figures as of \d+ \w+ \d{4}, \d\d:\d\d (GMT|BST)", page)
    assert "shown for 10 minutes after it is counted" in page
    assert without_as_of(page) == without_as_of(first)
    assert again.headers["Cache-Control"] == "no-store"


def test_csv_is_counted_when_asked_for(app: Flask, clinic: Clinic) -> None:
    gen_clients(clinic, 6)
    http = signed_in(app, clinic.admin_north)
    http.get("/outcomes/")
    gen_clients(clinic, 5, Condition.LOW_BACK)
    csv = http.get("/outcomes/phases.csv").get_data(as_text=True)
    assert "Low back pain,5," in csv
