"""The trend flags of clinical.md §3.1, fed hand-built diaries (no database, no fixtures).

Every threshold is read from ``DEFAULT``, so when a clinical lead tunes ``thresholds.py`` these
tests still probe the edges: just short of a threshold (silent), exactly at it (fires, or stays
silent for a strict ">" rule) and just past it (fires). Each rule also gets a case with missing
days, where the rule must stay silent rather than guess.

Days are given as "days ago": 0 is today (Friday 20 November 2026), 1 is yesterday.
"""

from __future__ import annotations

import math
from datetime import date
from datetime import timedelta
from statistics import mean
from types import SimpleNamespace

import pytest

from webapp.brief import rules
from webapp.brief.record import ClientRecord
from webapp.brief.rules import AMBER
from webapp.brief.rules import GREEN
from webapp.brief.rules import RED
from webapp.brief.rules import REVIEW
from webapp.brief.rules import Flag
from webapp.brief.rules import evaluate
from webapp.brief.rules import urgency
from webapp.brief.thresholds import DEFAULT
from webapp.brief.thresholds import Thresholds
from webapp.diary.chart import Day
from webapp.diary.chart import daily
from webapp.diary.measures import RED_FLAG_KEYS

TODAY = date(2026, 11, 20)  # a Friday
L = DEFAULT

# --- Builders ----------------------------------------------------------------------------------


def ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def say(n: int) -> str:
    """A day as the flags write it, e.g. "Fri 20 Nov"."""
    day = ago(n)
    return f"{day:%a} {day.day} {day:%b}"


def spread(value: float | None, first: int, last: int = 0) -> dict[int, float | None]:
    """The same value on every day from ``first`` days ago to ``last`` days ago."""
    return {n: value for n in range(last, first + 1)}


def series(*values: float | None, last: int = 0) -> dict[int, float | None]:
    """Values oldest first, the last of them ``last`` days ago."""
    return {last + len(values) - 1 - i: v for i, v in enumerate(values)}


def record(
    today: date = TODAY,
    *,
    pains: dict[int, float | None] | None = None,
    worst: dict[int, int | None] | None = None,
    sleep: dict[int, int | None] | None = None,
    stress: dict[int, int | None] | None = None,
    flares: list[int] | tuple[int, ...] = (),
    window: int = 42,
    start: date | None = None,
    phase: int = 1,
    **fields,
) -> ClientRecord:
    """A record whose days run ``window`` days to ``today``, built as ``chart.daily`` would.

    ``last_entry`` defaults to the latest day holding any value, as the database would say.
    """
    pains, worst, sleep, stress = pains or {}, worst or {}, sleep or {}, stress or {}
    first = today - timedelta(days=window - 1)
    days = []
    for index in range(window):
        day = first + timedelta(days=index)
        n = (today - day).days
        recent = [pains.get(k) for k in range(n, min(n + 7, window))]
        recent = [v for v in recent if v is not None]
        days.append(
            Day(
                day=day,
                pain=pains.get(n),
                worst=worst.get(n),
                sleep=sleep.get(n),
                stress=stress.get(n),
                flare=n in flares,
                mean7=round(mean(recent), 1) if recent else None,
            )
        )
    logged = [
        n
        for values in (pains, worst, sleep, stress)
        for n, v in values.items()
        if v is not None and n < window
    ] + [n for n in flares if n < window]
    fields.setdefault("last_entry", today - timedelta(days=min(logged)) if logged else None)
    return ClientRecord(
        client_id=1,
        today=today,
        start=start or first,
        phase=phase,
        days=days,
        **fields,
    )


def fired(flag: Flag | None, code: str, level: str) -> Flag:
    assert flag is not None, f"{code} should fire"
    assert (flag.code, flag.level) == (code, level)
    return flag


def tenth_up(value: float) -> float:
    """The smallest one-decimal value at or above ``value`` (diary means have one decimal)."""
    return math.ceil(round(value * 10, 6)) / 10


def tenth_down(value: float) -> float:
    return math.floor(round(value * 10, 6)) / 10


def smallest_change(reference: float, points: float, limits: Thresholds = L) -> float:
    """clinical.md §3.1: the points or 30 % of the reference, whichever is smaller, with a floor."""
    fraction = limits.pain_change_fraction * reference
    return max(min(points, fraction), limits.pain_change_min_points)


def test_the_builder_matches_the_chart_daily_summary() -> None:
    pains = {0: 5, 1: 6, 3: 4, 9: 2, 10: 7}
    entries = [
        SimpleNamespace(
            local_date=ago(n),
            pain_now=v,
            kind=SimpleNamespace(value="checkin"),
            pain_worst=v + 2,
            sleep=10 - v,
            stress=v,
            flare=n == 3,
        )
        for n, v in pains.items()
    ]
    built = record(
        pains=pains,
        worst={n: v + 2 for n, v in pains.items()},
        sleep={n: 10 - v for n, v in pains.items()},
        stress=pains,
        flares=[3],
        window=14,
    )
    assert built.days == daily(entries, ago(13), TODAY)
    assert built.last_entry == TODAY
    assert say(0) == "Fri 20 Nov"


# --- No data, one entry, a gap -----------------------------------------------------------------


def test_a_brand_new_client_with_no_diary_has_no_flags() -> None:
    assert evaluate(record(start=TODAY)) == []


def test_a_record_with_no_days_at_all_has_no_flags() -> None:
    empty = ClientRecord(client_id=1, today=TODAY, start=TODAY, phase=1, days=[])
    assert evaluate(empty) == []


def test_a_single_alarming_entry_raises_nothing_that_needs_a_trend() -> None:
    single = record(pains={0: 9}, worst={0: 10}, sleep={0: 1}, stress={0: 10}, baseline=2.0)
    assert evaluate(single) == []


def test_a_single_entry_ten_days_ago_is_only_a_logging_gap() -> None:
    single = record(pains={10: 9}, worst={10: 10}, sleep={10: 1}, stress={10: 10}, baseline=2.0)
    assert [f.code for f in evaluate(single)] == ["A2"]


