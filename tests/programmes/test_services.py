"""Building a programme: versioned changes, history that carries across, post-op approval."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from tests.programmes.conftest import Clinic
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import Condition
from webapp.models import now_utc
from webapp.programmes import services
from webapp.programmes.services import Dose
from webapp.programmes.services import ProgrammeError


def start(clinic: Clinic, *ids: str):  # type: ignore[no-untyped-def]
    programme = services.programme_for(db.session, clinic.client, clinic.client.active_care_plan)
    for exercise_id in ids:
        exercise = clinic.exercise(exercise_id)
        services.prescribe(
            db.session,
            programme,
            exercise,
            dose=Dose.of(exercise),
            note="",
            reason="Start",
            by=clinic.physio,
            now=now_utc(),
        )
    db.session.commit()
    return programme


def test_prescribing_records_a_version_with_who_and_why(app: Flask, clinic: Clinic) -> None:
    programme = start(clinic, "N2", "S3")
    assert programme.version == 2
    assert [p.exercise_id for p in programme.current] == ["N2", "S3"]
    change = programme.changes[-1]
    assert (change.summary, change.reason, change.changed_by.id) == (
        "Added Shoulder-blade setting",
        "Start",
        clinic.physio.id,
    )


def test_the_same_exercise_twice_is_refused(app: Flask, clinic: Clinic) -> None:
    programme = start(clinic, "N2")
    with pytest.raises(ProgrammeError, match="already in the programme"):
        services.prescribe(
            db.session,
            programme,
            clinic.exercise("N2"),
            dose=Dose.of(clinic.exercise("N2")),
            note="",
            reason="Again",
            by=clinic.physio,
            now=now_utc(),
        )


@pytest.mark.parametrize(
    "change, field",
    [
        ({"sets": 0}, "sets"),
        ({"sets": 11}, "sets"),
        ({"reps": -3}, "reps"),
        ({"reps": None, "hold_seconds": None}, "reps"),
        ({"hold_seconds": 601}, "hold_seconds"),
        ({"rest_seconds": -1}, "rest_seconds"),
        ({"times_per_day": 7}, "times_per_day"),
        ({"times_per_day": None, "days_per_week": None}, "frequency"),
        ({"days_per_week": 3}, "frequency"),
    ],
)
def test_impossible_doses_are_refused(clinic: Clinic, change: dict, field: str) -> None:
    dose = replace(Dose.of(clinic.exercise("N2")), **change)
    with pytest.raises(ProgrammeError) as error:
        dose.check()
    assert error.value.field == field


def test_dose_changes_keep_the_old_row_and_the_slot(app: Flask, clinic: Clinic) -> None:
    programme = start(clinic, "N2")
    old = programme.current[0]
    new = services.change_dose(
        db.session,
        old,
        dose=replace(Dose.of(old), reps=12),
        note="Small range on bad days",
        reason="Easy now",
        by=clinic.physio,
        now=now_utc(),
    )
    db.session.commit()
    assert old.ended_at is not None and old.end_reason == "changed"
    assert (new.slot, new.previous_id, new.reps, new.note) == (old.slot, old.id, 12, new.note)
    assert programme.current == [new]
    assert services.prescriptions_at(programme, 1) == [old]
    assert services.prescriptions_at(programme, 2) == [new]
    with pytest.raises(ProgrammeError, match="changed since"):
        services.change_dose(
            db.session,
            old,
            dose=Dose.of(old),
            note="",
            reason="x",
            by=clinic.physio,
            now=now_utc(),
        )
    with pytest.raises(ProgrammeError, match="Nothing changed"):
        services.change_dose(
            db.session,
            new,
            dose=Dose.of(new),
            note=new.note,
            reason="x",
            by=clinic.physio,
            now=now_utc(),
        )


def test_progress_and_regress_in_one_step(app: Flask, clinic: Clinic) -> None:
    programme = start(clinic, "N1")
    first = programme.current[0]
    harder = services.replace_exercise(
        db.session,
        first,
        clinic.exercise("N5"),
        direction="progress",
        reason="Ready",
        by=clinic.physio,
        now=now_utc(),
    )
    assert harder.exercise.id == "N5" and harder.slot == first.slot
    assert programme.changes[-1].summary == "Progressed Chin nod, lying to Head lift with chin nod"
    easier = services.replace_exercise(
        db.session,
        harder,
        clinic.exercise("N1"),
        direction="regress",
        reason="Flare",
        by=clinic.physio,
        now=now_utc(),
    )
    assert easier.slot == first.slot
    db.session.flush()
    assert [p.exercise_id for p in services.slot_history(programme, first.slot)] == [
        "N1",
        "N5",
        "N1",
    ]
    with pytest.raises(ProgrammeError, match="isn't a progression"):
        services.replace_exercise(
            db.session,
            easier,
            clinic.exercise("K6"),
            direction="progress",
            reason="x",
            by=clinic.physio,
            now=now_utc(),
        )


def test_post_op_progression_needs_explicit_approval(app: Flask, clinic: Clinic) -> None:
    programme = start(clinic, "K1")
    knee = programme.current[0]
    with pytest.raises(ProgrammeError) as error:
        services.replace_exercise(
            db.session,
            knee,
            clinic.exercise("K2"),
            direction="progress",
            reason="Protocol",
            by=clinic.physio,
            now=now_utc(),
        )
    assert error.value.field == "approve_post_op"
    assert knee.ended_at is None
    moved = services.replace_exercise(
        db.session,
        knee,
        clinic.exercise("K2"),
        direction="progress",
        reason="Protocol week 3",
        by=clinic.physio,
        now=now_utc(),
        post_op_approved=True,
    )
    assert moved.exercise.id == "K2"
    assert programme.changes[-1].post_op_approved


def test_any_progression_after_surgery_needs_approval(app: Flask, clinic: Clinic) -> None:
    plan = clinic.client.active_care_plan
    plan.condition = Condition.POST_OP
    programme = start(clinic, "N1")  # not itself a post-op exercise
    with pytest.raises(ProgrammeError, match="surgeon"):
        services.replace_exercise(
            db.session,
            programme.current[0],
            clinic.exercise("N5"),
            direction="progress",
            reason="x",
            by=clinic.physio,
            now=now_utc(),
            plan=plan,
        )
    eased = services.replace_exercise(
        db.session,
        programme.current[0],
        clinic.exercise("N5"),
        direction="progress",
        reason="x",
        by=clinic.physio,
        now=now_utc(),
        plan=plan,
        post_op_approved=True,
    )
    assert eased.exercise.id == "N5"


def test_remove_keeps_history_and_move_reorders(app: Flask, clinic: Clinic) -> None:
    programme = start(clinic, "N2", "S3", "T2")
    n2, s3, t2 = programme.current
    services.move(db.session, t2, direction="up", by=clinic.physio, now=now_utc())
    assert [p.exercise_id for p in sorted(programme.current, key=lambda p: p.position)] == [
        "N2",
        "T2",
        "S3",
    ]
    with pytest.raises(ProgrammeError):
        services.move(db.session, n2, direction="up", by=clinic.physio, now=now_utc())
    services.remove(db.session, s3, reason="Not needed now", by=clinic.physio, now=now_utc())
    db.session.commit()
    assert s3 not in programme.current and s3 in programme.prescriptions
    assert programme.changes[-1].summary == "Removed Shoulder-blade setting"
    assert programme.version == 5


def test_start_from_template_only_on_an_empty_programme(app: Flask, clinic: Clinic) -> None:
    template = library.template_for(Path(app.config["EXERCISES_DIR"]), Condition.NECK_SHOULDER)
    exercises = library.by_ids(db.session, template.phases[2])
    programme = services.programme_for(db.session, clinic.client, None)
    made = services.start_from_template(
        db.session, programme, template, 2, exercises, by=clinic.physio, now=now_utc()
    )
    assert [p.exercise.id for p in made] == ["N2", "N5", "S5", "S7", "T2"]
    assert programme.version == 1
    with pytest.raises(ProgrammeError):
        services.start_from_template(
            db.session, programme, template, 2, exercises, by=clinic.physio, now=now_utc()
        )


def test_the_client_sees_changes_until_they_say_so(app: Flask, clinic: Clinic) -> None:
    programme = start(clinic, "N2")
    assert [c.version for c in services.unseen_changes(db.session, programme)] == [1]
    services.mark_changes_seen(programme, 1)
    assert services.unseen_changes(db.session, programme) == []
    start(clinic, "S3")
    assert [c.summary for c in services.unseen_changes(db.session, programme)] == [
        "Added Shoulder-blade setting"
    ]
    services.mark_changes_seen(programme, 99)  # never past the real version
    assert programme.client_seen_version == programme.version


def test_dose_describes_itself_plainly(clinic: Clinic) -> None:
    assert Dose(1, 10, 10, 30, 2, None).describe() == "10 × 10 s holds, twice a day"
    assert Dose(3, 12, None, 60, None, 3).describe() == "3 sets of 12 reps, 3 days a week"
    assert Dose(1, 1, 300, 0, 1, None).describe() == "5 minutes, once a day"
    assert Dose(2, None, 30, 30, 1, None, True).describe() == "2 sets of 30 s each side, once a day"
