"""Gathering a client's data: every category, only theirs, never a secret or the clinical record."""

from __future__ import annotations

from dataclasses import fields

from flask import Flask

from tests.export.conftest import NOW
from tests.export.conftest import VISITS
from tests.export.conftest import Household
from webapp.export import services
from webapp.export.formats import json_text
from webapp.extensions import db


def test_every_list_in_the_export_is_a_described_category() -> None:
    lists = {f.name for f in fields(services.ClientExport) if str(f.type).startswith("list[")}
    assert lists == set(services.CATEGORIES)
    for name, category in services.CATEGORIES.items():
        annotation = next(f.type for f in fields(services.ClientExport) if f.name == name)
        assert annotation == f"list[{category.row.__name__}]", name


def test_a_client_with_data_everywhere_gets_every_category(household: Household) -> None:
    export = services.gather(db.session, household.client, NOW)

    empty = [table.name for table in export.tables() if not table.rows]
    assert not empty, f"categories with no rows: {empty}"
    profile = export.profile
    assert (profile.name, profile.email, profile.role) == (
        "Alex Morgan",
        household.client.email,
        "client",
    )
    assert profile.centres == ["Islington"]
    assert profile.timezone == "Europe/London"
    assert profile.two_step_sign_in is True
    assert [m.name for m in export.care_team] == ["Sam Patel", "Tom Okafor"]
    assert {m.discipline for m in export.care_team} == {"Physiotherapist", "Massage therapist"}
    assert [(c.from_phase, c.to_phase) for c in export.phase_changes] == [(None, 1), (1, 2)]
    assert len(export.appointments) == len(VISITS)
    assert export.appointments[0].therapists == [
        "Tom Okafor (Massage therapist)",
        "Sam Patel (Physiotherapist)",
    ]
    assert [e.kind for e in export.diary_entries] == ["checkin", "quick"]
    assert export.diary_entries[0].areas == ["neck", "shoulder_left"]
    assert export.reminder_settings[0].exercise_days == ["Monday", "Wednesday", "Friday"]
    assert export.push_subscriptions[0].service == "push.example.test"
    assert export.session_summaries[0].client_summary == "AM summary: good progress"
    assert export.referrals[0].to_discipline == "Physiotherapist"
    whos = {(row.who, row.what) for row in export.access_log}
    assert ("Sam Patel", "read your diary") in whos
    assert ("You", "read your home programme") in whos


def test_the_clinical_record_is_counted_not_included(household: Household) -> None:
    export = services.gather(db.session, household.client, NOW)
    withheld = export.clinical_record_withheld
    assert (withheld.session_notes, withheld.note_addenda, withheld.referrals) == (1, 1, 1)
    assert "health professional" in withheld.how_to_ask
    text = json_text(export)
    for clinical in household.clinical:
        assert clinical not in text


def test_nothing_from_another_client_and_no_secret(household: Household) -> None:
    export = services.gather(db.session, household.client, NOW)
    text = json_text(export)
    other = household.other
    assert other.name not in text
    assert other.email not in text
    assert "RC " not in text  # every text of Ruby's starts with her initials
    for secret in household.secrets:
        assert secret not in text, f"a secret leaked: {secret[:12]}…"


def test_a_client_with_nothing_yet_gets_empty_lists(app: Flask) -> None:
    from tests.factories import gen_centre
    from tests.factories import gen_user
    from webapp.models import Role

    client = gen_user(Role.CLIENT, [gen_centre()])
    export = services.gather(db.session, client, NOW)
    assert all(table.rows == [] for table in export.tables())
    assert export.profile.timezone == "UTC"
    assert export.clinical_record_withheld.session_notes == 0