def test_a_gap_of_weeks_flags_disengagement_and_nothing_from_stale_pain() -> None:
    gap = record(pains={**spread(3, 41, 22), 23: 9}, worst=spread(9, 30, 22), baseline=3.0)
    assert [f.code for f in evaluate(gap)] == ["A2"]
    assert fired(rules.disengaged(gap, L), "A2", AMBER).title == "At risk of dropping out"


def test_a_return_after_a_gap_of_weeks_is_not_compared_with_empty_weeks() -> None:
    back = record(pains={**spread(3, 41, 22), 0: 9}, baseline=3.0)
    assert evaluate(back) == []


# --- P1 pain worsening -------------------------------------------------------------------------


@pytest.mark.parametrize("baseline", [7.5, 5.0, 4.0, 3.0])
@pytest.mark.parametrize("step, fires", [(-0.1, False), (0.0, True), (0.1, True)])
def test_p1_against_the_baseline(baseline: float, step: float, fires: bool) -> None:
    points = (
        L.pain_change_points_low_baseline if baseline <= L.low_baseline else L.pain_change_points
    )
    now = round(tenth_up(baseline + smallest_change(baseline, points)) + step, 1)
    flag = rules.pain_worse(record(pains=spread(now, 6), baseline=baseline), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "P1", AMBER)
    assert flag.why == (
        f"7-day mean pain {now:.1f}, up {now - baseline:.1f} from a baseline of {baseline:.1f}"
    )


@pytest.mark.parametrize("before", [7.5, 5.0, 3.0])
@pytest.mark.parametrize("step, fires", [(-0.1, False), (0.0, True), (0.1, True)])
def test_p1_against_the_week_before(before: float, step: float, fires: bool) -> None:
    now = round(tenth_up(before + smallest_change(before, L.pain_change_points)) + step, 1)
    flag = rules.pain_worse(record(pains={**spread(before, 13, 7), **spread(now, 6)}), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "P1", AMBER)
    assert flag.why == (
        f"7-day mean pain {now:.1f}, up {now - before:.1f} from {before:.1f} the week before"
    )


def test_p1_reads_like_the_brief_and_weighs_the_rise() -> None:
    flag = fired(
        rules.pain_worse(record(pains=series(6, 6, 7, 6, 6, 5, 7), baseline=3.8), L),
        "P1",
        AMBER,
    )
    assert flag.why == "7-day mean pain 6.1, up 2.3 from a baseline of 3.8"
    assert flag.weight == 23


@pytest.mark.parametrize("now, baseline", [(6.1, 3.8), (5.6, 3.4), (6.1, 3.0), (9.0, 2.0)])
def test_p1_weighs_the_rise_in_tenths(now: float, baseline: float) -> None:
    flag = fired(rules.pain_worse(record(pains=spread(now, 6), baseline=baseline), L), "P1", AMBER)
    assert flag.weight == round((now - baseline) * 10)
    assert f"up {now - baseline:.1f} " in flag.why


def test_p1_prefers_the_baseline_but_falls_back_on_the_week_before() -> None:
    baseline, before = 7.5, 4.0
    now = tenth_up(before + smallest_change(before, L.pain_change_points))
    assert now - baseline < smallest_change(baseline, L.pain_change_points)
    pains = {**spread(before, 13, 7), **spread(now, 6)}
    flag = fired(rules.pain_worse(record(pains=pains, baseline=baseline), L), "P1", AMBER)
    assert flag.why.endswith(f"from {before:.1f} the week before")


def test_p1_reads_like_the_brief_against_the_week_before() -> None:
    pains = {**spread(5.0, 13, 7), **spread(7.0, 6)}
    flag = fired(rules.pain_worse(record(pains=pains), L), "P1", AMBER)
    assert flag.why == "7-day mean pain 7.0, up 2.0 from 5.0 the week before"
    assert flag.weight == 20


def test_p1_needs_enough_logged_days_for_a_mean() -> None:
    high = L.pain_change_points * 3
    too_few = spread(high, L.min_days_for_mean - 2)  # min_days_for_mean - 1 days
    assert rules.pain_worse(record(pains=too_few, baseline=1.0), L) is None
    enough = spread(high, L.min_days_for_mean - 1)
    fired(rules.pain_worse(record(pains=enough, baseline=1.0), L), "P1", AMBER)


def test_p1_is_silent_without_a_reference() -> None:
    thin_week_before = {n: 1.0 for n in range(7, 7 + L.min_days_for_mean - 1)}
    pains = {**thin_week_before, **spread(9.0, 6)}
    assert rules.pain_worse(record(pains=pains), L) is None


# --- P2 meaningful improvement -----------------------------------------------------------------


@pytest.mark.parametrize("baseline", [8.0, 6.0, 2.0])
@pytest.mark.parametrize("step, fires", [(0.1, False), (0.0, True), (-0.1, True)])
def test_p2_against_the_baseline(baseline: float, step: float, fires: bool) -> None:
    now = round(tenth_down(baseline - smallest_change(baseline, L.pain_change_points)) + step, 1)
    flag = rules.pain_better(record(pains=spread(now, 6), baseline=baseline), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "P2", GREEN)
    assert flag.why == (
        f"7-day mean pain {now:.1f}, down {baseline - now:.1f} from a baseline of {baseline:.1f}"
    )


def test_p2_needs_a_baseline_and_enough_days() -> None:
    assert rules.pain_better(record(pains=spread(0.0, 6)), L) is None
    too_few = spread(0.0, L.min_days_for_mean - 2)
    assert rules.pain_better(record(pains=too_few, baseline=9.0), L) is None


# --- P3 severe pain ----------------------------------------------------------------------------


def severe_days(value: int, count: int, every: int = 2) -> dict[int, int]:
    return {n * every: value for n in range(count)}


@pytest.mark.parametrize(
    "value, count, fires",
    [
        (L.severe_worst - 1, L.severe_days, False),
        (L.severe_worst, L.severe_days - 1, False),
        (L.severe_worst, L.severe_days, True),
        (L.severe_worst + 1, L.severe_days, True),
        (L.severe_worst, L.severe_days + 1, True),
    ],
)
def test_p3_severe_worst_pain(value: int, count: int, fires: bool) -> None:
    worst = severe_days(value, count)
    flag = rules.severe_pain(record(pains=spread(5, 6), worst=worst), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "P3", AMBER)
    listing = ", ".join(f"{value} on {say(n)}" for n in sorted(worst, reverse=True))
    assert flag.why == (
        f"Worst pain {L.severe_worst} or more on {count} of the last 7 days ({listing})"
    )
    assert flag.weight == count


