"""A cohort of past and present clients, so the outcomes pages show real figures.

The nine story clients are too few for any group of five, so this adds 56 more (eight per
condition: five at Islington, three at Surry Hills) with two therapists at each centre, who
see only them: the story clients' caseloads, schedules and briefs stay as they were. Their
histories are generated from a fixed seed: care started between three weeks and ten months
ago, most improve, some plateau or worsen, some stop logging, a few miss or call off visits,
and about half are referred across once. Seeding is idempotent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..library.loader import read_library
from ..localtime import week_start
from ..models import Centre
from ..models import Condition
from ..models import Discipline
from ..models import Exercise
from ..models import PhaseChange
from ..models import PsfsActivity
from ..models import PsfsScore
from ..models import Role
from ..models import User
from ..pathway import services as pathway
from .diary import seed_diary
from .programmes import seed_programme
from .services import DemoAccount
from .services import _person
from .services import email_for
from .services import password_for
from .sessions import DemoReferral
from .sessions import VisitPlan
from .sessions import seed_sessions

ISLINGTON, SURRY_HILLS = "Continuum Islington", "Continuum Surry Hills"

# (name, discipline, centre): the cohort's care teams.
STAFF = [
    ("Nadia Haddad", Discipline.MASSAGE, ISLINGTON),
    ("Owen Fletcher", Discipline.PHYSIO, ISLINGTON),
    ("Zoe Campbell", Discipline.MASSAGE, SURRY_HILLS),
    ("Lucas Martin", Discipline.PHYSIO, SURRY_HILLS),
]
TEAMS = {
    ISLINGTON: ("Nadia Haddad", "Owen Fletcher"),
    SURRY_HILLS: ("Zoe Campbell", "Lucas Martin"),
}

ISLINGTON_NAMES = [
    "Amara Okoye", "Ben Carter", "Catherine Moore", "Dev Malhotra", "Eleanor Walsh",
    "Farah Siddiqui", "George Hughes", "Hana Kowalski", "Ibrahim Hassan", "Jessica Reid",
    "Kwame Mensah", "Laura Jenkins", "Marcus Bell", "Nina Petrova", "Omar Rahman",
    "Poppy Harris", "Rhys Morgan", "Sophie Turner", "Tariq Aziz", "Una Byrne",
    "Victor Silva", "Wendy Foster", "Yusuf Ali", "Zara Ahmed", "Adele Price",
    "Bethan Lloyd", "Connor Doyle", "Daisy Collins", "Elliot Shaw", "Freya Douglas",
    "Gabriel Costa", "Holly Marsh", "Isaac Green", "Jade Robinson", "Leah Barnes",
]  # fmt: skip
SURRY_HILLS_NAMES = [
    "Aiden Walker", "Bella Tran", "Charlie Kelly", "Matilda Ryan", "Harrison Cooper",
    "Olivia Chen", "Noah Fraser", "Ava Mitchell", "Lachlan Murray", "Sienna Ward",
    "Thomas Dang", "Evie Stewart", "Riley Thompson", "Ella Brooks", "Max Anderson",
    "Aria Singh", "Hugo Ross", "Isabella Rossi", "Jasper Young", "Kiara Woods",
    "Maya Kapoor",
]  # fmt: skip

GOALS = {
    Condition.NECK_SHOULDER: "Work at my desk all day without neck pain.",
    Condition.SPORTS_INJURY: "Get back to training three times a week.",
    Condition.POSTURAL: "Sit through a working day without upper-back ache.",
    Condition.LOW_BACK: "Lift and garden without my back going.",
    Condition.REPETITIVE_STRAIN: "Type and use the mouse all afternoon without forearm pain.",
    Condition.JOINT_STIFFNESS: "Get up and going in the morning without stiffness.",
    Condition.POST_OP: "Walk to the shops and climb stairs without a stick.",
}
ACTIVITIES = {
    Condition.NECK_SHOULDER: ("Work a full day at my desk", "Sleep through the night"),
    Condition.SPORTS_INJURY: ("Run 5 km", "Go down stairs", "Jump and land"),
    Condition.POSTURAL: ("Sit at my desk for two hours", "Carry a backpack"),
    Condition.LOW_BACK: ("Lift a full shopping bag", "Garden for an hour"),
    Condition.REPETITIVE_STRAIN: ("Type for an hour", "Open a jar"),
    Condition.JOINT_STIFFNESS: ("Get dressed in the morning", "Turn to reverse the car"),
    Condition.POST_OP: ("Climb a flight of stairs", "Walk for 20 minutes"),
}
REGION = {
    Condition.NECK_SHOULDER: "neck",
    Condition.SPORTS_INJURY: "knee_left",
    Condition.POSTURAL: "upper_back",
    Condition.LOW_BACK: "low_back",
    Condition.REPETITIVE_STRAIN: "arm_right",
    Condition.JOINT_STIFFNESS: "hip_right",
    Condition.POST_OP: "knee_right",
}
TO_PHASE_2 = (
    "Pain has settled and you're sleeping better, so we'll start mobility and first strength work."
)
TO_PHASE_3 = "You're moving well and keeping up your exercises: time to build strength."
STEP_BACK = "A flare has lasted over a week, so we're easing back for a while. This is normal."
REFERRAL_REASONS = {
    Discipline.MASSAGE: "Tight and tender after the last two massages, more than I'd expect. "
    "Could the new exercises be loading it too hard?",
    Discipline.PHYSIO: "Still guarding the area and tense through the shoulders; some soft "
    "tissue work before the next strength session would help.",
}


@dataclass(frozen=True)
class CohortClient:
    name: str
    centre: str
    condition: Condition
    started_days_ago: int
    steps: tuple[tuple[int, int, str], ...]  # (days ago, to phase, by)
    pain: tuple[float, float]
    psfs_gain: float  # PSFS points gained a week
    adherence: float
    stopped_days_ago: int | None
    flare_days_ago: tuple[int, int] | None
    visits: VisitPlan


def _story(
    rng: random.Random, n: int, name: str, centre: str, condition: Condition
) -> CohortClient:
    massage, physio = TEAMS[centre]
    started = rng.randint(21, 300)
    steps: list[tuple[int, int, str]] = []
    if started > 40 and rng.random() < 0.85:
        to_2 = started - rng.randint(21, 50)
        steps.append((to_2, 2, physio))
        if rng.random() < 0.12 and to_2 > 40:
            back = to_2 - rng.randint(10, 20)
            steps.append((back, 1, massage))
            to_2 = back - rng.randint(14, 21)
            steps.append((to_2, 2, physio))
        if to_2 > 45 and rng.random() < 0.7:
            steps.append((to_2 - rng.randint(35, 90), 3, physio))
    steps = [s for s in steps if s[0] >= 1]
    start_pain = rng.uniform(5, 8)
    outcome = rng.random()
    if outcome < 0.6:
        end_pain, gain = start_pain * rng.uniform(0.3, 0.55), rng.uniform(0.5, 1.0)
    elif outcome < 0.85:
        end_pain, gain = start_pain - rng.uniform(0.5, 1.5), rng.uniform(0.15, 0.4)
    elif outcome < 0.94:
        end_pain, gain = start_pain + rng.uniform(-0.3, 0.8), rng.uniform(0, 0.15)
    else:  # worse: the brief's P1 flag would have raised it with the care team
        end_pain, gain = min(start_pain + rng.uniform(1.8, 2.6), 9.5), 0.0
    stopped = None
    if rng.random() < 0.15 and started > 40:
        stopped = rng.randint(8, min(40, started - 20))
    flare = None
    if rng.random() < 0.15 and started > 30:
        began = rng.randint(6, min(25, started - 10))
        flare = (began, began - rng.randint(2, 5))
    referrals = ()
    if rng.random() < 0.5:
        by = rng.choice((massage, physio))
        discipline = Discipline.MASSAGE if by == massage else Discipline.PHYSIO
        referrals = (
            DemoReferral(
                by,
                after_visit=rng.randint(1, 3),
                reason=REFERRAL_REASONS[discipline],
                body_region=REGION[condition],
                urgency=rng.choice(("routine", "routine", "soon")),
                hours_later=rng.randint(1, 6),
                acknowledged_hours_later=None
                if rng.random() < 0.15
                else rng.choice((1, 2, 3, 4, 6, 8, 18, 22, 26, 47)),
            ),
        )
    missed = tuple(sorted({rng.randint(1, 12) for _ in range(rng.choice((0, 0, 1, 1, 2)))}))
    cancelled = tuple(n for n in (rng.randint(1, 12),) if n not in missed and rng.random() < 0.3)
    visits = VisitPlan(
        n % 6,  # a weekday, Monday to Saturday: see _client
        time(9 + n // 6, 30 * (n % 2)),  # spread over the week and the day: no clashes
        physio_minutes=rng.choice((30, 30, 45)),
        cancelled=cancelled,
        missed=missed,
        referrals=referrals,
    )
    return CohortClient(
        name,
        centre,
        condition,
        started,
        tuple(sorted(steps, reverse=True)),
        (round(start_pain, 1), round(max(end_pain, 0.5), 1)),
        gain,
        rng.uniform(0.45, 0.95),
        stopped,
        flare,
        visits,
    )


def cohort() -> list[CohortClient]:
    """The cohort, the same on every run."""
    rng = random.Random("outcomes-cohort")
    conditions = list(Condition)
    found = []
    for names, centre in ((ISLINGTON_NAMES, ISLINGTON), (SURRY_HILLS_NAMES, SURRY_HILLS)):
        for n, name in enumerate(names):
            found.append(_story(rng, n, name, centre, conditions[n % len(conditions)]))
    return found


def accounts() -> list[DemoAccount]:
    """The cohort's sign-ins, staff first."""
    rows = [DemoAccount("therapist", email_for(n), password_for(n)) for n, _d, _c in STAFF]
    rows += [DemoAccount("client", email_for(c.name), password_for(c.name)) for c in cohort()]
    return rows


