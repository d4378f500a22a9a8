"""Gather everything Continuum holds about one client, as plain typed rows (GDPR Art. 15/20).

``gather`` reads; the formats (``formats``, ``fhir``) only write text. Each category is a list
of flat rows, so the same structure becomes a JSON array, a CSV file or FHIR resources.

Left out on purpose: secrets (the password hash, the authenticator secret, session, invitation,
reset and calendar-feed tokens, recovery codes, push keys), delivery outcomes (the sender's
diagnostics), and the care team's clinical record: the treatment, findings, plan and handover
of session notes, their addenda, and the reasons for referrals. Those are health data a health
professional must check before they are released (UK GDPR, DPA 2018 Sch. 3 Part 2, the
"serious harm" test), so the export counts them and says how to ask for them (``Withheld``).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from ..audit.services import describe
from ..audit.services import role_label
from ..localtime import client_timezone
from ..models import Appointment
from ..models import AuditEvent
from ..models import CalendarFeed
from ..models import CareAlert
from ..models import CarePlan
from ..models import Consent
from ..models import Delivery
from ..models import DiaryEntry
from ..models import ErasureRequest
from ..models import ExerciseLog
from ..models import GlobalRating
from ..models import NoteAddendum
from ..models import Prescription
from ..models import Programme
from ..models import ProgrammeChange
from ..models import PsfsActivity
from ..models import PsfsScore
from ..models import PushSubscription
from ..models import RedFlagScreen
from ..models import Referral
from ..models import ReminderSettings
from ..models import SessionNote
from ..models import User
from ..models import UserSession
from ..pathway.content import condition_label
from ..programmes.services import dose_text

# Who acted when an audit row names no user.
NO_ACTOR = {"system": "Continuum", "calendar-feed": "Your calendar link"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WITHHELD_EXPLANATION = (
    "The clinical parts of your record (what your therapists did and found, their plans, "
    "handovers and corrections, and the reasons for referrals) are not in this download. "
    "Under UK GDPR a health professional must check health records before they are released, "
    "so ask your clinic for them: they will send the full clinical record within one month."
)


def instant(moment: datetime) -> str:
    """An instant as the export writes it: ISO 8601 in UTC with a Z (2026-11-28T09:30:00Z)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- The rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    id: int
    name: str
    email: str
    role: str
    centres: list[str]
    timezone: str
    created_at: datetime
    onboarded_at: datetime | None
    two_step_sign_in: bool
    two_step_sign_in_since: datetime | None


@dataclass(frozen=True)
class CarePlanRow:
    id: int
    condition: str
    condition_code: str
    phase: int
    goals: str
    start_date: date
    active: bool
    centre: str
    created_at: datetime


@dataclass(frozen=True)
class CareTeamMember:
    care_plan_id: int
    name: str
    discipline: str


@dataclass(frozen=True)
class PhaseChangeRow:
    care_plan_id: int
    from_phase: int | None
    to_phase: int
    reason: str
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class ProgrammeRow:
    id: int
    care_plan_id: int | None
    version: int
    created_at: datetime


@dataclass(frozen=True)
class PrescriptionRow:
    id: int
    programme_id: int
    exercise_id: str
    exercise: str
    dose: str
    sets: int
    reps: int | None
    hold_seconds: int | None
    rest_seconds: int
    times_per_day: int | None
    days_per_week: int | None
    each_side: bool
    note: str
    position: int
    started_at: datetime
    started_in_version: int
    ended_at: datetime | None
    ended_in_version: int | None
    end_reason: str | None
    previous_id: int | None


@dataclass(frozen=True)
class ProgrammeChangeRow:
    programme_id: int
    version: int
    changed_at: datetime
    changed_by: str
    summary: str
    reason: str
    post_op_approved: bool


@dataclass(frozen=True)
class ExerciseLogRow:
    client_entry_id: str
    prescription_id: int
    exercise: str
    performed_at: datetime
    local_date: date
    timezone: str
    sets_done: int | None
    pain_during: int | None
    difficulty: str | None
    with_timer: bool
    received_at: datetime


