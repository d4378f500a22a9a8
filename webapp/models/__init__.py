"""The domain model; import models from here."""

from __future__ import annotations

from .accounts import Centre
from .accounts import Discipline
from .accounts import Invitation
from .accounts import LoginAttempt
from .accounts import PasswordReset
from .accounts import RecoveryCode
from .accounts import Role
from .accounts import User
from .accounts import UserSession
from .accounts import centre_membership
from .audit import AuditEvent
from .diary import CareAlert
from .diary import DiaryEntry
from .diary import EntryKind
from .diary import GlobalRating
from .diary import PsfsActivity
from .diary import PsfsScore
from .diary import RedFlagScreen
from .outcomes import OutcomeSnapshot
from .pathway import CarePlan
from .pathway import Condition
from .pathway import PhaseChange
from .pathway import care_team
from .privacy import Consent
from .privacy import ConsentTopic
from .privacy import ErasureRequest
from .privacy import ErasureStatus
from .programmes import Difficulty
from .programmes import Exercise
from .programmes import ExerciseLog
from .programmes import Prescription
from .programmes import Programme
from .programmes import ProgrammeChange
from .reminders import Delivery
from .reminders import DeliveryStatus
from .reminders import PushSubscription
from .reminders import ReminderSettings
from .sessions import Appointment
from .sessions import AppointmentKind
from .sessions import AppointmentSeries
from .sessions import AppointmentSlot
from .sessions import AppointmentStatus
from .sessions import CalendarFeed
from .sessions import NoteAddendum
from .sessions import Referral
from .sessions import SessionNote
from .sessions import Urgency
from .types import UTCDateTime
from .types import now_utc

__all__ = [
    "AuditEvent",
    "Delivery",
    "DeliveryStatus",
    "PushSubscription",
    "ReminderSettings",
    "Appointment",
    "AppointmentKind",
    "AppointmentSeries",
    "AppointmentSlot",
    "AppointmentStatus",
    "CalendarFeed",
    "NoteAddendum",
    "Referral",
    "SessionNote",
    "Urgency",
    "CareAlert",
    "Consent",
    "ConsentTopic",
    "ErasureRequest",
    "ErasureStatus",
    "DiaryEntry",
    "EntryKind",
    "GlobalRating",
    "PsfsActivity",
    "PsfsScore",
    "RedFlagScreen",
    "OutcomeSnapshot",
    "CarePlan",
    "Centre",
    "Condition",
    "Difficulty",
    "Discipline",
    "Exercise",
    "ExerciseLog",
    "Invitation",
    "LoginAttempt",
    "PasswordReset",
    "PhaseChange",
    "Prescription",
    "Programme",
    "ProgrammeChange",
    "RecoveryCode",
    "Role",
    "User",
    "UserSession",
    "UTCDateTime",
    "care_team",
    "centre_membership",
    "now_utc",
]
