"""The demo company: two centres, their staff and clients with believable pathways."""

from __future__ import annotations

import random
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.passwords import hash_password
from ..library.loader import read_library
from ..models import CarePlan
from ..models import Centre
from ..models import Condition
from ..models import ConsentTopic
from ..models import Discipline
from ..models import ErasureRequest
from ..models import Exercise
from ..models import PhaseChange
from ..models import Role
from ..models import User
from ..pathway import services as pathway
from ..privacy import services as consent
from ..programmes import services as programmes
from .diary import seed_diary
from .programmes import seed_programme
from .sessions import Correction
from .sessions import DemoReferral
from .sessions import VisitPlan
from .sessions import seed_sessions

DOMAIN = "demo.continuum.test"
# Demo staff sign in with two steps like real staff; their authenticator app holds this key
# (README, "What the demo shows"; ``flask demo --code`` prints the current code).
DEMO_TOTP_SECRET = "CONTINUUMDEMOSTAFFKEYJUSTFORDEMO"

CENTRES = [
    ("Continuum Islington", "12 Upper Street, London N1 0PQ", "Europe/London"),
    ("Continuum Surry Hills", "210 Crown Street, Surry Hills NSW 2010", "Australia/Sydney"),
]

# (name, role, discipline, centres)
STAFF = [
    ("Priya Shah", Role.ADMIN, None, ["Continuum Islington"]),
    ("Ruth Adler", Role.ADMIN, None, ["Continuum Islington", "Continuum Surry Hills"]),
    ("Liam Nguyen", Role.ADMIN, None, ["Continuum Surry Hills"]),
    ("Tom Okafor", Role.THERAPIST, Discipline.MASSAGE, ["Continuum Islington"]),
    ("Hannah Lewis", Role.THERAPIST, Discipline.MASSAGE, ["Continuum Islington"]),
    ("Sam Patel", Role.THERAPIST, Discipline.PHYSIO, ["Continuum Islington"]),
    ("Grace Murphy", Role.THERAPIST, Discipline.PHYSIO, ["Continuum Islington"]),
    ("Mia Roberts", Role.THERAPIST, Discipline.MASSAGE, ["Continuum Surry Hills"]),
    ("Jack Wilson", Role.THERAPIST, Discipline.PHYSIO, ["Continuum Surry Hills"]),
]


@dataclass(frozen=True)
class Step:
    """A move along the pathway, ``days_ago`` before today, by one of the care team."""

    days_ago: int
    to_phase: int
    by: str
    reason: str


@dataclass(frozen=True)
class ClientStory:
    name: str
    centre: str
    condition: Condition
    team: tuple[str, ...]
    goals: str
    started_days_ago: int
    steps: tuple[Step, ...] = ()
    adherence: float = 0.8  # share of due sessions the client does
    stopped_days_ago: int | None = None  # stopped logging this many days ago
    too_hard: str | None = None  # an exercise the client found too hard last week
    programme_change: str | None = None  # a change yesterday the client hasn't seen yet
    pain: tuple[float, float] = (6, 3)  # diary pain at the start of care and now
    flare_days_ago: tuple[int, int] | None = None  # a flare from/to this many days ago
    activities: tuple[str, ...] = ("Sit at my desk for an hour", "Sleep through the night")
    visits: VisitPlan = VisitPlan(0, time(10))  # when they come in, and what the team shares