@dataclass(frozen=True)
class DiaryEntryRow:
    client_entry_id: str
    kind: str
    local_date: date
    recorded_at: datetime
    timezone: str
    utc_offset_minutes: int
    pain_now: int
    pain_worst: int | None
    sleep: int | None
    stress: int | None
    flare: bool | None
    areas: list[str]
    notes: str
    received_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PsfsActivityRow:
    id: int
    name: str
    created_by: str
    created_at: datetime
    retired_at: datetime | None


@dataclass(frozen=True)
class PsfsScoreRow:
    activity_id: int
    activity: str
    week_start: date
    score: int
    recorded_at: datetime


@dataclass(frozen=True)
class GlobalRatingRow:
    local_date: date
    score: int
    recorded_at: datetime


@dataclass(frozen=True)
class RedFlagScreenRow:
    local_date: date
    ticked: list[str]
    recorded_at: datetime


@dataclass(frozen=True)
class CareAlertRow:
    kind: str
    urgency: str
    summary: str
    created_at: datetime
    acknowledged_by: str
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class AppointmentRow:
    id: int
    care_plan_id: int
    kind: str
    status: str
    status_code: str
    starts_at: datetime
    ends_at: datetime
    centre: str
    therapists: list[str]
    created_at: datetime


@dataclass(frozen=True)
class SessionSummaryRow:
    appointment_id: int | None
    written_at: datetime
    author: str
    discipline: str
    client_summary: str
    client_next_steps: str


@dataclass(frozen=True)
class ReferralRow:
    created_at: datetime
    to_discipline: str
    urgency: str
    acknowledged: bool
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class ReminderSettingsRow:
    enabled: bool
    exercise_times: list[str]
    exercise_days: list[str]
    by_push: bool
    by_email: bool
    quiet_start: str
    quiet_end: str
    paused_until: date | None
    updated_at: datetime


@dataclass(frozen=True)
class DeliveryRow:
    kind: str
    channel: str
    due_at: datetime
    status: str
    sent_at: datetime | None


@dataclass(frozen=True)
class PushSubscriptionRow:
    created_at: datetime
    service: str  # the push service's host, never the endpoint's path or keys


@dataclass(frozen=True)
class CalendarFeedRow:
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class ConsentRow:
    topic: str
    granted: bool
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class ErasureRequestRow:
    status: str
    requested_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class SignInRow:
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str
    role: str
    action: str
    record: str
    what: str


@dataclass(frozen=True)
class Withheld:
    """The care team's clinical record, counted but not included, and how to ask for it."""

    session_notes: int
    note_addenda: int
    referrals: int
    how_to_ask: str


@dataclass(frozen=True)
class ClientExport:
    """Everything held about one client, category by category, at ``generated_at``."""

    generated_at: datetime
    profile: Profile
    care_plans: list[CarePlanRow]
    care_team: list[CareTeamMember]
    phase_changes: list[PhaseChangeRow]
    programmes: list[ProgrammeRow]
    prescriptions: list[PrescriptionRow]
    programme_changes: list[ProgrammeChangeRow]
    exercise_logs: list[ExerciseLogRow]
    diary_entries: list[DiaryEntryRow]
    psfs_activities: list[PsfsActivityRow]
    psfs_scores: list[PsfsScoreRow]
    global_ratings: list[GlobalRatingRow]
    red_flag_screens: list[RedFlagScreenRow]
    care_alerts: list[CareAlertRow]
    appointments: list[AppointmentRow]
    session_summaries: list[SessionSummaryRow]
    referrals: list[ReferralRow]
    reminder_settings: list[ReminderSettingsRow]
    reminder_deliveries: list[DeliveryRow]
    push_subscriptions: list[PushSubscriptionRow]
    calendar_feeds: list[CalendarFeedRow]
    consents: list[ConsentRow]
    erasure_requests: list[ErasureRequestRow]
    sign_ins: list[SignInRow]
    access_log: list[AuditRow]
    clinical_record_withheld: Withheld

    def tables(self) -> list[Table]:
        """Each list of rows as a table, in the order of ``CATEGORIES``."""
        return [
            Table(name, category.description, category.columns, getattr(self, name))
            for name, category in CATEGORIES.items()
        ]


