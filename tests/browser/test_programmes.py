"""The home-programme journey on a phone: template → client follows along → rating → therapist."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tests.factories import gen_client
from webapp.demo.services import email_for
from webapp.demo.services import password_for
from webapp.extensions import db
from webapp.models import Centre
from webapp.models import Condition
from webapp.models import User


def new_client(live_app: Flask) -> tuple[int, str]:
    """A client of Tom Okafor and Sam Patel in phase 1, with no programme yet."""
    with live_app.app_context():
        centre = db.session.scalar(db.select(Centre).where(Centre.name == "Continuum Islington"))
        team = list(
            db.session.scalars(db.select(User).where(User.name.in_(["Tom Okafor", "Sam Patel"])))
        )
        client = gen_client(
            centre,
            team,
            phase=1,
            condition=Condition.NECK_SHOULDER,
            name="Noor Haddad",
            email="noor.haddad@example.com",
        )
        db.session.commit()
        return client.id, client.email


def test_programme_from_template_to_rating(
    page: Page,
    look: Looker,
    live_app: Flask,
    browser,
    browser_context_args,  # type: ignore[no-untyped-def]
) -> None:
    client_id, client_email = new_client(live_app)

    # The physiotherapist starts Noor's programme from the template and adds one exercise.
    sign_in(page, email_for("Sam Patel"), password_for("Sam Patel"))
    page.goto(f"/clients/{client_id}")
    page.get_by_role("link", name="Home programme").click()
    expect(page.get_by_role("heading", name="No exercises yet")).to_be_visible()
    look.check(page, "therapist-programme-empty")
    page.get_by_role("button", name="Start from the phase 1 template").click()
    expect(page.get_by_role("heading", name="1. Chin nod, lying")).to_be_visible()
    look.check(page, "therapist-programme")

    page.get_by_role("link", name="Add an exercise from the library").click()
    page.get_by_label("Name").fill("calf")
    expect(page.locator("#results")).to_contain_text("Wall calf stretch")
    expect(page.locator("#results")).not_to_contain_text("Chin nod")
    look.check(page, "therapist-library-search")
    page.get_by_role("link", name="Prescribe Wall calf stretch").click()
    page.get_by_label("Personal note for the client").fill("Do these after your evening walk.")
    page.get_by_label("Why").fill("Your calves are tight after walking.")
    look.check(page, "therapist-prescribe")
    page.get_by_role("button", name="Add to programme").click()
    expect(page.get_by_role("heading", name="5. Wall calf stretch")).to_be_visible()

    # Noor opens the app on her phone: the new programme and why it changed.
    phone = browser.new_context(**browser_context_args)
    client_page = phone.new_page()
    client_page.clock.install()
    sign_in(client_page, client_email, PASSWORD)
    expect(client_page.get_by_role("heading", name="Your programme has changed")).to_be_visible()
    expect(client_page.get_by_text("Your calves are tight after walking.")).to_be_visible()
    look.check(client_page, "client-today-programme")
    client_page.get_by_role("button", name="Got it").click()
    expect(client_page.get_by_role("heading", name="Your programme has changed")).to_have_count(0)

    # She follows the chin nods with the timer; it logs the exercise when it finishes.
    client_page.get_by_role("link", name=re.compile("Chin nod, lying")).click()
    expect(client_page.get_by_role("heading", name="Follow along")).to_be_visible()
    look.check(client_page, "client-exercise")
    client_page.get_by_role("button", name="Start").click()
    client_page.clock.run_for(8_000)
    expect(client_page.locator('[data-timer="phase"]')).to_have_text("Hold")
    expect(client_page.locator('[data-timer="progress"]')).to_contain_text("Set 1 of 1")
    look.check(client_page, "client-exercise-timer")
    client_page.clock.run_for(300_000)
    expect(client_page).to_have_url(re.compile(r"/today\?logged="))
    chin = client_page.locator("li.exercise-card", has_text="Chin nod, lying")
    expect(chin).to_contain_text("1 of 2 done")

    # She ticks the neck turns as done and rates them too hard.
    turns = client_page.locator("li.exercise-card", has_text="Gentle neck turns")
    turns.get_by_role("button", name=re.compile("Done")).click()
    expect(turns).to_contain_text("How was it?")
    expect(client_page.locator("#week")).to_contain_text("2 of 18 exercise sessions")
    turns.get_by_label("Too hard").check()
    turns.get_by_label("6", exact=True).check()
    look.check(client_page, "client-rating")
    turns.get_by_role("button", name="Save rating").click()
    expect(turns).to_contain_text("too hard, pain 6/10")
    expect(turns).to_contain_text("1 of 2 done")
    look.check(client_page, "client-today-done")
    phone.close()

    # The physiotherapist sees the rating.
    page.reload()
    sessions = page.get_by_role("table")
    expect(sessions).to_contain_text("Gentle neck turns")
    expect(sessions).to_contain_text("Too hard")
    expect(sessions).to_contain_text("6/10")
    expect(sessions).to_contain_text("(timer)")
    look.check(page, "therapist-sees-rating")
