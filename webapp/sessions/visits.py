"""What a visit is for and what to bring, in words a client can read.

The copy describes what happens in each kind of visit at each phase without claiming that
combined care is proven better than either therapy alone (clinical.md §4).
"""

from __future__ import annotations

from ..models import Appointment
from ..models import AppointmentKind

BRING: dict[AppointmentKind, list[str]] = {
    AppointmentKind.MASSAGE: [
        "loose, comfortable clothes",
        "a list of anything that has changed since your last visit",
    ],
    AppointmentKind.PHYSIO: [
        "clothes you can move in, and trainers",
        "your phone, so we can go through your home exercises together",
    ],
    AppointmentKind.COMBINED: [
        "loose clothes you can move in, and trainers",
        "your phone, so we can go through your home exercises together",
    ],
    AppointmentKind.REVIEW: [
        "clothes you can move in",
        "any questions about how the last few weeks have gone",
    ],
}

PURPOSE: dict[tuple[int, AppointmentKind], str] = {
    (1, AppointmentKind.MASSAGE): "Massage to ease pain and tension, and a chat about what helps.",
    (1, AppointmentKind.PHYSIO): (
        "Your physiotherapist explains what is going on and starts gentle movement."
    ),
    (1, AppointmentKind.COMBINED): (
        "Massage to settle pain and tension, then gentle movement with your physiotherapist."
    ),
    (2, AppointmentKind.MASSAGE): (
        "Massage to free up stiff areas so that your new exercises feel easier."
    ),
    (2, AppointmentKind.PHYSIO): (
        "Working on how you move, checking your exercises and adding the first strength work."
    ),
    (2, AppointmentKind.COMBINED): (
        "Massage to free up stiff areas, then movement and first strength work with your "
        "physiotherapist."
    ),
    (3, AppointmentKind.MASSAGE): "Targeted massage for any tension that is left.",
    (3, AppointmentKind.PHYSIO): (
        "Building strength and confidence, and a plan to keep going on your own."
    ),
    (3, AppointmentKind.COMBINED): (
        "Strength work with your physiotherapist, and targeted massage for any tension left."
    ),
}
REVIEW_PURPOSE = (
    "A look back at how things have gone: your diary, your exercises and whether you are "
    "ready for the next step."
)


def what_to_bring(appointment: Appointment) -> list[str]:
    return BRING[appointment.kind]


def purpose(appointment: Appointment, phase: int) -> str:
    """What this visit is for, given where the client is on their pathway."""
    if appointment.kind is AppointmentKind.REVIEW:
        return REVIEW_PURPOSE
    return PURPOSE[(phase, appointment.kind)]
