"""The offline-first app on a phone: check-in, logging without signal, a shared phone,
and Chromium's installability check."""

from __future__ import annotations

import re
import time
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tests.factories import gen_client
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import Centre
from webapp.models import Condition
from webapp.models import DiaryEntry
from webapp.models import ExerciseLog
from webapp.models import Prescription
from webapp.models import User
from webapp.models import now_utc
from webapp.programmes import services as programmes


def new_client(live_app: Flask, name: str, email: str) -> int:
    """A phase-1 neck and shoulder client with the template programme."""
    with live_app.app_context():
        centre = db.session.scalar(db.select(Centre).where(Centre.name == "Continuum Islington"))
        team = list(
            db.session.scalars(db.select(User).where(User.name.in_(["Tom Okafor", "Sam Patel"])))
        )
        client = gen_client(
            centre, team, phase=1, condition=Condition.NECK_SHOULDER, name=name, email=email
        )
        template = library.template_for(
            Path(live_app.config["EXERCISES_DIR"]), Condition.NECK_SHOULDER
        )
        programme = programmes.programme_for(db.session, client, client.active_care_plan)
        programmes.start_from_template(
            db.session,
            programme,
            template,
            1,
            library.by_ids(db.session, template.phases[1]),
            by=team[0],
            now=now_utc(),
        )
        programme.client_seen_version = programme.version
        db.session.commit()
        return client.id


def rows(live_app: Flask, model: type, client_id: int) -> list:  # type: ignore[type-arg]
    with live_app.app_context():
        return list(db.session.scalars(db.select(model).where(model.client_id == client_id)))


def controlled(page: Page) -> None:
    """Wait until the service worker controls the page, then load it again through the worker."""
    # Polled from here: wait_for_function would evaluate a string in the page, which our CSP
    # (rightly) forbids.
    deadline = time.monotonic() + 45  # generous: precaching competes for a busy machine
    while not page.evaluate("navigator.serviceWorker.controller !== null"):
        assert time.monotonic() < deadline, "the service worker never took control"
        page.wait_for_timeout(100)
    page.reload()
    page.wait_for_load_state("networkidle")


def test_check_in_online_with_the_body_map(page: Page, look: Looker, live_app: Flask) -> None:
    client_id = new_client(live_app, "Cara Checkin", "cara@example.com")
    sign_in(page, "cara@example.com", PASSWORD)
    page.get_by_role("link", name="Daily check-in").click()
    look.check(page, "client-checkin")
    page.get_by_role("group", name="Pain right now").get_by_label("4", exact=True).check()
    page.get_by_role("group", name="Worst pain in the last 24 hours").get_by_label(
        "7", exact=True
    ).check()
    page.get_by_role("group", name="How well did you sleep last night?").get_by_label(
        "5", exact=True
    ).check()
    page.get_by_role("group", name="A flare-up today?").get_by_label("No").check()
    page.locator('svg [data-region="low_back"]').click()  # tap the figure
    expect(page.get_by_label("Low back")).to_be_checked()
    page.get_by_label("Right shoulder").check()  # or use the list
    expect(page.locator('svg [data-region="shoulder_right"]')).to_have_class(re.compile("selected"))
    look.check(page, "client-checkin-filled")
    page.get_by_role("button", name="Save check-in").click()
    expect(page).to_have_url(re.compile(r"/today$"))
    [entry] = rows(live_app, DiaryEntry, client_id)
    assert (entry.pain_now, entry.pain_worst, entry.sleep, entry.flare) == (4, 7, 5, False)
    assert entry.areas == ["shoulder_right", "low_back"]
    page.get_by_role("link", name="Diary").click()
    expect(page.get_by_role("heading", name="Pain over 2 weeks")).to_be_visible()
    look.check(page, "client-diary")


