"""What the demo therapists write after a visit, per client, discipline and phase.

Plain English, no clinical shorthand: the care team reads the clinical parts, the client reads
only the summary and next steps. Variants are used in turn so that weekly notes don't repeat.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Discipline

M = Discipline.MASSAGE
P = Discipline.PHYSIO


@dataclass(frozen=True)
class Notes:
    """A therapist's words for one phase: the first entry of each list is for the first visit
    of the phase, the others are used in turn after that."""

    treatment: tuple[str, ...]
    findings: tuple[str, ...]
    plan: str
    handover: str
    summary: tuple[str, ...]
    next_steps: str


FLARE_ADVICE = {
    M: "Kept the pressure light because of the flare.",
    P: "Eased the programme back for a few days and talked through what set it off.",
}

REVIEW = Notes(
    treatment=(
        "Four-weekly review: went through the diary, the exercise log and the goals together; "
        "retested the movements that matter for the goals.",
    ),
    findings=("Goals reviewed with the client.",),
    plan="Goals and programme agreed for the next four weeks; next review then.",
    handover="Four-weekly review done; the plan above stands.",
    summary=(
        "We looked back over the last four weeks together: your diary, your exercises and how "
        "close you are to your goals.",
    ),
    next_steps="Keep going with your home programme as it is, and keep your diary going: it is "
    "what we look at first at the next review.",
)

MISSED = Notes(
    treatment=("Did not attend; no message beforehand.",),
    findings=(),
    plan="Phoned and left a message offering another time. Next week's visit stays booked.",
    handover="Missed today's visit; please ask how things are going at the next one.",
    summary=(),
    next_steps="",
)

GENERIC: dict[tuple[Discipline, int], Notes] = {
    (M, 1): Notes(
        treatment=(
            "Massage to the painful area and the muscles around it; slow, moderate pressure.",
        ),
        findings=("Muscles tight and tender; eased by the end.",),
        plan="Weekly massage to ease pain and tension while the physiotherapy gets going.",
        handover="Tension eased well today.",
        summary=("We worked on the tight, sore muscles. They loosened up well by the end.",),
        next_steps="Keep moving gently and use heat in the evening if it helps.",
    ),
    (M, 2): Notes(
        treatment=("Massage to free up the stiff areas before the exercises.",),
        findings=("Less tender than in the first weeks; some tightness left.",),
        plan="Massage to support the mobility work.",
        handover="Freed up the stiff areas, so the exercises should feel easier.",
        summary=("We freed up the stiff areas so your exercises feel easier.",),
        next_steps="Keep up your home programme; stretches feel easier straight after massage.",
    ),
    (M, 3): Notes(
        treatment=("Targeted massage for the tension that is left.",),
        findings=("Only mild tightness left.",),
        plan="Massage now and then for residual tension.",
        handover="Only mild tightness left.",
        summary=("We worked on the little tension that is left.",),
        next_steps="Keep up your strength work.",
    ),
    (P, 1): Notes(
        treatment=("Reviewed pain and movement; gentle exercises and advice on pacing.",),
        findings=("Moving within comfort; pain settling slowly.",),
        plan="Settle pain with gentle movement; progress when pain is steady.",
        handover="Gentle massage to ease tension would help.",
        summary=("We went through your gentle exercises and how to pace your day.",),
        next_steps="Do your exercises little and often, and keep your diary going.",
    ),
    (P, 2): Notes(
        treatment=("Mobility and first strength work; checked the home programme.",),
        findings=("Moving more freely; strength still building.",),
        plan="Build mobility and first strength.",
        handover="Massage to the stiff areas would help the exercises.",
        summary=("We worked on how you move and added some first strength exercises.",),
        next_steps="Do your programme most days.",
    ),
    (P, 3): Notes(
        treatment=("Progressed strength work; planned the return to full activity.",),
        findings=("Strong and confident with everyday tasks.",),
        plan="Build strength and a plan to keep going alone.",
        handover="Targeted massage for residual tension only.",
        summary=("We made your strength exercises harder and planned what comes next.",),
        next_steps="Keep up your strength work three times a week.",
    ),
}

NOTES: dict[str, dict[tuple[Discipline, int], Notes]] = {
    "Alex Morgan": {
        (M, 1): Notes(
            treatment=(
                "Massage to the neck, upper back and right shoulder, lying face down and then on "
                "the side; slow, moderate pressure.",
                "Massage to the top of the shoulders and the muscles between the shoulder blades; "
                "gentle stretches of the right side of the neck.",
                "Massage to the neck and right shoulder, then the chest muscles; slow stretches "
                "of the side of the neck.",
            ),
            findings=(
                "Top of the right shoulder and the side of the neck tight and tender; eased "
                "noticeably by the end.",
                "Less guarding than last week; still tight between the shoulder blades on the "
                "right.",
                "Right side of the neck softer than before; the top of the shoulder tightens "
                "again after long days at the desk.",
            ),
            plan="Weekly massage to settle tension while pain is high; moderate pressure.",
            handover="Tension eases with massage but comes back after long days at the desk; "
            "worth a look at his set-up.",
            summary=(
                "We worked on the tight muscles across your neck and right shoulder. They "
                "loosened up well by the end.",
                "Massage for your neck and upper back. The right side was less tender than last "
                "week.",
            ),
            next_steps="Take a short break from the screen every 30 to 45 minutes and roll your "
            "shoulders. A warm shower or a heat pack can help in the evening.",
        ),
        (P, 1): Notes(
            treatment=(
                "Checked neck and shoulder movement; practised chin nods and gentle neck turns; "
                "advice on desk set-up and sleeping position.",
                "Reviewed the home exercises; gentle neck movement and shoulder blade setting; "
                "talked through why pain settles gradually.",
                "Checked the chin nods and neck turns; added shoulder rolls; talked about sleeping "
                "with one pillow rather than two.",
            ),
            findings=(
                "Turning to the right limited by about a quarter and sore at the end. Shoulder "
                "movement full. Arm strength and feeling normal.",
                "Turning to the right better than last week, still stiff at the end. Chin nods "
                "done well.",
                "Turning to the right about three-quarters of range. Sleeping better; waking "
                "once most nights.",
            ),
            plan="Settle pain first with gentle movement and posture breaks. Move on to phase 2 "
            "once pain stays at 3/10 or below and he sleeps through.",
            handover="Keep pressure moderate on the right; he is doing his chin nods daily.",
            summary=(
                "We checked how your neck and shoulder move and went through two gentle "
                "exercises. Your neck is stiff, but the strength and feeling in your arm are "
                "normal, which is reassuring.",
                "Your neck turns further to the right than last week. We went through your "
                "exercises and your desk set-up.",
            ),
            next_steps="Do your chin nods and neck turns twice a day. Raise your screen so the "
            "top is at eye level, and get up from your desk every 45 minutes.",
        ),
        (M, 2): Notes(
            treatment=(
                "Massage to the neck, upper back and right shoulder, then the chest muscles to "
                "help the shoulders open out. Lying on the left side only.",
                "Massage to the upper back and around the right shoulder blade; chest and side "
                "of neck stretches before his exercises. Lying on the left side only.",
            ),
            findings=(
                "Much less tender than in the first weeks. Mild tightness at the top of the "
                "right shoulder after a long week at work.",
                "Chest muscles tight on both sides; the area around the right shoulder blade is "
                "soft and comfortable now.",
            ),
            plan="Focus on what limits his exercises: chest and upper back.",
            handover="Chest and upper back freed up today, so the rows and shoulder blade "
            "exercises should feel easier.",
            summary=(
                "We freed up your upper back and chest so your shoulders can sit back more "
                "easily during your exercises.",
                "The tight spot at the top of your right shoulder has almost gone. We worked on "
                "your chest and upper back.",
            ),
            next_steps="Try the doorway chest stretch after swimming. Tell us if the tightness "
            "builds up again towards the end of the week.",
        ),
        (P, 2): Notes(
            treatment=(
                "Longer chin tuck holds; started band rows and shoulder blade squeezes; looked at "
                "his breathing to the right in front crawl.",
                "Reviewed the home programme; added wall slides; planned his return to swimming.",
            ),
            findings=(
                "Turning nearly full and comfortable both ways. Holds chin tucks for 10 seconds "
                "without neck pain.",
                "Neck sore after long work days but settling overnight. Shoulder blade control "
                "good on the left, tiring sooner on the right.",
            ),
            plan="Build endurance of the deep neck and shoulder blade muscles; longer holds; "
            "aim for 20 lengths within the month.",
            handover="Neck itself is no longer the main problem; chest and upper back are.",
            summary=(
                "Your neck moves almost fully now. We made your chin tucks a bit harder and "
                "added a rowing exercise with a band.",
                "We went through your exercises and planned your return to swimming: start with "
                "10 lengths, mixing in some backstroke.",
            ),
            next_steps="Do your programme most days and note in your diary how your neck feels "
            "after swimming. Breathe to both sides if you can.",
        ),
    },
    "Jordan Lee": {
        (P, 1): Notes(
            treatment=(
                "Checked the left knee; advice on ice and compression; thigh muscle tightening, "
                "straight-leg raises and heel slides.",
                "Reviewed swelling and the home exercises; 10 minutes on the bike; practised "
                "walking without a limp.",
                "Added mini squats and calf raises; 15 minutes on the bike; balance on the left "
                "leg.",
            ),
            findings=(
                "Mild swelling of the left knee, bending to about 110 degrees. Knee stable. "
                "Walks with a slight limp.",
                "Swelling going down; the knee bends further than last week. Thigh muscles "
                "switching on well.",
                "Only slight swelling after a busy day. Walking without a limp; squats to a "
                "chair comfortable.",
            ),
            plan="Calm the knee, get full bend and straightening back, then load it. Phase 2 "
            "when the swelling has gone and sit-to-stand is pain-free.",
            handover="Calf and thigh muscles working hard because of the limp.",
            summary=(
                "Your knee is a little swollen but stable. We started gentle exercises to get "
                "your thigh muscles working and the knee bending again.",
                "The swelling is going down and your knee bends further than last week.",
            ),
            next_steps="Do your knee exercises three times a day, little and often. Ice for 15 "
            "minutes after activity if the knee feels warm. No running yet.",
        ),
        (P, 2): Notes(
            treatment=(
                "Step-ups, bridges and split squats; single-leg balance; checked a gentle jog.",
                "Higher step-ups; started a walk-jog plan; talked through how much soreness is "
                "fine after exercise.",
                "Split squats with weights; hopping on the spot; reviewed his walk-jog diary.",
            ),
            findings=(
                "No swelling. Full bend and straightening. Left thigh still weaker than the right "
                "on single-leg sit-to-stand.",
                "Knee comfortable on step-ups; aches going downhill on his runs.",
                "Hops on the left leg with good control; the left thigh is catching up with the "
                "right.",
            ),
            plan="Build strength with gradual loading; walk-jog three times a week; review at "
            "four weeks.",
            handover="Calves tight since he started running again; recovery massage would help.",
            summary=(
                "Your knee is strong enough for step-ups and split squats now, so we made them "
                "a bit harder.",
                "We started your walk-jog plan. Some soreness the next day is fine as long as it "
                "settles within a day.",
            ),
            next_steps="Walk-jog three times a week on flat ground and log your pain after each "
            "run. Leave hills for now.",
        ),
    },
    "Chloe Bennett": {
        (P, 1): Notes(
            treatment=(
                "Looked at how she sits and moves; upper-back rotations and shoulder blade "
                "setting; desk set-up advice.",
                "Reviewed the home programme; added upper-back extension over a rolled towel; "
                "practised sitting with less effort.",
            ),
            findings=(
                "Rounded upper back and head forward when sitting; upper back stiff bending "
                "back and turning. No arm symptoms.",
                "Upper back moving better; slumps again after about 20 minutes of sitting.",
            ),
            plan="Ease the upper-back ache with movement breaks and mobility; build up sitting "
            "time. Strength work once the ache is steady at 3/10 or below.",
            handover="Chest and tops of the shoulders tight; she finds upper-back massage helps.",
            summary=(
                "We looked at how you sit and move. Your upper back is stiff, which is very "
                "common with desk work, and we started two exercises to loosen it.",
                "Your upper back is moving better. We added an exercise over a rolled towel to "
                "help it straighten.",
            ),
            next_steps="Set a reminder to move every 30 minutes at work. Do your upper-back "
            "exercises once a day, at lunchtime if you can.",
        ),
        (M, 1): Notes(
            treatment=(
                "Massage to the upper back, neck and shoulders, with chest stretches.",
                "Massage between the shoulder blades and to the back of the neck; gentle chest "
                "stretches lying on her back.",
            ),
            findings=(
                "Tight and tender between the shoulder blades, more on the left. Eased well.",
                "Tops of both shoulders tight after a heavy week at work.",
            ),
            plan="Massage every other week to ease tension while she builds the habit of "
            "movement breaks.",
            handover="Tension eases with massage but is back by the end of the week; movement "
            "breaks are the key.",
            summary=(
                "We worked on the tight muscles between your shoulder blades and across your "
                "shoulders.",
                "Massage for your upper back and neck, and some stretches to open out your chest.",
            ),
            next_steps="Keep your movement breaks going at work, and try the chest stretch in a "
            "doorway at the end of the day.",
        ),
    },
    "Daniel Evans": {
        (P, 2): Notes(
            treatment=(
                "Back mobility: knee rolls, cat-camel and hip hinge practice; bending to pick up "
                "a box.",
                "Reviewed the home exercises; added bridges and bird dogs; talked about staying "
                "active through a flare-up.",
                "Hip hinge with a broomstick along the back; walking plan up to 30 minutes; "
                "practised getting up from the floor.",
            ),
            findings=(
                "Bends forward to mid-shin, comfortable. Stiff first thing in the morning, "
                "easing within half an hour.",
                "Moves more freely; good hip hinge with reminders. Left buttock tight at the end "
                "of the day.",
                "Gets up from the floor without using his hands. Walks 30 minutes comfortably.",
            ),
            plan="Get him moving confidently; strength work once he bends and walks comfortably "
            "and keeps up his exercises.",
            handover="Low back and left buttock tight after gardening; massage there helps him "
            "move.",
            summary=(
                "Your back is bending further and more comfortably. We practised bending to lift "
                "a box from the floor.",
                "We added two exercises, bridges and bird dogs, to start building strength "
                "around your back.",
            ),
            next_steps="Keep moving through the day, and do your exercises once a day. Short "
            "spells of gardening are fine; change position every 20 minutes.",
        ),
        (P, 3): Notes(
            treatment=(
                "Strength: kettlebell deadlifts, split squats and side planks; practised lifting "
                "a 12 kg bag from the floor.",
                "Deadlifts up to 16 kg; farmer's carry; planned an hour of gardening.",
                "Carrying and lifting practice with a 15 kg bag; step-ups with weights; side "
                "planks.",
            ),
            findings=(
                "Lifts 12 kg from the floor with good form and no pain.",
                "Confident lifting; side plank 30 seconds each side. Left buttock still tightens "
                "after long days.",
                "Carries 15 kg up a step with good control. Gardened for 40 minutes at the weekend "
                "with breaks.",
            ),
            plan="Build strength for lifting his daughter and gardening; visits every other week "
            "once he manages an hour of gardening without a flare.",
            handover="Strength work going well; massage to the left buttock and low back for the "
            "tension that is left.",
            summary=(
                "You lifted 12 kg from the floor with good form and no pain. That is about what "
                "your daughter weighs, so we are on track.",
                "We made your deadlifts heavier and planned an hour in the garden, with breaks.",
            ),
            next_steps="Do your strength exercises three times a week. In the garden, kneel "
            "rather than bend for weeding, and change jobs every 20 minutes.",
        ),
        (M, 2): Notes(
            treatment=(
                "Massage to the low back and left buttock, lying face down; gentle hip stretches.",
                "Massage to the low back, left buttock and the back of the left thigh.",
                "Massage to the low back and both buttocks; stretches for the hips and the back "
                "of the thighs.",
            ),
            findings=(
                "Low back and left buttock tight; eased well. No pain down the leg.",
                "Less tight than last week; one tender spot in the left buttock.",
                "Low back much softer; backs of the thighs tight after a day of gardening.",
            ),
            plan="Massage to the low back and left buttock to help his mobility work.",
            handover="Low back freed up well today; hip hinge should feel easier.",
            summary=(
                "We worked on the tight muscles in your low back and left buttock.",
                "Massage for your low back and left hip. The tight spot in your buttock eased "
                "by the end.",
            ),
            next_steps="Walk for 10 minutes after sitting for a long time, and do your knee "
            "rolls in the evening.",
        ),
        (M, 3): Notes(
            treatment=(
                "Targeted massage to the left buttock and hip muscles after his strength work.",
                "Massage to the low back and left hip; stretches for the front of the hips.",
                "Massage to the left buttock and the outside of the left hip; hip stretches.",
            ),
            findings=(
                "Left buttock tight and tender at one spot; eased with sustained pressure.",
                "Only mild tightness left in the low back.",
                "Outside of the left hip tight after the step-ups; eased well.",
            ),
            plan="Targeted massage for what is left; may space visits out as his strength grows.",
            handover="Tension now mostly in the left buttock after heavier lifting days.",
            summary=(
                "We eased the tight spot in your left buttock that builds up after lifting.",
                "Only a little tightness left in your low back. We stretched the front of your "
                "hips too.",
            ),
            next_steps="Use the ball against a wall on the left buttock for a minute after your "
            "strength exercises.",
        ),
    },
    "Fatima Khan": {
        (P, 1): Notes(
            treatment=(
                "Checked the right forearm, wrist and neck; forearm and wrist stretches; looked "
                "at her keyboard and mouse set-up.",
            ),
            findings=(
                "Tender over the forearm muscles on the right; grip a little weaker than the "
                "left. Feeling normal.",
            ),
            plan="Settle forearm pain with workload changes and gentle stretches; grip strength "
            "once pain is steady.",
            handover="Forearm muscles tight from wrist to elbow on the right; gentle massage "
            "should help.",
            summary=(
                "We checked your forearm, wrist and neck. The pain comes from overworked forearm "
                "muscles, and we went through changes at your desk to give them a rest.",
            ),
            next_steps="Take a 2-minute break every half hour of typing and do your forearm "
            "stretches then. Keep your wrists straight on the keyboard.",
        ),
        (M, 1): Notes(
            treatment=("Massage to the right forearm, wrist and hand, and to the upper back.",),
            findings=("Forearm muscles tight and tender on the right; eased by the end.",),
            plan="Massage every other week to ease forearm tension while her desk changes "
            "settle in.",
            handover="Forearm tension eased well; the stretches at work seem to help.",
            summary=("We worked on the tight muscles in your right forearm and hand.",),
            next_steps="Keep up the stretches at work. A soft ball rolled along your forearm in "
            "the evening can help.",
        ),
    },
    "Oliver Price": {
        (P, 1): Notes(
            treatment=(
                "Knee bending and straightening exercises; walking with one stick; stairs one "
                "step at a time.",
                "Checked swelling and the scar; heel slides and sit-to-stand; 5 minutes on the "
                "bike with no resistance.",
            ),
            findings=(
                "Right knee bends to 90 degrees and straightens to about 5 degrees short. "
                "Moderate swelling. Scar healing well.",
                "Knee bends to 100 degrees. Walking steadier with one stick indoors.",
            ),
            plan="Follow the surgeon's plan: more bend and full straightening, then walking "
            "outdoors with one stick.",
            handover="Thigh and calf muscles tight on the right; gentle massage away from the "
            "scar may help later.",
            summary=(
                "Your knee is bending a bit further each week. We practised walking with one "
                "stick and the stairs.",
                "Your knee bends to 100 degrees now, up from 90. The scar is healing well.",
            ),
            next_steps="Do your knee exercises three times a day and ice for 15 minutes "
            "afterwards. Walk little and often: 5 to 10 minutes at a time.",
        ),
    },
    "Ruby Clarke": {
        (P, 1): Notes(
            treatment=(
                "Gentle neck movement within comfort; heat and pacing advice during the flare.",
                "Reviewed the flare; gentle neck turns and hip circles; a daily walking plan.",
            ),
            findings=(
                "Turning to the right about half range and sore; hip comfortable. Flare "
                "settling slowly.",
                "Flare easing; turning a little further. Sleeping better.",
            ),
            plan="Calm the flare with gentle movement and pacing; back to mobility work once it "
            "has settled for a week.",
            handover="Keep massage gentle while the flare settles; warmth on the neck helps her.",
            summary=(
                "Your neck has flared up, which happens in recovery. We kept the exercises "
                "gentle and talked about pacing your day.",
                "The flare is easing and you are sleeping better. We added gentle hip circles.",
            ),
            next_steps="Keep the neck turns small and comfortable, and use heat before them. A "
            "short walk every day helps.",
        ),
        (P, 2): Notes(
            treatment=(
                "Neck turning with a towel for support; hip stretches; practised looking over "
                "her shoulder sitting as in the car.",
                "Progressed the neck exercises; added shoulder blade work and hip bridges.",
            ),
            findings=(
                "Turning to the right about three-quarters of range, comfortable. Right hip "
                "stiff turning in.",
                "Turns far enough to check the blind spot on the left; the right is still short.",
            ),
            plan="Build neck and hip mobility; reversing the car comfortably is the goal to track.",
            handover="Upper back tight by the end of the week.",
            summary=(
                "Your neck turns further than at any point so far. We practised looking over "
                "your shoulder as you would when reversing.",
                "We added exercises for your shoulder blades and your hip.",
            ),
            next_steps="Practise the towel neck turns twice a day, and the seated shoulder check "
            "in the car before you drive off.",
        ),
        (M, 1): Notes(
            treatment=(
                "Gentle massage to the neck and upper back with warmth; light pressure.",
                "Short, light massage to the neck and shoulders.",
            ),
            findings=(
                "Neck muscles guarded on the right; eased a little by the end.",
                "Less guarding than last time; no increase in pain after the last massage.",
            ),
            plan="Light, short sessions until the flare settles.",
            handover="Tolerated light massage well; no increase in pain afterwards.",
            summary=(
                "A gentle massage for your neck and upper back, with warmth, to help the flare "
                "settle.",
                "Light massage for your neck and shoulders. It's fine to keep it gentle while "
                "things settle.",
            ),
            next_steps="Use heat on your neck in the evening and keep up your short walks.",
        ),
        (M, 2): Notes(
            treatment=(
                "Massage to the neck, upper back and right hip; gentle neck stretches.",
                "Massage to the upper back and right side of the neck, then the right hip.",
            ),
            findings=(
                "Neck muscles much less guarded; right hip muscles tight.",
                "Upper back tight after a busy week; eased well.",
            ),
            plan="Massage to support her mobility work: neck, upper back and right hip.",
            handover="Right hip muscles tight; hip stretches may feel easier after massage.",
            summary=(
                "We worked on your neck, upper back and right hip so your exercises feel easier.",
                "Massage for your upper back and the right side of your neck.",
            ),
            next_steps="Do your neck exercises after a warm shower, when the muscles are looser.",
        ),
    },
    "Ethan Brown": {
        (P, 2): Notes(
            treatment=(
                "Hamstring bridges, assisted hamstring lowers and gentle stretching; brisk "
                "walking and easy jogging.",
                "Progressed bridges to single leg; jogging at an easy pace.",
                "Hamstring lowers with less help; strides at 60% speed on grass.",
            ),
            findings=(
                "Hamstring pain 2/10 at the end of a stretch. Bridges comfortable.",
                "Jogs without pain; hamstring length nearly equal to the other side.",
                "Strides at 60% comfortable; slight tightness the next morning only.",
            ),
            plan="Build hamstring strength and length; running drills once full range is back "
            "and loading stays below 2/10.",
            handover="Hamstring tight after training; recovery massage to the back of the thigh "
            "would help.",
            summary=(
                "Your hamstring is coping well with bridges, so we added harder lowering work.",
                "You jogged without pain today. We moved you on to single-leg bridges.",
            ),
            next_steps="Hamstring exercises every other day, and easy jogs on the days between.",
        ),
        (P, 3): Notes(
            treatment=(
                "Running drills: build-ups to 80% speed and changes of direction; hamstring "
                "lowers; single-leg deadlifts.",
                "Sprint build-ups to 90%; touch football drills with turns and stops.",
                "Repeated sprints with short rests; single-leg deadlifts with weights.",
            ),
            findings=(
                "Full hamstring range; no pain sprinting at 80%.",
                "Hamstring strength close to the other side; confident on turns.",
                "No tightness after repeated sprints; trained fully with the team once this week.",
            ),
            plan="Back to full training over three weeks; keep the hamstring lowers twice a "
            "week all season.",
            handover="Recovery massage after heavy training weeks as he builds up to match play.",
            summary=(
                "You sprinted at 80% with no pain. We started drills for changing direction.",
                "Your hamstring is nearly as strong as the other side. We practised match-like "
                "turns and stops.",
            ),
            next_steps="Two training sessions this week, not three. Keep the hamstring lowers "
            "going twice a week.",
        ),
    },
    "Isla Taylor": {
        (M, 1): Notes(
            treatment=("Massage to the neck, upper back and right shoulder; gentle stretches.",),
            findings=("Top of the right shoulder tight and tender; eased by the end.",),
            plan="Weekly massage to ease tension while pain is high.",
            handover="Very tense across the right shoulder; ask about her sleeping position.",
            summary=("We worked on the tight muscles across your neck and right shoulder.",),
            next_steps="Try a heat pack on your shoulder before bed.",
        ),
        (P, 1): Notes(
            treatment=(
                "Checked neck and shoulder movement; chin nods and shoulder rolls; advice on "
                "pillows and carrying bags in both hands.",
                "Reviewed the home exercises and sleep; gentle shoulder movement.",
            ),
            findings=(
                "Neck stiff turning both ways; right shoulder sore lifting above head height. "
                "Arm strength and feeling normal.",
                "Sleeping a little better with one firm pillow. Exercises done some days.",
            ),
            plan="Settle pain with gentle movement and better sleep; build a daily exercise habit.",
            handover="Diary and exercises patchy; encourage little and often.",
            summary=(
                "We checked your neck and shoulder. They are stiff and sore, but strong, and "
                "gentle daily exercise should help them settle.",
                "We talked about sleep and went through your exercises again.",
            ),
            next_steps="Do your chin nods and shoulder rolls once a day, even on busy days: two "
            "minutes is enough. Split shopping into two bags.",
        ),
    },
}


def notes_for(client: str, discipline: Discipline, phase: int) -> Notes:
    """The note text for this client's visit in ``phase``, else the nearest phase, else generic."""
    mine = NOTES.get(client, {})
    for nearest in sorted((1, 2, 3), key=lambda p: (abs(p - phase), p)):
        if (discipline, nearest) in mine:
            return mine[(discipline, nearest)]
    return GENERIC[(discipline, phase)]