def test_p3_counts_only_the_last_seven_days() -> None:
    worst = {**severe_days(L.severe_worst, L.severe_days - 1), 7: L.severe_worst + 1}
    assert rules.severe_pain(record(worst=worst), L) is None


def test_p3_is_silent_when_worst_pain_was_not_logged() -> None:
    # Pain logged every day, but the worst-pain check-in only on one day.
    record_ = record(pains=spread(9, 6), worst={0: 10})
    assert rules.severe_pain(record_, L) is None


# --- F1 flare ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n, fires", [(0, True), (6, True), (7, False)])
def test_f1_a_ticked_flare_in_the_last_week(n: int, fires: bool) -> None:
    flag = rules.flare(record(pains=spread(3, 20), flares=[n]), L)
    if not fires:
        assert flag is None
        return
    assert fired(flag, "F1", AMBER).why == f"Flare ticked on {say(n)}"


@pytest.mark.parametrize("usual", [3.0, 2.1, 4.3])
@pytest.mark.parametrize("step, fires", [(-0.1, False), (0.0, True), (0.1, True)])
def test_f1_a_day_above_the_usual(usual: float, step: float, fires: bool) -> None:
    above = round(L.flare_above_median + step, 1)
    pain = round(usual + above, 1)
    flag = rules.flare(record(pains={**spread(usual, 20, 1), 0: pain}), L)
    if not fires:
        assert flag is None
        return
    assert fired(flag, "F1", AMBER).why == (
        f"Pain {pain:.1f} on {say(0)}, {above:.1f} above the usual {usual:.1f} "
        "(median of the 14 days before)"
    )


def test_f1_the_usual_is_a_median_and_finds_an_earlier_day() -> None:
    pains = {**spread(3.0, 20, 1), 9: 10.0, 12: 10.0, 3: 3.0 + L.flare_above_median}
    flag = fired(rules.flare(record(pains=pains), L), "F1", AMBER)
    assert flag.why.startswith(f"Pain {3.0 + L.flare_above_median:.1f} on {say(3)}, ")
    assert "above the usual 3.0" in flag.why


def test_f1_needs_enough_days_for_a_usual() -> None:
    few = {n: 1.0 for n in range(1, L.min_days_for_mean)}  # min_days_for_mean - 1 days
    assert rules.flare(record(pains={**few, 0: 10.0}), L) is None
    enough = {n: 1.0 for n in range(1, L.min_days_for_mean + 1)}
    fired(rules.flare(record(pains={**enough, 0: 10.0}), L), "F1", AMBER)


# --- F2 flare pattern --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count, fires",
    [(L.flares_in_week - 1, False), (L.flares_in_week, True), (L.flares_in_week + 1, True)],
)
def test_f2_flares_in_a_week(count: int, fires: bool) -> None:
    flares = [n * 2 for n in range(count)]  # one-day flares with a clear day between
    flag = rules.flare_pattern(record(flares=flares), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "F2", AMBER)
    began = ", ".join(say(n) for n in sorted(flares, reverse=True))
    assert flag.why == (
        f"{count} flares in the last 7 days (starting {began}): review load and plan"
    )
    assert flag.weight == count


def test_f2_reads_like_the_brief() -> None:
    flag = fired(rules.flare_pattern(record(flares=[3, 1]), L), "F2", AMBER)
    assert flag.why == (
        "2 flares in the last 7 days (starting Tue 17 Nov, Thu 19 Nov): review load and plan"
    )


def test_f2_consecutive_flare_days_are_one_flare() -> None:
    assert rules.flare_pattern(record(flares=list(range(L.flares_in_week))), L) is None
    # Two two-day flares: four flare days, but two flares, dated by the day each began.
    flares = [4, 3, 1, 0]
    two = Thresholds(flares_in_week=2)
    flag = fired(rules.flare_pattern(record(flares=flares), two), "F2", AMBER)
    assert flag.why == (
        f"2 flares in the last 7 days (starting {say(4)}, {say(1)}): review load and plan"
    )
    assert flag.weight == 2
    assert rules.flare_pattern(record(flares=flares), Thresholds(flares_in_week=3)) is None


def test_f2_counts_only_flares_starting_in_the_last_week() -> None:
    one_in_week = [7 + 2 * i for i in range(L.flares_in_week)] + [2]
    assert rules.flare_pattern(record(flares=one_in_week), L) is None


@pytest.mark.parametrize(
    "length, fires",
    [(L.long_flare_days - 1, False), (L.long_flare_days, False), (L.long_flare_days + 1, True)],
)
def test_f2_a_flare_lasting_more_than_long_flare_days(length: int, fires: bool) -> None:
    run = list(range(2, 2 + length))  # ended 2 days ago: one flare in the week, not two
    flag = rules.flare_pattern(record(flares=run), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "F2", AMBER)
    assert flag.why == f"A flare lasting {length} days in a row, to {say(2)}"
    assert flag.weight == length


def test_f2_a_long_flare_reads_like_the_brief() -> None:
    run = list(range(L.long_flare_days + 1))  # still going today
    flag = fired(rules.flare_pattern(record(flares=run), L), "F2", AMBER)
    assert flag.why == f"A flare lasting {L.long_flare_days + 1} days in a row, to Fri 20 Nov"


@pytest.mark.parametrize("end, fires", [(5, True), (6, True), (7, False), (10, False)])
def test_f2_a_long_flare_counts_only_if_it_ended_in_the_last_week(end: int, fires: bool) -> None:
    run = list(range(end, end + L.long_flare_days + 1))
    flag = rules.flare_pattern(record(flares=run), L)
    if not fires:
        assert flag is None
        return
    assert fired(flag, "F2", AMBER).why.endswith(f", to {say(end)}")