@dataclass(frozen=True)
class Category:
    """One kind of row in the export, and what a client reads about it."""

    row: type
    description: str

    @property
    def columns(self) -> list[str]:
        return [f.name for f in fields(self.row)]


@dataclass(frozen=True)
class Table:
    """One category's rows, ready to write as a JSON array or a CSV file."""

    name: str
    description: str
    columns: list[str]
    rows: list[Any]


# Every list in ``ClientExport``, in the order the files list them (the README and the page).
CATEGORIES: dict[str, Category] = {
    "care_plans": Category(
        CarePlanRow, "Your care plans: condition, phase, goals, start date, centre."
    ),
    "care_team": Category(
        CareTeamMember, "The therapists on each care plan, and their discipline."
    ),
    "phase_changes": Category(
        PhaseChangeRow, "Each move along the pathway: from and to which phase, why, who, when."
    ),
    "programmes": Category(ProgrammeRow, "Your home programme and its current version."),
    "prescriptions": Category(
        PrescriptionRow, "Every exercise prescribed to you, its dose and note, from when to when."
    ),
    "programme_changes": Category(
        ProgrammeChangeRow, "Each change to your programme: what, why, who, when."
    ),
    "exercise_logs": Category(
        ExerciseLogRow, "Each time you logged an exercise: sets, pain during it, difficulty."
    ),
    "diary_entries": Category(
        DiaryEntryRow, "Your pain diary: check-ins and quick logs, every field you entered."
    ),
    "psfs_activities": Category(
        PsfsActivityRow, "The activities you rate each week (Patient-Specific Functional Scale)."
    ),
    "psfs_scores": Category(
        PsfsScoreRow, "Your weekly ratings of those activities, 0 (can't) to 10 (as before)."
    ),
    "global_ratings": Category(
        GlobalRatingRow, "Your overall sense of change at reviews, -7 to +7."
    ),
    "red_flag_screens": Category(
        RedFlagScreenRow, "Your weekly red-flag checks and what you ticked."
    ),
    "care_alerts": Category(
        CareAlertRow, "Alerts your answers raised for the care team, and when they acted."
    ),
    "appointments": Category(
        AppointmentRow, "Your sessions: kind, time, status, centre and therapists."
    ),
    "session_summaries": Category(
        SessionSummaryRow, "What your therapists wrote for you after a session."
    ),
    "referrals": Category(
        ReferralRow, "Referrals between your therapists: when, to whom, how soon, acknowledged."
    ),
    "reminder_settings": Category(ReminderSettingsRow, "Your reminder choices."),
    "reminder_deliveries": Category(
        DeliveryRow, "Reminders planned or sent to you: kind, channel, time, status."
    ),
    "push_subscriptions": Category(
        PushSubscriptionRow, "Devices that receive reminders (the push service only)."
    ),
    "calendar_feeds": Category(
        CalendarFeedRow, "Your private calendar links: made and stopped (not the links)."
    ),
    "consents": Category(ConsentRow, "Your consent decisions."),
    "erasure_requests": Category(ErasureRequestRow, "Your requests to erase your data."),
    "sign_ins": Category(SignInRow, "Your signed-in devices: started, last seen, ended."),
    "access_log": Category(
        AuditRow, "Who opened or changed your record, and when (the audit trail)."
    ),
}

# --- Gathering -----------------------------------------------------------------------------------


