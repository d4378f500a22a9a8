"""Forms for prescribing, changing and logging exercises."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from ..fields import WholeNumber
from ..models import Difficulty
from .services import NOTE_MAX
from .services import REASON_MAX
from .services import Dose


def _reason_field(description: str) -> TextAreaField:
    return TextAreaField(
        "Why",
        validators=[
            DataRequired("Say why, so the client and the care team know."),
            Length(max=REASON_MAX, message=f"Keep it under {REASON_MAX} characters."),
        ],
        description=description,
        render_kw={"rows": 2, "maxlength": REASON_MAX},
    )


def _count(label: str, low: int, high: int, required: bool = True) -> WholeNumber:
    first = InputRequired(f"Enter a number from {low} to {high}.") if required else Optional()
    return WholeNumber(
        label,
        validators=[first, NumberRange(low, high, f"Use a number from {low} to {high}.")],
        render_kw={"inputmode": "numeric", "min": low, "max": high},
    )


class DoseForm(FlaskForm):
    sets = _count("Sets", 1, 10)
    reps = _count("Reps (or holds) per set", 1, 50, required=False)
    hold_seconds = _count("Hold, seconds", 1, 600, required=False)
    rest_seconds = _count("Rest between sets, seconds", 0, 600)
    frequency = RadioField(
        "How often",
        choices=[SelectChoice("day", "Times a day"), SelectChoice("week", "Days a week")],
        validators=[InputRequired("Choose times a day or days a week.")],
    )
    how_often = _count("How many", 1, 7)
    each_side = BooleanField("Each side")
    note = TextAreaField(
        "Personal note for the client",
        validators=[Length(max=NOTE_MAX, message=f"Keep it under {NOTE_MAX} characters.")],
        description="Optional, e.g. 'Keep the movement small on bad days.'",
        render_kw={"rows": 2, "maxlength": NOTE_MAX},
    )
    reason = _reason_field("The client sees this with the change.")

    def fill(self, dose: Dose, note: str = "") -> None:
        """Show an existing dose in the form."""
        self.sets.data = dose.sets
        self.reps.data = dose.reps
        self.hold_seconds.data = dose.hold_seconds
        self.rest_seconds.data = dose.rest_seconds
        self.frequency.data = "day" if dose.times_per_day else "week"
        self.how_often.data = dose.times_per_day or dose.days_per_week
        self.each_side.data = dose.each_side
        self.note.data = note

    def validate_how_often(self, field: WholeNumber) -> None:
        if self.frequency.data == "day" and field.data is not None and field.data > 6:
            raise ValidationError("At most 6 times a day.")

    @property
    def dose(self) -> Dose:
        per_day = self.frequency.data == "day"
        return Dose(
            sets=self.sets.data,
            reps=self.reps.data,
            hold_seconds=self.hold_seconds.data,
            rest_seconds=self.rest_seconds.data,
            times_per_day=self.how_often.data if per_day else None,
            days_per_week=None if per_day else self.how_often.data,
            each_side=bool(self.each_side.data),
        )


class ReasonForm(FlaskForm):
    reason = _reason_field("The client sees this.")


class ReplaceForm(FlaskForm):
    to = RadioField("Change to", validators=[InputRequired("Choose the exercise to change to.")])
    reason = _reason_field("The client sees this with the change.")
    approve_post_op = BooleanField(
        "I confirm the surgeon's protocol allows this progression",
    )


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[InputRequired()])


class SeenForm(FlaskForm):
    version = WholeNumber(validators=[InputRequired()])


class LogForm(FlaskForm):
    client_entry_id = HiddenField(validators=[InputRequired()])
    with_timer = HiddenField(default="0")


class RatingForm(FlaskForm):
    pain_during = RadioField(
        "Pain during the exercise",
        choices=[SelectChoice(str(n), str(n)) for n in range(11)],
        validators=[Optional()],
    )
    difficulty = RadioField(
        "How did it feel?",
        choices=[SelectChoice(d.value, d.label) for d in Difficulty],
        validators=[Optional()],
    )