def is_seeded(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.email == email_for(STAFF[0][0]))) is not None


def seed(session: Session, now: datetime, hash_profile: str, library_root: Path) -> bool:
    """Add the cohort to the demo company unless it is there; return whether it was added.

    The demo company (``services.seed``) must exist first.
    """
    if is_seeded(session):
        return False
    centres = {c.name: c for c in session.scalars(select(Centre))}
    starter = {
        ISLINGTON: session.scalar(select(User).where(User.email == email_for("Priya Shah"))),
        SURRY_HILLS: session.scalar(select(User).where(User.email == email_for("Liam Nguyen"))),
    }
    library = read_library(library_root)
    exercises = {e.id: e for e in session.scalars(select(Exercise))}
    people: dict[str, User] = {}
    for name, discipline, centre in STAFF:
        people[name] = _person(
            name, Role.THERAPIST, discipline, [centres[centre]], now, hash_profile, 400
        )
        session.add(people[name])
    for story in cohort():
        _client(session, story, centres, people, starter, library, exercises, now, hash_profile)
    return True


def _client(session, story, centres, people, starter, library, exercises, now, profile) -> None:  # type: ignore[no-untyped-def]
    """One client's care plan, phases, programme, diary, PSFS and visits."""
    client = _person(
        story.name,
        Role.CLIENT,
        None,
        [centres[story.centre]],
        now,
        profile,
        story.started_days_ago + 3,
    )
    session.add(client)
    started = now - timedelta(days=story.started_days_ago)
    massage, physio = (people[n] for n in TEAMS[story.centre])
    plan = pathway.start_care_plan(
        session,
        client=client,
        centre=centres[story.centre],
        condition=story.condition,
        phase=1,
        team=[massage, physio],
        goals=GOALS[story.condition],
        start_date=started.date(),
        started_by=starter[story.centre],
        now=started,
    )
    for days_ago, to_phase, by in story.steps:
        plan.phase_changes.append(
            PhaseChange(
                from_phase=plan.phase,
                to_phase=to_phase,
                reason={1: STEP_BACK, 2: TO_PHASE_2, 3: TO_PHASE_3}[to_phase],
                changed_by=people[by],
                changed_at=now - timedelta(days=days_ago),
            )
        )
        plan.phase = to_phase
    session.flush()
    phase_started = story.steps[-1][0] if story.steps else story.started_days_ago
    seed_programme(
        session,
        plan=plan,
        template=library.templates[story.condition],
        exercises=exercises,
        physio=physio,
        # The programme as last reviewed: at most six weeks of logs to keep seeding quick.
        started=now - timedelta(days=min(phase_started, 42)),
        now=now,
        adherence=story.adherence,
        stopped_days_ago=story.stopped_days_ago,
    )
    seed_diary(
        session,
        plan=plan,
        physio=physio,
        now=now,
        start_pain=story.pain[0],
        end_pain=story.pain[1],
        stopped_days_ago=story.stopped_days_ago,
        flare_days_ago=story.flare_days_ago,
        activities=(),
    )
    _psfs(session, plan, physio, story, now)
    # Visits fall on the story's weekday, whatever today is (the centres close on Sundays).
    weekday = story.visits.days_from_today
    today = now.astimezone(ZoneInfo(plan.centre.timezone)).date()
    seed_sessions(
        session,
        plan=plan,
        visits=replace(story.visits, days_from_today=(weekday - today.weekday()) % 7),
        now=now,
        rng=random.Random("sessions:" + client.email),
    )


def _psfs(session: Session, plan, physio: User, story: CohortClient, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Weekly PSFS ratings that rise as fast as the story's recovery, until logging stopped."""
    zone = ZoneInfo(plan.centre.timezone)
    rng = random.Random("psfs:" + plan.client.email)
    today = now.astimezone(zone).date()
    last: date = today - timedelta(days=story.stopped_days_ago or 1)
    created = datetime.combine(plan.start_date, time(12), zone)
    rows = [
        PsfsActivity(
            client_id=plan.client_id, name=name, created_by_id=physio.id, created_at=created
        )
        for name in ACTIVITIES[story.condition]
    ]
    session.add_all(rows)
    session.flush()
    week = week_start(plan.start_date)
    level = rng.uniform(2, 4)
    while week <= last:
        for row in rows:
            score = round(min(10.0, max(0.0, level + rng.uniform(-0.6, 0.6))))
            session.add(PsfsScore(activity_id=row.id, week_start=week, score=score))
        level = min(9.5, level + story.psfs_gain)
        week += timedelta(days=7)