CLIENTS = [
    ClientStory(
        "Alex Morgan",
        "Continuum Islington",
        Condition.NECK_SHOULDER,
        ("Tom Okafor", "Sam Patel"),
        "Work a full day at my desk without neck pain; swim 20 lengths again.",
        56,
        (
            Step(
                14,
                2,
                "Sam Patel",
                "Your neck pain has settled from about 6/10 to 3/10 over four weeks and you're "
                "sleeping through. Time to get moving: we'll add mobility and first strength work.",
            ),
        ),
        adherence=0.8,
        programme_change="You're managing the chin tucks easily, so let's hold each one longer.",
        pain=(6.5, 2.8),
        activities=("Work a full day at my desk", "Swim 20 lengths", "Look over my shoulder"),
        visits=VisitPlan(
            0,
            time(10),
            referrals=(
                DemoReferral(
                    "Tom Okafor",
                    after_visit=3,
                    reason="Pins and needles into the right hand the evening after massage, gone "
                    "by the morning. Please check his neck and arm before the next massage.",
                    body_region="neck",
                    urgency="soon",
                    focus="Check the nerves to the right arm; which positions are fine for "
                    "massage.",
                    hours_later=23,
                    acknowledged_hours_later=3,
                    follow_up="Checked the neck and right arm after Tom's referral about pins "
                    "and needles: strength, feeling and reflexes normal, none since. Most likely "
                    "from lying on the right side during massage; agreed to use the left side "
                    "only.",
                ),
            ),
        ),
    ),
    ClientStory(
        "Jordan Lee",
        "Continuum Islington",
        Condition.SPORTS_INJURY,
        ("Hannah Lewis", "Grace Murphy"),
        "Run 5 km pain-free; get back to Sunday football.",
        49,
        (
            Step(
                28,
                2,
                "Grace Murphy",
                "Knee swelling has gone and you can squat to a chair without pain, so we'll start "
                "loading the knee with step-ups and bridges.",
            ),
        ),
        adherence=0.85,
        too_hard="K5",
        pain=(6, 3),
        flare_days_ago=(9, 3),
        activities=("Run 5 km", "Go down stairs", "Kick a ball"),
        visits=VisitPlan(
            3,
            time(17),
            physio_minutes=45,
            referrals=(
                DemoReferral(
                    "Grace Murphy",
                    after_visit=1,
                    reason="Calves tight and sore since he went back to running, and the left "
                    "knee aches going downhill. Recovery massage would help him keep to the "
                    "walk-jog plan.",
                    body_region="calf_left",
                    focus="Both calves, the left more than the right, and the outside of the "
                    "left thigh.",
                ),
            ),
        ),
    ),
    ClientStory(
        "Chloe Bennett",
        "Continuum Islington",
        Condition.POSTURAL,
        ("Tom Okafor", "Grace Murphy"),
        "Get through a working day without upper-back ache.",
        35,
        adherence=0.7,
        stopped_days_ago=10,
        pain=(5, 4),
        visits=VisitPlan(1, time(16), cancelled=(2,), missed=(1,)),
    ),
    ClientStory(
        "Daniel Evans",
        "Continuum Islington",
        Condition.LOW_BACK,
        ("Hannah Lewis", "Sam Patel"),
        "Lift my daughter without worrying about my back; garden for an hour.",
        84,
        (
            Step(
                56,
                2,
                "Sam Patel",
                "Back pain is down to 3/10 most days and flare-ups settle within a day. We'll "
                "work on moving your back more freely.",
            ),
            Step(
                21,
                3,
                "Sam Patel",
                "You're bending and walking comfortably and have kept up your exercises. Now we "
                "build strength so it stays that way.",
            ),
        ),
        visits=VisitPlan(
            0,
            time(14),
            physio_minutes=45,
            physio_first=True,
            cancelled=(7,),
            referrals=(
                DemoReferral(
                    "Hannah Lewis",
                    after_visit=1,
                    reason="The tightness in his left buttock comes back two days after each "
                    "massage, mostly after lifting days. Could the strength work be loading it?",
                    body_region="buttock_left",
                    focus="His lifting technique and left hip strength.",
                ),
            ),
            correction=Correction(
                "Hannah Lewis",
                visit=2,
                findings="Right buttock tight and tender at one spot; eased with sustained "
                "pressure.",
                addendum="Correction: left side, not right. The tight, tender spot is in the "
                "left buttock, as Daniel marks in his diary.",
            ),
        ),
    ),
    ClientStory(
        "Fatima Khan",
        "Continuum Islington",
        Condition.REPETITIVE_STRAIN,
        ("Hannah Lewis", "Sam Patel"),
        "Type for an afternoon without forearm pain.",
        10,
        adherence=0.7,
        visits=VisitPlan(1, time(12)),
    ),
    ClientStory(
        "Oliver Price",
        "Continuum Islington",
        Condition.POST_OP,
        ("Tom Okafor", "Grace Murphy"),
        "Walk to the shops without a stick after my knee replacement.",
        21,
        visits=VisitPlan(0, time(11, 30), physio_minutes=45),
    ),
    ClientStory(
        "Ruby Clarke",
        "Continuum Islington",
        Condition.JOINT_STIFFNESS,
        ("Tom Okafor", "Sam Patel"),
        "Turn my head fully when reversing the car.",
        70,
        (
            Step(
                49,
                2,
                "Sam Patel",
                "Stiffness has eased and pain is steady at 3/10, so we'll add mobility work.",
            ),
            Step(
                35,
                1,
                "Tom Okafor",
                "A flare has lasted over a week, so we're stepping back to calm things down. This "
                "is a normal part of recovery.",
            ),
            Step(
                14,
                2,
                "Sam Patel",
                "The flare has settled and you're sleeping well again, so we're picking up the "
                "mobility work where we left off.",
            ),
        ),
        visits=VisitPlan(
            2,
            time(9, 30),
            referrals=(
                DemoReferral(
                    "Sam Patel",
                    after_visit=1,
                    reason="Turning her neck is easier, but her upper back and the right side of "
                    "her neck tighten up again by the end of each week.",
                    body_region="upper_back",
                    focus="Upper back and the right side of the neck; light pressure, as the "
                    "flare was recent.",
                ),
            ),
        ),
    ),
    ClientStory(
        "Ethan Brown",
        "Continuum Surry Hills",
        Condition.SPORTS_INJURY,
        ("Mia Roberts", "Jack Wilson"),
        "Play a full season of touch football; sprint without hamstring tightness.",
        77,
        (
            Step(
                50,
                2,
                "Jack Wilson",
                "Hamstring pain has settled and you can walk briskly without it, so we'll start "
                "activation work.",
            ),
            Step(
                20,
                3,
                "Jack Wilson",
                "Full range is back and pain stays below 2/10 when loading. Time for strength "
                "and running drills.",
            ),
        ),
        visits=VisitPlan(0, time(16, 30), physio_minutes=45),
    ),
    ClientStory(
        "Isla Taylor",
        "Continuum Surry Hills",
        Condition.NECK_SHOULDER,
        ("Mia Roberts", "Jack Wilson"),
        "Sleep through the night; carry shopping without shoulder pain.",
        14,
        adherence=0.5,
        visits=VisitPlan(2, time(9)),
    ),
]


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str


