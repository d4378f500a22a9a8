"""Two-step sign-in and a forgotten password, on a phone: a new staff member sets up an
authenticator and signs in with its code; a client resets their password from the email."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import fresh_code
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tests.factories import gen_client
from tests.factories import gen_user
from tests.reminders.sinks import SmtpSink
from webapp.extensions import db
from webapp.models import Centre
from webapp.models import Role
from webapp.models import User

LINK = re.compile(r"https?://[^\s]+(/reset/[A-Za-z0-9_-]+)")


def islington(live_app: Flask) -> Centre:
    return db.session.scalar(db.select(Centre).where(Centre.name == "Continuum Islington"))


def test_a_new_admin_sets_up_an_authenticator_and_signs_in_with_it(
    page: Page, look: Looker, live_app: Flask
) -> None:
    email = "nadia.new@example.com"
    with live_app.app_context():
        gen_user(Role.ADMIN, [islington(live_app)], name="Nadia New", email=email, two_factor=False)
        db.session.commit()

    sign_in(page, email, PASSWORD)
    # The password alone leads nowhere but the set-up.
    expect(page).to_have_url(re.compile(r"/settings/security/two-factor$"))
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    look.check(page, "two-factor-setup")
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/settings/security/two-factor$"))

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("6-digit code from the app").fill("000000")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_text("That code doesn't match")).to_be_visible()
    page.get_by_label("6-digit code from the app").fill(fresh_code(email, secret))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    look.check(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="I've saved them, continue").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.get_by_role("link", name="Security").click()
    expect(page.get_by_text("Recovery codes left: 10")).to_be_visible()
    look.check(page, "two-factor-security-staff")
    page.get_by_role("button", name="Sign out", exact=True).click()

    # Signing in again: the password, then the code from the app.
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login/code$"))
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    look.check(page, "two-factor-code")
    page.get_by_label("6-digit code").fill(fresh_code(email, secret))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    with live_app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        assert user.has_second_factor and user.totp_secret == secret


def test_a_client_resets_a_forgotten_password_from_the_email(
    page: Page, look: Looker, live_app: Flask
) -> None:
    email = "fern.forgetful@example.com"
    with live_app.app_context():
        team = db.session.scalars(db.select(User).where(User.name.in_(["Tom Okafor", "Sam Patel"])))
        gen_client(islington(live_app), list(team), name="Fern Forgetful", email=email)
        db.session.commit()
    sink = SmtpSink().start()
    live_app.config["SMTP_URL"] = sink.url
    try:
        page.goto("/login")
        page.get_by_role("link", name="Forgotten your password?").click()
        look.check(page, "reset-forgot")
        page.get_by_label("Email").fill(email)
        page.get_by_role("button", name="Email me a link").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        look.check(page, "reset-sent")
        for _ in range(50):
            if sink.mails:
                break
            page.wait_for_timeout(100)
    finally:
        live_app.config["SMTP_URL"] = ""
        sink.stop()
    assert [mail.to for mail in sink.mails] == [[email]]
    path = LINK.search(sink.mails[0].body).group(1)

    page.goto(path)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    look.check(page, "reset-choose")
    new_password = "fern remembers this one"
    page.get_by_label("New password").fill(new_password)
    page.get_by_label("Type it again").fill(new_password)
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    look.check(page, "reset-done")

    page.goto(path)
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    page.context.clear_cookies()
    sign_in(page, email, new_password)
    expect(page).to_have_url(re.compile(r"/today$"))
    # Clients find two-step sign-in and "sign out everywhere" from Today.
    page.get_by_role("link", name="Security", exact=True).click()
    expect(page.get_by_role("link", name="Turn on two-step sign-in")).to_be_visible()
    look.check(page, "client-security")
