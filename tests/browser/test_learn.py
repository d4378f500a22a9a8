"""Learn on a phone: from Today to an article after a phase change, and reading it offline."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from tests.browser.test_offline import controlled
from tests.factories import PASSWORD
from tests.factories import gen_client
from webapp.extensions import db
from webapp.models import Centre
from webapp.models import Condition
from webapp.models import User
from webapp.models import now_utc
from webapp.pathway import services as pathway


def moved_client(live_app: Flask, name: str, email: str) -> None:
    """A neck and shoulder client their physio moved to phase 2 three days ago."""
    with live_app.app_context():
        centre = db.session.scalar(db.select(Centre).where(Centre.name == "Continuum Islington"))
        team = list(
            db.session.scalars(db.select(User).where(User.name.in_(["Tom Okafor", "Sam Patel"])))
        )
        now = now_utc()
        client = gen_client(
            centre,
            team,
            phase=1,
            condition=Condition.NECK_SHOULDER,
            name=name,
            email=email,
            now=now - timedelta(days=30),
        )
        physio = next(member for member in team if member.name == "Sam Patel")
        pathway.change_phase(
            db.session,
            client.active_care_plan,  # type: ignore[arg-type]
            to_phase=2,
            reason="Your pain has settled and the gentle moves are a habit now.",
            by=physio,
            now=now - timedelta(days=3),
        )
        db.session.commit()


def test_a_client_reads_about_their_new_phase_from_today(
    page: Page, look: Looker, live_app: Flask
) -> None:
    moved_client(live_app, "Lena Learner", "lena@example.com")
    sign_in(page, "lena@example.com", PASSWORD)
    card = page.locator("section.learn-card")
    expect(card.get_by_role("heading")).to_have_text("You've moved to phase 2: what changes")
    card.scroll_into_view_if_needed()
    look.check(page, "learn-today")

    card.get_by_role("link", name="Read about phase 2").click()
    expect(page).to_have_url(re.compile(r"/learn/phase-2$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Phase 2: moving more freely")
    expect(page.get_by_text("Reviewed 20 Nov 2026 by Clinical lead, physiotherapy")).to_be_visible()
    look.check(page, "learn-article")

    page.get_by_role("link", name="Using pain as a guide when you exercise").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Using pain as a guide when you exercise"
    )
    expect(page.get_by_text("More than 5: stop.")).to_be_visible()
    look.check(page, "learn-article-pain")

    page.get_by_role("link", name="All articles").click()
    expect(page).to_have_url(re.compile(r"/learn$"))
    sections = page.get_by_role("heading", level=2)
    expect(sections.first).to_have_text("For you in phase 2")
    look.check(page, "learn-index")

    page.goto("/learn/no-such-article")
    expect(page.get_by_role("heading", name="We couldn't find that article")).to_be_visible()
    look.check(page, "learn-missing")


def test_an_article_opened_once_reads_offline(page: Page, look: Looker, live_app: Flask) -> None:
    moved_client(live_app, "Otto Offline", "otto@example.com")
    sign_in(page, "otto@example.com", PASSWORD)
    controlled(page)
    page.locator("section.learn-card").get_by_role("link", name="Read about phase 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phase 2: moving more freely")
    page.wait_for_load_state("networkidle")

    page.context.set_offline(True)
    page.reload()  # no signal: the worker serves the copy it kept of this article
    expect(page.get_by_role("heading", level=1)).to_have_text("Phase 2: moving more freely")
    expect(page.get_by_text("Reviewed 20 Nov 2026")).to_be_visible()
    look.check(page, "learn-article-offline")
    page.goto("/learn/flare-ups")  # never opened on this phone
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    page.context.set_offline(False)