def email_for(name: str) -> str:
    """Return the demo email for a person, e.g. alex.morgan@demo.continuum.test."""
    return name.lower().replace(" ", ".") + "@" + DOMAIN


def password_for(name: str) -> str:
    """Return the demo password for a person; fine for a demo, refused in production."""
    return name.split()[0].lower() + "-pathway-demo"


def accounts() -> list[DemoAccount]:
    """List every demo sign-in, staff first."""
    rows = [DemoAccount(role.value, email_for(n), password_for(n)) for n, role, _d, _c in STAFF]
    rows += [DemoAccount("client", email_for(s.name), password_for(s.name)) for s in CLIENTS]
    return rows


def is_seeded(session: Session) -> bool:
    """Say whether the demo company is already in the database."""
    return session.scalar(select(Centre.id).where(Centre.name == CENTRES[0][0])) is not None


def has_accounts(session: Session) -> bool:
    """Say whether the database holds any account at all."""
    return session.scalar(select(User.id).limit(1)) is not None


def seed(session: Session, now: datetime, hash_profile: str, library_root: Path) -> bool:
    """Create the demo company unless it exists; return whether anything was created.

    The exercise library must be loaded first (``flask exercises load``).
    """
    if is_seeded(session):
        return False
    library = read_library(library_root)
    exercises = {e.id: e for e in session.scalars(select(Exercise))}
    if not exercises:
        raise RuntimeError("load the exercise library before seeding the demo")
    centres = {name: Centre(name=name, address=addr, timezone=tz) for name, addr, tz in CENTRES}
    session.add_all(centres.values())
    people: dict[str, User] = {}
    for name, role, discipline, centre_names in STAFF:
        people[name] = _person(
            name, role, discipline, [centres[c] for c in centre_names], now, hash_profile, 120
        )
        session.add(people[name])
    clients: dict[str, User] = {}
    for story in CLIENTS:
        client = _person(
            story.name,
            Role.CLIENT,
            None,
            [centres[story.centre]],
            now,
            hash_profile,
            story.started_days_ago + 3,
        )
        session.add(client)
        started = now - timedelta(days=story.started_days_ago)
        client.onboarded_at = started  # they took the tour the day care began
        first_phase = 1
        plan = pathway.start_care_plan(
            session,
            client=client,
            centre=centres[story.centre],
            condition=story.condition,
            phase=first_phase,
            team=[people[n] for n in story.team],
            goals=story.goals,
            start_date=started.date(),
            started_by=people["Priya Shah"]
            if story.centre.endswith("Islington")
            else people["Liam Nguyen"],
            now=started,
        )
        for step in story.steps:
            when = now - timedelta(days=step.days_ago)
            plan.phase_changes.append(
                PhaseChange(
                    from_phase=plan.phase,
                    to_phase=step.to_phase,
                    reason=step.reason,
                    changed_by=people[step.by],
                    changed_at=when,
                )
            )
            plan.phase = step.to_phase
        physio = next(m for m in plan.team if m.discipline is Discipline.PHYSIO)
        phase_started = now - timedelta(
            days=story.steps[-1].days_ago if story.steps else story.started_days_ago
        )
        session.flush()
        seed_programme(
            session,
            plan=plan,
            template=library.templates[story.condition],
            exercises=exercises,
            physio=physio,
            started=phase_started,
            now=now,
            adherence=story.adherence,
            stopped_days_ago=story.stopped_days_ago,
            too_hard=story.too_hard,
        )
        if story.programme_change:
            _unseen_change(session, plan, physio, now, story.programme_change)
        seed_diary(
            session,
            plan=plan,
            physio=physio,
            now=now,
            start_pain=story.pain[0],
            end_pain=story.pain[1],
            stopped_days_ago=story.stopped_days_ago,
            flare_days_ago=story.flare_days_ago,
            activities=story.activities,
        )
        seed_sessions(
            session,
            plan=plan,
            visits=story.visits,
            now=now,
            rng=random.Random("sessions:" + client.email),
        )
        clients[story.name] = client
    _data_rights(session, people, clients, now)
    return True


