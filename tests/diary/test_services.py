"""Diary rules: one check-in a day, scores in range, times in the client's zone, red flags."""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask

from tests.diary.conftest import People
from webapp.diary import measures
from webapp.diary import services
from webapp.diary.services import DiaryError
from webapp.extensions import db
from webapp.models import CareAlert
from webapp.models import DiaryEntry
from webapp.models import EntryKind

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = date(2026, 10, 1)


def when(hours_ago: float = 0, tz: str = "Europe/London") -> services.When:
    return services.when_from(
        (NOW - timedelta(hours=hours_ago)).isoformat(), tz, now=NOW, plan_start=START
    )


def test_a_full_check_in_is_read_field_by_field() -> None:
    checkin = services.checkin_from(
        {
            "pain_now": "3",
            "pain_worst": 6,
            "sleep": "7",
            "stress": "",
            "flare": "no",
            "areas": ["low_back", "neck"],
            "notes": "  Long drive  ",
        }
    )
    assert checkin == services.CheckIn(3, 6, 7, None, False, ["neck", "low_back"], "Long drive")


@pytest.mark.parametrize(
    "data, field",
    [
        ({"pain_now": 11, "pain_worst": 11}, "pain_now"),
        ({"pain_now": -1, "pain_worst": 3}, "pain_now"),
        ({"pain_now": 2.5, "pain_worst": 3}, "pain_now"),
        ({"pain_now": True, "pain_worst": 3}, "pain_now"),
        ({"pain_now": 4}, "pain_worst"),
        ({"pain_now": 5, "pain_worst": 3}, "pain_worst"),
        ({"pain_now": 2, "pain_worst": 3, "sleep": "loads"}, "sleep"),
        ({"pain_now": 2, "pain_worst": 3, "flare": "maybe"}, "flare"),
        ({"pain_now": 2, "pain_worst": 3, "areas": ["spleen"]}, "areas"),
        ({"pain_now": 2, "pain_worst": 3, "notes": "x" * 1001}, "notes"),
    ],
)
def test_bad_answers_are_named(data: dict, field: str) -> None:
    with pytest.raises(DiaryError) as error:
        services.checkin_from(data)
    assert field in error.value.errors


@pytest.mark.parametrize(
    "recorded_at, tz, field",
    [
        ((NOW + timedelta(hours=2)).isoformat(), "Europe/London", "recorded_at"),
        ("2026-09-30T10:00:00+01:00", "Europe/London", "recorded_at"),
        ("2026-11-20T10:00:00", "Europe/London", "recorded_at"),
        ("yesterday", "Europe/London", "recorded_at"),
        (NOW.isoformat(), "Mars/Olympus", "tz"),
    ],
)
def test_times_in_the_future_before_care_or_malformed_are_refused(
    recorded_at: str, tz: str, field: str
) -> None:
    with pytest.raises(DiaryError) as error:
        services.when_from(recorded_at, tz, now=NOW, plan_start=START)
    assert field in error.value.errors


def test_the_local_day_and_offset_come_from_the_clients_zone() -> None:
    late = services.when_from(
        "2026-11-20T23:30:00+00:00",
        "Australia/Sydney",
        now=NOW + timedelta(days=1),
        plan_start=START,
    )
    assert late.local_date == date(2026, 11, 21)
    assert late.offset_minutes == 660


def test_one_check_in_a_day_and_an_edit_updates_it(app: Flask, people: People) -> None:
    first = services.record(
        db.session,
        people.client,
        entry_id=str(uuid.uuid4()),
        kind=EntryKind.CHECKIN,
        checkin=services.CheckIn(5, 7),
        when=when(6),
        now=NOW,
    )
    second = services.record(
        db.session,
        people.client,
        entry_id=str(uuid.uuid4()),
        kind=EntryKind.CHECKIN,
        checkin=services.CheckIn(3, 7),
        when=when(1),
        now=NOW,
    )
    db.session.commit()
    assert (first.status, second.status) == ("stored", "updated")
    rows = db.session.scalars(db.select(DiaryEntry)).all()
    assert len(rows) == 1 and rows[0].pain_now == 3


def test_quick_logs_may_be_several_a_day_and_replays_are_harmless(
    app: Flask, people: People
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for entry_id in ids + ids[:1]:
        services.record(
            db.session,
            people.client,
            entry_id=entry_id,
            kind=EntryKind.QUICK,
            checkin=services.CheckIn(4),
            when=when(2),
            now=NOW,
        )
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(DiaryEntry.id))) == 3