def test_nothing_is_lost_without_signal(page: Page, look: Looker, live_app: Flask) -> None:
    client_id = new_client(live_app, "Omar Offline", "omar@example.com")
    sign_in(page, "omar@example.com", PASSWORD)
    controlled(page)
    page.get_by_role("link", name="Diary").click()  # a second page, kept for offline use
    page.get_by_role("link", name="Today").click()
    page.wait_for_load_state("networkidle")

    page.context.set_offline(True)
    page.get_by_role("button", name="4 out of 10").click()
    expect(page.locator("#quick-status")).to_have_text("Pain 4 out of 10 logged.")
    card = page.locator("li.exercise-card", has_text="Gentle neck turns")
    card.get_by_role("button", name=re.compile("Done")).click()
    expect(card).to_contain_text("Done · waiting to sync")
    expect(page.locator("#sync-count")).to_have_text("2 entries waiting to sync")
    look.check(page, "client-offline-pending")

    page.reload()  # still offline: the worker serves the copy, the outbox keeps the entries
    expect(page.get_by_role("heading", name="Hello, Omar")).to_be_visible()
    expect(page.locator("#sync-count")).to_have_text("2 entries waiting to sync")
    expect(page.locator("li.exercise-card", has_text="Gentle neck turns")).to_contain_text(
        "waiting to sync"
    )
    page.goto("/diary")
    expect(page.get_by_role("heading", name="How you've been")).to_be_visible()
    page.goto("/pathway")  # never opened: the offline page
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    assert rows(live_app, DiaryEntry, client_id) == []

    page.context.set_offline(False)
    page.goto("/today")
    expect(page.locator("#sync-status")).to_be_hidden()
    [entry] = rows(live_app, DiaryEntry, client_id)
    assert (entry.kind.value, entry.pain_now) == ("quick", 4)
    with live_app.app_context():
        ticked = db.session.scalars(
            db.select(Prescription.exercise_id)
            .join(ExerciseLog, ExerciseLog.prescription_id == Prescription.id)
            .where(ExerciseLog.client_id == client_id)
        ).all()
    assert ticked == ["N3"]
    look.check(page, "client-synced")


def test_a_shared_phone_shows_nothing_of_the_last_client(
    page: Page, look: Looker, live_app: Flask
) -> None:
    new_client(live_app, "Anna Earlier", "anna@example.com")
    new_client(live_app, "Ben Later", "ben@example.com")
    sign_in(page, "anna@example.com", PASSWORD)
    controlled(page)
    page.goto("/diary")
    expect(page.get_by_role("heading", name="How you've been")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    look.check(page, "shared-phone-signed-out")
    assert (
        page.evaluate("caches.keys().then(k => k.filter(n => n.startsWith('continuum-pages-')))")
        == []
    )

    page.context.set_offline(True)
    page.goto("/today")  # signed out and offline: nothing of Anna's
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    expect(page.get_by_text("Anna")).to_have_count(0)
    page.context.set_offline(False)

    sign_in(page, "ben@example.com", PASSWORD)
    expect(page.get_by_role("heading", name="Hello, Ben")).to_be_visible()
    page.reload()
    page.context.set_offline(True)
    for path in ("/today", "/diary", "/pathway"):
        page.goto(path)
        expect(page.get_by_text("Anna")).to_have_count(0)
    page.goto("/today")
    expect(page.get_by_role("heading", name="Hello, Ben")).to_be_visible()
    page.context.set_offline(False)


def test_signing_out_with_unsynced_entries_asks_first(
    page: Page, look: Looker, live_app: Flask
) -> None:
    client_id = new_client(live_app, "Sol Signout", "sol@example.com")
    sign_in(page, "sol@example.com", PASSWORD)
    controlled(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="6 out of 10").click()
    expect(page.locator("#sync-count")).to_have_text("1 entry waiting to sync")
    page.get_by_role("button", name="Sign out").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Some entries haven't been sent yet")
    look.check(page, "client-signout-dialog")
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.context.set_offline(False)  # the "online" event sends what was waiting
    expect(page.locator("#sync-status")).to_be_hidden()
    assert [e.pain_now for e in rows(live_app, DiaryEntry, client_id)] == [6]


def test_chromium_finds_the_app_installable(
    playwright,
    browser_type_launch_args,
    browser_context_args,
    live_app: Flask,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    new_client(live_app, "Ivy Install", "ivy@example.com")
    # Installability is never reported for incognito contexts, so use a real profile.
    phone = {k: v for k, v in browser_context_args.items() if k != "default_browser_type"}
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), **browser_type_launch_args, **phone
    )
    try:
        page = context.new_page()
        sign_in(page, "ivy@example.com", PASSWORD)
        controlled(page)
        session = context.new_cdp_session(page)
        errors = session.send("Page.getInstallabilityErrors")
        assert errors["installabilityErrors"] == []
        manifest = session.send("Page.getAppManifest")
        assert not manifest.get("errors")
    finally:
        context.close()