def test_f2_a_missing_day_breaks_a_long_flare() -> None:
    # Two flares of long_flare_days with one clear day between, only the later in the week.
    days = L.long_flare_days
    run = list(range(0, days)) + list(range(days + 1, 2 * days + 1))
    assert len(run) > L.long_flare_days
    assert rules.flare_pattern(record(flares=run), L) is None


@pytest.mark.parametrize(
    "count, fires",
    [
        (L.flares_after_sessions - 1, False),
        (L.flares_after_sessions, True),
        (L.flares_after_sessions + 1, True),
    ],
)
def test_f2_flares_after_visits(count: int, fires: bool) -> None:
    visits = [ago(9 + 4 * i) for i in range(count)]  # all at least 8 days ago
    flares = [9 + 4 * i - (i % 2) for i in range(count)]  # the day of, or the day after
    flag = rules.flare_pattern(record(flares=flares, sessions=sorted(visits)), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "F2", AMBER)
    days = ", ".join(say(n) for n in sorted(flares, reverse=True))
    assert flag.why == (
        "Flares starting on the day of or after a visit, "
        f"{count} times in {L.pattern_days} days ({days})"
    )


def test_f2_flares_two_days_after_a_visit_or_before_pattern_days_do_not_count() -> None:
    count = L.flares_after_sessions
    late = record(
        flares=[10 + 5 * i for i in range(count)], sessions=[ago(12 + 5 * i) for i in range(count)]
    )
    assert rules.flare_pattern(late, L) is None
    first = L.pattern_days
    old = record(
        flares=[first + 3 * i for i in range(count)],
        sessions=[ago(first + 3 * i) for i in range(count)],
        window=first + 3 * count + 7,
    )
    assert rules.flare_pattern(old, L) is None


def test_f2_flares_after_visits_follow_pattern_days() -> None:
    count = L.flares_after_sessions
    n = [20 + 3 * i for i in range(count)]  # the oldest 20 + 3 * (count - 1) days ago
    visited = record(flares=n, sessions=sorted(ago(k) for k in n), window=max(42, n[-1] + 7))
    fired(rules.flare_pattern(visited, L), "F2", AMBER)
    short = Thresholds(pattern_days=n[-1])  # the oldest flare falls just outside
    assert rules.flare_pattern(visited, short) is None
    just = Thresholds(pattern_days=n[-1] + 1)
    flag = fired(rules.flare_pattern(visited, just), "F2", AMBER)
    assert f"{count} times in {n[-1] + 1} days (" in flag.why


# --- E1 exercise over-dose ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "pain, fires",
    [
        (L.exercise_pain_max - 1, False),
        (L.exercise_pain_max, False),
        (L.exercise_pain_max + 1, True),
    ],
)
def test_e1_pain_during_exercise(pain: int, fires: bool) -> None:
    exercise = {ago(3): [2, pain], ago(1): [1]}
    flag = rules.exercise_overdose(record(exercise_pain=exercise), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "E1", AMBER)
    assert flag.why == (f"Pain {pain}/10 during exercise on {say(3)} (above {L.exercise_pain_max})")
    assert flag.weight == pain


def test_e1_painful_exercise_over_a_week_ago_is_not_counted() -> None:
    exercise = {ago(7): [L.exercise_pain_max + 3], ago(2): []}
    assert rules.exercise_overdose(record(exercise_pain=exercise), L) is None


@pytest.mark.parametrize(
    "worse, fires",
    [(L.overdose_days - 1, False), (L.overdose_days, True), (min(L.overdose_days + 1, 3), True)],
)
def test_e1_next_day_pain_above_usual(worse: int, fires: bool) -> None:
    usual = 3.0
    exercised = [6, 4, 2]
    pains = spread(usual, 30)
    for n in exercised[-worse:] if worse else []:
        pains[n - 1] = usual + 1
    flag = rules.exercise_overdose(
        record(pains=pains, exercise_days=[ago(n) for n in exercised]), L
    )
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "E1", AMBER)
    listing = "; ".join(
        f"{usual + 1:.1f} after {say(n)} (usual {usual:.1f})" for n in exercised[-worse:]
    )
    assert flag.why == (
        f"Next-day pain above usual after {worse} of the last 3 exercise days: {listing}"
    )


def test_e1_next_day_pain_equal_to_usual_is_not_worse() -> None:
    pains = spread(3.0, 30)
    assert (
        rules.exercise_overdose(record(pains=pains, exercise_days=[ago(6), ago(4), ago(2)]), L)
        is None
    )


def test_e1_is_silent_when_the_next_days_were_not_logged() -> None:
    pains = {**spread(3.0, 30, 7), 5: 6.0}  # only one next day logged, and it is worse
    exercised = [ago(6), ago(4), ago(2)]
    assert rules.exercise_overdose(record(pains=pains, exercise_days=exercised), L) is None


def test_e1_needs_three_exercise_days() -> None:
    pains = {**spread(3.0, 30), 3: 6.0, 1: 6.0}
    assert rules.exercise_overdose(record(pains=pains, exercise_days=[ago(4), ago(2)]), L) is None


def test_e1_today_s_exercise_has_no_next_day_yet() -> None:
    pains = {**spread(3.0, 30), 3: 6.0, 1: 6.0}
    exercised = [ago(4), ago(2), TODAY]  # the last 3 with a next day: 4 and 2 only
    assert rules.exercise_overdose(record(pains=pains, exercise_days=exercised), L) is None


@pytest.mark.parametrize("first, fires", [(7, True), (8, False)])
def test_e1_next_day_check_looks_back_only_8_days(first: int, fires: bool) -> None:
    # Exercise 7 days ago (week start - 1) is the oldest that counts; 8 days ago is too old.
    usual = 3.0
    exercised = [first, 4, 2]
    pains = spread(usual, 30)
    for n in exercised:
        pains[n - 1] = usual + 1
    flag = rules.exercise_overdose(
        record(pains=pains, exercise_days=[ago(n) for n in exercised]), L
    )
    if not fires:
        assert flag is None
        return
    assert fired(flag, "E1", AMBER).why.startswith(
        f"Next-day pain above usual after 3 of the last 3 exercise days: "
        f"{usual + 1:.1f} after {say(first)} "
    )


