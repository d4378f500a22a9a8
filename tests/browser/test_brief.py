"""A week of rising pain moves a client to the top of the caseload, and the brief says why."""

from __future__ import annotations

import re

from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from webapp.demo.services import email_for
from webapp.demo.services import password_for

CLIENT = "Oliver Price"  # Tom Okafor (massage) and Grace Murphy (physio) at Islington
THERAPIST = "Grace Murphy"

# A week that gets worse day by day: pain, worst, sleep, stress, flare.
WEEK = [
    (5, 6, 5, 5, False),
    (6, 7, 4, 6, False),
    (6, 8, 3, 6, False),
    (7, 8, 3, 7, False),
    (8, 9, 2, 7, False),
    (8, 9, 2, 8, True),
    (9, 10, 2, 8, True),
]


def log_week_from_the_phone(page: Page) -> dict:
    """Send the week as the phone's outbox does when it comes back online."""
    entries = [
        {
            "type": "checkin",
            "days_ago": len(WEEK) - 1 - n,
            "data": {
                "pain_now": pain,
                "pain_worst": worst,
                "sleep": sleep,
                "stress": stress,
                "flare": "yes" if flare else "no",
                "areas": ["neck", "shoulder_right"],
            },
        }
        for n, (pain, worst, sleep, stress, flare) in enumerate(WEEK)
    ]
    return page.evaluate(
        """async (entries) => {
            const batch = entries.map((e) => ({
                id: crypto.randomUUID(),
                type: e.type,
                recorded_at: new Date(Date.now() - e.days_ago * 86400000 - 60000).toISOString(),
                tz: "Europe/London",
                data: e.data,
            }));
            const response = await fetch("/api/sync", {
                method: "POST",
                headers: {"Content-Type": "application/json", "X-Continuum-Sync": "1"},
                body: JSON.stringify({entries: batch}),
            });
            return {status: response.status, body: await response.json()};
        }""",
        entries,
    )


def test_rising_pain_tops_the_caseload_and_the_brief_explains(
    page: Page,
    look: Looker,
    browser,
    browser_context_args,  # type: ignore[no-untyped-def]
) -> None:
    phone = browser.new_context(**browser_context_args)
    client = phone.new_page()
    sign_in(client, email_for(CLIENT), password_for(CLIENT))
    sent = log_week_from_the_phone(client)
    assert sent["status"] == 200
    assert {r["status"] for r in sent["body"]["results"]} <= {"stored", "updated"}
    phone.close()

    sign_in(page, email_for(THERAPIST), password_for(THERAPIST))
    expect(page.get_by_role("heading", name="My clients")).to_be_visible()
    first = page.locator(".caseload-row").first
    expect(first.get_by_role("heading", level=2)).to_have_text(CLIENT)
    expect(first).to_contain_text("Pain worsening")
    expect(first).to_contain_text(re.compile(r"7-day mean pain \d\.\d, up \d\.\d from"))
    look.check(page, "therapist-caseload")

    page.get_by_label("Phase").select_option(label="Phase 1")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"phase=1"))
    look.check(page, "therapist-caseload-filtered")
    page.get_by_role("link", name="Clear filters").click()

    page.locator(".caseload-row").first.get_by_role("link", name=re.compile("Brief")).click()
    expect(page.get_by_role("heading", name=CLIENT)).to_be_visible()
    flags = page.locator("#flags-heading + .flags")
    expect(flags).to_contain_text("P1 · Pain worsening")
    expect(flags).to_contain_text(re.compile(r"Worst pain 8 or more on \d of the last 7 days"))
    expect(flags).to_contain_text("Flare ticked on")
    expect(
        page.get_by_text("Flags support, and do not replace, your clinical judgement.")
    ).to_be_visible()
    expect(page.locator("svg.chart polyline.sleep")).to_have_count(1)
    expect(page.get_by_role("heading", name=re.compile("Ready to move on"))).to_be_visible()
    look.check(page, "therapist-brief")


def test_a_client_sees_how_they_are_doing(page: Page, look: Looker) -> None:
    sign_in(page, email_for("Alex Morgan"), password_for("Alex Morgan"))
    page.get_by_role("link", name="Diary").click()
    page.get_by_role("link", name="How you're doing").click()
    expect(page.get_by_role("heading", name="How you're doing")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Your pain has averaged \d"))).to_be_visible()
    expect(page.get_by_text("Amber")).to_have_count(0)
    look.check(page, "client-progress")