def gather(session: Session, client: User, now: datetime) -> ClientExport:
    """Read everything held about ``client`` at ``now``: only their rows, never a secret."""
    plans = list(
        session.scalars(
            select(CarePlan)
            .where(CarePlan.client_id == client.id)
            .options(selectinload(CarePlan.team), selectinload(CarePlan.phase_changes))
            .order_by(CarePlan.created_at, CarePlan.id)
        )
    )
    programme = session.scalar(select(Programme).where(Programme.client_id == client.id))
    return ClientExport(
        generated_at=now,
        profile=_profile(client),
        care_plans=[_care_plan(plan) for plan in plans],
        care_team=_care_team(plans),
        phase_changes=_phase_changes(plans),
        programmes=_programmes(programme),
        prescriptions=_prescriptions(session, programme),
        programme_changes=_programme_changes(session, programme),
        exercise_logs=_exercise_logs(session, client),
        diary_entries=_diary_entries(session, client),
        psfs_activities=_psfs_activities(session, client),
        psfs_scores=_psfs_scores(session, client),
        global_ratings=_global_ratings(session, client),
        red_flag_screens=_red_flag_screens(session, client),
        care_alerts=_care_alerts(session, client),
        appointments=_appointments(session, client),
        session_summaries=_session_summaries(session, client),
        referrals=_referrals(session, client),
        reminder_settings=_reminder_settings(session, client),
        reminder_deliveries=_deliveries(session, client),
        push_subscriptions=_push_subscriptions(session, client),
        calendar_feeds=_calendar_feeds(session, client),
        consents=_consents(session, client),
        erasure_requests=_erasure_requests(session, client),
        sign_ins=_sign_ins(session, client),
        access_log=_access_log(session, client),
        clinical_record_withheld=_withheld(session, client),
    )


def _profile(client: User) -> Profile:
    return Profile(
        id=client.id,
        name=client.name,
        email=client.email,
        role=client.role.value,
        centres=[centre.name for centre in client.centres],
        timezone=client_timezone(client),
        created_at=client.created_at,
        onboarded_at=client.onboarded_at,
        two_step_sign_in=client.has_second_factor,
        two_step_sign_in_since=client.totp_enabled_at,
    )


def _care_plan(plan: CarePlan) -> CarePlanRow:
    return CarePlanRow(
        id=plan.id,
        condition=condition_label(plan.condition),
        condition_code=plan.condition.value,
        phase=plan.phase,
        goals=plan.goals,
        start_date=plan.start_date,
        active=plan.active,
        centre=plan.centre.name,
        created_at=plan.created_at,
    )


def _care_team(plans: list[CarePlan]) -> list[CareTeamMember]:
    return [
        CareTeamMember(plan.id, member.name, _discipline(member))
        for plan in plans
        for member in plan.team
    ]


def _phase_changes(plans: list[CarePlan]) -> list[PhaseChangeRow]:
    return [
        PhaseChangeRow(
            care_plan_id=plan.id,
            from_phase=change.from_phase,
            to_phase=change.to_phase,
            reason=change.reason,
            changed_by=_name(change.changed_by),
            changed_at=change.changed_at,
        )
        for plan in plans
        for change in plan.phase_changes
    ]


def _programmes(programme: Programme | None) -> list[ProgrammeRow]:
    if programme is None:
        return []
    return [
        ProgrammeRow(programme.id, programme.care_plan_id, programme.version, programme.created_at)
    ]


def _prescriptions(session: Session, programme: Programme | None) -> list[PrescriptionRow]:
    if programme is None:
        return []
    query = (
        select(Prescription)
        .where(Prescription.programme_id == programme.id)
        .options(selectinload(Prescription.exercise))
        .order_by(Prescription.started_at, Prescription.position, Prescription.id)
    )
    return [
        PrescriptionRow(
            id=rx.id,
            programme_id=rx.programme_id,
            exercise_id=rx.exercise_id,
            exercise=rx.exercise.name,
            dose=dose_text(rx),
            sets=rx.sets,
            reps=rx.reps,
            hold_seconds=rx.hold_seconds,
            rest_seconds=rx.rest_seconds,
            times_per_day=rx.times_per_day,
            days_per_week=rx.days_per_week,
            each_side=rx.each_side,
            note=rx.note,
            position=rx.position,
            started_at=rx.started_at,
            started_in_version=rx.started_in_version,
            ended_at=rx.ended_at,
            ended_in_version=rx.ended_in_version,
            end_reason=rx.end_reason,
            previous_id=rx.previous_id,
        )
        for rx in session.scalars(query)
    ]