def test_e1_older_exercise_days_do_not_make_up_the_three() -> None:
    usual = 3.0
    exercised = [11, 10, 9, 2]  # worse after each, but only one is in the last 8 days
    pains = spread(usual, 30)
    for n in exercised:
        pains[n - 1] = usual + 1
    flag = rules.exercise_overdose(
        record(pains=pains, exercise_days=[ago(n) for n in exercised]), L
    )
    assert flag is None


# --- A1 low adherence --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "percent, title",
    [
        (L.adherence_soft + 1, None),
        (L.adherence_soft, None),
        (L.adherence_soft - 1, "Low adherence"),
        (L.adherence_firm, "Low adherence"),
        (L.adherence_firm - 1, "Low adherence (firm)"),
        (0, "Low adherence (firm)"),
    ],
)
def test_a1_adherence_over_14_days(percent: int, title: str | None) -> None:
    flag = rules.low_adherence(record(adherence_14=percent), L)
    if title is None:
        assert flag is None
        return
    flag = fired(flag, "A1", AMBER)
    assert flag.title == title
    assert flag.why == (
        f"{percent}% of prescribed exercise sessions done in the 14 days before today"
    )


def test_a1_firm_outweighs_soft_and_no_programme_is_silent() -> None:
    firm = rules.low_adherence(record(adherence_14=L.adherence_firm - 1), L)
    soft = rules.low_adherence(record(adherence_14=L.adherence_firm), L)
    assert firm and soft and firm.weight > soft.weight
    assert rules.low_adherence(record(adherence_14=None), L) is None


# --- A2 disengagement --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quiet, title",
    [
        (L.quiet_days_therapist - 1, None),
        (L.quiet_days_therapist, "Not logging"),
        (L.quiet_days_therapist + 1, "Not logging"),
        (L.quiet_days_dropout - 1, "Not logging"),
        (L.quiet_days_dropout, "At risk of dropping out"),
        (L.quiet_days_dropout + 1, "At risk of dropping out"),
    ],
)
def test_a2_days_since_the_last_entry(quiet: int, title: str | None) -> None:
    flag = rules.disengaged(record(pains={quiet: 4, quiet + 1: 4}), L)
    if title is None:
        assert flag is None
        return
    flag = fired(flag, "A2", AMBER)
    assert flag.title == title
    assert flag.why == f"No diary entry for {quiet} days (last on {say(quiet)})"
    assert flag.weight == quiet


@pytest.mark.parametrize(
    "days_in, title",
    [
        (0, None),
        (L.quiet_days_therapist - 1, None),
        (L.quiet_days_therapist, "Not logging"),
        (L.quiet_days_dropout, "At risk of dropping out"),
    ],
)
def test_a2_no_entries_yet_counts_from_the_start_of_care(days_in: int, title: str | None) -> None:
    flag = rules.disengaged(record(start=ago(days_in)), L)
    if title is None:
        assert flag is None
        return
    flag = fired(flag, "A2", AMBER)
    assert flag.title == title
    assert flag.why == f"No diary entries yet, {days_in} days into care"


def test_a2_an_entry_from_before_the_care_plan_is_no_entry() -> None:
    days_in = L.quiet_days_dropout
    before = record(start=ago(days_in), last_entry=ago(days_in + 5))
    flag = fired(rules.disengaged(before, L), "A2", AMBER)
    assert flag.title == "At risk of dropping out"
    assert flag.why == f"No diary entries yet, {days_in} days into care"
    assert flag.weight == days_in
    # Too early in care to flag, whatever the old entry says.
    early = record(start=ago(L.quiet_days_therapist - 1), last_entry=ago(L.quiet_days_dropout))
    assert rules.disengaged(early, L) is None


def test_a2_an_entry_on_the_first_day_of_care_counts() -> None:
    days_in = L.quiet_days_therapist
    flag = rules.disengaged(record(start=ago(days_in), last_entry=ago(days_in)), L)
    assert fired(flag, "A2", AMBER).why == (
        f"No diary entry for {days_in} days (last on {say(days_in)})"
    )


# --- F3 function worse -------------------------------------------------------------------------


@pytest.mark.parametrize("before", [6.0, 6.3])
@pytest.mark.parametrize("step, fires", [(-0.1, False), (0.0, True), (0.1, True)])
def test_f3_psfs_mean_falls(before: float, step: float, fires: bool) -> None:
    drop = round(L.psfs_mcid + step, 1)
    now = round(before - drop, 1)
    weeks = [(date(2026, 11, 9), before), (date(2026, 11, 16), now)]
    flag = rules.function_worse(record(psfs=weeks), L)
    if not fires:
        assert flag is None
        return
    assert fired(flag, "F3", AMBER).why == (
        f"PSFS mean {now:.1f} in the week of Mon 16 Nov, down {drop:.1f} from {before:.1f}"
    )


def test_f3_needs_two_ratings_and_a_fall() -> None:
    assert rules.function_worse(record(psfs=[]), L) is None
    assert rules.function_worse(record(psfs=[(date(2026, 11, 16), 1.0)]), L) is None
    rising = [(date(2026, 11, 9), 2.0), (date(2026, 11, 16), 2.0 + L.psfs_mcid * 2)]
    assert rules.function_worse(record(psfs=rising), L) is None


@pytest.mark.parametrize(
    "age, fires",
    [(L.psfs_recent_days - 1, True), (L.psfs_recent_days, True), (L.psfs_recent_days + 1, False)],
)
def test_f3_only_while_the_latest_rating_is_recent(age: int, fires: bool) -> None:
    weeks = [(ago(age + 7), 6.0), (ago(age), round(6.0 - L.psfs_mcid, 1))]
    flag = rules.function_worse(record(psfs=weeks), L)
    if not fires:
        assert flag is None
        return
    assert fired(flag, "F3", AMBER).why.startswith(f"PSFS mean 4.0 in the week of {say(age)}, ")


