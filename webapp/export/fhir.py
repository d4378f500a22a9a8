"""A client's export as an HL7 FHIR R4 Bundle, built as plain dicts (no FHIR library at runtime).

A ``collection`` Bundle of the resources another clinic's system can take in: the Patient, a
CarePlan per care plan (its prescribed exercises as activities), an Observation per diary pain
score (LOINC 72514-3, 0–10) and an Appointment per session. Every entry has a ``urn:uuid:``
fullUrl whose uuid5 comes from the record's own identity, so the same record keeps the same id
from one export to the next. FHIR forbids empty strings, so empty values are left out.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from datetime import timezone
from typing import Any

from .services import AppointmentRow
from .services import CarePlanRow
from .services import ClientExport
from .services import DiaryEntryRow
from .services import PrescriptionRow
from .services import instant

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:continuum:export:fhir")
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOINC = "http://loinc.org"
PAIN_SEVERITY = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
# Continuum's visit statuses, as FHIR's Appointment.status names them.
APPOINTMENT_STATUS = {
    "booked": "booked",
    "attended": "fulfilled",
    "cancelled_client": "cancelled",
    "cancelled_clinic": "cancelled",
    "no_show": "noshow",
}

Resource = dict[str, Any]


def bundle(export: ClientExport) -> Resource:
    """The whole export as one FHIR R4 Bundle of type collection."""
    patient = _patient(export)
    patient_ref = {"reference": _full_url(patient), "display": export.profile.name}
    resources = [patient]
    resources += [_care_plan(export, plan, patient_ref) for plan in export.care_plans]
    resources += [_pain_score(entry, patient_ref) for entry in export.diary_entries]
    resources += [_appointment(visit, patient_ref) for visit in export.appointments]
    made = instant(export.generated_at)
    return {
        "resourceType": "Bundle",
        "id": _uuid("Bundle", f"{export.profile.id}/{made}"),
        "type": "collection",
        "timestamp": made,
        "entry": [{"fullUrl": _full_url(r), "resource": r} for r in resources],
    }


def bundle_json(export: ClientExport) -> str:
    return json.dumps(bundle(export), ensure_ascii=False, indent=2) + "\n"


def _uuid(resource_type: str, identity: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{resource_type}/{identity}"))


def _full_url(resource: Resource) -> str:
    return f"urn:uuid:{resource['id']}"


def _patient(export: ClientExport) -> Resource:
    profile = export.profile
    return {
        "resourceType": "Patient",
        "id": _uuid("Patient", profile.id),
        "active": True,
        "name": [{"use": "usual", "text": profile.name}],
        "telecom": [{"system": "email", "value": profile.email, "use": "home"}],
    }


def _care_plan(export: ClientExport, plan: CarePlanRow, patient: Resource) -> Resource:
    resource: Resource = {
        "resourceType": "CarePlan",
        "id": _uuid("CarePlan", plan.id),
        "status": "active" if plan.active else "completed",
        "intent": "plan",
        "title": f"{plan.condition}, phase {plan.phase}",
        "subject": patient,
        "period": {"start": plan.start_date.isoformat()},
        "created": instant(plan.created_at),
        "contributor": [
            {"display": f"{member.name} ({member.discipline})"}
            for member in export.care_team
            if member.care_plan_id == plan.id
        ],
        "activity": [{"detail": _activity(rx)} for rx in _prescriptions_of(export, plan)],
    }
    if plan.goals.strip():
        resource["description"] = plan.goals
    return _without_empty(resource)


def _prescriptions_of(export: ClientExport, plan: CarePlanRow) -> list[PrescriptionRow]:
    """The exercises prescribed under ``plan``; a programme tied to no plan goes with the
    active one."""
    programmes = {
        p.id
        for p in export.programmes
        if p.care_plan_id == plan.id or (p.care_plan_id is None and plan.active)
    }
    return [rx for rx in export.prescriptions if rx.programme_id in programmes]


def _activity(rx: PrescriptionRow) -> Resource:
    description = f"{rx.exercise}: {rx.dose}"
    if rx.note.strip():
        description += f". {rx.note.strip()}"
    period = {"start": instant(rx.started_at)}
    if rx.ended_at is not None:
        period["end"] = instant(rx.ended_at)
    return {
        "status": "in-progress" if rx.ended_at is None else "stopped",
        "description": description,
        "scheduledPeriod": period,
    }


def _pain_score(entry: DiaryEntryRow, patient: Resource) -> Resource:
    """One diary pain score, timed with the offset the client's phone had when they wrote it."""
    offset = timezone(timedelta(minutes=entry.utc_offset_minutes))
    resource: Resource = {
        "resourceType": "Observation",
        "id": _uuid("Observation", entry.client_entry_id),
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {"coding": [PAIN_SEVERITY], "text": "Pain now (0-10)"},
        "subject": patient,
        "effectiveDateTime": entry.recorded_at.astimezone(offset).isoformat(timespec="seconds"),
        "issued": instant(entry.received_at),
        "valueInteger": entry.pain_now,
    }
    if entry.notes.strip():
        resource["note"] = [{"text": entry.notes}]
    return resource


def _appointment(visit: AppointmentRow, patient: Resource) -> Resource:
    resource: Resource = {
        "resourceType": "Appointment",
        "id": _uuid("Appointment", visit.id),
        "status": APPOINTMENT_STATUS[visit.status_code],
        "description": f"{visit.kind} at {visit.centre}",
        "start": instant(visit.starts_at),
        "end": instant(visit.ends_at),
        "created": instant(visit.created_at),
        "participant": [
            {"actor": patient, "status": "accepted"},
            *({"actor": {"display": who}, "status": "accepted"} for who in visit.therapists),
        ],
    }
    if resource["status"] == "cancelled":
        resource["cancelationReason"] = {"text": visit.status}
    return resource


def _without_empty(resource: Resource) -> Resource:
    return {key: value for key, value in resource.items() if value not in ("", [], None)}
