"""Learn through the browser's eyes (Flask test client): the list, an article, a missing one,
and the places the app points to an article."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import login
from tests.factories import plan_of
from webapp.diary import services as diary
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import Condition
from webapp.models import Discipline
from webapp.models import Exercise
from webapp.models import User
from webapp.models import now_utc
from webapp.pathway import services as pathway
from webapp.programmes import services as programmes


@dataclass
class Clinic:
    physio: User
    client: User

    def signed_in(self, app: Flask) -> FlaskClient:
        http = app.test_client()
        assert login(http, self.client).status_code == 302
        return http


@pytest.fixture
def clinic(app: Flask) -> Clinic:
    centre = gen_centre("Islington", "Europe/London")
    massage = gen_therapist(centre, Discipline.MASSAGE, name="Tom Okafor")
    physio = gen_therapist(centre, Discipline.PHYSIO, name="Sam Patel")
    client = gen_client(
        centre,
        [massage, physio],
        phase=2,
        condition=Condition.NECK_SHOULDER,
        name="Alex Morgan",
        now=now_utc() - timedelta(days=40),
    )
    db.session.commit()
    return Clinic(physio, client)


def test_the_learn_page_lists_the_clients_phase_first(app: Flask, clinic: Clinic) -> None:
    response = clinic.signed_in(app).get("/learn")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.index("For you in phase 2") < body.index("Your pathway")
    assert body.index('href="/learn/phase-2"') < body.index('href="/learn/phase-1"')
    assert 'href="/learn/urgent-care"' in body
    assert "X-Continuum-Offline" in response.headers  # kept on the phone once opened


def test_an_article_shows_who_reviewed_it_and_what_to_read_next(app: Flask, clinic: Clinic) -> None:
    response = clinic.signed_in(app).get("/learn/pain-as-a-guide")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 id="article-heading">Using pain as a guide when you exercise</h1>' in body
    assert "Reviewed 20 Nov 2026 by Clinical lead, physiotherapy" in body
    assert "2 min read" in body
    assert "<strong>0 to 3: fine.</strong>" in body
    assert 'href="/learn/flare-ups"' in body and "Read next" in body
    assert response.headers["Cache-Control"] == "no-store"
    assert "X-Continuum-Offline" in response.headers


@pytest.mark.parametrize("slug", ["no-such-article", "README", "Phase-1", "phase-1.md"])
def test_an_unknown_article_is_a_clear_404(app: Flask, clinic: Clinic, slug: str) -> None:
    response = clinic.signed_in(app).get(f"/learn/{slug}")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "We couldn&#39;t find that article" in body or "We couldn't find that article" in body
    assert 'href="/learn"' in body
    assert "X-Continuum-Offline" not in response.headers


def test_today_links_the_current_phases_article(app: Flask, clinic: Clinic) -> None:
    body = clinic.signed_in(app).get("/today").get_data(as_text=True)
    assert 'href="/learn/phase-2">Phase 2: moving more freely</a>' in body
    assert 'href="/learn"' in body
    assert "You&#39;ve moved" not in body and "You've moved" not in body


@pytest.mark.parametrize(
    ("to_phase", "heading"),
    [(3, "moved to phase 3: what changes"), (1, "moved back to phase 1: what changes")],
)
def test_after_a_phase_change_today_says_what_changes(
    app: Flask, clinic: Clinic, to_phase: int, heading: str
) -> None:
    pathway.change_phase(
        db.session,
        plan_of(clinic.client),
        to_phase=to_phase,
        reason="Reviewed together",
        by=clinic.physio,
        now=now_utc() - timedelta(days=3),
    )
    db.session.commit()
    body = clinic.signed_in(app).get("/today").get_data(as_text=True)
    assert heading in body
    assert f'href="/learn/phase-{to_phase}">Read about phase {to_phase}</a>' in body


def test_a_phase_change_is_news_for_two_weeks_only(app: Flask, clinic: Clinic) -> None:
    pathway.change_phase(
        db.session,
        plan_of(clinic.client),
        to_phase=3,
        reason="Strong enough",
        by=clinic.physio,
        now=now_utc() - timedelta(days=15),
    )
    db.session.commit()
    body = clinic.signed_in(app).get("/today").get_data(as_text=True)
    assert "moved to phase 3" not in body
    assert 'href="/learn/phase-3">Phase 3: building strength that lasts</a>' in body


def test_a_red_flag_answer_links_to_urgent_help(app: Flask, clinic: Clinic) -> None:
    http = clinic.signed_in(app)
    calm = http.get("/diary/weekly/done").get_data(as_text=True)
    assert "/learn/urgent-care" not in calm
    diary.record_weekly(
        db.session,
        clinic.client,
        scores={},
        ticked=["fever"],
        today=date.today(),
        now=now_utc(),
    )
    db.session.commit()
    flagged = http.get("/diary/weekly/done?flagged=1").get_data(as_text=True)
    assert "Contact your GP today" in flagged
    assert '<a href="/learn/urgent-care">When to get urgent help</a>' in flagged


def test_a_programme_change_links_to_pain_as_a_guide(app: Flask, clinic: Clinic) -> None:
    http = clinic.signed_in(app)
    assert "/learn/pain-as-a-guide" not in http.get("/today").get_data(as_text=True)
    library.load(db.session, Path(app.config["EXERCISES_DIR"]))
    programme = programmes.programme_for(db.session, clinic.client, plan_of(clinic.client))
    exercise = db.session.get(Exercise, "N2")
    assert exercise is not None
    programmes.prescribe(
        db.session,
        programme,
        exercise,
        dose=programmes.Dose.of(exercise),
        note="",
        reason="Start gently",
        by=clinic.physio,
        now=now_utc(),
    )
    db.session.commit()
    body = http.get("/today").get_data(as_text=True)
    assert "Your programme has changed" in body
    assert 'href="/learn/pain-as-a-guide">how to use pain as a guide</a>' in body


def test_without_articles_the_app_still_works(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(LEARN_DIR=str(tmp_path / "no-articles"))
    with app.app_context():
        centre = gen_centre()
        team = [gen_therapist(centre, Discipline.MASSAGE), gen_therapist(centre, Discipline.PHYSIO)]
        client = gen_client(centre, team, email=f"{uuid.uuid4().hex}@example.test")
        db.session.commit()
        http = app.test_client()
        login(http, client)
        today = http.get("/today")
        assert today.status_code == 200 and 'href="/learn/phase-1"' not in today.get_data(
            as_text=True
        )
        assert "nothing to read here yet" in http.get("/learn").get_data(as_text=True)
        assert http.get("/learn/phase-1").status_code == 404
        db.session.remove()
