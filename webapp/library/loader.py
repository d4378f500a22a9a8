"""Read and validate the exercise library in ``exercises/`` (data only; the rules live here).

Every fault is reported as one precise line naming the file, so a clinician editing a record
can fix it without reading code.
"""

from __future__ import annotations

import re
import tomllib
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from ..models import Condition

ID_PATTERN = re.compile(r"^[A-Z]{1,3}[0-9]{1,3}$")
SVG = "{http://www.w3.org/2000/svg}"
REQUIRED = {
    "id": str,
    "name": str,
    "summary": str,
    "regions": list,
    "phases": list,
    "equipment": list,
    "post_op": bool,
    "illustration": str,
    "licence": str,
    "author": str,
    "steps": list,
    "cautions": list,
    "progression": list,
    "regression": list,
    "dosage": dict,
}
DOSAGE_LIMITS = {
    "sets": (1, 10),
    "reps": (1, 50),
    "hold_seconds": (1, 600),
    "rest_seconds": (0, 600),
    "times_per_day": (1, 6),
    "days_per_week": (1, 7),
}
MAX_ILLUSTRATION_BYTES = 20_000
DRAWING_ELEMENTS = {"line", "polyline", "polygon", "path", "circle", "ellipse", "rect"}


@dataclass
class Template:
    """A condition's starter programme per phase and its session pattern."""

    condition: Condition
    session_pattern: str
    phases: dict[int, list[str]]
    sessions: dict[int, str]


@dataclass
class Library:
    exercises: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: dict[Condition, Template] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)
    equipment: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_library(root: Path) -> Library:
    """Read every record under ``root`` and collect every problem found."""
    library = Library()
    library.regions = _lookup(root / "regions.toml", "regions", library.problems)
    library.equipment = _lookup(root / "equipment.toml", "equipment", library.problems)
    files = sorted((root / "library").glob("*.toml"))
    if not files:
        library.problems.append(f"{root / 'library'}: no exercise records found")
    for path in files:
        record = _parse(path, library.problems)
        if record is not None and _check_exercise(path, record, root, library):
            library.exercises[record["id"]] = record
    for record in library.exercises.values():
        _check_links(record, library)
    for path in sorted((root / "templates").glob("*.toml")):
        template = _read_template(path, library)
        if template is not None:
            library.templates[template.condition] = template
    for condition in Condition:
        if condition not in library.templates and (root / "templates").exists():
            library.problems.append(f"templates/: no template for condition '{condition.value}'")
    return library


