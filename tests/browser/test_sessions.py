"""Sessions and the care team on a phone: booking, the calendar, notes and referrals."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from icalendar import Calendar
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from webapp.demo.services import email_for
from webapp.demo.services import password_for
from webapp.models import now_utc

CLIENT = "Ruby Clarke"  # Tom Okafor (massage) and Sam Patel (physio) at Islington


def open_client(page: Page, name: str) -> None:
    page.goto("/caseload") if "/caseload" not in page.url else None
    page.get_by_role("link", name=re.compile(name)).first.click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def test_an_admin_books_a_combined_series_and_the_client_adds_it_to_their_calendar(
    page: Page,
    look: Looker,
    browser,
    browser_context_args,  # type: ignore[no-untyped-def]
) -> None:
    first = (now_utc() + timedelta(days=63)).date()
    sign_in(page, email_for("Priya Shah"), password_for("Priya Shah"))
    page.get_by_role("link", name=re.compile(CLIENT)).first.click()
    page.get_by_role("link", name="Sessions", exact=True).click()
    page.get_by_role("link", name="Book a series").click()
    expect(page.get_by_role("heading", name="Book a series")).to_be_visible()
    page.get_by_label("Weekly combined visit: massage and physiotherapy together").check()
    page.get_by_label("How many visits").fill("30")
    page.get_by_label("Date").fill(first.isoformat())
    page.get_by_label("Time").fill("07:30")
    page.get_by_role("button", name="Book the series").click()
    expect(page.get_by_text("Book between 1 and 26 visits at a time.")).to_be_visible()
    expect(page.get_by_label("Time")).to_have_value("07:30")
    look.check(page, "admin-series-error")

    page.get_by_label("How many visits").fill("4")
    page.get_by_role("button", name="Book the series").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: 4 sessions")
    expect(page.get_by_text("07:30–08:30").first).to_be_visible()
    look.check(page, "admin-client-sessions")

    phone = browser.new_context(**browser_context_args, accept_downloads=True)
    client = phone.new_page()
    sign_in(client, email_for(CLIENT), password_for(CLIENT))
    expect(client.get_by_text("Your next session")).to_be_visible()
    look.check(client, "client-today-next-session")
    client.get_by_role("link", name="Sessions", exact=True).click()
    expect(client.get_by_role("heading", name="Your sessions")).to_be_visible()
    expect(client.locator(".visit").first).to_contain_text("Bring")
    booked = client.locator(".visit-row", has_text="07:30–08:30").first
    expect(booked).to_contain_text("Massage and physiotherapy")
    look.check(client, "client-sessions")
    with client.expect_download() as download_info:
        booked.get_by_role("link", name=re.compile("Add to calendar")).click()
    path = Path(download_info.value.path())
    events = list(Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
    assert len(events) == 1
    assert str(events[0]["SUMMARY"]) == "Massage and physiotherapy at Continuum Islington"
    assert events[0].decoded("DTEND") - events[0].decoded("DTSTART") == timedelta(hours=1)

    client.get_by_role("button", name=re.compile("calendar link")).click()
    feed = client.get_by_label("Or copy the link").input_value()
    assert "/calendar/" in feed
    look.check(client, "client-calendar-link")
    phone.close()


def test_a_physio_hands_over_to_massage_and_massage_refers_back(
    page: Page,
    look: Looker,
    browser,
    browser_context_args,  # type: ignore[no-untyped-def]
) -> None:
    sign_in(page, email_for("Sam Patel"), password_for("Sam Patel"))
    page.get_by_role("link", name="Schedule").click()
    look.check(page, "therapist-schedule-day")
    page.get_by_role("link", name="Week", exact=True).click()
    look.check(page, "therapist-schedule-week")

    open_client(page, CLIENT)
    page.get_by_role("link", name="Notes and referrals", exact=True).click()
    page.get_by_role("link", name="Write a note").click()
    page.get_by_role("button", name="Save the note").click()
    expect(page.get_by_text("Write what you did.").first).to_be_visible()
    look.check(page, "physio-note-error")
    page.get_by_label("What you did").fill("Cervical retraction reviewed, added wall angels.")
    page.get_by_label("Findings").fill("Rotation 70 degrees both ways, less guarding.")
    handover = "Upper traps still tight on the right; keep pressure moderate."
    page.get_by_label("Handover to the other discipline").fill(handover)
    page.get_by_label("What we did today").fill("We checked your neck exercises and added one.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.get_by_role("heading", name="Notes and handovers")).to_be_visible()
    expect(page.get_by_text(handover)).to_be_visible()
    look.check(page, "physio-notes")

    massage = browser.new_context(**browser_context_args)
    tom = massage.new_page()
    sign_in(tom, email_for("Tom Okafor"), password_for("Tom Okafor"))
    open_client(tom, CLIENT)
    expect(tom.get_by_text(handover).first).to_be_visible()
    tom.get_by_role("link", name="Notes and referrals", exact=True).click()
    expect(tom.get_by_text(handover)).to_be_visible()
    tom.get_by_role("link", name="Refer to physiotherapy").click()
    reason = "Tingling into the right hand during neck work today."
    tom.get_by_label("Reason").fill(reason)
    tom.get_by_label("Body region").select_option(label="Neck")
    tom.get_by_label("Soon: within a week").check()
    look.check(tom, "massage-refer")
    tom.get_by_role("button", name="Send the referral").click()
    referral = tom.locator(".referral", has_text=reason)
    expect(referral).to_contain_text("Waiting")
    look.check(tom, "massage-referral-sent")

    page.get_by_role("link", name="Referrals").click()
    waiting = page.locator("section", has=page.locator(".referral", has_text=reason))
    expect(waiting).to_contain_text("Waiting")
    look.check(page, "physio-referrals-inbox")
    waiting.get_by_role("button", name=re.compile("Acknowledge")).click()
    expect(page.locator(".referral", has_text=reason)).to_contain_text("Acknowledged")

    tom.reload()
    expect(tom.locator(".referral", has_text=reason)).to_contain_text("Acknowledged by Sam Patel")
    massage.close()
