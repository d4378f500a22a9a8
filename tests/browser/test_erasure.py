"""Erasure on a phone: a client asks to have their data erased; their clinic's admin reviews
the request and carries it out; the client's phone is signed out for good."""

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
from webapp.models import User

ADMIN = "Priya Shah"  # admin of Islington
NAME = "Imogen Erasmus-Wright"
EMAIL = "imogen.ew@example.com"


def test_a_client_asks_to_be_erased_and_the_admin_carries_it_out(
    page: Page,
    look: Looker,
    live_app: Flask,
    browser,
    browser_context_args,  # type: ignore[no-untyped-def]
) -> None:
    with live_app.app_context():
        islington = db.session.scalar(db.select(Centre).where(Centre.name == "Continuum Islington"))
        team = [
            db.session.scalar(db.select(User).where(User.name == name))
            for name in ("Tom Okafor", "Sam Patel")
        ]
        gen_client(islington, team, name=NAME, email=EMAIL)
        db.session.commit()

    sign_in(page, EMAIL, PASSWORD)
    page.goto("/settings/privacy")
    page.get_by_role("link", name="Ask us to erase your data").click()
    expect(page.get_by_role("heading", name="Erase your data", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="download your data first")).to_be_visible()
    look.check(page, "erasure-client")

    page.get_by_label("Your password").fill("not it")
    page.get_by_role("button", name="Ask to erase my data").click()
    expect(page.get_by_text("That isn't your password")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Ask to erase my data").click()
    expect(page.get_by_role("heading", name="You've asked us to erase your data")).to_be_visible()
    expect(page.get_by_role("button", name="I've changed my mind")).to_be_visible()
    look.check(page, "erasure-client-asked")

    desk_context = browser.new_context(**browser_context_args)
    desk = desk_context.new_page()
    sign_in(desk, email_for(ADMIN), password_for(ADMIN))
    desk.get_by_role("link", name=re.compile(r"Erasure requests \(\d+ waiting\)")).click()
    expect(desk.get_by_role("heading", name="Erasure requests")).to_be_visible()
    look.check(desk, "erasure-admin-requests")
    desk.get_by_role("link", name=re.compile(NAME)).click()
    expect(desk.get_by_role("heading", name=NAME)).to_be_visible()
    expect(desk.get_by_text("Care plans and goals: 1")).to_be_visible()
    look.check(desk, "erasure-admin-review")

    desk.get_by_role("button", name="Erase this client's data").click()
    expect(desk.get_by_text("Tick the box to confirm before erasing.")).to_be_visible()
    look.check(desk, "erasure-admin-unticked")
    desk.get_by_label(re.compile("I have checked this is the right client")).check()
    desk.get_by_role("button", name="Erase this client's data").click()
    expect(desk.get_by_role("heading", name="Erased", exact=True)).to_be_visible()
    expect(desk.get_by_role("heading", name=re.compile(r"^Erased client #\d+$"))).to_be_visible()
    look.check(desk, "erasure-admin-done")
    desk_context.close()

    page.goto("/today")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That email and password don't match an account")).to_be_visible()