def _programme_changes(session: Session, programme: Programme | None) -> list[ProgrammeChangeRow]:
    if programme is None:
        return []
    query = (
        select(ProgrammeChange)
        .where(ProgrammeChange.programme_id == programme.id)
        .options(selectinload(ProgrammeChange.changed_by))
        .order_by(ProgrammeChange.version)
    )
    return [
        ProgrammeChangeRow(
            c.programme_id,
            c.version,
            c.changed_at,
            _name(c.changed_by),
            c.summary,
            c.reason,
            c.post_op_approved,
        )
        for c in session.scalars(query)
    ]


def _exercise_logs(session: Session, client: User) -> list[ExerciseLogRow]:
    query = (
        select(ExerciseLog)
        .where(ExerciseLog.client_id == client.id)
        .options(selectinload(ExerciseLog.prescription).selectinload(Prescription.exercise))
        .order_by(ExerciseLog.performed_at, ExerciseLog.id)
    )
    return [
        ExerciseLogRow(
            client_entry_id=log.client_entry_id,
            prescription_id=log.prescription_id,
            exercise=log.prescription.exercise.name,
            performed_at=log.performed_at,
            local_date=log.local_date,
            timezone=log.timezone,
            sets_done=log.sets_done,
            pain_during=log.pain_during,
            difficulty=log.difficulty.value if log.difficulty else None,
            with_timer=log.with_timer,
            received_at=log.received_at,
        )
        for log in session.scalars(query)
    ]


def _diary_entries(session: Session, client: User) -> list[DiaryEntryRow]:
    query = (
        select(DiaryEntry)
        .where(DiaryEntry.client_id == client.id)
        .order_by(DiaryEntry.recorded_at, DiaryEntry.id)
    )
    return [
        DiaryEntryRow(
            client_entry_id=entry.client_entry_id,
            kind=entry.kind.value,
            local_date=entry.local_date,
            recorded_at=entry.recorded_at,
            timezone=entry.timezone,
            utc_offset_minutes=entry.utc_offset_minutes,
            pain_now=entry.pain_now,
            pain_worst=entry.pain_worst,
            sleep=entry.sleep,
            stress=entry.stress,
            flare=entry.flare,
            areas=list(entry.areas),
            notes=entry.notes,
            received_at=entry.received_at,
            updated_at=entry.updated_at,
        )
        for entry in session.scalars(query)
    ]


def _psfs_activities(session: Session, client: User) -> list[PsfsActivityRow]:
    query = (
        select(PsfsActivity, User)
        .outerjoin(User, User.id == PsfsActivity.created_by_id)
        .where(PsfsActivity.client_id == client.id)
        .order_by(PsfsActivity.created_at, PsfsActivity.id)
    )
    return [
        PsfsActivityRow(a.id, a.name, _name(by), a.created_at, a.retired_at)
        for a, by in session.execute(query).all()
    ]


def _psfs_scores(session: Session, client: User) -> list[PsfsScoreRow]:
    query = (
        select(PsfsScore, PsfsActivity.name)
        .join(PsfsScore.activity)
        .where(PsfsActivity.client_id == client.id)
        .order_by(PsfsScore.week_start, PsfsScore.activity_id)
    )
    return [
        PsfsScoreRow(s.activity_id, name, s.week_start, s.score, s.recorded_at)
        for s, name in session.execute(query).all()
    ]


