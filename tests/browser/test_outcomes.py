"""An admin filters the company's outcomes by condition and downloads a table as CSV; a
therapist opens the outcomes of their own caseload."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from webapp.demo.services import email_for
from webapp.demo.services import password_for

ADMIN = "Ruth Adler"  # both centres
THERAPIST = "Owen Fletcher"  # the Islington physiotherapist of the outcomes cohort


def test_an_admin_filters_outcomes_by_condition_and_downloads_csv(
    look: Looker,
    browser,
    browser_context_args,  # type: ignore[no-untyped-def]
) -> None:
    context = browser.new_context(**browser_context_args, accept_downloads=True)
    page = context.new_page()
    sign_in(page, email_for(ADMIN), password_for(ADMIN))
    page.get_by_role("link", name="Outcomes across your centres").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    expect(page.get_by_text("Small groups are withheld")).to_be_visible()
    pain = page.locator("#pain")
    expect(pain.get_by_role("img", name="Share improved by an important change")).to_be_visible()
    expect(pain.locator("tr.total")).to_contain_text("All conditions")
    look.check(page, "admin-outcomes")

    page.get_by_label("Condition", exact=True).select_option(label="Low back pain")
    page.get_by_role("button", name="Show outcomes").click()
    expect(page).to_have_url(re.compile(r"condition=low_back"))
    expect(page.get_by_label("Condition", exact=True)).to_have_value("low_back")
    rows = page.locator("#pain tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first.get_by_role("rowheader")).to_have_text("Low back pain")
    expect(rows.first.locator("td").first).to_have_text(re.compile(r"^\d+$"))
    look.check(page, "admin-outcomes-low-back")

    page.get_by_role("link", name="Last 12 months, everything").click()
    expect(page.get_by_text(re.compile(r"Figures as of \d+ \w+ \d{4}, \d\d:\d\d"))).to_be_visible()
    look.check(page, "admin-outcomes-snapshot")
    page.go_back()

    with page.expect_download() as download_info:
        pain.get_by_role("link", name=re.compile("CSV")).click()
    download = download_info.value
    assert download.suggested_filename.startswith("outcomes-pain-")
    lines = list(csv.reader(Path(download.path()).read_text().splitlines()))
    assert lines[0] == [
        "condition",
        "clients",
        "mean_first_week",
        "mean_latest_week",
        "mean_change",
        "improved_percent",
        "worse_percent",
    ]
    assert [line[0] for line in lines[1:]] == ["Low back pain", "All conditions"]
    assert int(lines[1][1]) >= 5  # enough clients to be shown, not "<5"

    page.get_by_label("From").fill("2099-01-01")
    page.get_by_label("To").fill("2099-03-31")
    page.get_by_role("button", name="Show outcomes").click()
    expect(page.get_by_role("heading", name="This period hasn't started yet")).to_be_visible()
    look.check(page, "admin-outcomes-future")
    context.close()


def test_a_therapist_sees_their_own_caseload_outcomes(page: Page, look: Looker) -> None:
    sign_in(page, email_for(THERAPIST), password_for(THERAPIST))
    page.get_by_role("link", name="Outcomes for my clients").click()
    expect(page.get_by_role("heading", name="Outcomes for my clients")).to_be_visible()
    expect(page.locator("#monthly svg.lines")).to_be_visible()
    look.check(page, "therapist-outcomes")
