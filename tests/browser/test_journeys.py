"""User journeys on a Pixel 7, against a live server, each screen checked with axe."""

from __future__ import annotations

import re

from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from webapp.demo.services import email_for
from webapp.demo.services import password_for


def test_client_signs_in_on_a_phone_and_sees_their_phase(page: Page, look: Looker) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    look.check(page, "sign-in")

    page.get_by_label("Email").fill(email_for("Alex Morgan"))
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("don't match an account")
    expect(page.get_by_label("Email")).to_have_value(email_for("Alex Morgan"))
    look.check(page, "sign-in-error")

    sign_in(page, email_for("Alex Morgan"), password_for("Alex Morgan"))
    expect(page).to_have_url(re.compile(r"/today$"))
    expect(page.get_by_role("heading", name="Phase 2: Mobility & activation")).to_be_visible()
    expect(page.get_by_text("You've been in this phase 2 weeks.")).to_be_visible()
    expect(
        page.locator("section", has_text="Your care team").get_by_text("Tom Okafor")
    ).to_be_visible()
    look.check(page, "client-today")
    page.screenshot(path=SCREENSHOTS / "client-today-viewport.png")

    page.get_by_role("link", name="My pathway").click()
    expect(page.get_by_role("heading", name="Your journey so far")).to_be_visible()
    expect(page.get_by_text("Moved on to phase 2")).to_be_visible()
    look.check(page, "client-pathway")

    page.get_by_role("link", name="Diary").click()
    page.get_by_role("link", name="6 weeks").click()
    expect(page.get_by_role("heading", name="Pain over 6 weeks")).to_be_visible()
    expect(page.locator("svg.chart polyline.mean")).to_have_count(1)
    look.check(page, "client-diary-six-weeks")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login\?signed_out=1"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    look.check(page, "signed-out")
    page.goto("/today")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    look.check(page, "sign-in-to-continue")


def test_therapist_moves_a_client_on_and_the_client_sees_why(
    page: Page,
    look: Looker,
    browser,
    browser_context_args,  # type: ignore[no-untyped-def]
) -> None:
    sign_in(page, email_for("Sam Patel"), password_for("Sam Patel"))
    expect(page.get_by_role("heading", name="My clients")).to_be_visible()
    look.check(page, "therapist-home")

    page.get_by_role("link", name="Fatima Khan", exact=True).click()
    expect(page.get_by_role("heading", name="Fatima Khan")).to_be_visible()
    look.check(page, "therapist-client")

    # Forgetting the reason keeps the choice and explains what is missing.
    page.get_by_label(re.compile("Phase 2 · Mobility")).check()
    page.get_by_role("button", name="Save phase change").click()
    expect(page.get_by_text("Say why, so the whole care team and the client know.")).to_be_visible()
    expect(page.get_by_label(re.compile("Phase 2 · Mobility"))).to_be_checked()
    look.check(page, "therapist-phase-error")

    reason = "Forearm pain is down to 2/10 and settles overnight. Time to build strength."
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Save phase change").click()
    expect(page.get_by_role("status")).to_contain_text("Moved to phase 2")
    expect(page.locator("#phase-panel")).to_contain_text(reason)
    look.check(page, "therapist-phase-changed")

    phone = browser.new_context(**browser_context_args)
    client_page = phone.new_page()
    sign_in(client_page, email_for("Fatima Khan"), password_for("Fatima Khan"))
    expect(
        client_page.get_by_role("heading", name="Phase 2: Mobility & activation")
    ).to_be_visible()
    client_page.get_by_role("link", name="My pathway").click()
    expect(client_page.get_by_text(reason)).to_be_visible()
    expect(client_page.get_by_text("Decided by Sam Patel, physiotherapist")).to_be_visible()
    look.check(client_page, "client-pathway-after-change")
    phone.close()


def test_admin_invites_a_client_who_sets_a_password(
    page: Page,
    look: Looker,
    browser,
    browser_context_args,  # type: ignore[no-untyped-def]
) -> None:
    sign_in(page, email_for("Priya Shah"), password_for("Priya Shah"))
    expect(page.get_by_role("heading", name="Your centres")).to_be_visible()
    look.check(page, "admin-home")
    page.get_by_label("Find a client").fill("morgan")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Alex Morgan")).to_be_visible()
    expect(page.get_by_text("matching “morgan”")).to_be_visible()
    look.check(page, "admin-home-search")

    page.get_by_role("link", name="Invite a client").first.click()
    look.check(page, "admin-invite-form-empty")
    page.get_by_label("Full name").fill("Maya Brooks")
    page.get_by_label("Email").fill("maya.brooks@example.com")
    page.get_by_label("Condition").select_option(label="Low back pain")
    page.get_by_label("Hannah Lewis").check()
    page.get_by_role("button", name="Create client and invitation link").click()
    expect(page.get_by_text("Choose at least one physiotherapist.")).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Maya Brooks")
    look.check(page, "admin-invite-error")

    page.get_by_label("Grace Murphy").check()
    page.get_by_role("button", name="Create client and invitation link").click()
    expect(page.get_by_role("heading", name="Invitation for Maya")).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    look.check(page, "admin-invitation")
    link = page.get_by_label("Invitation link").input_value()

    phone = browser.new_context(**browser_context_args)
    client_page = phone.new_page()
    client_page.goto(link)
    expect(client_page.get_by_role("heading", name="Welcome, Maya")).to_be_visible()
    look.check(client_page, "client-set-password")
    client_page.get_by_label("New password").fill("quiet morning walk")
    client_page.get_by_label("Type it again").fill("quiet morning walk")
    client_page.get_by_role("button", name="Set password and continue").click()
    expect(client_page.get_by_text("Your account is ready.")).to_be_visible()
    expect(client_page.get_by_role("heading", name="Your care team")).to_be_visible()
    client_page.get_by_role("button", name="Skip the tour").click()
    expect(
        client_page.get_by_role("heading", name="Phase 1: Pain relief & relaxation")
    ).to_be_visible()
    client_page.goto(link)
    expect(
        client_page.get_by_role("heading", name="This link has already been used")
    ).to_be_visible()
    look.check(client_page, "invitation-used")
    phone.close()


def test_an_admin_of_two_centres_turns_the_pages_of_clients(page: Page, look: Looker) -> None:
    sign_in(page, email_for("Ruth Adler"), password_for("Ruth Adler"))
    pages = page.get_by_role("navigation", name="Pages of clients")
    expect(pages.get_by_text(re.compile(r"Page 1 of \d"))).to_be_visible()
    pages.get_by_role("link", name="Next page").click()
    expect(pages.get_by_text(re.compile(r"Page 2 of \d"))).to_be_visible()
    expect(pages.get_by_role("link", name="Previous page")).to_be_visible()
    look.check(page, "admin-home-page-2")


def test_admin_care_team_follows_the_centre(page: Page, look: Looker) -> None:
    sign_in(page, email_for("Ruth Adler"), password_for("Ruth Adler"))
    page.goto("/admin/clients/new")
    expect(page.get_by_label("Hannah Lewis")).to_be_visible()
    look.check(page, "admin-two-centres-form")
    page.get_by_label("Centre").select_option(label="Continuum Surry Hills")
    expect(page.get_by_label("Jack Wilson")).to_be_visible()
    expect(page.get_by_label("Hannah Lewis")).to_have_count(0)
    look.check(page, "admin-invite-form")
