"""A client in a London centre whose care began on 1 October 2026."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from webapp.extensions import db
from webapp.models import Discipline
from webapp.models import User


@dataclass
class People:
    client: User
    other: User
    physio: User
    massage: User


@pytest.fixture
def people(app: Flask) -> People:
    centre = gen_centre("Islington", "Europe/London")
    massage = gen_therapist(centre, Discipline.MASSAGE)
    physio = gen_therapist(centre, Discipline.PHYSIO)
    client = gen_client(centre, [massage, physio], name="Alex Morgan")
    other = gen_client(centre, [massage, physio], name="Ruby Clarke")
    db.session.commit()
    return People(client, other, physio, massage)
