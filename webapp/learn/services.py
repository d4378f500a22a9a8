"""Learn for a client: the articles kept per process, the Learn page's order, and the cards
that show an article where it matters (Today after a phase change, for the current phase)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from ..models import CarePlan
from ..models import PhaseChange
from .articles import TOPICS
from .articles import Article
from .articles import Collection
from .articles import read_articles

# A move between phases is news on Today for this long.
PHASE_CHANGE_NEWS = timedelta(days=14)


@lru_cache(maxsize=4)
def _cached(root: str, stamp: tuple[float, int], today: date) -> Collection:
    return read_articles(Path(root), today)


def collection_at(root: Path, today: date) -> Collection:
    """Read the articles once per process, again only when a file in the folder has changed."""
    files = list(root.glob("*.md")) if root.is_dir() else []
    stamp = (max((p.stat().st_mtime for p in files), default=0.0), len(files))
    return _cached(str(root), stamp, today)


def phase_slug(phase: int) -> str:
    """The article about what phase ``phase`` is for."""
    return f"phase-{phase}"


@dataclass(frozen=True)
class Group:
    heading: str
    articles: list[Article]


def _order(article: Article) -> tuple[int, int, int, str]:
    """Within a group: a topic's order, then articles for one phase, then the rest."""
    return (
        list(TOPICS).index(article.topic),
        len(article.phases),
        article.phases[0],
        article.title,
    )


def groups_for(collection: Collection, plan: CarePlan | None) -> list[Group]:
    """The Learn page: what is written for the client's phase first, the rest by topic."""
    articles = sorted(collection.articles.values(), key=_order)
    groups = []
    shown: set[str] = set()
    if plan is not None:
        own = phase_slug(plan.phase)
        mine = [a for a in articles if a.focused and a.fits(plan.phase, plan.condition)]
        mine.sort(key=lambda a: (a.slug != own, _order(a)))
        if mine:
            groups.append(Group(f"For you in phase {plan.phase}", mine))
            shown = {a.slug for a in mine}
    for topic, heading in TOPICS.items():
        rest = [a for a in articles if a.topic == topic and a.slug not in shown]
        if rest:
            groups.append(Group(heading, rest))
    return groups


def related_to(collection: Collection, article: Article) -> list[Article]:
    """The articles this one points readers to next (only those that exist)."""
    return [collection.articles[s] for s in article.related if s in collection.articles]


@dataclass(frozen=True)
class TodayCard:
    """The article Today shows: the current phase's, as news when the client has just moved."""

    article: Article
    moved: PhaseChange | None


def today_card(collection: Collection, plan: CarePlan | None, now: datetime) -> TodayCard | None:
    """The current phase's article, marked as news after a move in the last 14 days."""
    if plan is None:
        return None
    article = collection.articles.get(phase_slug(plan.phase))
    if article is None:
        return None
    last = plan.phase_changes[-1] if plan.phase_changes else None
    if last is None or last.from_phase is None or now - last.changed_at > PHASE_CHANGE_NEWS:
        last = None
    return TodayCard(article, last)
