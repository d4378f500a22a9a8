"""The trend flags of clinical.md §3.1, each with its level and a sentence that says why.

Flags support clinical judgement; they never replace it. Every rule is a pure function of a
``ClientRecord`` and the ``Thresholds``; a rule without enough data stays silent rather than
guess. Pain figures are rolling 7-day means of the daily pain (never single days) for P1/P2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from ..diary.measures import RED_FLAG_KEYS
from .record import ClientRecord
from .thresholds import DEFAULT
from .thresholds import Thresholds

RED, AMBER, REVIEW, GREEN = "red", "amber", "review", "green"
LEVEL_ORDER = {RED: 0, AMBER: 1, REVIEW: 2, GREEN: 3}


@dataclass(frozen=True)
class Flag:
    code: str
    level: str
    title: str
    why: str
    weight: int = 0  # orders flags of the same level: higher is more urgent

    @property
    def rank(self) -> tuple[int, int]:
        return (LEVEL_ORDER[self.level], -self.weight)


def _d(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _n(value: float) -> str:
    return f"{value:.1f}"


def pain_threshold(reference: float, points: float, limits: Thresholds) -> float:
    """The smallest change that counts: the points, or 30 % of the reference if smaller."""
    fraction = limits.pain_change_fraction * reference
    return max(min(points, fraction), limits.pain_change_min_points)


# --- Pain ----------------------------------------------------------------------------------------


def pain_worse(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """P1: the 7-day mean is up by the MCID on the previous week or on the baseline."""
    now = record.mean_pain(record.today, limits)
    if now is None:
        return None
    points = limits.pain_change_points
    if record.baseline is not None and record.baseline <= limits.low_baseline:
        points = limits.pain_change_points_low_baseline
    before = record.mean_pain(record.today - timedelta(days=7), limits)
    references = (("a baseline of {}", record.baseline), ("{} the week before", before))
    for label, reference in references:
        if reference is None:
            continue
        rise = now - reference
        if rise >= pain_threshold(reference, points, limits) - 1e-9:
            source = label.format(_n(reference))
            why = f"7-day mean pain {_n(now)}, up {_n(rise)} from {source}"
            return Flag("P1", AMBER, "Pain worsening", why, weight=round(rise * 10))
    return None


def pain_better(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """P2: the 7-day mean is down from the baseline by the MCID."""
    now = record.mean_pain(record.today, limits)
    if now is None or record.baseline is None:
        return None
    drop = record.baseline - now
    if drop >= pain_threshold(record.baseline, limits.pain_change_points, limits) - 1e-9:
        why = f"7-day mean pain {_n(now)}, down {_n(drop)} from a baseline of {_n(record.baseline)}"
        return Flag("P2", GREEN, "Meaningful improvement", why)
    return None


def severe_pain(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """P3: worst pain 8+ on 2 or more of the last 7 days."""
    severe = [d for d in record.last_week if d.worst is not None and d.worst >= limits.severe_worst]
    if len(severe) < limits.severe_days:
        return None
    listing = ", ".join(f"{d.worst} on {_d(d.day)}" for d in severe)
    why = (
        f"Worst pain {limits.severe_worst} or more on {len(severe)} of the last 7 days ({listing})"
    )
    return Flag("P3", AMBER, "Severe pain: consider a call", why, weight=len(severe))


# --- Flares ----------------------------------------------------------------------------------


def flare(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """F1: a flare ticked in the last 7 days, or a day 3+ above the usual (14-day median)."""
    ticked = [d for d in record.last_week if d.flare]
    if ticked:
        days = ", ".join(_d(d.day) for d in ticked)
        return Flag("F1", AMBER, "Flare", f"Flare ticked on {days}")
    for day in reversed(record.last_week):
        if day.pain is None:
            continue
        usual = record.usual_pain(day.day, limits)
        if usual is not None and day.pain - usual >= limits.flare_above_median - 1e-9:
            why = (
                f"Pain {_n(day.pain)} on {_d(day.day)}, {_n(day.pain - usual)} above the usual "
                f"{_n(usual)} (median of the 14 days before)"
            )
            return Flag("F1", AMBER, "Flare", why)
    return None


def _flare_runs(record: ClientRecord) -> list[tuple[date, date]]:
    """Each flare as (first day, last day): consecutive flare days are one flare."""
    runs: list[tuple[date, date]] = []
    for day in record.days:
        if not day.flare:
            continue
        if runs and (day.day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day.day)
        else:
            runs.append((day.day, day.day))
    return runs


def flare_pattern(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """F2: 2+ flares in 7 days, a flare lasting over 7 days, or flares after visits."""
    runs = _flare_runs(record)
    week_start = record.today - timedelta(days=6)
    starts = [first for first, _last in runs if first >= week_start]
    if len(starts) >= limits.flares_in_week:
        began = ", ".join(_d(d) for d in starts)
        why = f"{len(starts)} flares in the last 7 days (starting {began}): review load and plan"
        return Flag("F2", AMBER, "Flare pattern", why, weight=len(starts))
    long = [
        (first, last)
        for first, last in runs
        if (last - first).days + 1 > limits.long_flare_days and last >= week_start
    ]
    if long:
        first, last = long[-1]
        length = (last - first).days + 1
        why = f"A flare lasting {length} days in a row, to {_d(last)}"
        return Flag("F2", AMBER, "Flare pattern", why, weight=length)
    since = record.today - timedelta(days=limits.pattern_days - 1)
    after_visits = [
        first
        for first, _last in runs
        if first >= since and any(0 <= (first - visit).days <= 1 for visit in record.sessions)
    ]
    if len(after_visits) >= limits.flares_after_sessions:
        days = ", ".join(_d(d) for d in after_visits)
        why = (
            f"Flares starting on the day of or after a visit, {len(after_visits)} times in "
            f"{limits.pattern_days} days ({days})"
        )
        return Flag("F2", AMBER, "Flare pattern", why)
    return None


# --- Exercise --------------------------------------------------------------------------------


def exercise_overdose(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """E1: exercise pain above 5, or next-morning pain above usual on 2 of the last 3 days."""
    week_start = record.today - timedelta(days=6)
    painful = [
        (day, max(values))
        for day, values in sorted(record.exercise_pain.items())
        if day >= week_start and values and max(values) > limits.exercise_pain_max
    ]
    if painful:
        day, worst = painful[-1]
        why = f"Pain {worst}/10 during exercise on {_d(day)} (above {limits.exercise_pain_max})"
        return Flag("E1", AMBER, "Exercise dose may be too high", why, weight=worst)
    checked = [
        d
        for d in record.exercise_days
        if d >= week_start - timedelta(days=1) and record.day(d + timedelta(days=1))
    ][-3:]
    worse = []
    for day in checked:
        after = record.day(day + timedelta(days=1))
        usual = record.usual_pain(day, limits)
        if after and after.pain is not None and usual is not None and after.pain > usual:
            worse.append((day, after.pain, usual))
    if len(checked) == 3 and len(worse) >= limits.overdose_days:
        listing = "; ".join(f"{_n(p)} after {_d(d)} (usual {_n(u)})" for d, p, u in worse)
        why = f"Next-day pain above usual after {len(worse)} of the last 3 exercise days: {listing}"
        return Flag("E1", AMBER, "Exercise dose may be too high", why)
    return None


def low_adherence(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """A1: under 80 % of prescribed sessions done over 14 days (firm under 50 %)."""
    percent = record.adherence_14
    if percent is None or percent >= limits.adherence_soft:
        return None
    firm = percent < limits.adherence_firm
    title = "Low adherence (firm)" if firm else "Low adherence"
    why = f"{percent}% of prescribed exercise sessions done in the 14 days before today"
    return Flag("A1", AMBER, title, why, weight=100 - percent + (50 if firm else 0))


def disengaged(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """A2: no diary entry for 7 days (therapist flag) or 14 (at risk of dropping out)."""
    since = record.last_entry if record.last_entry and record.last_entry >= record.start else None
    if since is None:
        quiet = (record.today - record.start).days
        if quiet < limits.quiet_days_therapist:
            return None
        why = f"No diary entries yet, {quiet} days into care"
    else:
        quiet = (record.today - since).days
        if quiet < limits.quiet_days_therapist:
            return None
        why = f"No diary entry for {quiet} days (last on {_d(since)})"
    if quiet >= limits.quiet_days_dropout:
        return Flag("A2", AMBER, "At risk of dropping out", why, weight=quiet)
    return Flag("A2", AMBER, "Not logging", why, weight=quiet)


# --- Function ----------------------------------------------------------------------------------


def function_worse(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """F3: the PSFS mean fell by 2 or more from one weekly rating to the next."""
    if len(record.psfs) < 2:
        return None
    (_, before), (week, now) = record.psfs[-2], record.psfs[-1]
    if (record.today - week).days > limits.psfs_recent_days:
        return None
    if before - now >= limits.psfs_mcid - 1e-9:
        why = (
            f"PSFS mean {_n(now)} in the week of {_d(week)}, "
            f"down {_n(before - now)} from {_n(before)}"
        )
        return Flag("F3", AMBER, "Function worse", why)
    return None


def plateau(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """F4: no MCID-sized change in pain or PSFS over 4 weeks despite 80 %+ adherence."""
    if record.adherence_14 is None or record.adherence_14 < limits.plateau_adherence:
        return None
    now = record.mean_pain(record.today, limits)
    then = record.mean_pain(record.today - timedelta(days=limits.plateau_days), limits)
    if now is None or then is None:
        return None
    if abs(now - then) >= pain_threshold(then, limits.pain_change_points, limits) - 1e-9:
        return None
    psfs_then = [
        v for week, v in record.psfs if week <= record.today - timedelta(days=limits.plateau_days)
    ]
    psfs_change = ""
    if record.psfs and psfs_then:
        change = record.psfs[-1][1] - psfs_then[-1]
        if abs(change) >= limits.psfs_mcid - 1e-9:
            return None
        psfs_change = f"; PSFS {_n(psfs_then[-1])} → {_n(record.psfs[-1][1])}"
    why = (
        f"7-day mean pain {_n(then)} {limits.plateau_days} days ago and {_n(now)} now"
        f"{psfs_change}, "
        f"with {record.adherence_14}% adherence: progress or change the plan?"
    )
    return Flag("F4", REVIEW, "Plateau", why)


# --- Sleep and stress ------------------------------------------------------------------------


def poor_sleep(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """S1: sleep 3 or less on 4 of 7 nights, or the 7-day mean down by 2."""
    bad = [d for d in record.last_week if d.sleep is not None and d.sleep <= limits.poor_sleep]
    if len(bad) >= limits.poor_sleep_nights:
        why = (
            f"Sleep {limits.poor_sleep}/10 or less on {len(bad)} of the last 7 nights; "
            "ask about night pain"
        )
        return Flag("S1", AMBER, "Poor sleep", why, weight=len(bad))
    now = record.mean_of("sleep", record.today, limits)
    before = record.mean_of("sleep", record.today - timedelta(days=7), limits)
    if now is not None and before is not None and before - now >= limits.sleep_drop - 1e-9:
        why = (
            f"7-day mean sleep {_n(now)}, down {_n(before - now)} from {_n(before)} the week before"
        )
        return Flag("S1", AMBER, "Poor sleep", why)
    return None


def high_stress(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """S2: stress 7 or more on 4 of 7 days."""
    high = [d for d in record.last_week if d.stress is not None and d.stress >= limits.high_stress]
    if len(high) < limits.high_stress_days:
        return None
    why = (
        f"Stress {limits.high_stress}/10 or more on {len(high)} of the last 7 days; "
        "a psychosocial check-in may help"
    )
    return Flag("S2", AMBER, "High stress", why, weight=len(high))


# --- Safety ------------------------------------------------------------------------------------

NEURO = "new_numbness"
NEURO_RED = {
    "both_legs": "in both legs",
    "bladder_bowel": "with bladder or bowel change",
    "saddle_numbness": "with saddle numbness",
}


def red_flag(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """R1: any red-flag item ticked in the last 14 days (new numbness alone is R2's)."""
    recent = [
        (day, [k for k in ticked if k != NEURO])
        for day, ticked in record.screens
        if (record.today - day).days < limits.screen_days
    ]
    recent = [(day, keys) for day, keys in recent if keys]
    if not recent:
        return None
    parts = [
        f"on {_d(day)}: "
        + "; ".join(RED_FLAG_KEYS[k].question if k in RED_FLAG_KEYS else k for k in keys)
        for day, keys in recent
    ]
    ticked = sum(len(keys) for _day, keys in recent)
    return Flag("R1", RED, "Red flag ticked", "Ticked " + "; and ".join(parts), weight=ticked)


def neuro(record: ClientRecord, limits: Thresholds) -> Flag | None:
    """R2: new numbness, tingling or weakness; red if bilateral, progressive or with bladder."""
    recent = [(d, t) for d, t in record.screens if (record.today - d).days < limits.screen_days]
    neuro_days = [d for d, t in recent if NEURO in t or set(t) & set(NEURO_RED)]
    if not neuro_days:
        return None
    ticked = {k for _d_, t in recent for k in t}
    serious = [label for key, label in NEURO_RED.items() if key in ticked]
    weekly = [d for d, t in record.screens if NEURO in t]
    progressive = len(weekly) >= 2 and (weekly[-1] - weekly[-2]).days <= 8
    if serious or progressive:
        detail = ", ".join(
            serious + (["ticked in two weekly checks running"] if progressive else [])
        )
        why = f"New neurological symptoms ({detail}), last on {_d(neuro_days[-1])}"
        return Flag("R2", RED, "Neurological symptoms", why, weight=1)
    why = (
        f"New numbness, tingling or weakness ticked on {_d(neuro_days[-1])}: "
        "review before the next session"
    )
    return Flag("R2", AMBER, "Neurological symptoms", why, weight=5)


RULES: list[Callable[[ClientRecord, Thresholds], Flag | None]] = [
    red_flag,
    neuro,
    pain_worse,
    severe_pain,
    flare,
    flare_pattern,
    exercise_overdose,
    low_adherence,
    disengaged,
    function_worse,
    poor_sleep,
    high_stress,
    plateau,
    pain_better,
]


def evaluate(record: ClientRecord, limits: Thresholds = DEFAULT) -> list[Flag]:
    """Every flag that fires for this record, the most urgent first."""
    found = [flag for rule in RULES if (flag := rule(record, limits)) is not None]
    if any(f.code == "P1" for f in found):  # worse than last week outweighs better than baseline
        found = [f for f in found if f.code != "P2"]
    return sorted(found, key=lambda f: f.rank)


def urgency(flags: list[Flag]) -> tuple[int, int, int]:
    """Sort key for a caseload: reds first, then ambers, more and weightier flags first."""
    reds = sum(f.level == RED for f in flags)
    ambers = sum(f.level == AMBER for f in flags)
    weight = sum(f.weight for f in flags if f.level in (RED, AMBER))
    return (-reds, -ambers, -weight)
