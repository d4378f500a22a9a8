"""A client downloads their data as FHIR on their phone, from the privacy page."""

from __future__ import annotations

import json

from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from webapp.demo.services import email_for
from webapp.demo.services import password_for

CLIENT = "Jordan Lee"  # Hannah Lewis (massage) and Grace Murphy (physio) at Islington
REFERRAL_REASON = "Calves tight and sore"  # the care team's words, kept out of the download


def test_a_client_downloads_their_data_as_fhir(page: Page, look: Looker) -> None:
    sign_in(page, email_for(CLIENT), password_for(CLIENT))
    page.get_by_role("link", name="Your data and privacy").click()
    page.get_by_role("link", name="Download everything we hold about you").click()
    expect(page.get_by_role("heading", name="Download your data")).to_be_visible()
    page.get_by_text("What's in it").click()
    look.check(page, "client-export")

    page.get_by_role("button", name="Download").click()
    expect(page.get_by_text("Choose JSON, CSV or FHIR.")).to_be_visible()
    look.check(page, "client-export-refused")

    page.get_by_label("FHIR").check()
    page.get_by_label("Your password").fill(password_for(CLIENT))
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download").click()
    download = waiting.value
    assert download.suggested_filename.startswith("continuum-export-")
    assert download.suggested_filename.endswith("-fhir.json")
    text = download.path().read_text(encoding="utf-8")
    bundle = json.loads(text)
    assert bundle["resourceType"] == "Bundle"
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert kinds == {"Patient", "CarePlan", "Observation", "Appointment"}
    patient = bundle["entry"][0]["resource"]
    assert patient["name"][0]["text"] == CLIENT
    assert REFERRAL_REASON not in text
