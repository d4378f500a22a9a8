"""Read, check and render the Learn articles in ``learn/`` (data only; the rules live here).

Each article is one Markdown file with TOML front matter between ``+++`` lines. Every fault is
reported as one line naming the file (and the line, where there is one), so a clinician editing
an article can fix it without reading code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from ..models import Condition

FENCE = "+++"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LINK_PREFIX = "/learn/"
ALL_CONDITIONS = "all"
WORDS_PER_MINUTE = 180  # a relaxed pace: plain words, read on a phone
NOT_ARTICLES = {"README.md"}

# Where an article sits on the Learn page, in this order.
TOPICS: dict[str, str] = {
    "pathway": "Your pathway",
    "exercise": "Exercise and pain",
    "everyday": "Everyday life",
    "safety": "Staying safe",
}

# The app links to these from Today, the weekly check and the programme changes.
REQUIRED_SLUGS = ("phase-1", "phase-2", "phase-3", "urgent-care", "pain-as-a-guide")

FIELDS: dict[str, type] = {
    "title": str,
    "slug": str,
    "summary": str,
    "topic": str,
    "phases": list,
    "conditions": list,
    "reviewed_on": date,
    "reviewed_by": str,
    "reading_minutes": int,
}
OPTIONAL: dict[str, type] = {"related": list}

# Rendering never passes raw HTML through; a second parser with HTML on only finds it to report.
_render = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable("smartquotes")
_inspect = MarkdownIt("commonmark", {"html": True})


@dataclass(frozen=True)
class Article:
    """One article, checked and rendered."""

    slug: str
    title: str
    summary: str
    topic: str
    phases: tuple[int, ...]
    conditions: tuple[str, ...]
    related: tuple[str, ...]
    reviewed_on: date
    reviewed_by: str
    reading_minutes: int
    html: Markup

    @property
    def topic_label(self) -> str:
        return TOPICS[self.topic]

    def fits(self, phase: int | None, condition: Condition | None) -> bool:
        """Whether this article is written for a client in ``phase`` with ``condition``."""
        in_phase = phase is None or phase in self.phases
        for_condition = (
            condition is None
            or ALL_CONDITIONS in self.conditions
            or condition.value in self.conditions
        )
        return in_phase and for_condition

    @property
    def focused(self) -> bool:
        """Written for some phases or conditions rather than for everyone at every stage."""
        return len(self.phases) < 3 or ALL_CONDITIONS not in self.conditions


@dataclass
class Collection:
    articles: dict[str, Article] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class _Draft:
    """A file split into its front matter and body, before checking."""

    path: Path
    meta: dict[str, Any]
    body: str
    body_line: int  # the file's line number of the body's first line


def read_articles(root: Path, today: date) -> Collection:
    """Read every article under ``root`` and collect every problem found."""
    collection = Collection()
    problems = collection.problems
    if not root.is_dir():
        problems.append(f"{root}: no such folder")
        return collection
    files = sorted(p for p in root.glob("*.md") if p.name not in NOT_ARTICLES)
    if not files:
        problems.append(f"{root}: no articles found")
    drafts = [d for d in (_split(path, problems) for path in files) if d is not None]
    stems = {d.path.stem for d in drafts}
    claims: dict[str, list[str]] = {}
    for draft in drafts:
        slug = draft.meta.get("slug")
        if isinstance(slug, str) and slug:
            claims.setdefault(slug, []).append(draft.path.name)
    for slug, names in claims.items():
        if len(names) > 1:
            problems.append(f"{', '.join(names)}: duplicate slug '{slug}'")
    for draft in drafts:
        article = _check(draft, stems, today, problems)
        if article is not None:
            collection.articles[article.slug] = article
    for slug in REQUIRED_SLUGS:
        if slug not in stems:
            problems.append(f"{slug}.md: missing (the app links to /learn/{slug})")
    return collection


def _split(path: Path, problems: list[str]) -> _Draft | None:
    name = path.name
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{name}: not UTF-8 text")
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        problems.append(f"{name}: must start with front matter between '{FENCE}' lines")
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        problems.append(f"{name}: front matter has no closing '{FENCE}' line")
        return None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as error:
        problems.append(f"{name}: front matter is not valid TOML ({error})")
        return None
    return _Draft(path, meta, "\n".join(lines[end + 1 :]), end + 2)


def _check(draft: _Draft, stems: set[str], today: date, problems: list[str]) -> Article | None:
    """Check one article's front matter and body; return it rendered, or None if broken."""
    name = draft.path.name
    meta = draft.meta
    before = len(problems)
    for key, kind in FIELDS.items():
        value = meta.get(key)
        if key not in meta:
            problems.append(f"{name}: missing '{key}'")
        elif isinstance(value, datetime | bool):
            problems.append(f"{name}: '{key}' must be {_kind_name(kind)}, not {value!r}")
        elif not isinstance(value, kind):
            problems.append(f"{name}: '{key}' must be {_kind_name(kind)}, not {value!r}")
        elif value in ("", []) or (isinstance(value, str) and not value.strip()):
            problems.append(f"{name}: '{key}' is empty")
    for key, kind in OPTIONAL.items():
        if key in meta and not isinstance(meta[key], kind):
            problems.append(f"{name}: '{key}' must be {_kind_name(kind)}")
    for key in sorted(set(meta) - set(FIELDS) - set(OPTIONAL)):
        problems.append(f"{name}: unknown key '{key}'")
    if len(problems) > before:
        return None

    slug = meta["slug"]
    if slug != draft.path.stem:
        problems.append(f"{name}: slug '{slug}' does not match the file name")
    elif not SLUG_PATTERN.match(slug):
        problems.append(f"{name}: slug '{slug}' should be lower-case words joined by hyphens")
    summary = meta["summary"].strip()
    if not summary.endswith((".", "?")) or re.search(r"[.?!]\s+[A-Z]", summary):
        problems.append(f"{name}: 'summary' should be one sentence ending with a full stop")
    if meta["topic"] not in TOPICS:
        problems.append(f"{name}: unknown topic {meta['topic']!r} (known: {', '.join(TOPICS)})")
    phases = meta["phases"]
    if any(p not in (1, 2, 3) or isinstance(p, bool) for p in phases) or len(set(phases)) != len(
        phases
    ):
        problems.append(f"{name}: phases must list 1, 2 and/or 3, not {phases!r}")
    _check_conditions(name, meta["conditions"], problems)
    if meta["reviewed_on"] > today:
        problems.append(f"{name}: 'reviewed_on' {meta['reviewed_on']} is in the future")
    if not 1 <= meta["reading_minutes"] <= 20:
        problems.append(f"{name}: 'reading_minutes' should be 1 to 20")
    related = meta.get("related", [])
    for target in related:
        if target == slug:
            problems.append(f"{name}: 'related' names the article itself")
        elif target not in stems:
            problems.append(f"{name}: 'related' names '{target}', which is not an article")
    _check_body(draft, stems, problems)
    if len(problems) > before:
        return None
    return Article(
        slug=slug,
        title=meta["title"].strip(),
        summary=summary,
        topic=meta["topic"],
        phases=tuple(sorted(phases)),
        conditions=tuple(meta["conditions"]),
        related=tuple(related),
        reviewed_on=meta["reviewed_on"],
        reviewed_by=meta["reviewed_by"].strip(),
        reading_minutes=meta["reading_minutes"],
        html=render(draft.body),
    )


