"""What each reminder says: short, kind, and with no clinical detail (SECURITY.md D5).

A notification can be read over someone's shoulder or on a locked screen, so no text names a
condition, a pain score, an exercise or a flag. Tapping it opens the page that has the rest.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    path: str  # where tapping the notification (or the email's link) goes


EXERCISE = Message("Continuum", "Time for your home exercises, when it suits you.", "/today")
EXERCISE_REPEAT = Message(
    "Continuum", "Still time for today's exercises. A few minutes is enough.", "/today"
)
DIARY_NUDGE = Message(
    "Continuum", "How have you been? Your diary takes about 30 seconds.", "/diary/checkin"
)
PROGRAMME_CHANGED = Message(
    "Continuum", "Your therapist has updated your home programme.", "/today#changes"
)


def appointment(when: str, centre: str, hours: int) -> Message:
    lead = "tomorrow" if hours >= 24 else "soon"
    return Message("Continuum", f"Your session is {lead}: {when} at {centre}.", "/sessions")


def digest(count: int, flagged: int, lines: list[str]) -> Message:
    """The therapist's morning email: times and initials only; the names are in the app."""
    if count == 0:
        body = "No sessions booked for you today."
    else:
        noun = "session" if count == 1 else "sessions"
        body = f"You have {count} {noun} today; {flagged} of these clients have flags to review."
    return Message("Continuum: your day", "\n".join([body, "", *lines]), "/schedule")
