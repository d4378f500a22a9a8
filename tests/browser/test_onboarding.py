"""A new client's first minute on a phone: set a password, take the tour, choose reminders."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from webapp.admin import services as admin
from webapp.extensions import db
from webapp.models import Centre
from webapp.models import Condition
from webapp.models import User
from webapp.models import now_utc


def invite(live_app: Flask, name: str, email: str) -> str:
    with live_app.app_context():
        centre = db.session.scalar(db.select(Centre).where(Centre.name == "Continuum Islington"))
        staff = {
            u.name: u
            for u in db.session.scalars(
                db.select(User).where(User.name.in_(["Tom Okafor", "Sam Patel", "Priya Shah"]))
            )
        }
        _client, token = admin.invite_client(
            db.session,
            admin=staff["Priya Shah"],
            name=name,
            email=email,
            centre=centre,
            condition=Condition.NECK_SHOULDER,
            phase=1,
            team=[staff["Tom Okafor"], staff["Sam Patel"]],
            goals="Turn my head to reverse the car",
            start_date=now_utc().date(),
            now=now_utc(),
            ttl=timedelta(days=7),
        )
        db.session.commit()
        return f"/invite/{token}"


def test_a_new_client_takes_the_tour_on_a_phone(page: Page, look: Looker, live_app: Flask) -> None:
    page.goto(invite(live_app, "Olu Onboard", "olu@example.com"))
    page.get_by_label("New password").fill("kettle on the hob")
    page.get_by_label("Type it again").fill("kettle on the hob")
    page.get_by_role("button", name="Set password and continue").click()

    expect(page.get_by_text("Your account is ready.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your care team")).to_be_visible()
    expect(page.get_by_text("Tom Okafor")).to_be_visible()
    expect(page.get_by_text("Sam Patel")).to_be_visible()
    look.check(page, "onboarding-1-team")

    page.get_by_role("link", name="Next").click()
    expect(page.get_by_role("heading", name="Your phase and plan")).to_be_visible()
    expect(page.get_by_text("Your therapists will add your home exercises soon.")).to_be_visible()
    look.check(page, "onboarding-2-plan")

    page.get_by_role("link", name="Next").click()
    expect(page.get_by_role("heading", name="Logging takes seconds")).to_be_visible()
    look.check(page, "onboarding-3-logging")
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("heading", name="Your phase and plan")).to_be_visible()
    page.get_by_role("link", name="Next").click()

    page.get_by_role("link", name="Next").click()
    expect(page.get_by_role("heading", name="Reminders, if you want them")).to_be_visible()
    expect(page.get_by_role("button", name="Skip the tour")).to_have_count(0)
    look.check(page, "onboarding-4-reminders")
    page.get_by_role("button", name="Choose my reminders").click()
    expect(page.get_by_role("heading", name="Reminders", exact=True)).to_be_visible()

    # Today no longer offers the tour, but it is still there to read again.
    page.goto("/today")
    expect(page.get_by_role("heading", name="New here?")).to_have_count(0)
    page.get_by_role("link", name="How Continuum works").click()
    expect(page.get_by_role("heading", name="Your care team")).to_be_visible()
    expect(page.get_by_text("Your account is ready.")).to_have_count(0)


def test_a_client_can_skip_the_tour_and_find_it_on_today(
    page: Page, look: Looker, live_app: Flask
) -> None:
    page.goto(invite(live_app, "Sian Skipper", "sian@example.com"))
    page.get_by_label("New password").fill("river bank stroll")
    page.get_by_label("Type it again").fill("river bank stroll")
    page.get_by_role("button", name="Set password and continue").click()
    page.get_by_role("button", name="Skip the tour").click()
    expect(page).to_have_url(re.compile(r"/today$"))
    expect(page.get_by_role("heading", name="New here?")).to_have_count(0)
    expect(page.get_by_role("link", name="How Continuum works")).to_be_visible()