def _parse(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(f"{path.name}: not valid TOML ({error})")
        return None


def _lookup(path: Path, table: str, problems: list[str]) -> dict[str, str]:
    data = _parse(path, problems) if path.exists() else None
    if data is None or not isinstance(data.get(table), dict):
        problems.append(f"{path.name}: missing [{table}] table")
        return {}
    return data[table]


def _check_exercise(path: Path, record: dict[str, Any], root: Path, library: Library) -> bool:
    name = path.name
    before = len(library.problems)
    problems = library.problems
    for key, kind in REQUIRED.items():
        if key not in record:
            problems.append(f"{name}: missing '{key}'")
        elif not isinstance(record[key], kind):
            problems.append(f"{name}: '{key}' must be a {kind.__name__}")
    for key in sorted(set(record) - set(REQUIRED)):
        problems.append(f"{name}: unknown key '{key}'")
    if len(problems) > before:
        return False

    if record["id"] != path.stem:
        problems.append(f"{name}: id '{record['id']}' does not match the file name")
    if not ID_PATTERN.match(record["id"]):
        problems.append(f"{name}: id '{record['id']}' should look like 'N1' or 'S10'")
    for key in ("name", "summary", "licence", "author"):
        if not record[key].strip():
            problems.append(f"{name}: '{key}' is empty")
    for region in record["regions"] or [None]:
        if region not in library.regions:
            known = ", ".join(library.regions)
            problems.append(f"{name}: unknown region {region!r} (known: {known})")
    for item in record["equipment"]:
        if item not in library.equipment:
            problems.append(f"{name}: unknown equipment {item!r}")
    phases = record["phases"]
    if not phases or any(p not in (1, 2, 3) for p in phases) or len(set(phases)) != len(phases):
        problems.append(f"{name}: phases must list 1, 2 and/or 3, not {phases!r}")
    _check_texts(name, "steps", record["steps"], 3, 6, problems)
    _check_texts(name, "cautions", record["cautions"], 1, 6, problems)
    _check_dosage(name, record["dosage"], problems)
    _check_illustration(name, root / "illustrations" / record["illustration"], problems)
    return len(problems) == before


def _check_texts(
    name: str, key: str, items: list[Any], low: int, high: int, problems: list[str]
) -> None:
    if not items:
        problems.append(f"{name}: missing {key}")
    elif not low <= len(items) <= high:
        problems.append(f"{name}: has {len(items)} {key}; needs {low} to {high}")
    if any(not isinstance(item, str) or not item.strip() for item in items):
        problems.append(f"{name}: every one of the {key} must be a non-empty sentence")


def _check_dosage(name: str, dosage: dict[str, Any], problems: list[str]) -> None:
    allowed = set(DOSAGE_LIMITS) | {"each_side"}
    for key in sorted(set(dosage) - allowed):
        problems.append(f"{name}: dosage has an unknown key '{key}'")
    for key, (low, high) in DOSAGE_LIMITS.items():
        value = dosage.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append(f"{name}: impossible dosage: {key} = {value!r} (allowed {low}–{high})")
    if "sets" not in dosage:
        problems.append(f"{name}: impossible dosage: 'sets' is missing")
    if "rest_seconds" not in dosage:
        problems.append(f"{name}: impossible dosage: 'rest_seconds' is missing")
    if dosage.get("reps") is None and dosage.get("hold_seconds") is None:
        problems.append(f"{name}: impossible dosage: give reps, hold_seconds or both")
    if ("times_per_day" in dosage) == ("days_per_week" in dosage):
        problems.append(
            f"{name}: impossible dosage: give exactly one of times_per_day or days_per_week"
        )
    if "each_side" in dosage and not isinstance(dosage["each_side"], bool):
        problems.append(f"{name}: dosage each_side must be true or false")


def _check_illustration(name: str, path: Path, problems: list[str]) -> None:
    if path.suffix != ".svg" or not path.is_file():
        problems.append(f"{name}: missing illustration {path.name}")
        return
    if path.stat().st_size > MAX_ILLUSTRATION_BYTES:
        problems.append(f"{name}: illustration {path.name} is over {MAX_ILLUSTRATION_BYTES} bytes")
    try:
        svg = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        problems.append(f"{name}: illustration {path.name} is not valid SVG ({error})")
        return
    if svg.tag != f"{SVG}svg":
        problems.append(f"{name}: illustration {path.name} is not an <svg> document")
        return
    title = svg.find(f"{SVG}title")
    if title is None or not (title.text or "").strip():
        problems.append(f"{name}: illustration {path.name} needs a <title> describing it")
    drawn = [el for el in svg.iter() if el.tag.removeprefix(SVG) in DRAWING_ELEMENTS]
    if len(drawn) < 3:
        problems.append(f"{name}: illustration {path.name} is blank (draw the position)")
    for element in svg.iter():
        tag = element.tag.removeprefix(SVG)
        if tag in ("script", "style", "foreignObject", "image"):
            problems.append(f"{name}: illustration {path.name} may not contain <{tag}>")
        if "style" in element.attrib or any(a.startswith("on") for a in element.attrib):
            problems.append(f"{name}: illustration {path.name} has inline style or script")
        if any(a.endswith("href") for a in element.attrib):
            problems.append(f"{name}: illustration {path.name} links to another resource")


def _check_links(record: dict[str, Any], library: Library) -> None:
    name = f"{record['id']}.toml"
    for key in ("progression", "regression"):
        for target in record[key]:
            if target == record["id"]:
                library.problems.append(f"{name}: {key} points at itself")
            elif target not in library.exercises:
                library.problems.append(
                    f"{name}: {key} names '{target}', which is not in the library"
                )


def _read_template(path: Path, library: Library) -> Template | None:
    name = f"templates/{path.name}"
    data = _parse(path, library.problems)
    if data is None:
        return None
    before = len(library.problems)
    try:
        condition = Condition(data.get("condition"))
    except ValueError:
        library.problems.append(f"{name}: unknown condition {data.get('condition')!r}")
        return None
    if path.stem != condition.value:
        library.problems.append(f"{name}: file name should be {condition.value}.toml")
    pattern = data.get("session_pattern")
    if not isinstance(pattern, str) or not pattern.strip():
        library.problems.append(f"{name}: missing session_pattern")
    phases: dict[int, list[str]] = {}
    sessions: dict[int, str] = {}
    table = data.get("phases", {})
    for number in (1, 2, 3):
        phase = table.get(str(number))
        if not isinstance(phase, dict):
            library.problems.append(f"{name}: missing [phases.{number}]")
            continue
        ids = phase.get("exercises", [])
        if not isinstance(ids, list) or not 2 <= len(ids) <= 6:
            library.problems.append(f"{name}: phase {number} needs 2 to 6 exercises")
            continue
        for exercise_id in ids:
            exercise = library.exercises.get(exercise_id)
            if exercise is None:
                library.problems.append(
                    f"{name}: phase {number} names '{exercise_id}', which is not in the library"
                )
            elif number not in exercise["phases"]:
                library.problems.append(
                    f"{name}: phase {number} uses '{exercise_id}', which is not a "
                    f"phase {number} exercise"
                )
        phases[number] = ids
        sessions[number] = str(phase.get("sessions", "")).strip()
        if not sessions[number]:
            library.problems.append(f"{name}: phase {number} needs a 'sessions' line")
    if len(library.problems) > before:
        return None
    return Template(condition, pattern.strip(), phases, sessions)