def test_f3_follows_psfs_recent_days() -> None:
    weeks = [(ago(11), 6.0), (ago(4), round(6.0 - L.psfs_mcid, 1))]
    fired(rules.function_worse(record(psfs=weeks), Thresholds(psfs_recent_days=4)), "F3", AMBER)
    assert rules.function_worse(record(psfs=weeks), Thresholds(psfs_recent_days=3)) is None
    old = [(ago(30), 6.0), (ago(23), round(6.0 - L.psfs_mcid, 1))]
    assert rules.function_worse(record(psfs=old), L) is None
    fired(rules.function_worse(record(psfs=old), Thresholds(psfs_recent_days=23)), "F3", AMBER)


# --- F4 plateau --------------------------------------------------------------------------------


def plateau_record(then: float, now: float, **fields) -> ClientRecord:
    weeks_ago = L.plateau_days
    pains = {**spread(then, weeks_ago + 6, weeks_ago), **spread(now, 6)}
    fields.setdefault("adherence_14", L.plateau_adherence)
    return record(pains=pains, window=max(42, weeks_ago + 7), **fields)


@pytest.mark.parametrize("then", [5.0, 7.5])
@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize("step, fires", [(0.1, True), (0.0, False), (-0.1, False)])
def test_f4_no_meaningful_pain_change_in_four_weeks(
    then: float, direction: int, step: float, fires: bool
) -> None:
    # step > 0 is short of the change that counts, so a plateau; 0 or less is a real change.
    change = tenth_up(smallest_change(then, L.pain_change_points))
    now = round(then + direction * (change - step), 1)
    flag = rules.plateau(plateau_record(then, now), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "F4", REVIEW)
    assert flag.why == (
        f"7-day mean pain {then:.1f} {L.plateau_days} days ago and {now:.1f} now, "
        f"with {L.plateau_adherence}% adherence: progress or change the plan?"
    )


def test_f4_says_how_many_days_ago() -> None:
    days = 21
    pains = {**spread(5.0, days + 6, days), **spread(5.0, 6)}
    flat = record(pains=pains, adherence_14=100)
    flag = fired(rules.plateau(flat, Thresholds(plateau_days=days)), "F4", REVIEW)
    assert flag.why == (
        f"7-day mean pain 5.0 {days} days ago and 5.0 now, "
        "with 100% adherence: progress or change the plan?"
    )


@pytest.mark.parametrize(
    "adherence, fires",
    [(L.plateau_adherence - 1, False), (L.plateau_adherence, True), (100, True), (None, False)],
)
def test_f4_only_despite_good_adherence(adherence: int | None, fires: bool) -> None:
    flag = rules.plateau(plateau_record(5.0, 5.0, adherence_14=adherence), L)
    assert (flag is not None) == fires


def test_f4_a_meaningful_psfs_change_is_not_a_plateau() -> None:
    old = TODAY - timedelta(days=L.plateau_days + 4)
    moved = [(old, 4.0), (ago(4), 4.0 + L.psfs_mcid)]
    assert rules.plateau(plateau_record(5.0, 5.0, psfs=moved), L) is None
    flat = [(old, 4.0), (ago(4), round(4.0 + L.psfs_mcid - 0.1, 1))]
    flag = fired(rules.plateau(plateau_record(5.0, 5.0, psfs=flat), L), "F4", REVIEW)
    assert f"; PSFS 4.0 → {4.0 + L.psfs_mcid - 0.1:.1f}," in flag.why


def test_f4_needs_a_mean_four_weeks_ago() -> None:
    weeks_ago = L.plateau_days
    thin = {n: 5.0 for n in range(weeks_ago, weeks_ago + L.min_days_for_mean - 1)}
    flat = record(pains={**thin, **spread(5.0, 6)}, adherence_14=100)
    assert rules.plateau(flat, L) is None


# --- S1 sleep ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, nights, fires",
    [
        (L.poor_sleep + 1, L.poor_sleep_nights, False),
        (L.poor_sleep, L.poor_sleep_nights - 1, False),
        (L.poor_sleep, L.poor_sleep_nights, True),
        (L.poor_sleep - 1, L.poor_sleep_nights, True),
        (L.poor_sleep, L.poor_sleep_nights + 1, True),
    ],
)
def test_s1_poor_nights(value: int, nights: int, fires: bool) -> None:
    good = L.poor_sleep + 2
    sleep = {**spread(good, 6), **{n: value for n in range(nights)}}
    flag = rules.poor_sleep(record(sleep=sleep), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "S1", AMBER)
    assert flag.why == (
        f"Sleep {L.poor_sleep}/10 or less on {nights} of the last 7 nights; ask about night pain"
    )


@pytest.mark.parametrize("step, fires", [(1, False), (0, True), (-1, True)])
def test_s1_a_drop_in_the_7_day_mean(step: int, fires: bool) -> None:
    before = L.poor_sleep + math.ceil(L.sleep_drop) + 3
    low = before - math.ceil(L.sleep_drop)
    # Six nights at ``low`` and one a point off: the mean moves by a seventh (0.1).
    this_week = [low] * 6 + [low + step]
    sleep = {**spread(before, 13, 7), **series(*this_week)}
    flag = rules.poor_sleep(record(sleep=sleep), L)
    now = round(mean(this_week), 1)
    if not fires:
        assert before - now < L.sleep_drop
        assert flag is None
        return
    flag = fired(flag, "S1", AMBER)
    assert flag.why == (
        f"7-day mean sleep {now:.1f}, down {before - now:.1f} from {before:.1f} the week before"
    )


def test_s1_is_silent_with_too_few_nights_logged() -> None:
    few = L.min_days_for_mean - 1
    poor = {n: 0 for n in range(min(few, L.poor_sleep_nights - 1))}
    assert rules.poor_sleep(record(sleep={**spread(10, 13, 7), **poor}), L) is None


# --- S2 stress ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, days, fires",
    [
        (L.high_stress - 1, L.high_stress_days, False),
        (L.high_stress, L.high_stress_days - 1, False),
        (L.high_stress, L.high_stress_days, True),
        (L.high_stress + 1, L.high_stress_days, True),
        (L.high_stress, L.high_stress_days + 1, True),
    ],
)
def test_s2_high_stress(value: int, days: int, fires: bool) -> None:
    stress = {**spread(1, 6), **{n: value for n in range(days)}}
    flag = rules.high_stress(record(stress=stress), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "S2", AMBER)
    assert flag.why == (
        f"Stress {L.high_stress}/10 or more on {days} of the last 7 days; "
        "a psychosocial check-in may help"
    )
    assert flag.weight == days