def render(body: str) -> Markup:
    """Turn an article's Markdown into HTML; raw HTML in it comes out as plain text."""
    return Markup(_render.render(body))


def _kind_name(kind: type) -> str:
    names = {str: "text", list: "a list", int: "a whole number", date: "a date like 2026-11-20"}
    return names.get(kind, kind.__name__)


def _check_conditions(name: str, conditions: list[Any], problems: list[str]) -> None:
    known = {c.value for c in Condition}
    if ALL_CONDITIONS in conditions and len(conditions) > 1:
        problems.append(f"{name}: conditions lists 'all' with others; use one or the other")
    for condition in conditions:
        if condition != ALL_CONDITIONS and condition not in known:
            problems.append(
                f"{name}: unknown condition {condition!r} (known: all, {', '.join(sorted(known))})"
            )


def _check_body(draft: _Draft, stems: set[str], problems: list[str]) -> None:
    """Report raw HTML, a second page title, images and links to articles that don't exist."""
    name = draft.path.name
    if not draft.body.strip():
        problems.append(f"{name}: the article has no text")
        return
    words = len(draft.body.split())
    declared = draft.meta["reading_minutes"]
    estimate = max(1, round(words / WORDS_PER_MINUTE))
    if abs(declared - estimate) > 2:
        problems.append(
            f"{name}: 'reading_minutes' is {declared} but {words} words read in about "
            f"{estimate} minute(s)"
        )
    html_lines: set[int] = set()  # one report per line, not one per tag
    for token, line in _walk(_inspect.parse(draft.body), draft.body_line):
        where = f"{name} line {line}"
        if token.type in ("html_block", "html_inline"):
            if line not in html_lines:
                html_lines.add(line)
                problems.append(
                    f"{where}: raw HTML is not allowed ({token.content.strip()[:40]!r})"
                )
        elif token.type == "heading_open" and token.tag == "h1":
            problems.append(f"{where}: use '##' headings; the title is the page's only '#'")
        elif token.type == "image":
            problems.append(f"{where}: images are not supported in articles")
        elif token.type == "link_open":
            href = str(token.attrs.get("href", ""))
            if href.startswith(LINK_PREFIX):
                target = href[len(LINK_PREFIX) :].split("#")[0].split("?")[0]
                if target not in stems:
                    problems.append(f"{where}: broken link {href} (no article '{target}')")


def _walk(tokens: list[Token], first_line: int) -> list[tuple[Token, int]]:
    """Every token with the file line it starts on (inline tokens take their block's line)."""
    found = []
    for token in tokens:
        line = first_line + (token.map[0] if token.map else 0)
        found.append((token, line))
        found.extend((child, line) for child in token.children or [])
    return found