def _global_ratings(session: Session, client: User) -> list[GlobalRatingRow]:
    query = (
        select(GlobalRating)
        .where(GlobalRating.client_id == client.id)
        .order_by(GlobalRating.recorded_at, GlobalRating.id)
    )
    return [GlobalRatingRow(r.local_date, r.score, r.recorded_at) for r in session.scalars(query)]


def _red_flag_screens(session: Session, client: User) -> list[RedFlagScreenRow]:
    query = (
        select(RedFlagScreen)
        .where(RedFlagScreen.client_id == client.id)
        .order_by(RedFlagScreen.recorded_at, RedFlagScreen.id)
    )
    return [
        RedFlagScreenRow(s.local_date, list(s.ticked), s.recorded_at)
        for s in session.scalars(query)
    ]


def _care_alerts(session: Session, client: User) -> list[CareAlertRow]:
    query = (
        select(CareAlert)
        .where(CareAlert.client_id == client.id)
        .options(selectinload(CareAlert.acknowledged_by))
        .order_by(CareAlert.created_at, CareAlert.id)
    )
    return [
        CareAlertRow(
            kind=a.kind,
            urgency=a.urgency,
            summary=a.summary,
            created_at=a.created_at,
            acknowledged_by=_name(a.acknowledged_by),
            acknowledged_at=a.acknowledged_at,
        )
        for a in session.scalars(query)
    ]


def _appointments(session: Session, client: User) -> list[AppointmentRow]:
    query = (
        select(Appointment)
        .where(Appointment.client_id == client.id)
        .options(selectinload(Appointment.slots), selectinload(Appointment.centre))
        .order_by(Appointment.starts_at, Appointment.id)
    )
    return [
        AppointmentRow(
            id=a.id,
            care_plan_id=a.care_plan_id,
            kind=a.kind.label,
            status=a.status.label,
            status_code=a.status.value,
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            centre=a.centre.name,
            therapists=[f"{slot.therapist.name} ({slot.discipline.label})" for slot in a.slots],
            created_at=a.created_at,
        )
        for a in session.scalars(query)
    ]


def _session_summaries(session: Session, client: User) -> list[SessionSummaryRow]:
    """The parts of session notes written for the client; the clinical parts stay out."""
    query = (
        select(SessionNote)
        .where(
            SessionNote.client_id == client.id,
            (SessionNote.client_summary != "") | (SessionNote.client_next_steps != ""),
        )
        .options(selectinload(SessionNote.author))
        .order_by(SessionNote.written_at, SessionNote.id)
    )
    return [
        SessionSummaryRow(
            appointment_id=note.appointment_id,
            written_at=note.written_at,
            author=_name(note.author),
            discipline=note.discipline.label,
            client_summary=note.client_summary,
            client_next_steps=note.client_next_steps,
        )
        for note in session.scalars(query)
    ]


def _referrals(session: Session, client: User) -> list[ReferralRow]:
    """When, to whom and how soon; the reason is the care team's clinical record."""
    query = (
        select(Referral)
        .where(Referral.client_id == client.id)
        .order_by(Referral.created_at, Referral.id)
    )
    return [
        ReferralRow(
            created_at=r.created_at,
            to_discipline=r.to_discipline.label,
            urgency=r.urgency.value,
            acknowledged=r.acknowledged_at is not None,
            acknowledged_at=r.acknowledged_at,
        )
        for r in session.scalars(query)
    ]


def _reminder_settings(session: Session, client: User) -> list[ReminderSettingsRow]:
    found = session.get(ReminderSettings, client.id)
    if found is None:
        return []
    return [
        ReminderSettingsRow(
            enabled=found.enabled,
            exercise_times=list(found.exercise_times),
            exercise_days=[WEEKDAYS[day] for day in found.exercise_days if 0 <= day < 7],
            by_push=found.by_push,
            by_email=found.by_email,
            quiet_start=found.quiet_start,
            quiet_end=found.quiet_end,
            paused_until=found.paused_until,
            updated_at=found.updated_at,
        )
    ]


