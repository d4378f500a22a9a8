"""The Learn articles: the shipped ones are valid, and every kind of fault is caught precisely."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from webapp.diary import measures
from webapp.learn import services
from webapp.learn.articles import REQUIRED_SLUGS
from webapp.learn.articles import read_articles
from webapp.learn.articles import render
from webapp.models import CarePlan
from webapp.models import Condition
from webapp.models import PhaseChange

SHIPPED = Path(__file__).resolve().parents[2] / "learn"
TODAY = date(2026, 11, 28)


def test_the_shipped_articles_are_valid_and_complete() -> None:
    collection = read_articles(SHIPPED, TODAY)
    assert collection.problems == []
    expected = {
        "phase-1",
        "phase-2",
        "phase-3",
        "massage-and-physio",
        "pain-as-a-guide",
        "flare-ups",
        "pacing",
        "sleep-and-stress",
        "desk-and-driving",
        "urgent-care",
    }
    assert expected <= set(collection.articles)
    assert set(REQUIRED_SLUGS) <= set(collection.articles)
    for article in collection.articles.values():
        assert article.reviewed_by and article.reviewed_on <= TODAY
        assert "<script" not in article.html


def test_the_shipped_articles_say_what_the_app_says() -> None:
    articles = read_articles(SHIPPED, TODAY).articles
    guide = articles["pain-as-a-guide"].html
    assert "0 to 3: fine" in guide and "4 to 5: acceptable" in guide
    assert "settles by the next morning" in guide and "More than 5: stop" in guide
    assert "massage is not instead of physiotherapy" in articles["massage-and-physio"].html
    # The urgent-care article gives the same numbers as the red-flag advice in the diary.
    urgent = articles["urgent-care"].html
    for country in ("uk", "au"):
        for advice in (measures.ADVICE[level][country] for level in measures.URGENCY_ORDER):
            for number in re.findall(r"\b(?:999|000|111|1800 022 222)\b", advice):
                assert number in urgent, f"{number} ({country}) is missing from urgent-care"
    words = " ".join((SHIPPED / "urgent-care.md").read_text().split()).lower()
    for flag in measures.RED_FLAGS:  # each sign the weekly check asks about, in the same words
        assert flag.question.split(",")[0].lower() in words, flag.key


def _replace(name: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        target = root / name
        text = target.read_text()
        assert old in text, f"{name} has no {old!r}"
        target.write_text(text.replace(old, new, 1))

    return change


def _append(name: str, text: str) -> Callable[[Path], None]:
    return lambda root: (root / name).write_text((root / name).read_text() + text)


def _copy(name: str, to: str) -> Callable[[Path], None]:
    return lambda root: shutil.copy(root / name, root / to)


def _delete(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).unlink()


BROKEN = {
    "missing field": (
        _replace("phase-1.md", 'reviewed_by = "Clinical lead, physiotherapy"\n', ""),
        "phase-1.md: missing 'reviewed_by'",
    ),
    "empty field": (
        _replace("phase-2.md", 'title = "Phase 2: moving more freely"', 'title = "  "'),
        "phase-2.md: 'title' is empty",
    ),
    "empty list": (
        _replace("pacing.md", "phases = [1, 2]", "phases = []"),
        "pacing.md: 'phases' is empty",
    ),
    "wrong type": (
        _replace("pacing.md", "reading_minutes = 2", 'reading_minutes = "two"'),
        "pacing.md: 'reading_minutes' must be a whole number, not 'two'",
    ),
    "unknown key": (
        _replace("pacing.md", 'topic = "exercise"', 'topic = "exercise"\ncolour = "red"'),
        "pacing.md: unknown key 'colour'",
    ),
    "unknown phase": (
        _replace("pacing.md", "phases = [1, 2]", "phases = [1, 4]"),
        "pacing.md: phases must list 1, 2 and/or 3, not [1, 4]",
    ),
    "unknown condition": (
        _replace("desk-and-driving.md", '"low_back"', '"knee"'),
        "desk-and-driving.md: unknown condition 'knee'",
    ),
    "all with others": (
        _replace("pacing.md", 'conditions = ["all"]', 'conditions = ["all", "low_back"]'),
        "pacing.md: conditions lists 'all' with others",
    ),
    "unknown topic": (
        _replace("pacing.md", 'topic = "exercise"', 'topic = "exercises"'),
        "pacing.md: unknown topic 'exercises'",
    ),
    "slug not the file name": (
        _replace("pacing.md", 'slug = "pacing"', 'slug = "pacing-and-grading"'),
        "pacing.md: slug 'pacing-and-grading' does not match the file name",
    ),
    "duplicate slug": (
        _copy("pacing.md", "pacing-copy.md"),
        "pacing-copy.md, pacing.md: duplicate slug 'pacing'",
    ),
    "date as text": (
        _replace("pacing.md", "reviewed_on = 2026-11-20", 'reviewed_on = "20/11/2026"'),
        "pacing.md: 'reviewed_on' must be a date like 2026-11-20, not '20/11/2026'",
    ),
    "date with a time": (
        _replace("pacing.md", "reviewed_on = 2026-11-20", "reviewed_on = 2026-11-20T10:00:00"),
        "pacing.md: 'reviewed_on' must be a date like 2026-11-20",
    ),
    "impossible date": (
        _replace("pacing.md", "reviewed_on = 2026-11-20", "reviewed_on = 2026-13-40"),
        "pacing.md: front matter is not valid TOML",
    ),
    "date in the future": (
        _replace("pacing.md", "reviewed_on = 2026-11-20", "reviewed_on = 2027-01-05"),
        "pacing.md: 'reviewed_on' 2027-01-05 is in the future",
    ),
    "two-sentence summary": (
        _replace("pacing.md", "build up what you can do.", "build up. It helps."),
        "pacing.md: 'summary' should be one sentence",
    ),
    "reading time far off": (
        _replace("pacing.md", "reading_minutes = 2", "reading_minutes = 12"),
        "pacing.md: 'reading_minutes' is 12 but",
    ),
    "broken internal link": (
        _replace("phase-1.md", "(/learn/pain-as-a-guide)", "(/learn/pain-guide)"),
        "phase-1.md line 35: broken link /learn/pain-guide (no article 'pain-guide')",
    ),
    "related names no article": (
        _replace("pacing.md", 'related = ["flare-ups"', 'related = ["flare"'),
        "pacing.md: 'related' names 'flare', which is not an article",
    ),
    "inline raw HTML": (
        _append("pacing.md", "\nPlease <b>rest</b> today.\n"),
        "pacing.md line 50: raw HTML is not allowed ('<b>')",
    ),
    "block raw HTML": (
        _append("pacing.md", "\n<script>alert(1)</script>\n"),
        "pacing.md line 50: raw HTML is not allowed",
    ),
    "second page title": (
        _append("pacing.md", "\n# Another title\n"),
        "pacing.md line 50: use '##' headings",
    ),
    "image": (
        _append("pacing.md", "\n![A chart](https://example.com/chart.png)\n"),
        "pacing.md line 50: images are not supported",
    ),
    "no front matter": (
        _replace(
            "pacing.md",
            "+++\n",
            "",
        ),
        "pacing.md: must start with front matter between '+++' lines",
    ),
    "front matter not closed": (
        lambda root: (root / "pacing.md").write_text(
            (root / "pacing.md").read_text().replace("+++\n\n## Boom", "\n## Boom", 1)
        ),
        "pacing.md: front matter has no closing '+++' line",
    ),
    "no text": (
        lambda root: (root / "pacing.md").write_text(
            (root / "pacing.md").read_text().split("## Boom")[0]
        ),
        "pacing.md: the article has no text",
    ),
    "an article the app links to is missing": (
        _delete("urgent-care.md"),
        "urgent-care.md: missing (the app links to /learn/urgent-care)",
    ),
}


@pytest.fixture
def learn(tmp_path: Path) -> Path:
    root = tmp_path / "learn"
    shutil.copytree(SHIPPED, root)
    return root


@pytest.mark.parametrize("fault", sorted(BROKEN))
def test_each_kind_of_fault_is_reported_precisely(learn: Path, fault: str) -> None:
    breaks, message = BROKEN[fault]
    breaks(learn)
    problems = read_articles(learn, TODAY).problems
    assert any(p.startswith(message) for p in problems), problems


def test_every_problem_is_reported_not_just_the_first(learn: Path) -> None:
    _replace("pacing.md", "phases = [1, 2]", "phases = [0]")(learn)
    _replace("pacing.md", 'conditions = ["all"]', 'conditions = ["elbow"]')(learn)
    _append("pacing.md", "\nSee [nothing](/learn/nothing) and <i>this</i>.\n")(learn)
    _replace("flare-ups.md", 'slug = "flare-ups"', 'slug = "flares"')(learn)
    collection = read_articles(learn, TODAY)
    assert len(collection.problems) == 5, collection.problems
    assert "pacing" not in collection.articles and "flare-ups" not in collection.articles
    assert "phase-1" in collection.articles  # the good ones still load


def test_a_broken_article_links_and_raw_html_never_reach_the_page() -> None:
    html = render(
        "Hello <script>alert(1)</script>\n\n<div onclick='x()'>hi</div>\n\n"
        "[bad](javascript:alert(1)) and [good](/learn/pacing)"
    )
    assert "<script" not in html and "<div" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="/learn/pacing">good</a>' in html


def test_the_readme_is_not_an_article(learn: Path) -> None:
    assert (learn / "README.md").exists()
    assert "README" not in read_articles(learn, TODAY).articles


def test_a_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    collection = read_articles(tmp_path / "nowhere", TODAY)
    assert collection.articles == {} and collection.problems


def test_articles_are_read_once_then_again_only_after_an_edit(learn: Path) -> None:
    first = services.collection_at(learn, TODAY)
    assert services.collection_at(learn, TODAY) is first
    target = learn / "pacing.md"
    target.write_text(target.read_text().replace("Boom and bust", "Boom and bust days"))
    later = target.stat().st_mtime + 5
    os.utime(target, (later, later))
    again = services.collection_at(learn, TODAY)
    assert again is not first and "Boom and bust days" in again.articles["pacing"].html


def test_the_validate_command(app: Flask, learn: Path) -> None:
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["learn", "validate", "--path", str(learn)])
    assert ok.exit_code == 0, ok.output
    assert "10 articles: ok" in ok.output
    shipped = runner.invoke(args=["learn", "validate"])
    assert shipped.exit_code == 0, shipped.output
    _replace("pacing.md", "phases = [1, 2]", "phases = [7]")(learn)
    _delete("urgent-care.md")(learn)
    bad = runner.invoke(args=["learn", "validate", "--path", str(learn)])
    assert bad.exit_code == 1
    assert "pacing.md: phases must list 1, 2 and/or 3, not [7]" in bad.output
    assert "urgent-care.md: missing" in bad.output
    assert "problem(s) in the articles" in bad.output


# --- Which articles a client sees first, and Today's card ---------------------------------


def plan(phase: int, condition: Condition, *moves: tuple[int | None, int, datetime]) -> CarePlan:
    """A care plan in memory with its phase changes (from, to, when)."""
    changes = [PhaseChange(from_phase=f, to_phase=t, reason="x", changed_at=w) for f, t, w in moves]
    return CarePlan(phase=phase, condition=condition, phase_changes=changes)


def test_the_learn_page_puts_the_clients_phase_first() -> None:
    collection = read_articles(SHIPPED, TODAY)
    groups = services.groups_for(collection, plan(2, Condition.NECK_SHOULDER))
    first = groups[0]
    assert first.heading == "For you in phase 2"
    assert [a.slug for a in first.articles][0] == "phase-2"
    assert {"pacing", "sleep-and-stress", "desk-and-driving"} <= {a.slug for a in first.articles}
    assert "phase-1" not in {a.slug for a in first.articles}
    listed = [a.slug for g in groups for a in g.articles]
    assert sorted(listed) == sorted(collection.articles)  # each once, none left out
    # Both everyday articles are in the first group, so that topic has no group of its own.
    assert [g.heading for g in groups[1:]] == ["Your pathway", "Exercise and pain", "Staying safe"]
    pathway = [a.slug for a in groups[1].articles]
    assert pathway == ["phase-1", "phase-3", "massage-and-physio"]


def test_condition_specific_articles_come_first_only_for_those_conditions() -> None:
    collection = read_articles(SHIPPED, TODAY)
    sports = services.groups_for(collection, plan(3, Condition.SPORTS_INJURY))
    assert [a.slug for a in sports[0].articles] == ["phase-3"]
    postural = services.groups_for(collection, plan(3, Condition.POSTURAL))
    assert [a.slug for a in postural[0].articles] == ["phase-3", "desk-and-driving"]


def test_without_a_care_plan_the_articles_are_grouped_by_topic() -> None:
    groups = services.groups_for(read_articles(SHIPPED, TODAY), None)
    assert groups[0].heading == "Your pathway"
    assert [a.slug for a in groups[0].articles][:3] == ["phase-1", "phase-2", "phase-3"]


def test_today_shows_the_phase_article_as_news_for_two_weeks_after_a_move() -> None:
    collection = read_articles(SHIPPED, TODAY)
    now = datetime(2026, 11, 28, 9, 0).astimezone()
    start = (None, 1, now - timedelta(days=60))

    settled = services.today_card(collection, plan(1, Condition.LOW_BACK, start), now)
    assert settled is not None
    assert settled.article.slug == "phase-1" and settled.moved is None

    moved = plan(2, Condition.LOW_BACK, start, (1, 2, now - timedelta(days=13)))
    card = services.today_card(collection, moved, now)
    assert card is not None and card.article.slug == "phase-2"
    assert card.moved is not None and card.moved.to_phase == 2

    older = plan(2, Condition.LOW_BACK, start, (1, 2, now - timedelta(days=15)))
    assert services.today_card(collection, older, now).moved is None  # type: ignore[union-attr]

    just_started = plan(2, Condition.LOW_BACK, (None, 2, now - timedelta(days=1)))
    assert services.today_card(collection, just_started, now).moved is None  # type: ignore[union-attr]
    assert services.today_card(collection, None, now) is None