def test_an_entry_id_belongs_to_one_client(app: Flask, people: People) -> None:
    entry_id = str(uuid.uuid4())
    services.record(
        db.session,
        people.client,
        entry_id=entry_id,
        kind=EntryKind.QUICK,
        checkin=services.CheckIn(4),
        when=when(),
        now=NOW,
    )
    with pytest.raises(DiaryError):
        services.record(
            db.session,
            people.other,
            entry_id=entry_id,
            kind=EntryKind.QUICK,
            checkin=services.CheckIn(4),
            when=when(),
            now=NOW,
        )


def test_a_ticked_red_flag_alerts_the_care_team(app: Flask, people: People) -> None:
    services.add_activity(db.session, people.client, "Carry shopping", by=people.physio, now=NOW)
    [activity] = services.activities(db.session, people.client)
    assert services.today_prompts(db.session, people.client, START, NOW.date()).weekly_due
    _screen, alert = services.record_weekly(
        db.session,
        people.client,
        scores={activity.id: 4},
        ticked=["night_pain", "bladder_bowel"],
        today=NOW.date(),
        now=NOW,
    )
    db.session.commit()
    assert alert is not None and alert.urgency == "emergency"
    assert "bladder" in alert.summary
    assert not services.today_prompts(db.session, people.client, START, NOW.date()).weekly_due
    assert services.open_alerts(db.session, [people.client.id]) == [alert]
    services.acknowledge(alert, people.physio, NOW)
    assert services.open_alerts(db.session, [people.client.id]) == []


def test_a_clear_screen_raises_no_alert(app: Flask, people: People) -> None:
    _screen, alert = services.record_weekly(
        db.session, people.client, scores={}, ticked=[], today=NOW.date(), now=NOW
    )
    assert alert is None
    assert db.session.scalar(db.select(db.func.count(CareAlert.id))) == 0


def test_weekly_scores_must_be_the_clients_own_activities(app: Flask, people: People) -> None:
    theirs = services.add_activity(db.session, people.other, "Run", by=people.physio, now=NOW)
    db.session.flush()
    with pytest.raises(DiaryError):
        services.record_weekly(
            db.session, people.client, scores={theirs.id: 5}, ticked=[], today=NOW.date(), now=NOW
        )
    with pytest.raises(DiaryError):
        services.record_weekly(
            db.session, people.client, scores={}, ticked=["made_up"], today=NOW.date(), now=NOW
        )


def test_psfs_lists_three_to_five_activities(app: Flask, people: People) -> None:
    for name in ("Lift toddler", "Drive an hour", "Garden", "Swim", "Sleep on my side"):
        services.add_activity(db.session, people.client, name, by=people.physio, now=NOW)
    with pytest.raises(DiaryError, match="Five"):
        services.add_activity(db.session, people.client, "Sixth", by=people.physio, now=NOW)


def test_reviews_are_due_every_four_weeks(app: Flask, people: People) -> None:
    def due(start: date) -> bool:
        return services.today_prompts(db.session, people.client, start, NOW.date()).review_due

    assert not due(NOW.date())
    assert due(START)
    services.record_review(db.session, people.client, 3, today=NOW.date(), now=NOW)
    assert not due(START)
    with pytest.raises(DiaryError):
        services.record_review(db.session, people.client, 8, today=NOW.date(), now=NOW)


def test_advice_matches_the_country_and_urgency() -> None:
    assert "999" in measures.ADVICE["emergency"][measures.country_of("Europe/London")]
    assert "000" in measures.ADVICE["emergency"][measures.country_of("Australia/Sydney")]
    assert measures.most_urgent(["weight_loss", "fever"]) == "urgent"
    assert measures.most_urgent([]) is None


def test_today_prompts_in_one_look(app: Flask, people: People) -> None:
    prompts = services.today_prompts(db.session, people.client, START, NOW.date())
    assert (prompts.checkin, prompts.weekly_due, prompts.review_due) == (None, True, True)
    services.record_weekly(
        db.session, people.client, scores={}, ticked=[], today=NOW.date(), now=NOW
    )
    services.record_review(db.session, people.client, 2, today=NOW.date(), now=NOW)
    services.record(
        db.session,
        people.client,
        entry_id=str(uuid.uuid4()),
        kind=EntryKind.CHECKIN,
        checkin=services.CheckIn(2, 3),
        when=when(1),
        now=NOW,
    )
    prompts = services.today_prompts(db.session, people.client, START, NOW.date())
    assert prompts.checkin is not None
    assert (prompts.weekly_due, prompts.review_due) == (False, False)
