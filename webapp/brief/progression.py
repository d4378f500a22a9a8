"""The progression checklist for the client's current phase (clinical.md §3.3).

It suggests; the therapist decides. Criteria the app cannot measure (range of motion, form,
understanding) say so and are left to the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from .record import ClientRecord
from .rules import NEURO
from .thresholds import Thresholds

MET, NOT_MET, NO_DATA, IN_SESSION = "met", "not met", "no data", "assess in session"


@dataclass(frozen=True)
class Criterion:
    name: str
    status: str
    detail: str


def _n(value: float) -> str:
    return f"{value:.1f}"


def checklist(record: ClientRecord, limits: Thresholds) -> tuple[str, list[Criterion]]:
    """The step the client could take next, and each criterion for it with the numbers."""
    if record.phase == 1:
        return "Phase 1 → Phase 2", _phase_one(record, limits)
    if record.phase == 2:
        return "Phase 2 → Phase 3", _phase_two(record, limits)
    return "Phase 3 → maintenance or discharge", _phase_three(record, limits)


def _pain_improved(record: ClientRecord, limits: Thresholds) -> Criterion:
    now = record.mean_pain(record.today, limits)
    week_ago = record.mean_pain(record.today - timedelta(days=7), limits)
    if now is None:
        return Criterion("Pain settling", NO_DATA, "Fewer than 4 diary days in the last week")
    if record.baseline is not None:
        drop = record.baseline - now
        needed = max(
            min(limits.pain_change_points, limits.pain_change_fraction * record.baseline),
            limits.pain_change_min_points,
        )
        if drop >= needed - 1e-9:
            detail = (
                f"7-day mean {_n(now)}, down {_n(drop)} from a baseline of {_n(record.baseline)}"
            )
            return Criterion("Pain settling", MET, detail)
    stable = week_ago is not None and abs(now - week_ago) < 1
    if now <= limits.p1_pain_settled and stable:
        detail = f"7-day mean {_n(now)} and stable (a week ago {_n(week_ago or 0)})"
        return Criterion("Pain settling", MET, detail)
    baseline = f" (baseline {_n(record.baseline)})" if record.baseline is not None else ""
    return Criterion("Pain settling", NOT_MET, f"7-day mean {_n(now)}{baseline}")


def _no_flare(record: ClientRecord) -> Criterion:
    week = record.last_week
    if not any(d.pain is not None for d in week):
        return Criterion("No flare in the last 7 days", NO_DATA, "No diary in the last week")
    flares = [d for d in week if d.flare]
    if flares:
        return Criterion("No flare in the last 7 days", NOT_MET, f"{len(flares)} flare day(s)")
    return Criterion("No flare in the last 7 days", MET, "None ticked")


def _sleep(record: ClientRecord, limits: Thresholds) -> Criterion:
    nights = [d.sleep for d in record.last_week if d.sleep is not None]
    if len(nights) < limits.min_days_for_mean:
        return Criterion("Sleeping without pain waking", NO_DATA, f"{len(nights)} night(s) logged")
    good = sum(s >= limits.p1_good_sleep for s in nights)
    status = MET if good >= limits.p1_good_sleep_nights else NOT_MET
    detail = f"Sleep {limits.p1_good_sleep}/10 or better on {good} of {len(nights)} nights"
    return Criterion("Sleeping without pain waking", status, detail)


def _adherence(record: ClientRecord, needed: int, name: str) -> Criterion:
    if record.adherence_14 is None:
        return Criterion(name, NO_DATA, "No home programme yet")
    status = MET if record.adherence_14 >= needed else NOT_MET
    return Criterion(name, status, f"{record.adherence_14}% over 14 days (needs {needed}%)")


def _safety(record: ClientRecord) -> Criterion:
    ticked = [k for _day, keys in record.screens for k in keys]
    if not record.screens:
        return Criterion("No red flags", NO_DATA, "No weekly check in the last 6 weeks")
    if ticked:
        neuro = " (including new numbness or weakness)" if NEURO in ticked else ""
        return Criterion("No red flags", NOT_MET, f"{len(ticked)} item(s) ticked{neuro}")
    return Criterion("No red flags", MET, f"{len(record.screens)} weekly check(s), nothing ticked")


def _psfs_up(record: ClientRecord, limits: Thresholds) -> Criterion:
    name = "Function: PSFS up 2 or key activities 6+"
    if not record.psfs:
        return Criterion(name, NO_DATA, "No PSFS ratings yet")
    first, latest = record.psfs[0][1], record.psfs[-1][1]
    best = record.psfs_best[-1][1] if record.psfs_best else latest
    met = latest - first >= limits.psfs_mcid - 1e-9 or best >= limits.p2_key_activity
    detail = f"PSFS {_n(first)} → {_n(latest)}; best activity {best:.0f}/10"
    return Criterion(name, MET if met else NOT_MET, detail)


def _groc(record: ClientRecord, needed: int, name: str) -> Criterion:
    if not record.grocs:
        return Criterion(name, NO_DATA, "No global rating of change yet")
    day, score = record.grocs[-1]
    status = MET if score >= needed else NOT_MET
    return Criterion(name, status, f"{score:+d} on {day.day} {day:%b} (needs {needed:+d})")


def _phase_one(record: ClientRecord, limits: Thresholds) -> list[Criterion]:
    return [
        _pain_improved(record, limits),
        _no_flare(record),
        _sleep(record, limits),
        _adherence(record, limits.p1_adherence, "Doing the phase-1 programme"),
        _safety(record),
        Criterion("Understands the key messages", IN_SESSION, "Ask in the session"),
    ]


def _phase_two(record: ClientRecord, limits: Thresholds) -> list[Criterion]:
    now = record.mean_pain(record.today, limits)
    if now is None:
        pain = Criterion("Pain 3/10 or less", NO_DATA, "Fewer than 4 diary days in the last week")
    else:
        status = MET if now <= limits.p2_pain else NOT_MET
        pain = Criterion("Pain 3/10 or less", status, f"7-day mean {_n(now)}")
    return [
        Criterion("Range of motion near full, end-range pain ≤3", IN_SESSION, "Measure it"),
        pain,
        _psfs_up(record, limits),
        Criterion("Phase-2 exercises with good form", IN_SESSION, "Watch them"),
        _groc(record, limits.p2_groc, "Confidence: global rating +3 or better"),
        _adherence(record, limits.p2_adherence, "Adherence 80% or more"),
    ]


def _phase_three(record: ClientRecord, limits: Thresholds) -> list[Criterion]:
    now = record.mean_pain(record.today, limits)
    pain_detail = f"7-day mean {_n(now)}" if now is not None else "No recent diary"
    if record.psfs:
        latest = record.psfs[-1][1]
        status = MET if latest >= limits.p3_psfs else NOT_MET
        psfs = Criterion("PSFS 8/10 or back to before", status, f"PSFS mean {_n(latest)}")
    else:
        psfs = Criterion("PSFS 8/10 or back to before", NO_DATA, "No PSFS ratings yet")
    return [
        Criterion("Pain at a level the client accepts", IN_SESSION, pain_detail),
        psfs,
        _groc(record, limits.p3_groc, "Global rating +5 or better"),
        _adherence(record, limits.p3_adherence, "Independent with the programme (80%+)"),
        Criterion("Has a written flare plan", IN_SESSION, "Agree it together"),
    ]
