"""What each phase and condition means, in words a client can read.

The copy sets expectations without claiming that combined care is proven
better than either therapy alone (clinical.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Condition


@dataclass(frozen=True)
class PhaseInfo:
    number: int
    name: str
    short: str
    meaning: str
    sessions: str
    exercises: str
    moving_on: str


PHASES: dict[int, PhaseInfo] = {
    1: PhaseInfo(
        number=1,
        name="Pain relief & relaxation",
        short="Settle pain and ease tension",
        meaning=(
            "First we help your pain settle and your body relax. Calmer tissues and a calmer "
            "nervous system make it easier to start moving again."
        ),
        sessions=(
            "Mostly massage, with your physiotherapist checking in, explaining what is going on "
            "and starting gentle movement."
        ),
        exercises=(
            "A few gentle moves and breathing, little and often (2–3 times a day), always in a "
            "comfortable range."
        ),
        moving_on=(
            "You move on when your pain has eased or is steady, flare-ups are settling, you are "
            "sleeping better and the gentle moves have become a habit. Your therapists decide "
            "this with you."
        ),
    ),
    2: PhaseInfo(
        number=2,
        name="Mobility & activation",
        short="Move more freely and wake up key muscles",
        meaning=(
            "Now we build on calmer symptoms: getting joints moving through their full range and "
            "switching on the muscles that support them."
        ),
        sessions=(
            "A blend of massage and physiotherapy. Massage keeps tension down while your "
            "physiotherapist works on how you move and adds your first strength work."
        ),
        exercises=(
            "Mobility and activation exercises on most days: usually 2–3 sets of 10–15, or "
            "short holds. A little discomfort is fine if it settles by the next morning."
        ),
        moving_on=(
            "You move on when everyday movements feel close to normal, pain stays low while you "
            "load, the activities you named are improving and you are keeping up your programme."
        ),
    ),
    3: PhaseInfo(
        number=3,
        name="Strengthening & maintenance",
        short="Build strength so the gains last",
        meaning=(
            "This phase builds strength and confidence so you can do what matters to you and "
            "keep problems from coming back."
        ),
        sessions=(
            "Mostly physiotherapy: progressing your strength programme and planning for the long "
            "term, with targeted massage for any tension that lingers."
        ),
        exercises=(
            "Strength exercises 2–3 days a week at a load that feels hard by the last few "
            "repetitions, plus a plan for what to do if a flare-up comes."
        ),
        moving_on=(
            "When you are back to the level you want and confident on your own, visits space out "
            "to maintenance every 2–4 weeks, or you finish with a plan."
        ),
    ),
}


@dataclass(frozen=True)
class ConditionInfo:
    code: Condition
    label: str
    session_pattern: str


CONDITIONS: dict[Condition, ConditionInfo] = {
    info.code: info
    for info in (
        ConditionInfo(
            Condition.NECK_SHOULDER,
            "Neck & shoulder pain",
            "30 min massage + 30 min physiotherapy, weekly; then weekly massage with your "
            "exercise programme progressed by your physiotherapist.",
        ),
        ConditionInfo(
            Condition.SPORTS_INJURY,
            "Sports injury",
            "Physiotherapy-led rehab with recovery massage after training, and a joint review "
            "with both therapists every 4 weeks.",
        ),
        ConditionInfo(
            Condition.POSTURAL,
            "Postural correction",
            "Alternating sessions: massage for tension one week, physiotherapy for movement "
            "re-education the next; then maintenance every 2–4 weeks.",
        ),
        ConditionInfo(
            Condition.LOW_BACK,
            "Low back pain",
            "Massage early on to ease pain, with physiotherapy taking the lead as you become "
            "more active.",
        ),
        ConditionInfo(
            Condition.REPETITIVE_STRAIN,
            "Repetitive strain",
            "Massage for overworked tissues and physiotherapy for loading and work-setup "
            "advice, tapering as you improve.",
        ),
        ConditionInfo(
            Condition.JOINT_STIFFNESS,
            "Joint stiffness",
            "Massage and physiotherapy together to loosen up, then physiotherapy-led "
            "strengthening.",
        ),
        ConditionInfo(
            Condition.POST_OP,
            "After orthopaedic surgery",
            "Physiotherapy following your surgeon's protocol, with massage once your surgeon "
            "and physiotherapist agree. Your surgeon's advice always comes first.",
        ),
    )
}


def phase_info(number: int) -> PhaseInfo:
    """Return the description of phase ``number`` (1–3)."""
    return PHASES[number]


def condition_label(condition: Condition) -> str:
    """Return the plain name of a condition."""
    return CONDITIONS[condition].label