def _deliveries(session: Session, client: User) -> list[DeliveryRow]:
    """The reminders planned or sent; the sender's outcome text stays out."""
    query = (
        select(Delivery)
        .where(Delivery.recipient_id == client.id)
        .order_by(Delivery.due_at, Delivery.id)
    )
    return [
        DeliveryRow(d.kind, d.channel, d.due_at, d.status.value, d.sent_at)
        for d in session.scalars(query)
    ]


def _push_subscriptions(session: Session, client: User) -> list[PushSubscriptionRow]:
    """When each device subscribed and its push service; the endpoint's path and keys stay out."""
    query = (
        select(PushSubscription)
        .where(PushSubscription.user_id == client.id)
        .order_by(PushSubscription.created_at, PushSubscription.id)
    )
    return [
        PushSubscriptionRow(p.created_at, urlsplit(p.endpoint).hostname or "")
        for p in session.scalars(query)
    ]


def _calendar_feeds(session: Session, client: User) -> list[CalendarFeedRow]:
    query = (
        select(CalendarFeed)
        .where(CalendarFeed.client_id == client.id)
        .order_by(CalendarFeed.created_at, CalendarFeed.id)
    )
    return [CalendarFeedRow(f.created_at, f.revoked_at) for f in session.scalars(query)]


def _consents(session: Session, client: User) -> list[ConsentRow]:
    query = (
        select(Consent)
        .where(Consent.client_id == client.id)
        .options(selectinload(Consent.recorded_by))
        .order_by(Consent.recorded_at, Consent.id)
    )
    return [
        ConsentRow(
            topic=c.topic.value,
            granted=c.granted,
            recorded_at=c.recorded_at,
            recorded_by="You" if c.recorded_by_id == client.id else _name(c.recorded_by),
        )
        for c in session.scalars(query)
    ]


def _erasure_requests(session: Session, client: User) -> list[ErasureRequestRow]:
    query = (
        select(ErasureRequest)
        .where(ErasureRequest.client_id == client.id)
        .order_by(ErasureRequest.requested_at, ErasureRequest.id)
    )
    return [
        ErasureRequestRow(e.status.value, e.requested_at, e.closed_at)
        for e in session.scalars(query)
    ]


def _sign_ins(session: Session, client: User) -> list[SignInRow]:
    """The devices signed in: when, last seen, ended; never the session's token."""
    query = (
        select(UserSession).where(UserSession.user_id == client.id).order_by(UserSession.created_at)
    )
    return [SignInRow(s.created_at, s.last_seen_at, s.revoked_at) for s in session.scalars(query)]


def _access_log(session: Session, client: User) -> list[AuditRow]:
    """Every audit row about the client, their own use included, oldest first."""
    query = (
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.client_id == client.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    rows = []
    for event, actor in session.execute(query).all():
        if event.actor_id == client.id:
            who, role = "You", "Client"
        elif actor is None:
            who = NO_ACTOR.get(event.actor_role, "A former member of staff")
            role = role_label(None, event.actor_role)
        else:
            who, role = actor.name, role_label(actor, event.actor_role)
        what = describe(event.action, event.record)
        rows.append(AuditRow(event.at, who, role, event.action, event.record, what))
    return rows


def _withheld(session: Session, client: User) -> Withheld:
    def count(query: Any) -> int:
        return session.scalar(query) or 0

    return Withheld(
        session_notes=count(
            select(func.count(SessionNote.id)).where(SessionNote.client_id == client.id)
        ),
        note_addenda=count(
            select(func.count(NoteAddendum.id))
            .join(NoteAddendum.note)
            .where(SessionNote.client_id == client.id)
        ),
        referrals=count(select(func.count(Referral.id)).where(Referral.client_id == client.id)),
        how_to_ask=WITHHELD_EXPLANATION,
    )


def _name(user: User | None) -> str:
    return user.name if user is not None else ""


def _discipline(member: User) -> str:
    return member.discipline.label if member.discipline else member.role.value
