"""Every number the trend flags use, in one place a clinical lead can tune.

The defaults are clinical.md §3.1's starting values. "Evidence" there means a cited study set
the number; "heuristic" means it is a design choice. Change a value here and every flag, the
brief, the caseload and the tests' expectations follow (the rule tests read these values).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    # A 7-day mean counts only with this many logged days in the 7 (fewer says "no data").
    min_days_for_mean: int = 4

    # P1 worse / P2 better: a change in the 7-day mean of average pain (NPRS MCID, evidence).
    pain_change_points: float = 2.0
    pain_change_points_low_baseline: float = 1.5  # P1 when the baseline is this low or lower
    low_baseline: float = 4.0
    pain_change_fraction: float = 0.30
    # Ours: a 30 % change must also be at least this big, so 1.0 → 1.3 is not "worse".
    pain_change_min_points: float = 1.0

    # P3 severe pain (heuristic): worst pain this high on this many of the last 7 days.
    severe_worst: int = 8
    severe_days: int = 2

    # F1 flare: a day this far above the personal median of the 14 days before it.
    flare_above_median: float = 3.0
    median_days: int = 14

    # F2 flare pattern (heuristic).
    flares_in_week: int = 2
    long_flare_days: int = 7  # a flare lasting longer than this
    flares_after_sessions: int = 2  # flares on the day of or after a visit...
    pattern_days: int = 28  # ...within this many days

    # E1 exercise over-dose (pain-monitoring model): exercise pain above this...
    exercise_pain_max: int = 5
    # ...or next-morning pain above usual on this many of the last 3 exercise days.
    overdose_days: int = 2

    # R1/R2: red-flag answers from the weekly checks of this many days count.
    screen_days: int = 14
    # F3: PSFS ratings this old or newer count.
    psfs_recent_days: int = 14

    # A1 adherence over 14 days, percent: below soft is amber, below firm is firm.
    adherence_soft: int = 80
    adherence_firm: int = 50

    # A2 disengagement: days without a diary entry.
    quiet_days_therapist: int = 7
    quiet_days_dropout: int = 14

    # F3 function worse, F4 plateau, and progression: PSFS change (MCID 2 points).
    psfs_mcid: float = 2.0
    plateau_days: int = 28
    plateau_adherence: int = 80

    # S1 sleep (heuristic).
    poor_sleep: int = 3
    poor_sleep_nights: int = 4
    sleep_drop: float = 2.0

    # S2 stress (heuristic).
    high_stress: int = 7
    high_stress_days: int = 4

    # Phase progression (clinical.md §3.3; the therapist always decides).
    p1_pain_settled: float = 4.0  # or a 7-day mean this low and stable for a week
    p1_good_sleep: int = 5
    p1_good_sleep_nights: int = 4
    p1_adherence: int = 75
    p2_pain: float = 3.0
    p2_key_activity: float = 6.0
    p2_groc: int = 3
    p2_adherence: int = 80
    p3_psfs: float = 8.0
    p3_groc: int = 5
    p3_adherence: int = 80


DEFAULT = Thresholds()