def _data_rights(
    session: Session, people: dict[str, User], clients: dict[str, User], now: datetime
) -> None:
    """Consent taken at intake for everyone; Chloe has since stopped her notes being shared
    across disciplines, and Isla has asked to be erased (waiting for an admin)."""
    for client in clients.values():
        admin = people[
            "Priya Shah" if client.centres[0].name.endswith("Islington") else "Liam Nguyen"
        ]
        joined = client.created_at
        for topic in ConsentTopic:
            consent.record_intake(session, client, topic, True, by=admin, now=joined)
    chloe = clients["Chloe Bennett"]
    consent.record(
        session, chloe, ConsentTopic.NOTE_SHARING, False, by=chloe, now=now - timedelta(days=12)
    )
    isla = clients["Isla Taylor"]
    session.add(ErasureRequest(client_id=isla.id, requested_at=now - timedelta(days=2)))
    session.flush()


def _unseen_change(
    session: Session, plan: CarePlan, physio: User, now: datetime, reason: str
) -> None:
    """Lengthen the first hold in the programme yesterday, a change the client hasn't seen."""
    current = programmes.programme_of(session, plan.client)
    first = current.current[0] if current else None
    if first is None:
        return
    dose = programmes.Dose.of(first)
    if dose.hold_seconds:
        dose = replace(dose, hold_seconds=min(dose.hold_seconds + 5, 600))
    else:
        dose = replace(dose, sets=min(dose.sets + 1, 10))
    programmes.change_dose(
        session,
        first,
        dose=dose,
        note=first.note,
        reason=reason,
        by=physio,
        now=now - timedelta(days=1),
    )


def _person(
    name: str,
    role: Role,
    discipline: Discipline | None,
    centres: list[Centre],
    now: datetime,
    hash_profile: str,
    joined_days_ago: int,
) -> User:
    staff = role is not Role.CLIENT
    return User(
        name=name,
        email=email_for(name),
        role=role,
        discipline=discipline,
        centres=centres,
        password_hash=hash_password(password_for(name), hash_profile),
        created_at=now - timedelta(days=joined_days_ago),
        totp_secret=DEMO_TOTP_SECRET if staff else None,
        totp_enabled_at=now - timedelta(days=joined_days_ago) if staff else None,
    )
