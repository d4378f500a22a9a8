"""The exercise library: the shipped data is valid, and every kind of fault is caught precisely."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from webapp.extensions import db
from webapp.library import services
from webapp.library.loader import read_library
from webapp.models import Condition
from webapp.models import Exercise

SHIPPED = Path(__file__).resolve().parents[2] / "exercises"
TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


def test_the_shipped_library_is_valid_and_complete() -> None:
    library = read_library(SHIPPED)
    assert library.problems == []
    assert len(library.exercises) >= 50
    assert set(library.templates) == set(Condition)
    for record in library.exercises.values():
        assert 3 <= len(record["steps"]) <= 6
        assert record["licence"] and record["author"]
    post_op = {i for i, r in library.exercises.items() if r["post_op"]}
    assert post_op == {"K1", "K2", "K3", "A1", "S1"}


def test_every_illustration_is_a_distinct_drawing() -> None:
    drawings = {p.read_bytes() for p in (SHIPPED / "illustrations").glob("*.svg")}
    assert len(drawings) == len(list((SHIPPED / "library").glob("*.toml")))


def _replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        target = root / path
        text = target.read_text()
        assert old in text, f"fixture has no {old!r}"
        target.write_text(text.replace(old, new, 1))

    return change


def _delete(path: str) -> Callable[[Path], None]:
    return lambda root: (root / path).unlink()


def _one_step(root: Path) -> None:
    target = root / "library" / "N5.toml"
    text = re.sub(r"steps = \[.*?\]", 'steps = ["Only one step."]', target.read_text(), flags=re.S)
    target.write_text(text)


def _blank_svg(root: Path) -> None:
    (root / "illustrations" / "N2.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Blank</title></svg>'
    )


BROKEN = {
    "unknown region": (
        _replace("library/N1.toml", 'regions = ["neck"]', 'regions = ["nek"]'),
        "N1.toml: unknown region 'nek'",
    ),
    "dangling progression": (
        _replace("library/N1.toml", 'progression = ["N5"]', 'progression = ["N9"]'),
        "N1.toml: progression names 'N9', which is not in the library",
    ),
    "missing steps": (
        _replace("library/N2.toml", "steps = [", "old_steps = ["),
        "N2.toml: missing 'steps'",
    ),
    "too few steps": (_one_step, "N5.toml: has 1 steps; needs 3 to 6"),
    "impossible dosage": (
        _replace("library/N1.toml", "sets = 1", "sets = -2"),
        "N1.toml: impossible dosage: sets = -2 (allowed 1–10)",
    ),
    "two frequencies": (
        _replace("library/N1.toml", "times_per_day = 2", "times_per_day = 2\ndays_per_week = 3"),
        "N1.toml: impossible dosage: give exactly one of times_per_day or days_per_week",
    ),
    "missing illustration": (
        _delete("illustrations/N5.svg"),
        "N5.toml: missing illustration N5.svg",
    ),
    "blank illustration": (_blank_svg, "N2.toml: illustration N2.svg is blank"),
    "scripted illustration": (
        _replace("illustrations/N1.svg", "<title", "<script>alert(1)</script><title"),
        "N1.toml: illustration N1.svg may not contain <script>",
    ),
    "id not matching file": (
        _replace("library/N2.toml", 'id = "N2"', 'id = "N3"'),
        "N2.toml: id 'N3' does not match the file name",
    ),
    "unknown key": (
        _replace("library/N2.toml", 'id = "N2"', 'id = "N2"\ncolour = "red"'),
        "N2.toml: unknown key 'colour'",
    ),
    "broken toml": (
        _replace("library/N2.toml", 'id = "N2"', 'id = "N2'),
        "N2.toml: not valid TOML",
    ),
}


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(TINY, root)
    return root


def test_the_tiny_fixture_is_valid(tiny: Path) -> None:
    assert read_library(tiny).problems == []


@pytest.mark.parametrize("fault", sorted(BROKEN))
def test_each_kind_of_fault_is_reported_precisely(tiny: Path, fault: str) -> None:
    breaks, message = BROKEN[fault]
    breaks(tiny)
    problems = read_library(tiny).problems
    assert any(p.startswith(message) for p in problems), problems


def test_templates_must_name_real_exercises_of_their_phase(tiny: Path) -> None:
    (tiny / "templates").mkdir()
    (tiny / "templates" / "neck_shoulder.toml").write_text(
        'condition = "neck_shoulder"\nsession_pattern = "Weekly"\n'
        '[phases.1]\nexercises = ["N1", "N9"]\nsessions = "x"\n'
        '[phases.2]\nexercises = ["N1", "N5"]\nsessions = "x"\n'
        '[phases.3]\nexercises = ["N1", "N5"]\nsessions = "x"\n'
    )
    problems = read_library(tiny).problems
    assert "templates/neck_shoulder.toml: phase 1 names 'N9', which is not in the library" in (
        problems
    )
    assert (
        "templates/neck_shoulder.toml: phase 3 uses 'N1', which is not a phase 3 exercise"
        in problems
    )
    assert "templates/: no template for condition 'low_back'" in problems


def test_validate_command_fails_with_one_line_per_problem(app: Flask, tiny: Path) -> None:
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["exercises", "validate", "--path", str(tiny)])
    assert ok.exit_code == 0 and "3 exercises" in ok.output
    BROKEN["unknown region"][0](tiny)
    BROKEN["missing illustration"][0](tiny)
    bad = runner.invoke(args=["exercises", "validate", "--path", str(tiny)])
    assert bad.exit_code != 0
    assert "N1.toml: unknown region 'nek'" in bad.output
    assert "N5.toml: missing illustration N5.svg" in bad.output


def test_load_upserts_by_id(app: Flask, tiny: Path) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["exercises", "load", "--path", str(tiny)])
    assert first.exit_code == 0 and "3 added, 0 updated" in first.output
    again = runner.invoke(args=["exercises", "load", "--path", str(tiny)])
    assert "0 added, 0 updated" in again.output
    _replace("library/N1.toml", 'name = "Chin nod, lying"', 'name = "Chin nod (lying)"')(tiny)
    changed = runner.invoke(args=["exercises", "load", "--path", str(tiny)])
    assert "0 added, 1 updated" in changed.output
    db.session.expire_all()
    assert db.session.get(Exercise, "N1").name == "Chin nod (lying)"
    assert db.session.scalar(db.select(db.func.count(Exercise.id))) == 3


def test_load_refuses_a_broken_library(app: Flask, tiny: Path) -> None:
    BROKEN["impossible dosage"][0](tiny)
    with pytest.raises(services.LibraryInvalid):
        services.load(db.session, tiny)
    result = app.test_cli_runner().invoke(args=["exercises", "load", "--path", str(tiny)])
    assert result.exit_code != 0
    assert db.session.scalar(db.select(db.func.count(Exercise.id))) == 0


def test_search_by_name_region_phase_and_equipment(app: Flask) -> None:
    services.load(db.session, SHIPPED)
    db.session.commit()

    def ids(**query: object) -> set[str]:
        return {e.id for e in services.search(db.session, services.Search(**query))}

    assert ids(text="chin") == {"N1", "N2", "N5"}
    assert ids(text="k4") == {"K4"}
    assert "S9" in ids(region="shoulder", phase=3)
    assert not ids(region="shoulder", phase=3) & ids(phase=1) - ids(phase=3)
    band = ids(equipment="band")
    assert band and all("band" in db.session.get(Exercise, i).equipment for i in band)
    assert all(not db.session.get(Exercise, i).equipment for i in ids(equipment="none"))
