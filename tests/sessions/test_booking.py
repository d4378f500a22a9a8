"""Booking rules: series from the condition plan, daylight saving, no double-booking, moves."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from tests.factories import gen_client
from tests.sessions.conftest import Care
from webapp import localtime
from webapp.extensions import db
from webapp.models import Appointment
from webapp.models import AppointmentKind
from webapp.models import AppointmentSeries
from webapp.models import AppointmentStatus
from webapp.models import Condition
from webapp.models import User
from webapp.sessions import booking
from webapp.sessions.booking import BookingError

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
KEY = "00000000-0000-4000-8000-00000000000{}"


def key() -> str:
    return str(uuid.uuid4())


def series(care: Care, pattern: str, first: date, clock: time = time(10, 0), count: int = 4, **kw):  # type: ignore[no-untyped-def]
    return booking.book_series(
        db.session,
        care.client,
        booking.PATTERNS[pattern],
        kw.pop("team", care.team),
        first_day=first,
        clock=clock,
        count=count,
        every_weeks=kw.pop("every_weeks", None),
        by=care.admin,
        request_key=kw.pop("request_key", key()),
        now=kw.pop("now", NOW),
    )


def one(care: Care, kind: AppointmentKind, day: date, clock: time, **kw) -> Appointment:  # type: ignore[no-untyped-def]
    return booking.book(
        db.session,
        care.client,
        kw.pop("team", care.team).visit(kind),
        day=day,
        clock=clock,
        by=care.admin,
        request_key=kw.pop("request_key", key()),
        now=NOW,
    )


def count_appointments() -> int:
    return db.session.scalar(select(func.count(Appointment.id))) or 0


def wall(appointment: Appointment) -> tuple[date, time]:
    local = localtime.wall_clock(appointment.starts_at, appointment.centre.timezone)
    return local.date(), local.time()


# --- Daylight saving ---------------------------------------------------------------------------


def test_a_weekly_series_keeps_its_wall_clock_time_across_londons_spring_change(
    london: Care,
) -> None:
    # The clocks go forward on Sunday 28 March 2027.
    booked = series(london, "weekly_combined", date(2027, 3, 16), count=4)
    starts = [a.starts_at for a in booked.appointments]
    assert [s.astimezone(UTC).hour for s in starts] == [10, 10, 9, 9]
    assert [wall(a) for a in booked.appointments] == [
        (date(2027, 3, 16), time(10)),
        (date(2027, 3, 23), time(10)),
        (date(2027, 3, 30), time(10)),
        (date(2027, 4, 6), time(10)),
    ]
    # The second part of each combined visit follows the first, whatever the offset.
    for appointment in booked.appointments:
        first, second = appointment.slots
        assert first.ends_at == second.starts_at
        assert appointment.ends_at - appointment.starts_at == timedelta(minutes=60)


def test_a_weekly_series_keeps_its_wall_clock_time_across_sydneys_autumn_change(
    sydney: Care,
) -> None:
    # Sydney's daylight saving ends on Sunday 4 April 2027 (UTC+11 to UTC+10).
    booked = series(sydney, "alternating", date(2027, 3, 25), clock=time(9, 30), count=4)
    utc = [a.starts_at.astimezone(UTC) for a in booked.appointments]
    assert [(u.day, u.hour, u.minute) for u in utc] == [
        (24, 22, 30),
        (31, 22, 30),
        (7, 23, 30),
        (14, 23, 30),
    ]
    assert {wall(a)[1] for a in booked.appointments} == {time(9, 30)}
    kinds = [a.kind for a in booked.appointments]
    assert kinds == [AppointmentKind.MASSAGE, AppointmentKind.PHYSIO] * 2


def test_sydneys_spring_change_too(sydney: Care) -> None:
    # Daylight saving starts on Sunday 3 October 2027 (UTC+10 to UTC+11).
    booked = series(sydney, "weekly_combined", date(2027, 9, 28), clock=time(18, 0), count=2)
    assert [a.starts_at.astimezone(UTC).hour for a in booked.appointments] == [8, 7]


def test_a_missing_local_time_lands_after_the_gap_and_a_repeated_one_is_the_first() -> None:
    # 01:30 does not exist in London on 28 March 2027: it is read as 02:30 BST.
    missing = localtime.to_utc(date(2027, 3, 28), time(1, 30), "Europe/London")
    assert missing == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert localtime.wall_clock(missing, "Europe/London").hour == 2
    # 01:30 happens twice on 31 October 2027: the first (BST) is meant.
    repeated = localtime.to_utc(date(2027, 10, 31), time(1, 30), "Europe/London")
    assert repeated == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


# --- Patterns ----------------------------------------------------------------------------------


def test_each_condition_has_a_plan_and_the_rehab_plan_reviews_every_fourth_week(
    london: Care,
) -> None:
    assert set(booking.CONDITION_PATTERNS) == set(Condition)
    booked = series(london, "rehab_with_review", date(2027, 3, 2), count=8)
    kinds = [a.kind for a in booked.appointments]
    assert kinds.count(AppointmentKind.REVIEW) == 2
    assert kinds[3] is AppointmentKind.REVIEW and kinds[7] is AppointmentKind.REVIEW
    assert all(len(a.slots) == 1 for a in booked.appointments)


def test_maintenance_is_every_two_to_four_weeks(london: Care) -> None:
    booked = series(london, "maintenance", date(2027, 3, 2), count=3, every_weeks=3)
    days = [wall(a)[0] for a in booked.appointments]
    assert days == [date(2027, 3, 2), date(2027, 3, 23), date(2027, 4, 13)]
    with pytest.raises(BookingError) as error:
        series(london, "maintenance", date(2027, 6, 1), count=3, every_weeks=None)
    assert error.value.field == "every_weeks"


def test_a_combined_visit_can_put_physio_first_with_its_own_length(london: Care) -> None:
    team = booking.Team(
        massage=london.massage, physio=london.physio, physio_minutes=60, physio_first=True
    )
    visit = one(london, AppointmentKind.COMBINED, date(2027, 3, 3), time(14), team=team)
    assert [s.therapist for s in visit.slots] == [london.physio, london.massage]
    assert [s.minutes for s in visit.slots] == [60, 30]
    assert visit.duration == timedelta(minutes=90)


# --- Bad input ---------------------------------------------------------------------------------


def test_a_therapist_is_never_double_booked_and_a_series_is_all_or_nothing(
    london: Care,
) -> None:
    other = gen_client(
        london.client.centres[0], [london.massage, london.physio], name="Second Client"
    )
    db.session.commit()
    # Week three of the series clashes with a massage the therapist already has at 10:15.
    busy = booking.Team(massage=london.massage, physio=london.physio)
    booking.book(
        db.session,
        other,
        busy.visit(AppointmentKind.MASSAGE),
        day=date(2027, 3, 16),
        clock=time(10, 15),
        by=london.admin,
        request_key=key(),
        now=NOW,
    )
    db.session.commit()
    before = count_appointments()
    with pytest.raises(BookingError) as error:
        series(london, "weekly_combined", date(2027, 3, 2), count=4)
    assert "already booked" in error.value.message and "16 Mar" in error.value.message
    assert error.value.field == "massage_id"
    db.session.rollback()
    assert count_appointments() == before
    assert db.session.scalar(select(func.count(AppointmentSeries.id))) == 0


def test_back_to_back_is_fine_but_overlap_is_not(london: Care) -> None:
    one(london, AppointmentKind.PHYSIO, date(2027, 3, 2), time(10))
    one(london, AppointmentKind.PHYSIO, date(2027, 3, 2), time(10, 30))
    with pytest.raises(BookingError):
        one(london, AppointmentKind.MASSAGE, date(2027, 3, 2), time(10, 45))


def test_cancelled_visits_free_the_time(london: Care) -> None:
    first = one(london, AppointmentKind.PHYSIO, date(2027, 3, 2), time(10))
    booking.cancel(
        db.session,
        first,
        status=AppointmentStatus.CANCELLED_BY_CLIENT,
        rest_of_series=False,
        now=NOW,
    )
    again = one(london, AppointmentKind.PHYSIO, date(2027, 3, 2), time(10))
    assert again.id != first.id


@pytest.mark.parametrize("minutes", [0, -30, 5, 240])
def test_a_visit_must_end_after_it_starts_and_last_a_sensible_time(
    london: Care, minutes: int
) -> None:
    team = booking.Team(massage=london.massage, physio=london.physio, massage_minutes=minutes)
    with pytest.raises(BookingError) as error:
        one(london, AppointmentKind.MASSAGE, date(2027, 3, 2), time(10), team=team)
    assert error.value.field == "massage_minutes"
    assert count_appointments() == 0


def test_no_booking_in_the_past(london: Care) -> None:
    with pytest.raises(BookingError, match="already passed"):
        one(london, AppointmentKind.MASSAGE, date(2027, 2, 28), time(10))


def test_no_series_across_a_closed_care_plan(london: Care) -> None:
    plan = london.client.active_care_plan
    plan.active = False
    db.session.commit()
    with pytest.raises(BookingError, match="care plan is closed"):
        series(london, "weekly_combined", date(2027, 3, 2))
    assert count_appointments() == 0


def test_only_the_care_team_can_be_booked(london: Care, sydney: Care) -> None:
    stranger = booking.Team(massage=sydney.massage, physio=london.physio)
    with pytest.raises(BookingError, match="not on this client's care team") as error:
        one(london, AppointmentKind.COMBINED, date(2027, 3, 2), time(10), team=stranger)
    assert error.value.field == "massage_id"


def test_a_combined_visit_needs_both_disciplines(london: Care) -> None:
    with pytest.raises(BookingError) as error:
        booking.Team(massage=london.massage, physio=None).visit(AppointmentKind.COMBINED)
    assert error.value.field == "physio_id"


def test_a_retried_booking_returns_the_first(london: Care) -> None:
    request_key = key()
    first = one(london, AppointmentKind.PHYSIO, date(2027, 3, 2), time(10), request_key=request_key)
    again = one(london, AppointmentKind.PHYSIO, date(2027, 3, 2), time(10), request_key=request_key)
    assert again.id == first.id
    first_series = series(london, "alternating", date(2027, 4, 6), request_key="s-1")
    assert series(london, "alternating", date(2027, 4, 6), request_key="s-1").id == first_series.id
    assert count_appointments() == 5


# --- Changes -----------------------------------------------------------------------------------


def test_moving_the_rest_of_a_series_shifts_later_visits_and_raises_their_sequence(
    london: Care,
) -> None:
    booked = series(london, "weekly_combined", date(2027, 3, 2), count=4)
    second = booked.appointments[1]
    moved = booking.move(
        db.session, second, day=date(2027, 3, 10), clock=time(16), rest_of_series=True, now=NOW
    )
    assert moved == booked.appointments[1:]
    assert [wall(a) for a in booked.appointments] == [
        (date(2027, 3, 2), time(10)),
        (date(2027, 3, 10), time(16)),
        (date(2027, 3, 17), time(16)),
        (date(2027, 3, 24), time(16)),
    ]
    assert [a.sequence for a in booked.appointments] == [0, 1, 1, 1]
    # Each part moves with its visit.
    assert all(a.slots[0].starts_at == a.starts_at for a in booked.appointments)


def test_moving_one_visit_onto_a_busy_therapist_is_refused_and_nothing_moves(
    london: Care,
) -> None:
    first = one(london, AppointmentKind.PHYSIO, date(2027, 3, 2), time(10))
    second = one(london, AppointmentKind.PHYSIO, date(2027, 3, 2), time(12))
    db.session.commit()
    with pytest.raises(BookingError):
        booking.move(
            db.session, second, day=date(2027, 3, 2), clock=time(10), rest_of_series=False, now=NOW
        )
    db.session.rollback()
    db.session.refresh(second)
    assert wall(second) == (date(2027, 3, 2), time(12)) and second.sequence == 0
    assert first.status is AppointmentStatus.BOOKED


def test_cancelling_the_rest_of_a_series_keeps_earlier_visits(london: Care) -> None:
    booked = series(london, "weekly_combined", date(2027, 3, 2), count=4)
    booking.cancel(
        db.session,
        booked.appointments[2],
        status=AppointmentStatus.CANCELLED_BY_CLINIC,
        rest_of_series=True,
        now=NOW,
    )
    statuses = [a.status for a in booked.appointments]
    assert statuses == [AppointmentStatus.BOOKED] * 2 + [AppointmentStatus.CANCELLED_BY_CLINIC] * 2
    assert [a.sequence for a in booked.appointments] == [0, 0, 1, 1]
    with pytest.raises(BookingError, match="cancelled by the clinic"):
        booking.move(
            db.session,
            booked.appointments[3],
            day=date(2027, 4, 1),
            clock=time(10),
            rest_of_series=False,
            now=NOW,
        )


def test_outcomes_are_recorded_once_a_visit_has_started(london: Care) -> None:
    visit = one(london, AppointmentKind.PHYSIO, date(2027, 3, 2), time(10))
    with pytest.raises(BookingError, match="once it has started"):
        booking.record_outcome(db.session, visit, AppointmentStatus.ATTENDED, NOW)
    later = NOW + timedelta(days=2)
    booking.record_outcome(db.session, visit, AppointmentStatus.ATTENDED, later)
    assert visit.status is AppointmentStatus.ATTENDED
    assert booking.upcoming(db.session, london.client, NOW) == []
    assert booking.past(db.session, london.client, later) == [visit]
    with pytest.raises(BookingError):
        booking.record_outcome(db.session, visit, AppointmentStatus.BOOKED, later)


def test_the_schedule_covers_every_centre_a_therapist_works_at(london: Care, sydney: Care) -> None:
    london.physio.centres.append(sydney.client.centres[0])
    sydney.client.active_care_plan.team.append(london.physio)
    db.session.commit()
    here = one(london, AppointmentKind.PHYSIO, date(2027, 3, 2), time(10))
    there_team = booking.Team(massage=sydney.massage, physio=london.physio)
    there = one(sydney, AppointmentKind.PHYSIO, date(2027, 3, 3), time(9), team=there_team)
    week = booking.schedule(db.session, london.physio, NOW, NOW + timedelta(days=7))
    assert week == [there, here] or week == [here, there]
    assert set(week) == {here, there}


def test_two_bookings_at_once_cannot_double_book_a_therapist(
    app, london: Care, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    """Two admins book the same physio for the same hour at the same moment: one wins."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: concurrent bookings cannot interleave")
    other = gen_client(london.client.centres[0], [london.massage, london.physio])
    db.session.commit()
    ids = [london.client.id, other.id]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(client_id: int) -> None:
        with app.app_context():
            client = db.session.get(User, client_id)
            physio = db.session.get(User, london.physio.id)
            admin = db.session.get(User, london.admin.id)
            team = booking.Team(massage=None, physio=physio)
            barrier.wait()
            try:
                booking.book(
                    db.session,
                    client,
                    team.visit(AppointmentKind.PHYSIO),
                    day=date(2027, 3, 2),
                    clock=time(10),
                    by=admin,
                    request_key=key(),
                    now=NOW,
                )
                db.session.commit()
                outcomes.append("booked")
            except BookingError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["booked", "refused"]
    assert count_appointments() == 1
