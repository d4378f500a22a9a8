"""The diary's own-words content: body-map regions, the weekly red-flag screen and its advice,
and the global-rating-of-change scale. No licensed questionnaire text (clinical.md §1.3)."""

from __future__ import annotations

from dataclasses import dataclass

# Body map: key -> (label, view). The SVG shapes live in templates/diary/_body_map.html.
BODY_REGIONS: dict[str, tuple[str, str]] = {
    "head": ("Head", "front"),
    "neck": ("Neck", "front"),
    "shoulder_left": ("Left shoulder", "front"),
    "shoulder_right": ("Right shoulder", "front"),
    "chest": ("Chest", "front"),
    "arm_left": ("Left arm and elbow", "front"),
    "arm_right": ("Right arm and elbow", "front"),
    "hand_left": ("Left wrist and hand", "front"),
    "hand_right": ("Right wrist and hand", "front"),
    "hip_left": ("Left hip", "front"),
    "hip_right": ("Right hip", "front"),
    "knee_left": ("Left knee", "front"),
    "knee_right": ("Right knee", "front"),
    "foot_left": ("Left ankle and foot", "front"),
    "foot_right": ("Right ankle and foot", "front"),
    "upper_back": ("Upper back", "back"),
    "low_back": ("Low back", "back"),
    "buttock_left": ("Left buttock", "back"),
    "buttock_right": ("Right buttock", "back"),
    "calf_left": ("Left calf", "back"),
    "calf_right": ("Right calf", "back"),
}


@dataclass(frozen=True)
class RedFlag:
    key: str
    question: str
    urgency: str  # "emergency", "urgent" or "soon"


# Written for Continuum from clinical.md §3.2; prompts contact, never diagnoses.
RED_FLAGS: list[RedFlag] = [
    RedFlag(
        "bladder_bowel",
        "New trouble passing urine, or losing control of your bladder or bowels",
        "emergency",
    ),
    RedFlag(
        "saddle_numbness",
        "Numbness or a changed feeling around your bottom, genitals or inner thighs",
        "emergency",
    ),
    RedFlag(
        "both_legs",
        "Weakness, numbness or pins and needles in both legs, or leg weakness that is "
        "quickly getting worse",
        "emergency",
    ),
    RedFlag(
        "stroke_signs",
        "Sudden dizziness, double vision, slurred speech, trouble swallowing or suddenly "
        "falling to the ground",
        "emergency",
    ),
    RedFlag(
        "worst_headache",
        "A sudden, severe headache unlike any you have had before",
        "emergency",
    ),
    RedFlag(
        "chest",
        "Chest pain, breathlessness or sweating that comes with your pain",
        "emergency",
    ),
    RedFlag("fever", "Fever, chills or night sweats along with your pain", "urgent"),
    RedFlag("hot_joint", "A hot, red and swollen joint", "urgent"),
    RedFlag(
        "new_numbness",
        "New numbness, tingling or weakness in an arm or a leg, or clumsy hands",
        "urgent",
    ),
    RedFlag(
        "night_pain",
        "Pain at night that doesn't ease whatever position you lie in",
        "soon",
    ),
    RedFlag("weight_loss", "Losing weight without trying", "soon"),
]
RED_FLAG_KEYS = {flag.key: flag for flag in RED_FLAGS}
URGENCY_ORDER = ("emergency", "urgent", "soon")

ADVICE = {
    "emergency": {
        "uk": "Call 999 or go to A&E now.",
        "au": "Call 000 or go to your nearest emergency department now.",
        "other": "Call your local emergency number or go to an emergency department now.",
    },
    "urgent": {
        "uk": "Contact your GP today. If they are closed, call NHS 111.",
        "au": "See your GP today. If they are closed, call healthdirect on 1800 022 222.",
        "other": "Contact your doctor today.",
    },
    "soon": {
        "uk": "Book a GP appointment in the next few days, and tell your therapist.",
        "au": "Book a GP appointment in the next few days, and tell your therapist.",
        "other": "See your doctor in the next few days, and tell your therapist.",
    },
}


def country_of(timezone: str) -> str:
    """Which emergency numbers apply, from the centre's time zone."""
    if timezone == "Europe/London":
        return "uk"
    if timezone.startswith("Australia/"):
        return "au"
    return "other"


def most_urgent(keys: list[str]) -> str | None:
    """The most urgent level among ticked red flags, or None when nothing was ticked."""
    levels = {RED_FLAG_KEYS[k].urgency for k in keys if k in RED_FLAG_KEYS}
    return next((level for level in URGENCY_ORDER if level in levels), None)


# Global rating of change, in our own words: −7 to +7 with anchors at the ends and middle.
GROC_ANCHORS = {-7: "Very much worse", 0: "About the same", 7: "Very much better"}
GROC_REVIEW_EVERY_DAYS = 28
