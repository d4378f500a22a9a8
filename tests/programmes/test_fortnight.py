"""The fortnight total a caseload and the outcomes read for thousands of clients (issue #10)
is the same, to the session, as counting day by day as Today and the brief do."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from webapp.programmes import adherence

ZONES = ["Europe/London", "Australia/Sydney", "America/New_York", "Pacific/Kiritimati", "UTC"]
TODAY = date(2026, 3, 30)  # London and New York have just changed their clocks


def day_by_day(rows: list[Any], timezone: str, today: date, done: dict) -> adherence.Adherence:
    """The fortnight as it was counted before issue #10: every day of every slot."""
    first = today - timedelta(days=13)
    by_slot: dict[str, list[Any]] = {}
    for row in rows:
        if row.ended_at is None or adherence.local_day(row.ended_at, timezone) > first:
            by_slot.setdefault(row.slot, []).append(row)
    total = adherence.NONE
    for slot, slot_rows in by_slot.items():
        doses = [adherence._dose(row, timezone) for row in slot_rows]
        figure, _days = adherence._slot_adherence(doses, done.get(slot, Counter()), first, today)
        total += figure
    return total


def random_slot(rng: random.Random, slot: str) -> list[SimpleNamespace]:
    """One slot's prescriptions: one, or a chain of changes, some inside the fortnight, and
    now and then two in force at once (a hand edit), with daily or weekly doses."""
    rows = []
    start = datetime(2026, 3, 30, 12, tzinfo=UTC) - timedelta(hours=rng.randint(0, 24 * 40))
    for _n in range(rng.choice([1, 1, 1, 2, 3])):
        ended = None
        if rng.random() < 0.4:
            ended = start + timedelta(hours=rng.randint(0, 24 * 12))
        weekly = rng.random() < 0.4
        rows.append(
            SimpleNamespace(
                slot=slot,
                started_at=start,
                ended_at=ended,
                times_per_day=None if weekly else rng.choice([1, 1, 2, 3]),
                days_per_week=rng.choice([1, 2, 3, 5]) if weekly else None,
            )
        )
        if ended is None:
            break
        start = ended - timedelta(hours=rng.choice([0, 0, 0, 30]))  # sometimes overlapping
    return rows


def test_the_quick_total_matches_counting_every_day() -> None:
    rng = random.Random(10)
    for _case in range(3000):
        zone = rng.choice(ZONES)
        rows = [row for n in range(rng.randint(1, 4)) for row in random_slot(rng, f"s{n}")]
        done: dict[str, Counter[date]] = {}
        for row in rows:
            counts = done.setdefault(row.slot, Counter())
            for _log in range(rng.randint(0, 25)):
                counts[TODAY - timedelta(days=rng.randint(-2, 20))] += 1
        expected = day_by_day(rows, zone, TODAY, done)
        assert adherence.fortnight(rows, zone, TODAY, done) == expected, (zone, rows, done)