def test_s2_counts_only_the_last_week_and_missing_days_are_not_high() -> None:
    stress = {n: 10 for n in range(L.high_stress_days - 1)} | {7: 10, 8: 10}
    assert rules.high_stress(record(stress=stress), L) is None


# --- R1 red flag -------------------------------------------------------------------------------


def question(key: str) -> str:
    return RED_FLAG_KEYS[key].question


@pytest.mark.parametrize("n, fires", [(0, True), (L.screen_days - 1, True), (L.screen_days, False)])
def test_r1_a_red_flag_in_the_last_screen_days(n: int, fires: bool) -> None:
    flag = rules.red_flag(record(screens=[(ago(n), ["chest"])]), L)
    if not fires:
        assert flag is None
        return
    flag = fired(flag, "R1", RED)
    assert flag.why == f"Ticked on {say(n)}: {question('chest')}"


def test_r1_lists_every_item_of_a_screen() -> None:
    ticked = ["fever", "night_pain", "weight_loss"]
    screens = [(ago(9), []), (ago(2), ticked)]
    flag = fired(rules.red_flag(record(screens=screens), L), "R1", RED)
    assert flag.why == f"Ticked on {say(2)}: " + "; ".join(question(k) for k in ticked)
    assert flag.weight == len(ticked)


def test_r1_lists_every_screen_with_ticks_in_the_window() -> None:
    screens = [
        (ago(L.screen_days), ["worst_headache"]),  # too old
        (ago(2), ["fever", "night_pain"]),
        (ago(1), []),
        (ago(0), ["weight_loss"]),
    ]
    flag = fired(rules.red_flag(record(screens=screens), L), "R1", RED)
    assert flag.why == (
        f"Ticked on Wed 18 Nov: {question('fever')}; {question('night_pain')}; "
        f"and on Fri 20 Nov: {question('weight_loss')}"
    )
    assert flag.weight == 3


def test_r1_shows_an_unknown_key_as_itself() -> None:
    flag = fired(rules.red_flag(record(screens=[(ago(1), ["retired_item"])]), L), "R1", RED)
    assert flag.why == f"Ticked on {say(1)}: retired_item"


def test_r1_is_silent_for_clear_screens_or_none() -> None:
    assert rules.red_flag(record(screens=[]), L) is None
    assert rules.red_flag(record(screens=[(ago(1), []), (ago(8), [])]), L) is None


def test_new_numbness_alone_is_r2_amber_and_not_r1() -> None:
    numb = record(screens=[(ago(3), ["new_numbness"])], start=ago(3))
    assert rules.red_flag(numb, L) is None
    fired(rules.neuro(numb, L), "R2", AMBER)
    assert [(f.code, f.level) for f in evaluate(numb)] == [("R2", AMBER)]


def test_new_numbness_with_both_legs_is_r1_red_and_r2_red() -> None:
    both = record(screens=[(ago(3), ["new_numbness", "both_legs"])], start=ago(3))
    r1 = fired(rules.red_flag(both, L), "R1", RED)
    assert r1.why == f"Ticked on {say(3)}: {question('both_legs')}"  # numbness is R2's
    assert r1.weight == 1
    r2 = fired(rules.neuro(both, L), "R2", RED)
    assert r2.why == f"New neurological symptoms (in both legs), last on {say(3)}"
    assert sorted((f.code, f.level) for f in evaluate(both)) == [("R1", RED), ("R2", RED)]


# --- R2 neurological symptoms ------------------------------------------------------------------


def test_r2_new_numbness_alone_is_amber() -> None:
    flag = rules.neuro(record(screens=[(ago(3), ["new_numbness"])]), L)
    assert fired(flag, "R2", AMBER).why == (
        f"New numbness, tingling or weakness ticked on {say(3)}: review before the next session"
    )


@pytest.mark.parametrize(
    "key, words",
    [
        ("both_legs", "in both legs"),
        ("bladder_bowel", "with bladder or bowel change"),
        ("saddle_numbness", "with saddle numbness"),
    ],
)
def test_r2_bilateral_or_cauda_equina_signs_are_red(key: str, words: str) -> None:
    flag = rules.neuro(record(screens=[(ago(1), [key])]), L)
    assert fired(flag, "R2", RED).why == (f"New neurological symptoms ({words}), last on {say(1)}")


@pytest.mark.parametrize("apart, level", [(7, RED), (8, RED), (9, AMBER)])
def test_r2_two_weekly_checks_running_are_progressive(apart: int, level: str) -> None:
    screens = [(ago(apart + 1), ["new_numbness"]), (ago(1), ["new_numbness"])]
    flag = fired(rules.neuro(record(screens=screens), L), "R2", level)
    if level == RED:
        assert flag.why == (
            f"New neurological symptoms (ticked in two weekly checks running), last on {say(1)}"
        )


@pytest.mark.parametrize("n, fires", [(L.screen_days - 1, True), (L.screen_days, False)])
def test_r2_looks_back_screen_days(n: int, fires: bool) -> None:
    flag = rules.neuro(record(screens=[(ago(n), ["new_numbness"])]), L)
    assert (flag is not None) == fires


def test_r2_ignores_screens_without_neurological_items() -> None:
    assert rules.neuro(record(screens=[(ago(1), ["fever", "chest"])]), L) is None
    assert rules.neuro(record(screens=[]), L) is None


def test_r1_and_r2_follow_screen_days() -> None:
    red = record(screens=[(ago(10), ["chest"])])
    numb = record(screens=[(ago(10), ["new_numbness"])])
    fired(rules.red_flag(red, L), "R1", RED)
    fired(rules.neuro(numb, L), "R2", AMBER)
    short = Thresholds(screen_days=10)
    assert rules.red_flag(red, short) is None
    assert rules.neuro(numb, short) is None
    longer = Thresholds(screen_days=L.screen_days + 7)
    old = [(ago(L.screen_days + 6), ["chest", "new_numbness"])]
    assert rules.red_flag(record(screens=old), L) is None
    assert rules.neuro(record(screens=old), L) is None
    fired(rules.red_flag(record(screens=old), longer), "R1", RED)
    fired(rules.neuro(record(screens=old), longer), "R2", AMBER)


