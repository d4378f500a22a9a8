"""A therapist opens a client's brief; the client sees it under "who has looked at my record";
the admin finds it in the access log."""

from __future__ import annotations

import re

from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from webapp.demo.services import email_for
from webapp.demo.services import password_for

CLIENT = "Alex Morgan"  # Tom Okafor (massage) and Sam Patel (physio) at Islington
THERAPIST = "Sam Patel"
ADMIN = "Priya Shah"  # admin of Islington


def test_a_client_sees_who_opened_their_brief_and_the_admin_finds_it(
    page: Page,
    look: Looker,
    browser,
    browser_context_args,  # type: ignore[no-untyped-def]
) -> None:
    tablet = browser.new_context(**browser_context_args)
    therapist = tablet.new_page()
    sign_in(therapist, email_for(THERAPIST), password_for(THERAPIST))
    therapist.locator(".caseload-row", has_text=CLIENT).get_by_role(
        "link", name=re.compile("Brief")
    ).click()
    expect(therapist.get_by_role("heading", name=CLIENT)).to_be_visible()
    tablet.close()

    sign_in(page, email_for(CLIENT), password_for(CLIENT))
    page.get_by_role("link", name="Your data and privacy").click()
    page.get_by_role("link", name="See who has looked at your record").click()
    expect(page.get_by_role("heading", name="Who has looked at your record")).to_be_visible()
    today = page.locator("section.card", has=page.get_by_role("heading", name="Today"))
    seen = today.locator(".access-list li", has_text="read your pre-session brief").first
    expect(seen).to_contain_text(THERAPIST)
    expect(seen).to_contain_text("Physiotherapist")
    expect(seen).to_contain_text("Continuum Islington")
    expect(page.get_by_text(re.compile(r"read your (diary|home programme)$"))).to_have_count(0)
    look.check(page, "client-who-has-looked")

    admin = browser.new_context(
        **{**browser_context_args, "viewport": {"width": 1280, "height": 900}}
    )
    desk = admin.new_page()
    desk.set_viewport_size({"width": 1280, "height": 900})
    sign_in(desk, email_for(ADMIN), password_for(ADMIN))
    desk.get_by_role("link", name="Access log").click()
    expect(desk.get_by_role("heading", name="Access log")).to_be_visible()
    desk.get_by_label("Client").fill("alex morg")
    desk.get_by_label("Staff member").select_option(label=f"{THERAPIST} (Physiotherapist)")
    desk.get_by_role("button", name="Search").click()
    expect(desk).to_have_url(re.compile(r"client=alex\+morg"))
    expect(
        desk.get_by_text(re.compile(r"Clients matching .alex morg.: Alex Morgan"))
    ).to_be_visible()
    row = desk.locator("tbody tr", has_text="brief").first
    expect(row).to_contain_text(THERAPIST)
    expect(row).to_contain_text("Physiotherapist")
    expect(row).to_contain_text(CLIENT)
    expect(row.locator("code")).to_have_text(re.compile(r"^[0-9a-f]{16}$"))
    look.check(desk, "admin-access-log")
    admin.close()
