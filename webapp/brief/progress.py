"""The client's own view of how things are going: plain words, what is going well.

Built from the same record as the flags, but it never uses their wording or levels: a client
reads encouragement and facts, and is pointed to their care team, not to a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from statistics import mean

from .record import ClientRecord
from .services import PsfsRow
from .thresholds import DEFAULT
from .thresholds import Thresholds


@dataclass(frozen=True)
class Progress:
    pain_now: float | None
    pain_start: float | None
    pain_sentence: str
    exercise_sentence: str
    sleep_sentence: str | None
    activities: list[PsfsRow]
    going_well: list[str] = field(default_factory=list)
    days_logged: int = 0  # in the last 14 days


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def summarise(
    record: ClientRecord, activities: list[PsfsRow], limits: Thresholds = DEFAULT
) -> Progress:
    now = record.mean_pain(record.today, limits)
    start = record.baseline
    well: list[str] = []
    if now is None:
        pain = "Log your pain on a few days this week to see how it's going."
    elif start is None or abs(start - now) < 0.5:
        pain = f"Your pain has averaged {_n(now)} out of 10 this week."
    elif now < start:
        drop = round(100 * (start - now) / start) if start else 0
        pain = (
            f"Your pain has averaged {_n(now)} out of 10 this week. When you started it was "
            f"{_n(start)}: that's {drop}% lower."
        )
        if start - now >= 1:
            well.append(f"Your pain is {drop}% lower than when you started.")
    else:
        pain = (
            f"Your pain has averaged {_n(now)} out of 10 this week, a bit higher than when you "
            f"started ({_n(start)}). Ups and downs are common; your care team sees your diary and "
            "will talk it through with you at your next session."
        )

    percent = record.adherence_14
    done = sum(record.exercise_counts.get(record.today - timedelta(days=n), 0) for n in range(14))
    if percent is None:
        exercise = "Your home exercises will appear here once your therapist has set them."
    else:
        exercise = (
            f"You did {done} exercise sessions in the last two weeks: {percent}% of what's planned."
        )
        if percent >= 80:
            well.append("You're keeping up your home exercises: that's what makes the difference.")

    nights = [d.sleep for d in record.last_week if d.sleep is not None]
    earlier = [d.sleep for d in record.span(record.today - timedelta(days=7), 7) if d.sleep]
    sleep = None
    if nights:
        sleep = f"You've rated your sleep {_n(mean(nights))} out of 10 on average this week."
        if earlier and mean(nights) - mean(earlier) >= 1:
            well.append("You've been sleeping better than the week before.")

    for row in activities:
        if row.first is not None and row.latest is not None and row.latest - row.first >= 2:
            well.append(f"{row.name}: from {row.first} to {row.latest} out of 10.")

    logged = sum(1 for d in record.span(record.today, 14) if d.pain is not None)
    if logged >= 10:
        well.append(f"You've kept your diary on {logged} of the last 14 days.")

    return Progress(
        pain_now=now,
        pain_start=start,
        pain_sentence=pain,
        exercise_sentence=exercise,
        sleep_sentence=sleep,
        activities=activities,
        going_well=well,
        days_logged=logged,
    )
