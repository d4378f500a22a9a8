"""Reminder settings on a phone, and a push that the service worker shows and opens."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from tests.browser.test_offline import controlled
from tests.browser.test_offline import new_client
from tests.factories import PASSWORD


def test_a_client_chooses_times_quiet_hours_and_a_pause(
    page: Page, look: Looker, live_app: Flask
) -> None:
    new_client(live_app, "Rita Reminder", "rita@example.com")
    sign_in(page, "rita@example.com", PASSWORD)
    page.get_by_role("link", name="Reminder settings").click()
    expect(page.get_by_role("heading", name="Reminders", exact=True)).to_be_visible()
    expect(page.get_by_label("Send me reminders")).to_be_checked()
    expect(page.get_by_label("First reminder")).to_have_value("08:30")
    look.check(page, "client-reminders")

    page.get_by_label("Sun").uncheck()
    page.get_by_label("Sat").uncheck()
    page.get_by_label("First reminder").fill("07:45")
    page.get_by_label("By email").check()
    page.get_by_label("Quiet until").fill("07:00")
    page.get_by_label("Pause reminders").select_option(label="For 3 days")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    expect(page.get_by_text(re.compile("Paused until the end of"))).to_be_visible()
    expect(page.get_by_label("First reminder")).to_have_value("07:45")
    expect(page.get_by_label("Sat")).not_to_be_checked()
    look.check(page, "client-reminders-saved")

    # Reminders on, but no day chosen: the form says so and keeps the rest.
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri"):
        page.get_by_label(day).uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Choose at least one day, or turn reminders off.")).to_be_visible()
    expect(page.get_by_label("First reminder")).to_have_value("07:45")
    look.check(page, "client-reminders-error")

    # A time inside quiet hours would never ring: the form says so, and saves nothing.
    page.get_by_label("Mon").check()
    page.get_by_label("First reminder").fill("06:30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("06:30 is inside your quiet hours (21:00–07:00)")).to_be_visible()
    expect(page.get_by_label("First reminder")).to_have_value("06:30")
    expect(page.get_by_text("Saved.")).to_have_count(0)
    look.check(page, "client-reminders-quiet-error")


def test_a_push_is_shown_and_tapping_it_opens_its_page(
    playwright,
    browser_type_launch_args,
    browser_context_args,
    live_app: Flask,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    new_client(live_app, "Pat Push", "pat@example.com")
    phone = {k: v for k, v in browser_context_args.items() if k != "default_browser_type"}
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), **browser_type_launch_args, **phone
    )
    try:
        context.grant_permissions(["notifications"], origin=live_app.config["BASE_URL"])
        page = context.new_page()
        sign_in(page, "pat@example.com", PASSWORD)
        controlled(page)
        session = context.new_cdp_session(page)
        registrations: list[dict] = []
        session.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        session.send("ServiceWorker.enable")
        deadline = time.monotonic() + 10
        while not registrations:
            assert time.monotonic() < deadline, "no service worker registration reported"
            page.wait_for_timeout(100)
        payload = {
            "title": "Continuum",
            "body": "Your session is tomorrow: Tue 1 Dec at 10:00 at Continuum Islington.",
            "url": live_app.config["BASE_URL"] + "/sessions",
        }
        session.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": live_app.config["BASE_URL"],
                "registrationId": registrations[0]["registrationId"],
                "data": json.dumps(payload),
            },
        )
        worker = context.service_workers[0]
        shown: list[dict] = []
        deadline = time.monotonic() + 10
        while not shown:
            assert time.monotonic() < deadline, "the service worker showed no notification"
            shown = worker.evaluate(
                "self.registration.getNotifications()"
                ".then(list => list.map(n => ({title: n.title, body: n.body, url: n.data.url})))"
            )
            page.wait_for_timeout(100)
        assert shown[0]["title"] == "Continuum"
        assert shown[0]["body"].startswith("Your session is tomorrow")
        # Tap it: the worker's click handler brings the app to the notification's page.
        worker.evaluate(
            "self.registration.getNotifications().then(([n]) =>"
            " self.dispatchEvent(new NotificationEvent('notificationclick', {notification: n})))"
        )
        expect(page).to_have_url(re.compile(r"/sessions$"))
        expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
    finally:
        context.close()