# --- Custom thresholds -------------------------------------------------------------------------


def test_the_rules_follow_custom_thresholds() -> None:
    strict = Thresholds(
        severe_worst=L.severe_worst + 1,
        adherence_soft=L.adherence_soft + 10,
        min_days_for_mean=7,
        pain_change_fraction=1.0,
    )
    worst = severe_days(L.severe_worst, L.severe_days)
    assert rules.severe_pain(record(worst=worst), L) is not None
    assert rules.severe_pain(record(worst=worst), strict) is None
    higher = severe_days(strict.severe_worst, strict.severe_days)
    assert fired(rules.severe_pain(record(worst=higher), strict), "P3", AMBER).why.startswith(
        f"Worst pain {strict.severe_worst} or more on "
    )

    assert rules.low_adherence(record(adherence_14=L.adherence_soft), L) is None
    flag = fired(rules.low_adherence(record(adherence_14=L.adherence_soft), strict), "A1", AMBER)
    assert flag.why.startswith(f"{L.adherence_soft}% ")

    # Six days of pain make a mean by default, but not when all seven are required.
    six_days = spread(9.0, 5)
    assert rules.pain_worse(record(pains=six_days, baseline=2.0), L) is not None
    assert rules.pain_worse(record(pains=six_days, baseline=2.0), strict) is None

    # With the 30 % rule switched off, a low baseline needs the low-baseline points.
    baseline = L.low_baseline
    rise = strict.pain_change_points_low_baseline
    just_short = record(pains=spread(round(baseline + rise - 0.1, 1), 6), baseline=baseline)
    at = record(pains=spread(round(baseline + rise, 1), 6), baseline=baseline)
    assert rules.pain_worse(just_short, L) is not None  # 30 % of 4.0 is less than 1.5
    assert rules.pain_worse(just_short, strict) is None
    fired(rules.pain_worse(at, strict), "P1", AMBER)

    new = record(start=TODAY, adherence_14=L.adherence_soft)
    assert evaluate(new) == []
    assert [f.code for f in evaluate(new, strict)] == ["A1"]


# --- evaluate and urgency ----------------------------------------------------------------------


def test_evaluate_drops_p2_when_p1_fires() -> None:
    # Well under the baseline, but well up on the week before.
    pains = {**spread(2.0, 41, 7), **spread(5.0, 6)}
    both = record(pains=pains, baseline=8.0)
    fired(rules.pain_worse(both, L), "P1", AMBER)
    fired(rules.pain_better(both, L), "P2", GREEN)
    codes = [f.code for f in evaluate(both)]
    assert "P1" in codes
    assert "P2" not in codes
    # Without the rise on the week before, P2 stays.
    steady = record(pains=spread(5.0, 41), baseline=8.0)
    assert "P2" in [f.code for f in evaluate(steady)]


def test_evaluate_orders_red_then_amber_then_review_then_green() -> None:
    busy = record(
        pains=spread(5.0, 41),  # flat for six weeks: a plateau, and well under the baseline
        baseline=8.0,
        adherence_14=100,
        stress=spread(L.high_stress, 6),  # S2 weighs 7
        worst=severe_days(L.severe_worst, L.severe_days),  # P3 weighs severe_days
        screens=[(ago(2), ["chest"])],
    )
    flags = evaluate(busy)
    assert [(f.code, f.level) for f in flags] == [
        ("R1", RED),
        ("S2", AMBER),
        ("P3", AMBER),
        ("F4", REVIEW),
        ("P2", GREEN),
    ]
    assert [f.rank for f in flags] == sorted(f.rank for f in flags)


def test_evaluate_puts_the_weightier_amber_first() -> None:
    flags = evaluate(
        record(
            pains=spread(4.0, 41),
            adherence_14=L.adherence_firm - 1,
            worst=severe_days(L.severe_worst, L.severe_days),
        )
    )
    assert [f.code for f in flags] == ["A1", "P3"]


def flag(level: str, weight: int = 0) -> Flag:
    return Flag("X", level, "title", "why", weight)


def test_urgency_orders_a_caseload() -> None:
    caseload = {
        "calm": [flag(GREEN), flag(REVIEW, 50)],
        "nothing": [],
        "one amber": [flag(AMBER, 1)],
        "heavy amber": [flag(AMBER, 40)],
        "two ambers": [flag(AMBER, 1), flag(AMBER, 1)],
        "red": [flag(RED, 1)],
        "red and amber": [flag(RED, 1), flag(AMBER, 1)],
        "two reds": [flag(RED), flag(RED)],
    }
    ordered = sorted(caseload, key=lambda name: urgency(caseload[name]))
    assert ordered[:6] == [
        "two reds",
        "red and amber",
        "red",
        "two ambers",
        "heavy amber",
        "one amber",
    ]
    assert set(ordered[6:]) == {"calm", "nothing"}
    assert urgency(caseload["calm"]) == urgency([]) == (0, 0, 0)


def test_f2_a_flare_that_began_before_the_week_is_not_a_new_one() -> None:
    # One flare from 8 to 6 days ago, another 2 days ago: only one starts in the week.
    found = rules.flare_pattern(record(pains=spread(4, 20), flares=[8, 7, 6, 2]), L)
    assert found is None


def test_f2_a_recent_long_flare_counts_even_after_an_older_longer_one() -> None:
    older = list(range(20, 30))  # ten days, ended three weeks ago
    recent = list(range(0, L.long_flare_days + 1))  # one day more than the limit, still going
    found = rules.flare_pattern(record(pains=spread(4, 35), flares=older + recent), L)
    assert found is not None
    assert found.why == f"A flare lasting {L.long_flare_days + 1} days in a row, to {say(0)}"


def test_f2_one_flare_over_a_visit_and_the_day_after_is_one_flare() -> None:
    found = rules.flare_pattern(record(pains=spread(4, 20), flares=[10, 9], sessions=[ago(10)]), L)
    assert found is None
