"""The exercise library in the database: loading it, searching it, condition templates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Condition
from ..models import Exercise
from .loader import Library
from .loader import Template
from .loader import read_library

DOSAGE_KEYS = (
    "sets",
    "reps",
    "hold_seconds",
    "rest_seconds",
    "times_per_day",
    "days_per_week",
    "each_side",
)


class LibraryInvalid(Exception):
    """The files under ``exercises/`` have problems; nothing was loaded."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the exercise library")
        self.problems = problems


@lru_cache(maxsize=4)
def _cached(root: str, stamp: float) -> Library:
    return read_library(Path(root))


def library_at(root: Path) -> Library:
    """Read the library, re-reading only when a file in it has changed."""
    stamp = max((p.stat().st_mtime for p in root.rglob("*") if p.is_file()), default=0.0)
    return _cached(str(root), stamp)


def load(session: Session, root: Path) -> tuple[int, int]:
    """Insert or update every exercise by id; return (added, updated). Refuse a broken library."""
    library = read_library(root)
    if library.problems:
        raise LibraryInvalid(library.problems)
    existing = {e.id: e for e in session.scalars(select(Exercise))}
    added = updated = 0
    for record in library.exercises.values():
        fields = {key: value for key, value in record.items() if key != "dosage"}
        fields.update({key: record["dosage"].get(key) for key in DOSAGE_KEYS})
        fields["each_side"] = bool(fields["each_side"])
        exercise = existing.get(record["id"])
        if exercise is None:
            session.add(Exercise(**fields))
            added += 1
        else:
            changed = False
            for key, value in fields.items():
                if getattr(exercise, key) != value:
                    setattr(exercise, key, value)
                    changed = True
            updated += changed
    return added, updated


@dataclass(frozen=True)
class Search:
    text: str = ""
    region: str = ""
    phase: int | None = None
    equipment: str = ""  # an equipment key, or "none" for no equipment


def search(session: Session, query: Search) -> list[Exercise]:
    """Find exercises by name or id, region, phase and equipment, in library order."""
    text = query.text.strip().lower()
    found = []
    for exercise in all_exercises(session):
        if text and text not in exercise.name.lower() and text != exercise.id.lower():
            continue
        if query.region and query.region not in exercise.regions:
            continue
        if query.phase and query.phase not in exercise.phases:
            continue
        if query.equipment == "none" and exercise.equipment:
            continue
        if query.equipment not in ("", "none") and query.equipment not in exercise.equipment:
            continue
        found.append(exercise)
    return found


def all_exercises(session: Session) -> list[Exercise]:
    """Return the whole library in a stable order: by region group, then number."""
    return sorted(session.scalars(select(Exercise)), key=library_order)


def library_order(exercise: Exercise) -> tuple[str, int]:
    letters = exercise.id.rstrip("0123456789")
    return letters, int(exercise.id[len(letters) :])


def by_ids(session: Session, ids: Iterable[str]) -> dict[str, Exercise]:
    """Fetch exercises by id."""
    wanted = list(ids)
    return {e.id: e for e in session.scalars(select(Exercise).where(Exercise.id.in_(wanted)))}


def template_for(root: Path, condition: Condition) -> Template | None:
    """Return the condition's template from the library files, if there is one."""
    return library_at(root).templates.get(condition)
