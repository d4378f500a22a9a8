"""A client withdraws consent to note sharing on their phone; the massage therapist then reads
only their own discipline's clinical notes; the client agrees again."""

from __future__ import annotations

import re

from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import Looker
from tests.browser.conftest import sign_in
from webapp.demo.services import email_for
from webapp.demo.services import password_for

CLIENT = "Daniel Evans"  # Hannah Lewis (massage) and Sam Patel (physio) at Islington
MASSAGE = "Hannah Lewis"
WITHHELD = "has not agreed to share notes between massage and physio"


def test_a_client_withdraws_and_gives_again_consent_to_note_sharing(
    page: Page,
    look: Looker,
    browser,  # type: ignore[no-untyped-def]
    browser_context_args,  # type: ignore[no-untyped-def]
) -> None:
    sign_in(page, email_for(CLIENT), password_for(CLIENT))
    page.get_by_role("link", name="Your data and privacy").click()
    sharing = page.get_by_role("heading", name="Sharing notes between massage and physio: on")
    expect(sharing).to_be_visible()
    look.check(page, "client-privacy")

    page.get_by_role("button", name="Withdraw my agreement").first.click()
    expect(
        page.get_by_role("heading", name="Sharing notes between massage and physio: off")
    ).to_be_visible()
    expect(page.locator(".decisions li").first).to_contain_text("withdrawn")
    expect(page.locator(".decisions li").first).to_contain_text("by you")
    look.check(page, "client-privacy-withdrawn")

    tablet = browser.new_context(**browser_context_args)
    massage = tablet.new_page()
    sign_in(massage, email_for(MASSAGE), password_for(MASSAGE))
    massage.locator(".caseload-row", has_text=CLIENT).get_by_role(
        "link", name=re.compile("Brief")
    ).click()
    massage.get_by_role("link", name="All notes").click()
    physio_notes = massage.locator("article.note", has_text="Physiotherapist")
    expect(physio_notes.first).to_contain_text(WITHHELD)
    look.check(massage, "therapist-notes-withheld")

    page.get_by_role("button", name="Agree again").click()
    expect(sharing).to_be_visible()
    massage.reload()
    expect(massage.get_by_text(WITHHELD)).to_have_count(0)
    tablet.close()
