"""The three files: JSON that parses, a ZIP of CSVs with a README, a FHIR R4 Bundle that validates.

fhir.resources 8.x models FHIR R5 at its top level; its R4-family models are the ``R4B``
subpackage (FHIR 4.3.0, the R4 technical correction: Patient, CarePlan, Observation and
Appointment are the same as in R4 4.0.1 for every element used here). There is no plain ``R4``
subpackage, so the Bundle is validated against R4B.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import replace
from datetime import date

import pytest
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from tests.export.conftest import NOW
from tests.export.conftest import VISITS
from tests.export.conftest import Household
from webapp.export import fhir
from webapp.export import formats
from webapp.export import services
from webapp.extensions import db

MODELS = {
    "Patient": Patient,
    "CarePlan": CarePlan,
    "Observation": Observation,
    "Appointment": Appointment,
}


@pytest.fixture
def export(household: Household) -> services.ClientExport:
    return services.gather(db.session, household.client, NOW)


def test_json_parses_and_holds_every_category(export: services.ClientExport) -> None:
    document = json.loads(formats.json_text(export))
    assert document["format"] == "continuum-export/1"
    assert document["generated_at"] == "2026-11-28T12:00:00Z"
    assert document["timezone"] == "Europe/London"
    assert document["profile"]["name"] == "Alex Morgan"
    for table in export.tables():
        assert len(document[table.name]) == len(table.rows), table.name
    entry = document["diary_entries"][0]
    assert entry["recorded_at"].endswith("Z")
    assert entry["local_date"] == "2026-11-23"
    assert entry["areas"] == ["neck", "shoulder_left"]
    assert document["clinical_record_withheld"]["session_notes"] == 1


def test_every_instant_is_utc_with_a_z(export: services.ClientExport) -> None:
    document = json.loads(formats.json_text(export))
    for name in ("diary_entries", "appointments", "access_log", "sign_ins"):
        for row in document[name]:
            for key, value in row.items():
                if key.endswith("_at") or key == "at":
                    assert value is None or value.endswith("Z"), (name, key, value)


def test_the_zip_holds_a_csv_per_category_and_a_readme(export: services.ClientExport) -> None:
    archive = zipfile.ZipFile(io.BytesIO(formats.zip_bytes(export)))
    names = archive.namelist()
    assert names[0] == "README.txt"
    expected = {"profile.csv", "clinical_record_withheld.csv"} | {
        f"{table.name}.csv" for table in export.tables()
    }
    assert set(names) - {"README.txt"} == expected
    for table in export.tables():
        rows = _csv(archive, f"{table.name}.csv")
        assert rows[0] == table.columns, table.name
        assert len(rows) - 1 == len(table.rows), table.name
    profile = _csv(archive, "profile.csv")
    assert len(profile) == 2 and profile[1][profile[0].index("name")] == "Alex Morgan"
    diary = _csv(archive, "diary_entries.csv")
    assert diary[1][diary[0].index("areas")] == "neck; shoulder_left"
    assert diary[1][diary[0].index("flare")] == "true"
    readme = archive.read("README.txt").decode("utf-8-sig")
    assert "diary_entries.csv (2 rows)" in readme
    assert "1 session note, 1 correction to them and 1 referral" in readme
    assert "health professional" in readme


def test_csv_cells_cannot_run_as_formulas() -> None:
    assert formats.cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert formats.cell("@sum") == "'@sum"
    assert formats.cell(-3) == -3  # a number stays a number
    assert formats.cell(None) == ""
    assert formats.cell(["a", "b"]) == "a; b"


def test_the_fhir_bundle_validates_as_r4(export: services.ClientExport) -> None:
    document = json.loads(fhir.bundle_json(export))
    bundle = Bundle.model_validate(document)
    assert bundle.type == "collection"
    kinds = [entry["resource"]["resourceType"] for entry in document["entry"]]
    assert kinds.count("Patient") == 1
    assert kinds.count("CarePlan") == 1
    assert kinds.count("Observation") == len(export.diary_entries)
    assert kinds.count("Appointment") == len(VISITS)
    for entry in document["entry"]:
        resource = entry["resource"]
        MODELS[resource["resourceType"]].model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"


def test_fhir_resources_carry_what_the_brief_asks(export: services.ClientExport) -> None:
    resources = [entry["resource"] for entry in fhir.bundle(export)["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    assert patient["name"][0]["text"] == "Alex Morgan"
    assert patient["telecom"] == [{"system": "email", "value": export.profile.email, "use": "home"}]
    patient_url = f"urn:uuid:{patient['id']}"

    plan = next(r for r in resources if r["resourceType"] == "CarePlan")
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    assert plan["title"] == "Neck & shoulder pain, phase 2"
    assert plan["period"] == {"start": "2026-10-01"}
    assert plan["subject"]["reference"] == patient_url
    [activity] = plan["activity"]
    assert activity["detail"]["status"] == "in-progress"
    assert activity["detail"]["description"].startswith(export.prescriptions[0].exercise)

    pain = [r for r in resources if r["resourceType"] == "Observation"]
    assert [p["valueInteger"] for p in pain] == [6, 3]
    first = pain[0]
    assert first["status"] == "final"
    assert first["category"][0]["coding"][0]["code"] == "survey"
    assert first["code"]["coding"][0] == fhir.PAIN_SEVERITY
    assert first["effectiveDateTime"] == "2026-11-23T12:00:00+00:00"
    assert first["subject"]["reference"] == patient_url

    visits = [r for r in resources if r["resourceType"] == "Appointment"]
    assert [v["status"] for v in visits] == ["fulfilled", "noshow", "cancelled", "booked"]
    assert visits[2]["cancelationReason"] == {"text": "Cancelled by the client"}
    actors = [p["actor"] for p in visits[0]["participant"]]
    assert actors[0]["reference"] == patient_url
    assert [a["display"] for a in actors[1:]] == [
        "Tom Okafor (Massage therapist)",
        "Sam Patel (Physiotherapist)",
    ]
    assert visits[0]["start"].endswith("Z")


def test_fhir_ids_are_stable_from_one_export_to_the_next(household: Household) -> None:
    first = fhir.bundle(services.gather(db.session, household.client, NOW))
    again = fhir.bundle(services.gather(db.session, household.client, NOW.replace(hour=13)))
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in again["entry"]]
    assert first["id"] != again["id"]  # the bundle itself is a new document


def test_the_observation_keeps_the_phones_offset(export: services.ClientExport) -> None:
    summer = replace(export.diary_entries[0], utc_offset_minutes=60)
    bundle = fhir.bundle(replace(export, diary_entries=[summer]))
    [pain] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert pain["effectiveDateTime"] == "2026-11-23T13:00:00+01:00"


def test_each_format_has_its_file_name_and_media_type(export: services.ClientExport) -> None:
    day = date(2026, 11, 28)
    files = {choice: formats.download(export, choice, day) for choice in formats.CHOICES}
    found = {choice: (file.mimetype, file.filename) for choice, file in files.items()}
    assert found == {
        "json": ("application/json", "continuum-export-2026-11-28.json"),
        "csv": ("application/zip", "continuum-export-2026-11-28.zip"),
        "fhir": ("application/fhir+json", "continuum-export-2026-11-28-fhir.json"),
    }


def _csv(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
