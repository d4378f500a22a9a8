"""A clinic with the exercise library loaded, for the programme tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import Condition
from webapp.models import Discipline
from webapp.models import Exercise
from webapp.models import User


@dataclass
class Clinic:
    massage: User
    physio: User
    client: User
    other_client: User

    def exercise(self, exercise_id: str) -> Exercise:
        found = db.session.get(Exercise, exercise_id)
        assert found is not None
        return found


@pytest.fixture
def clinic(app: Flask) -> Clinic:
    library.load(db.session, Path(app.config["EXERCISES_DIR"]))
    centre = gen_centre("Islington", "Europe/London")
    massage = gen_therapist(centre, Discipline.MASSAGE, name="Tom Okafor")
    physio = gen_therapist(centre, Discipline.PHYSIO, name="Sam Patel")
    client = gen_client(
        centre, [massage, physio], phase=2, condition=Condition.NECK_SHOULDER, name="Alex Morgan"
    )
    other = gen_client(centre, [massage, physio], name="Ruby Clarke")
    db.session.commit()
    return Clinic(massage, physio, client, other)
